"""The warning rules of low-income monitoring (domain.md §11 "Triggers"): what each one watches,
what its threshold and look-back mean, and their defaults when no WarningRule row sets them.

Each rule is one set-based statement over the run's population (monitoring.rules.statements);
a region's WarningRule row may switch it off or change its numbers (monitoring.rules.config).

Two kinds of look-back:

* an event rule (death, disability, pension stop, disaster, found asset) raises events dated
  within the last `lookback_days` days (inclusive), each event once;
* a condition rule (medical spending, registered unemployment, income above the standard) raises
  when the condition holds and the person (the household, for income) has had no warning of
  that rule in the last `lookback_days` days: a condition that persists is raised again once per
  period, not at every run.

The main earner (主要劳动力) of a household is its monitored member with the highest current
counted (non-excluded) monthly income; with no income, or a tie, the applicant (户主) first, then
the lowest person id. Household-level warnings (income above the standard, missed re-check) are
addressed to the main earner too, so every warning names one person to contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from benefits.months import month_of
from monitoring.models import RuleCode

# The department data the rules read (verification.DataSource / SourceItem codes; demo data in
# demo.verification.SOURCES). A source without an active snapshot raises nothing.
MEDICAL_SOURCE, MEDICAL_ITEM = "medical", "out_of_pocket_12m"
DEATH_SOURCE, DEATH_ITEM = "death", "death_date"
UNEMPLOYMENT_SOURCE, UNEMPLOYMENT_ITEM = "unemployment", "registered"
DISASTER_SOURCE, DISASTER_ITEM, DISASTER_LOSS_ITEM = "disaster", "disaster_date", "loss_amount"
DIBAO_PROGRAMMES = ("dibao_urban", "dibao_rural")
# Ages at which a child enters high school and university in September (after 9 and 12 years).
SCHOOL_AGES = (15, 18)


@dataclass(frozen=True)
class RuleSpec:
    code: str
    # Default look-back in days; None: the rule looks at the current state only.
    lookback_days: int | None
    lookback_label: Promise | None
    # What WarningRule.threshold means for this rule; None: the rule has no threshold.
    threshold_label: Promise | None
    # Monthly rule: events are months (a pension's last paid month), so the look-back is
    # counted from the start of the month it reaches back to.
    whole_months: bool = False

    def since(self, on: date, lookback_days: int | None) -> date | None:
        """The earliest date the look-back reaches on run date `on`."""
        if lookback_days is None:
            return None
        start = on - timedelta(days=lookback_days)
        return month_of(start) if self.whole_months else start


EVENT_WINDOW = _("回溯天数（此前多少天内发生的事件）")
REPEAT_AFTER = _("重复预警间隔（天）")

# In the order a run evaluates them (the order the run's counts are listed in).
RULES: dict[str, RuleSpec] = {spec.code: spec for spec in (
    # 12-month out-of-pocket medical spending (医保结算) above the threshold; repeats yearly.
    RuleSpec(RuleCode.MEDICAL_EXPENSE, 365, REPEAT_AFTER, _("预警线（元）")),
    # Death registered (卫健 死亡登记) for the main earner within the look-back.
    RuleSpec(RuleCode.EARNER_DEATH, 90, EVENT_WINDOW, None),
    # A disability certificate issued to the main earner within the look-back.
    RuleSpec(RuleCode.EARNER_DISABILITY, 90, EVENT_WINDOW, None),
    # Registered unemployed (人社 失业登记), any member; repeats half-yearly while registered.
    RuleSpec(RuleCode.JOB_LOSS, 180, REPEAT_AFTER, None),
    # A pension whose last paid month is within the look-back, with no pension after it.
    RuleSpec(RuleCode.PENSION_LOSS, 90, EVENT_WINDOW, None, whole_months=True),
    # A disaster registered (应急管理 受灾登记) for any member within the look-back.
    RuleSpec(RuleCode.DISASTER, 90, EVENT_WINDOW, None),
    # A member who turns 15 or 18 this year: high school or university from September.
    RuleSpec(RuleCode.SCHOOL_ENTRY, None, None, None),
    # A 低保 household whose counted per-capita income is above threshold × its standard.
    RuleSpec(RuleCode.INCOME_ABOVE_STANDARD, 180, REPEAT_AFTER, _("倍数（×低保标准）")),
    # An open re-check task past its due date; one warning per task.
    RuleSpec(RuleCode.MISSED_RECHECK, None, None, None),
    # A new asset finding (ineligible or review) of a verification run done in the look-back.
    RuleSpec(RuleCode.ASSET_FOUND, 90, EVENT_WINDOW, None),
)}
