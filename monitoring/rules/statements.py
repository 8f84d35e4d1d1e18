"""One SELECT per rule over the run's population, written once for SQLite and PostgreSQL.

Each returns the warnings the rule would raise, as (person_id, household_id, village_code,
evidence, value, event_key); monitoring.engine inserts them, skipping events already raised
(the unique person, rule, event key). Each starts from its own records and keeps the persons
who are monitored: non-excluded members (p) of a household in the run's table

  mon_household  the monitored households, village, urban/rural, and whether they receive 低保

in a village where the rule is enabled, with the village's setting from

  mon_config     the enabled rules per village (and urban/rural class): threshold and `since`,
                 the earliest date the rule's look-back reaches (monitoring.rules.config).

The main earner (monitoring.rules) is looked up for the few households a rule raises for.

Parameters are named (`%(name)s`); literal text of the evidence is passed as parameters too, so
the sentences are translated like the rest of the interface.
"""

# Set-based SQL over the project's own table names (from model metadata) and the run's temporary
# tables; values are parameters, and the only inlined values are integer ids.
# ruff: noqa: S608

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from benefits.models import Enrollment, RecheckKind, RecheckStatus, RecheckTask
from monitoring.models import RuleCode, Warning
from registry.choices import DisabilityCategory, IncomeType, Relation
from registry.models import Disability, IncomeRecord, Person
from verification.models import (
    Consequence,
    DataSource,
    Finding,
    Snapshot,
    SourceFact,
    SourceItem,
    VerificationRun,
)

from . import (
    DEATH_ITEM,
    DEATH_SOURCE,
    DISASTER_ITEM,
    DISASTER_LOSS_ITEM,
    DISASTER_SOURCE,
    MEDICAL_ITEM,
    MEDICAL_SOURCE,
    SCHOOL_AGES,
    UNEMPLOYMENT_ITEM,
    UNEMPLOYMENT_SOURCE,
)

T = {m.__name__: m._meta.db_table for m in (
    SourceFact, Snapshot, Warning, Disability, IncomeRecord, RecheckTask, Enrollment, Finding,
    VerificationRun, SourceItem, DataSource, Person)}
Params = dict[str, Any]


@dataclass(frozen=True)
class Context:
    """What a run's statements need besides the run's tables."""

    on: date
    # Active snapshots per department source (verification.engine.source_status).
    snapshots: dict[str, list[int]] = field(default_factory=dict)
    # Done verification runs that finished within the longest ASSET_FOUND look-back.
    verification_runs: list[int] = field(default_factory=list)

    @property
    def earner_params(self) -> Params:
        """What income() and earner() need."""
        return {"month": self.on.replace(day=1), "applicant": Relation.APPLICANT.value}


@dataclass(frozen=True)
class Select:
    sql: str
    params: Params


def money(expr: str) -> str:
    """An amount as text with two decimals, the same on both databases."""
    if connection.vendor == "sqlite":
        return f"printf('%%.2f', {expr})"
    return f"CAST(ROUND(CAST({expr} AS numeric), 2) AS text)"


def text(expr: str) -> str:
    return f"CAST({expr} AS text)"


def words(template: str, name: str, **exprs: str) -> tuple[str, Params]:
    """A translated sentence with SQL expressions in its %(placeholders)s, as one SQL text
    expression; its literal pieces become parameters `<name>0`, `<name>2`, …"""
    pieces = re.split(r"%\((\w+)\)s", template)
    sql: list[str] = []
    params: Params = {}
    for i, piece in enumerate(pieces):
        if i % 2:
            sql.append(f"COALESCE({exprs[piece]}, '')")
        elif piece:
            params[f"{name}{i}"] = piece
            sql.append(f"%({name}{i})s")
    return " || ".join(sql), params


def labels(expr: str, choices: Sequence[tuple[Any, Any]], name: str) -> tuple[str, Params]:
    """A code's display label (a TextChoices' choices) as a CASE expression."""
    whens: list[str] = []
    params: Params = {}
    for i, (value, label) in enumerate(choices):
        whens.append(f"WHEN %({name}{i}v)s THEN %({name}{i}l)s")
        params |= {f"{name}{i}v": str(value), f"{name}{i}l": str(label)}
    return f"CASE {expr} {' '.join(whens)} ELSE {expr} END", params


def _snapshots(ids: list[int]) -> str:
    # Integer ids of the active snapshots, a handful: inlined, so each is a plain IN list.
    return ", ".join(str(int(pk)) for pk in ids)


