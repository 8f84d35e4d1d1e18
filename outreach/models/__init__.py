"""Going out to people (domain.md §11): grid workers' visits, the 微心愿 ledger, outreach events."""

from .events import EntryKind, EventEntry, OutreachEvent
from .visits import Visit, VisitKind, VisitPhoto
from .wishes import Satisfaction, Wish, WishCategory, WishSource, WishState

__all__ = [
    "EntryKind", "EventEntry", "OutreachEvent", "Satisfaction", "Visit", "VisitKind",
    "VisitPhoto", "Wish", "WishCategory", "WishSource", "WishState",
]
