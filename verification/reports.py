"""核对报告: a case's verification, issued as an immutable, versioned report (domain §6).

`case_verify` runs the department matching for the case's counted members, turns the run into
one outcome per member × source × item — 命中 (with value and date), 无记录 (the source is fresh
and has nothing), 无法确定 (the source is stale or missing: never read as "no assets") — feeds the
hits the registry can use into income and asset records, and issues the next report version.
The county admin then confirms the result on the existing 出具核对结果 page, pre-filled here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from audit.services import audit_record
from cases.choices import CaseState, VerificationResult
from cases.models import Case
from cases.workflow import lock
from jiuzhu.errors import ApplicationError
from regions.models import Region
from regions.scoping import region_in_scope
from registry.choices import AssetType, IncomeType, RecordSource
from registry.masking import mask_id, mask_name
from registry.models import AssetRecord, IncomeRecord, Person
from registry.services import asset_add, income_add

from . import services
from .models import (
    Consequence,
    DataSource,
    Finding,
    ReportOutcome,
    RunPerson,
    SourceItem,
    VerificationReport,
    VerificationRun,
)

OK = "ok"


def _value(finding: Finding) -> str:
    if finding.value_num is not None:
        return f"{finding.value_num:.2f}"
    if finding.value_date is not None:
        return finding.value_date.isoformat()
    return finding.value_text


def suggested_result(summary: dict[str, Any]) -> str:
    """Ineligible → fail; review or suspend (e.g. a member's death record) → explain; else pass.
    A pass with items that cannot be determined still says so in the pre-filled text."""
    if summary.get(Consequence.INELIGIBLE):
        return VerificationResult.FAIL
    if summary.get(Consequence.REVIEW) or summary.get(Consequence.SUSPEND):
        return VerificationResult.EXPLAIN
    return VerificationResult.PASS


@dataclass
class _Built:
    items: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    sources: dict[str, dict[str, str]]
    summary: dict[str, Any]
    hits: list[tuple[Finding, SourceItem | None, dict[str, Any]]]


def _build(run: VerificationRun) -> _Built:
    """Every counted member × every source the run used × every item of that source."""
    persons = [rp.person for rp in
               RunPerson.objects.filter(run=run).select_related("person").order_by("id")]
    findings = list(Finding.objects.filter(run=run).select_related("rule").order_by("id"))
    codes = sorted(set(run.sources) | {f.source_id for f in findings})
    sources = {s.code: s for s in DataSource.objects.filter(code__in=codes)}
    ordered = sorted(sources.values(), key=lambda s: (s.sort_order, s.code))
    items_of: dict[str, list[SourceItem]] = defaultdict(list)
    for described in SourceItem.objects.filter(source__in=codes).order_by("id"):
        items_of[described.source_id].append(described)
    found: dict[tuple[int, str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        found[(f.person_id, f.source_id, f.item)].append(f)
    used = {code: {"name": sources[code].name,
                   "as_of": run.sources.get(code, {}).get("as_of", ""),
                   "status": run.sources.get(code, {}).get("status", "missing")}
            for code in codes if code in sources}

    items: list[dict[str, Any]] = []
    rules: list[dict[str, Any]] = []
    hits: list[tuple[Finding, SourceItem | None, dict[str, Any]]] = []
    for person in persons:
        for source in ordered:
            status = used[source.code]["status"]
            known = items_of[source.code]
            # Facts under a code no item describes are still shown, never dropped.
            extra = sorted({i for (p, s, i) in found if p == person.pk and s == source.code}
                           - {i.code for i in known})
            rows: list[tuple[str, str, SourceItem | None]] = [
                *((i.code, i.label, i) for i in known), *((c, c, None) for c in extra)]
            for code, label, item in rows:
                entry: dict[str, Any] = {
                    "person": person.pk, "name": person.name, "id_number": person.id_number,
                    "source": source.code, "item": code, "label": label, "values": [],
                    "fed": [],
                }
                matches = found.get((person.pk, source.code, code), [])
                if matches:
                    entry["outcome"] = ReportOutcome.HIT.value
                    for f in matches:
                        entry["values"].append({"value": _value(f), "as_of": f.as_of.isoformat(),
                                                "consequence": f.consequence})
                        hits.append((f, item, entry))
                        if f.consequence:
                            rules.append({
                                "person": person.pk, "name": person.name,
                                "source": source.code, "item": code, "label": label,
                                "value": _value(f), "as_of": f.as_of.isoformat(),
                                "consequence": f.consequence,
                                "note": f.rule.note if f.rule else "",
                            })
                elif status == OK:
                    entry["outcome"] = ReportOutcome.NO_RECORD.value
                else:
                    # Domain §6: a stale or missing source cannot vouch for "nothing found".
                    entry["outcome"] = ReportOutcome.CANNOT_DETERMINE.value
                items.append(entry)
    summary: dict[str, Any] = {"members": len(persons)}
    for outcome in ReportOutcome.values:
        summary[outcome] = sum(1 for e in items if e["outcome"] == outcome)
    for consequence in (Consequence.REVIEW, Consequence.INELIGIBLE, Consequence.SUSPEND):
        summary[consequence.value] = sum(1 for r in rules if r["consequence"] == consequence)
    summary["suggested"] = suggested_result(summary)
    return _Built(items, rules, used, summary, hits)


def _feed(actor: Any, hits: list[tuple[Finding, SourceItem | None, dict[str, Any]]],
          people: dict[int, Person], label_of: dict[str, str]) -> None:
    """Hits whose item feeds the registry become income or asset records (source 核对结果).
    A record with the same values already on file (from an earlier report, or declared and
    now confirmed) is referenced, not duplicated, so the calculation never counts it twice."""
    for finding, item, entry in hits:
        if item is None or not item.feeds:
            continue
        kind, _sep, record_type = item.feeds.partition(":")
        person = people[finding.person_id]
        note = f"{label_of[finding.source_id]}·{item.label}（{finding.as_of.isoformat()}）"[:200]
        if kind == "income" and record_type in IncomeType.values:
            if finding.value_num is None:
                continue
            income = IncomeRecord.objects.filter(
                person=person, income_type=record_type, monthly_amount=finding.value_num,
                end_month__isnull=True).order_by("id").first()
            new = income is None
            if income is None:
                income = income_add(actor=actor, person=person, income_type=record_type,
                                    monthly_amount=finding.value_num,
                                    start_month=finding.as_of.replace(day=1),
                                    source=RecordSource.VERIFICATION, note=note)
            entry["fed"].append({"kind": "income", "record": income.pk, "new": new})
        elif kind == "asset" and record_type in AssetType.values:
            value = finding.value_num if finding.value_num is not None else Decimal("0.00")
            asset = AssetRecord.objects.filter(
                household_id=person.household_id, owner=person, asset_type=record_type,
                value=value).order_by("id").first()
            new = asset is None
            if asset is None:
                asset = asset_add(actor=actor, household=person.household,
                                  asset_type=record_type, value=value, as_of=finding.as_of,
                                  description=note, owner=person,
                                  source=RecordSource.VERIFICATION)
            entry["fed"].append({"kind": "asset", "record": asset.pk, "new": new})


def case_verify(*, actor: Any, case_id: int) -> VerificationReport:
    """The county runs 核对 for a case in 经济状况核对 and issues the next report version.

    One transaction: the run, the registry records fed from its hits and the report land
    together or not at all. The case stays in VERIFYING until the county confirms the result.
    """
    if not (actor.is_superuser or getattr(actor, "role", None) == Role.COUNTY_ADMIN):
        raise ApplicationError(_("核对由县级民政部门发起"), code="forbidden")
    with transaction.atomic():
        case = lock(case_id)
        if not region_in_scope(actor, case.village_id):
            raise ApplicationError(_("案件不在您的辖区内"), code="forbidden")
        if case.state != CaseState.VERIFYING:
            raise ApplicationError(_("案件当前不在经济状况核对环节"), code="transition")
        run = services.case_run(actor=actor, case=case)
        built = _build(run)
        people = {p.pk: p for p in Person.objects.filter(
            pk__in={f.person_id for f, _i, _e in built.hits}).select_related("household")}
        _feed(actor, built.hits, people, {c: s["name"] for c, s in built.sources.items()})
        latest = (VerificationReport.objects.filter(case=case)
                  .aggregate(v=Max("version"))["v"] or 0)
        report = VerificationReport.objects.create(
            case=case, run=run, version=latest + 1, issued_at=timezone.now(), issued_by=actor,
            items=built.items, rules=built.rules, sources=built.sources, summary=built.summary,
        )
        audit_record(actor=actor, action="verification.report_issue", obj=report,
                     region_code=case.village_id,
                     after={"case": case.pk, "version": report.version, "run": run.pk,
                            "summary": built.summary})
    return report


def prefill_text(report: VerificationReport) -> str:
    """The 核对情况 text the county admin starts from."""
    s = report.summary
    lines = [_("部门数据比对（核对报告第%(v)s版，%(d)s）：成员%(m)s人，命中%(h)s项，无记录%(n)s项，"
               "无法确定%(c)s项。") % {
        "v": report.version, "d": timezone.localtime(report.issued_at).date().isoformat(),
        "m": s.get("members", 0), "h": s.get(ReportOutcome.HIT, 0),
        "n": s.get(ReportOutcome.NO_RECORD, 0), "c": s.get(ReportOutcome.CANNOT_DETERMINE, 0)}]
    names = {c: v["name"] for c, v in report.sources.items()}
    for e in report.items:
        if e["outcome"] == ReportOutcome.HIT:
            values = "、".join(v["value"] or _("有记录") for v in e["values"])
            lines.append(f"{e['name']}：{names.get(e['source'], e['source'])}·{e['label']} "
                         f"{values}")
    unknown = sorted({names.get(e["source"], e["source"]) for e in report.items
                      if e["outcome"] == ReportOutcome.CANNOT_DETERMINE})
    if unknown:
        lines.append(_("以下数据过期或缺失，相关项目无法确定，不能视为无收入、无财产：%(s)s") % {
            "s": "、".join(unknown)})
    for r in report.rules:
        lines.append(_("%(name)s：%(label)s → %(consequence)s") % {
            "name": r["name"], "label": r["label"],
            "consequence": Consequence(r["consequence"]).label})
    return "\n".join(lines)


def report_prefill(case: Case) -> tuple[VerificationReport | None, dict[str, str]]:
    """The latest report of a case and the form values it suggests (never submitted here)."""
    report = (VerificationReport.objects.filter(case=case).select_related("issued_by")
              .order_by("-version").first())
    if report is None:
        return None, {}
    return report, {"result": report.summary.get("suggested", ""),
                    "summary": prefill_text(report)}


# --- Display ---------------------------------------------------------------------------------


OUTCOME_LABELS = dict(ReportOutcome.choices)
STATUS_LABELS = {"ok": gettext_lazy("有效"), "stale": gettext_lazy("已过期，不能证明无记录"),
                 "missing": gettext_lazy("未提供，不能证明无记录")}


def report_context(report: VerificationReport, *, full: bool) -> dict[str, Any]:
    """Rows for the page and the PDF; ID numbers and names masked unless `full`."""
    names = {c: v["name"] for c, v in report.sources.items()}

    def who(entry: dict[str, Any]) -> tuple[str, str]:
        if full:
            return entry["name"], entry.get("id_number", "")
        return mask_name(entry["name"]), mask_id(entry.get("id_number", ""))

    rows = []
    for e in report.items:
        name, id_number = who(e)
        rows.append({
            "person": e["person"], "name": name, "id_number": id_number,
            "source": names.get(e["source"], e["source"]), "label": e["label"],
            "outcome": e["outcome"], "outcome_label": OUTCOME_LABELS.get(e["outcome"], ""),
            "values": e["values"], "fed": e.get("fed", []),
        })
    rules = []
    for r in report.rules:
        name, _id = who(r)
        rules.append({**r, "name": name, "source": names.get(r["source"], r["source"]),
                      "consequence_label": Consequence(r["consequence"]).label})
    sources = [{"code": c, "name": v["name"], "as_of": v["as_of"], "status": v["status"],
                "status_label": STATUS_LABELS.get(v["status"], v["status"])}
               for c, v in report.sources.items()]
    suggested = report.summary.get("suggested", "")
    return {
        "report": report, "case": report.case, "rows": rows, "rules": rules,
        "applicant_name": report.case.applicant.name if full
        else mask_name(report.case.applicant.name),
        "sources": sources, "summary": report.summary, "full": full,
        "suggested_label": VerificationResult(suggested).label if suggested else "",
    }


def report_pdf(report: VerificationReport, *, full: bool) -> bytes:
    """The report as an A4 PDF, rendered like the case notices (cases.notices, ADR 0003)."""
    from weasyprint import HTML  # heavy import, needed only when a report is printed

    case = report.case
    county = Region.objects.get(code=case.village_id[:6] + "000000")
    context = report_context(report, full=full) | {
        "title": _("家庭经济状况核对报告"),
        "department": case.programme.department,
        "issuer": _("%(county)s民政局") % {"county": county.name},
        "issued_on": timezone.localtime(report.issued_at).date(),
        "village_name": case.village.full_name(),
    }
    html = render_to_string("verification/report_pdf.html", context)
    return bytes(HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf())