def _newest_only(ids: list[int]) -> str:
    """With several active snapshots of one source (append mode), a person's newest value only
    (latest as_of; of two with the same date, the later upload), as verification.engine does."""
    if len(ids) < 2:
        return ""
    return f"""
      AND NOT EXISTS (
        SELECT 1 FROM {T['SourceFact']} n JOIN {T['Snapshot']} ns ON ns.id = n.snapshot_id
        WHERE n.id_number = f.id_number AND n.item = f.item
          AND n.snapshot_id IN ({_snapshots(ids)})
          AND (ns.as_of > s.as_of OR (ns.as_of = s.as_of AND ns.id > s.id)))"""


def income(person: str) -> str:
    """A person's counted monthly income, as the dibao calculation counts it: records in force
    this month (end_month is the last month included) and not excluded by rule (57号§13)."""
    return f"""COALESCE((SELECT ROUND(SUM(ri.monthly_amount), 2) FROM {T['IncomeRecord']} ri
                        WHERE ri.person_id = {person} AND ri.excluded = FALSE
                          AND ri.start_month <= %(month)s
                          AND (ri.end_month IS NULL OR ri.end_month >= %(month)s)), 0)"""


def earner(household: str) -> str:
    """The household's main earner (monitoring.rules), NULL when every member is excluded."""
    return f"""(SELECT q.id FROM {T['Person']} q
               WHERE q.household_id = {household} AND q.excluded = FALSE
               ORDER BY {income('q.id')} DESC,
                        CASE WHEN q.relation = %(applicant)s THEN 1 ELSE 0 END DESC, q.id
               LIMIT 1)"""


# A rule about the main earner first finds its candidates, then looks the earner up for them
# only. The candidates are a materialized set: otherwise both planners may push the earner
# lookup down to every person a record names, before the rule's own conditions narrow them
# (PostgreSQL at 1M persons: the earner of all 283,000 低保 households, 7.7 s instead of 0.9 s).
OUTPUT = "household_id, village_code, evidence, value, event_key"


def earner_only(candidates: str) -> str:
    """The candidates (person_id, household_id, …) who are their household's main earner."""
    return (f"WITH cand AS MATERIALIZED ({candidates})"
            f" SELECT person_id, {OUTPUT} FROM cand"
            f" WHERE person_id = {earner('cand.household_id')}")


def to_earner(candidates: str) -> str:
    """Household candidates (household_id, …) addressed to their main earner."""
    return (f"WITH cand AS MATERIALIZED ({candidates})"
            f" SELECT {earner('cand.household_id')} AS person_id, {OUTPUT} FROM cand")


def _monitored(person_join: str) -> str:
    """The person a record names, if monitored: a member not excluded, of a monitored household."""
    return (f"JOIN {T['Person']} p ON {person_join} AND p.excluded = FALSE"
            " JOIN mon_household mh ON mh.household_id = p.household_id")


def _config(on: str, kind: str = "''") -> str:
    return (f"JOIN mon_config c ON c.rule = %(rule)s AND c.village_code = {on}"
            f" AND c.urban_rural = {kind}")


def _on_or_after_earliest(column: str) -> str:
    """`column` within the longest look-back of any village: a condition on the rule's own table
    alone, so the planners narrow its rows before reaching for the persons (PostgreSQL joined
    all 111,000 certificates to the persons first, 0.6 s at 1M). Each village's own look-back
    is applied too, on the setting's join."""
    return f"{column} >= (SELECT MIN(m.since) FROM mon_config m WHERE m.rule = %(rule)s)"


def _no_recent_warning(column: str, key: str) -> str:
    """The condition rules' repeat interval: no warning of this rule for the person (household)
    raised after `since`."""
    return f"""NOT EXISTS (SELECT 1 FROM {T['Warning']} w
                          WHERE w.{column} = {key} AND w.rule = %(rule)s
                            AND w.raised_on > c.since)"""


# ---------------------------------------------------------------- department facts

FACT_PERSON = _monitored("p.id_number = f.id_number")
# Columns every rule returns first: the person, the household and its village.
WHO = "p.id AS person_id, p.household_id, mh.village_code"


