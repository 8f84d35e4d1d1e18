"""Public self-check: the same engine the clerks use, with money as strings (never floats)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema

from .calculator import IncomeInput, MemberInput, calculate_dibao

router = Router(tags=["calculator"])


class IncomeIn(Schema):
    type: str
    monthly_amount: str | int | float


class MemberIn(Schema):
    incomes: list[IncomeIn] = []
    categories: list[str] = []


class DibaoIn(Schema):
    region_code: str
    on_date: date
    members: list[MemberIn]
    urban_rural: str = ""


class StepOut(Schema):
    label: str
    amount: str
    note: str


class DibaoOut(Schema):
    eligible: bool
    amount: str
    standard: str
    per_capita_income: str
    breakdown: list[StepOut]


@router.post("/calculator/dibao", response=DibaoOut, url_name="calculator_dibao", auth=None)
def calculator_dibao(request: HttpRequest, payload: DibaoIn) -> DibaoOut:
    result = calculate_dibao(
        region_code=payload.region_code, on_date=payload.on_date, urban_rural=payload.urban_rural,
        members=[
            MemberInput(incomes=[IncomeInput(i.type, str(i.monthly_amount)) for i in m.incomes],
                        categories=m.categories)
            for m in payload.members
        ],
    )
    return DibaoOut(
        eligible=result.eligible, amount=f"{result.amount:.2f}", standard=f"{result.standard:.2f}",
        per_capita_income=f"{result.per_capita_income:.2f}",
        breakdown=[StepOut(label=s.label, amount=f"{s.amount:.2f}", note=s.note)
                   for s in result.breakdown],
    )
