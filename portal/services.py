"""Writes of the public portal: the throttled progress query (the application itself is
`cases.services.online.case_apply_online`)."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case
from jiuzhu.errors import ApplicationError

from .models import PublicAttempt

WINDOW = timedelta(minutes=15)
# Six digits are a 1-in-a-million guess, so a handful of tries per address and a few more per
# case number (against guessing from many addresses) keep a case practically unguessable.
IP_LIMIT = 5
CASE_LIMIT = 10
NUMBER_MAX = 32


def normalize_number(raw: str) -> str:
    return raw.strip().upper()[:NUMBER_MAX]


def progress_throttled(*, ip: str, number: str) -> bool:
    recent = PublicAttempt.objects.filter(at__gte=timezone.now() - WINDOW)
    return (recent.filter(ip=ip).count() >= IP_LIMIT
            or recent.filter(case_number=normalize_number(number)).count() >= CASE_LIMIT)


def progress_verify(*, ip: str, number: str, id_last6: str) -> Case | None:
    """The case whose number and applicant's last six ID characters both match, else None.

    A throttled client is refused before anything is looked up, so even a right pair gets no
    answer. Unknown number and wrong digits are one failure kind: the caller shows one message.
    """
    number = normalize_number(number)
    if progress_throttled(ip=ip, number=number):
        raise ApplicationError(_("查询过于频繁，请15分钟后再试"), code="throttled")
    case = (Case.objects.select_related("applicant", "programme").filter(number=number).first()
            if number else None)
    expected = case.applicant.id_number[-6:].upper() if case is not None else "-" * 6
    given = id_last6.strip().upper()
    if case is not None and hmac.compare_digest(expected.encode(), given.encode()):
        return case
    now = timezone.now()
    PublicAttempt.objects.filter(at__lt=now - WINDOW).delete()
    PublicAttempt.objects.create(ip=ip, case_number=number, at=now)
    return None