def medical_expense(ctx: Context) -> Select | None:
    ids = ctx.snapshots.get(MEDICAL_SOURCE)
    if not ids:
        return None
    evidence, params = words(
        _("医保结算：近12个月个人自付医疗费用%(value)s元，超过预警线%(threshold)s元"
          "（数据截至%(as_of)s）"), "w",
        value=money("f.value_num"), threshold=money("c.threshold"), as_of=text("s.as_of"))
    sql = f"""
      SELECT {WHO}, {evidence} AS evidence,
             f.value_num AS value, {text('s.as_of')} AS event_key
      FROM {T['SourceFact']} f
      JOIN {T['Snapshot']} s ON s.id = f.snapshot_id
      {FACT_PERSON}
      {_config('mh.village_code')}
      WHERE f.snapshot_id IN ({_snapshots(ids)}) AND f.item = %(item)s
        AND f.value_num > c.threshold
        -- Over the lowest line anywhere first: a few facts in a hundred are left to look up.
        AND f.value_num > (SELECT MIN(m.threshold) FROM mon_config m WHERE m.rule = %(rule)s)
        AND {_no_recent_warning('person_id', 'p.id')} {_newest_only(ids)}"""
    return Select(sql, params | {"item": MEDICAL_ITEM})


def earner_death(ctx: Context) -> Select | None:
    ids = ctx.snapshots.get(DEATH_SOURCE)
    if not ids:
        return None
    evidence, params = words(_("死亡登记：家庭主要劳动力于%(date)s死亡"), "w",
                             date=text("f.value_date"))
    sql = earner_only(f"""
      SELECT {WHO}, {evidence} AS evidence,
             CAST(NULL AS numeric) AS value, {text('f.value_date')} AS event_key
      FROM {T['SourceFact']} f
      {FACT_PERSON}
      {_config('mh.village_code')}
      WHERE f.snapshot_id IN ({_snapshots(ids)}) AND f.item = %(item)s
        AND f.value_date >= c.since AND f.value_date <= %(on)s
        AND {_on_or_after_earliest('f.value_date')}""")
    return Select(sql, params | ctx.earner_params | {"item": DEATH_ITEM, "on": ctx.on})


def job_loss(ctx: Context) -> Select | None:
    ids = ctx.snapshots.get(UNEMPLOYMENT_SOURCE)
    if not ids:
        return None
    evidence, params = words(_("人社失业登记：已登记失业（数据截至%(as_of)s）"), "w",
                             as_of=text("s.as_of"))
    sql = f"""
      SELECT {WHO}, {evidence} AS evidence,
             CAST(NULL AS numeric) AS value, {text('s.as_of')} AS event_key
      FROM {T['SourceFact']} f
      JOIN {T['Snapshot']} s ON s.id = f.snapshot_id
      {FACT_PERSON}
      {_config('mh.village_code')}
      WHERE f.snapshot_id IN ({_snapshots(ids)}) AND f.item = %(item)s
        AND {_no_recent_warning('person_id', 'p.id')} {_newest_only(ids)}"""
    return Select(sql, params | {"item": UNEMPLOYMENT_ITEM})


def disaster(ctx: Context) -> Select | None:
    ids = ctx.snapshots.get(DISASTER_SOURCE)
    if not ids:
        return None
    evidence, params = words(_("应急管理受灾登记：%(date)s受灾，直接经济损失%(loss)s"), "w",
                             date=text("f.value_date"),
                             loss=f"CASE WHEN l.value_num IS NULL THEN %(no_loss)s"
                                  f" ELSE {money('l.value_num')} || %(yuan)s END")
    sql = f"""
      SELECT {WHO}, {evidence} AS evidence,
             l.value_num AS value, {text('f.value_date')} AS event_key
      FROM {T['SourceFact']} f
      {FACT_PERSON}
      {_config('mh.village_code')}
      LEFT JOIN {T['SourceFact']} l ON l.id_number = f.id_number
           AND l.snapshot_id = f.snapshot_id AND l.item = %(loss_item)s
      WHERE f.snapshot_id IN ({_snapshots(ids)}) AND f.item = %(item)s
        AND f.value_date >= c.since AND f.value_date <= %(on)s
        AND {_on_or_after_earliest('f.value_date')}"""
    return Select(sql, params | {"item": DISASTER_ITEM, "loss_item": DISASTER_LOSS_ITEM,
                                 "on": ctx.on, "yuan": _("元"), "no_loss": _("未登记")})


# ---------------------------------------------------------------- the platform's own records


