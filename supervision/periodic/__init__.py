"""Daily, weekly, monthly and quarterly reports of a region (issue 8 item 5, domain.md §13).

periods: what a period is; sources: the aggregate SQL; figures: what is shown and what each
figure counts; report: the report, the charts' series and the dashboard's key figures;
charts: the SVG geometry.
"""

from .periods import Kind, Period
from .report import (
    CURRENT,
    PREVIOUS,
    YEAR_AGO,
    PeriodicReport,
    key_figures,
    periodic_report,
    periodic_series,
)

__all__ = [
    "CURRENT",
    "PREVIOUS",
    "YEAR_AGO",
    "Kind",
    "Period",
    "PeriodicReport",
    "key_figures",
    "periodic_report",
    "periodic_series",
]
