from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema

from jiuzhu.errors import ApplicationError

from .workdays import add_working_days as compute

router = Router(tags=["calendar"])


class WorkingDateOut(Schema):
    date: date
    provisional: bool


@router.get("/calendar/add-working-days", response=WorkingDateOut, url_name="add_working_days",
            auth=None)
def add_working_days(request: HttpRequest, start: date, days: int) -> WorkingDateOut:
    if not 0 <= days <= 1000:
        raise ApplicationError("工作日天数须在 0 到 1000 之间", field="days")
    result = compute(start, days)
    return WorkingDateOut(date=result.date, provisional=result.provisional)