def earner_disability(ctx: Context) -> Select | None:
    category, categories = labels("d.category", DisabilityCategory.choices, "cat")
    grade, grades = labels(text("d.grade"), Disability._meta.get_field("grade").choices or [],
                           "grade")
    evidence, params = words(_("残疾人证：家庭主要劳动力新办%(category)s（%(grade)s），"
                               "%(date)s发证"), "w",
                             category=category, grade=grade, date=text("d.issued_on"))
    sql = earner_only(f"""
      SELECT {WHO}, {evidence} AS evidence,
             CAST(NULL AS numeric) AS value, 'disability:' || {text('d.id')} AS event_key
      FROM {T['Disability']} d
      {_monitored('p.id = d.person_id')}
      {_config('mh.village_code')}
      WHERE d.issued_on >= c.since AND d.issued_on <= %(on)s
        AND {_on_or_after_earliest('d.issued_on')}""")
    return Select(sql, params | categories | grades | ctx.earner_params | {"on": ctx.on})


def pension_loss(ctx: Context) -> Select | None:
    evidence, params = words(_("养老金停发：每月%(amount)s元的养老金发至%(month)s，其后无养老金收入"),
                             "w", amount=money("i.monthly_amount"),
                             month=f"substr({text('i.end_month')}, 1, 7)")
    sql = f"""
      SELECT {WHO}, {evidence} AS evidence,
             i.monthly_amount AS value, 'income:' || {text('i.id')} AS event_key
      FROM {T['IncomeRecord']} i
      {_monitored('p.id = i.person_id')}
      {_config('mh.village_code')}
      WHERE i.income_type = %(pension)s AND i.end_month IS NOT NULL
        AND i.end_month >= c.since AND i.end_month <= %(on)s
        AND {_on_or_after_earliest('i.end_month')}
        -- A record ended because the amount changed is followed by the next one: not a loss.
        AND NOT EXISTS (SELECT 1 FROM {T['IncomeRecord']} j
                        WHERE j.person_id = i.person_id AND j.income_type = %(pension)s
                          AND j.id <> i.id
                          AND (j.end_month IS NULL OR j.end_month > i.end_month))"""
    return Select(sql, params | {"pension": IncomeType.PENSION.value, "on": ctx.on})


def school_entry(ctx: Context) -> Select | None:
    high, university = (ctx.on.year - age for age in SCHOOL_AGES)
    to_high, p_high = words(_("%(year)s年满15周岁，9月升入高中（含中职）"), "h",
                            year="%(year)s")
    to_uni, p_uni = words(_("%(year)s年满18周岁，9月升入大学（含高职）"), "u", year="%(year)s")
    sql = f"""
      SELECT {WHO},
             CASE WHEN p.birth_date <= %(uni_last)s THEN {to_uni} ELSE {to_high} END
               AS evidence,
             CAST(NULL AS numeric) AS value, %(year)s AS event_key
      FROM {T['Person']} p
      JOIN mon_household mh ON mh.household_id = p.household_id
      {_config('mh.village_code')}
      WHERE p.excluded = FALSE
        AND (p.birth_date BETWEEN %(high_first)s AND %(high_last)s
             OR p.birth_date BETWEEN %(uni_first)s AND %(uni_last)s)"""
    return Select(sql, p_high | p_uni | {
        "year": str(ctx.on.year),
        "high_first": date(high, 1, 1), "high_last": date(high, 12, 31),
        "uni_first": date(university, 1, 1), "uni_last": date(university, 12, 31)})


def income_above_standard(ctx: Context) -> Select | None:
    per_capita = "(h.income * 1.0 / h.members)"
    evidence, params = words(_("在保低保家庭人均月收入%(income)s元，超过低保标准预警线%(line)s元"),
                             "w", income=money(per_capita), line=money("h.threshold"))
    # Every 低保 household's counted income, summed by household in one pass over the income
    # records (not person by person first: PostgreSQL 1.5 s instead of 3 s at 1M persons).
    # Its members are counted only where the income alone is above one person's line.
    sql = to_earner(f"""
      SELECT h.household_id, h.village_code,
             {evidence} AS evidence, ROUND({per_capita}, 2) AS value, %(key)s AS event_key
      FROM (SELECT g.household_id, g.village_code, g.income, c.threshold,
                   (SELECT COUNT(*) FROM {T['Person']} m
                    WHERE m.household_id = g.household_id AND m.excluded = FALSE) AS members
            FROM (SELECT mh.household_id, mh.village_code, mh.urban_rural,
                         ROUND(SUM(ri.monthly_amount), 2) AS income
                  FROM mon_household mh
                  JOIN {T['Person']} p ON p.household_id = mh.household_id
                       AND p.excluded = FALSE
                  JOIN {T['IncomeRecord']} ri ON ri.person_id = p.id
                  WHERE mh.dibao = 1 AND ri.excluded = FALSE AND ri.start_month <= %(month)s
                    AND (ri.end_month IS NULL OR ri.end_month >= %(month)s)
                  GROUP BY mh.household_id, mh.village_code, mh.urban_rural) g
            {_config('g.village_code', 'g.urban_rural')}
            WHERE g.income > c.threshold
              AND {_no_recent_warning('household_id', 'g.household_id')}) h
      WHERE h.income > h.threshold * h.members""")
    return Select(sql, params | ctx.earner_params | {"key": ctx.on.strftime("%Y-%m")})


