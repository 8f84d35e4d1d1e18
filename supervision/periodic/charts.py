"""The report's charts as inline SVG geometry, in the dashboard's house style (dashboard/charts.py):
computed here, written by the template, with the same figures in a data table beside it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .report import Series

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 30, 34
RED, BLUE, GREEN, ORANGE = "#b22222", "#1f4e79", "#2e7d32", "#b26a00"


def axis_top(value: float) -> int:
    """The axis maximum: four ticks of a whole 1, 2 or 5 × 10ⁿ each (the figures are counts)."""
    quarter = max(value / 4, 1)
    power = 10 ** math.floor(math.log10(quarter))
    return 4 * int(next(m * power for m in (1, 2, 5, 10) if m * power >= quarter))


@dataclass(frozen=True)
class Drawn:
    label: str | Promise
    color: str
    values: list[int]
    points: str = ""  # polyline "x,y x,y …" of a line series
    dots: tuple[tuple[float, float, int], ...] = ()
    bars: tuple[tuple[float, float, float, int], ...] = ()  # x, y, height, value


def _chart(series: Series, bar: tuple[str, str | Promise, str] | None,
           lines: list[tuple[str, str | Promise, str]]) -> dict[str, Any]:
    """One y axis of counts: an optional bar series and any number of line series."""
    wanted = ([bar] if bar else []) + lines
    top = axis_top(float(max((v for key, _l, _c in wanted for v in series.values[key]),
                              default=0)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(series.periods)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - value / top), 1)

    def x(i: int) -> float:
        return round(LEFT + (i + 0.5) * slot, 1)

    drawn = []
    if bar:
        key, label, color = bar
        values = [int(v) for v in series.values[key]]
        drawn.append(Drawn(label, color, values, bars=tuple(
            (round(LEFT + i * slot + slot * 0.2, 1), y(v), round(plot_h * v / top, 1), v)
            for i, v in enumerate(values))))
    for key, label, color in lines:
        values = [int(v) for v in series.values[key]]
        dots = tuple((x(i), y(v), v) for i, v in enumerate(values))
        drawn.append(Drawn(label, color, values, points=" ".join(f"{a},{b}" for a, b, _v in dots),
                           dots=dots))
    return {
        "series": drawn, "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT,
        "bottom": TOP + plot_h, "bar_width": round(slot * 0.6, 1), "label_y": HEIGHT - 12,
        "ticks": [(y(top * k // 4), top * k // 4) for k in range(5)],
        "labels": [(x(i), p.short_label, p.label) for i, p in enumerate(series.periods)],
        "legend": [(LEFT + 110 * i, d.label, d.color, bool(d.bars)) for i, d in enumerate(drawn)],
        "rows": [(p.label, [d.values[i] for d in drawn]) for i, p in enumerate(series.periods)],
        "has_data": any(v for d in drawn for v in d.values),
    }


def report_charts(series: Series) -> list[dict[str, Any]]:
    """New applications against decisions, and the three service queues' intake."""
    cases = _chart(series, ("cases_new", _("新申请"), RED),
                   [("cases_decided", _("审批决定"), BLUE)])
    queues = _chart(series, None, [("tk_received", _("热线工单受理"), BLUE),
                                   ("wish_collected", _("微心愿收集"), GREEN),
                                   ("warn_raised", _("监测预警新增"), ORANGE)])
    return [
        cases | {"id": "chart-cases", "title": _("救助申请与审批决定"),
                 "desc": _("柱形为各期新申请件数，折线为批准与不予批准件数之和；数据见下表。")},
        queues | {"id": "chart-queues", "title": _("热线工单、微心愿与监测预警"),
                  "desc": _("三条折线分别为各期受理的热线工单、收集的微心愿和新增的监测预警；数据见下表。")},
    ]
