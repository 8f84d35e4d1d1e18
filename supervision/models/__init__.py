"""Supervising the work (domain.md §13, seed 002): ledgers with 销号, the risk register,
sampling checks, performance evaluation and 联席会议 records."""

from .evaluation import Evaluation, EvaluationScheme, Indicator, IndicatorSource, Score
from .ledgers import (
    Evidence,
    ItemSource,
    ItemState,
    LedgerItem,
    ListKind,
    Risk,
    RiskLevel,
    RiskState,
)
from .meetings import Meeting, MeetingItem
from .sampling import Finding, SampleCheck, SamplingRound

__all__ = [
    "Evaluation", "EvaluationScheme", "Evidence", "Finding", "Indicator", "IndicatorSource",
    "ItemSource", "ItemState", "LedgerItem", "ListKind", "Meeting", "MeetingItem", "Risk",
    "RiskLevel", "RiskState", "SampleCheck", "SamplingRound", "Score",
]