def missed_recheck(ctx: Context) -> Select | None:
    kind, kinds = labels("t.kind", RecheckKind.choices, "kind")
    evidence, params = words(_("复核任务（%(kind)s）应于%(due)s前完成，已逾期"), "w",
                             kind=kind, due=text("t.due_on"))
    key = f"'recheck:' || {text('t.id')}"
    sql = to_earner(f"""
      SELECT mh.household_id, mh.village_code,
             {evidence} AS evidence, CAST(NULL AS numeric) AS value, {key} AS event_key
      FROM {T['RecheckTask']} t
      JOIN {T['Enrollment']} e ON e.id = t.enrollment_id
      JOIN mon_household mh ON mh.household_id = e.household_id
      {_config('mh.village_code')}
      WHERE t.status = %(open)s AND t.due_on < %(on)s
        -- One warning per task, even if the household's main earner has changed since.
        AND NOT EXISTS (SELECT 1 FROM {T['Warning']} w
                        WHERE w.household_id = mh.household_id AND w.rule = %(rule)s
                          AND w.event_key = {key})""")
    return Select(sql, params | kinds | ctx.earner_params
                  | {"open": RecheckStatus.OPEN.value, "on": ctx.on})


def asset_found(ctx: Context) -> Select | None:
    if not ctx.verification_runs:
        return None
    consequence, consequences = labels("fd.consequence", Consequence.choices, "cq")
    value = (f"CASE WHEN fd.value_num IS NOT NULL THEN {money('fd.value_num')}"
             f" ELSE fd.value_text END")
    evidence, params = words(_("核对发现：%(source)s·%(item)s %(value)s（%(consequence)s）"),
                             "w", source="ds.name", item="si.label", value=value,
                             consequence=consequence)
    runs = ", ".join(str(int(pk)) for pk in ctx.verification_runs)
    sql = f"""
      SELECT {WHO}, {evidence} AS evidence,
             fd.value_num AS value, 'finding:' || {text('fd.id')} AS event_key
      FROM {T['Finding']} fd
      JOIN {T['VerificationRun']} r ON r.id = fd.run_id
      JOIN {T['SourceItem']} si ON si.source_id = fd.source_id AND si.code = fd.item
      JOIN {T['DataSource']} ds ON ds.code = fd.source_id
      {_monitored('p.id = fd.person_id')}
      {_config('mh.village_code')}
      WHERE fd.run_id IN ({runs}) AND fd.new = TRUE AND r.finished_at >= c.since
        AND fd.consequence IN (%(ineligible)s, %(review)s) AND si.feeds LIKE 'asset:%%'"""
    return Select(sql, params | consequences | {"ineligible": Consequence.INELIGIBLE.value,
                                                 "review": Consequence.REVIEW.value})


STATEMENTS: dict[str, Callable[[Context], Select | None]] = {
    RuleCode.MEDICAL_EXPENSE: medical_expense,
    RuleCode.EARNER_DEATH: earner_death,
    RuleCode.EARNER_DISABILITY: earner_disability,
    RuleCode.JOB_LOSS: job_loss,
    RuleCode.PENSION_LOSS: pension_loss,
    RuleCode.DISASTER: disaster,
    RuleCode.SCHOOL_ENTRY: school_entry,
    RuleCode.INCOME_ABOVE_STANDARD: income_above_standard,
    RuleCode.MISSED_RECHECK: missed_recheck,
    RuleCode.ASSET_FOUND: asset_found,
}
