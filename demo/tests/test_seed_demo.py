from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from benefits.models import (
    AmountChange,
    BackPay,
    BankFile,
    Enrollment,
    EnrollmentMember,
    PaymentAccount,
    PayrollLine,
    PayrollRun,
    RecheckTask,
    Recovery,
    Repayment,
)
from cards.models import Card, CardBatch
from cases.choices import CaseState, ObjectionOutcome, PublicityStatus
from cases.deadlines import overdue_q
from cases.models import (
    Case,
    CaseDocument,
    CaseTransition,
    JointMeeting,
    Objection,
    Publicity,
    SelfCareAssessment,
    Survey,
    VerificationRecord,
)
from demo.payroll import MIGRATED_REASON
from monitoring.models import MonitoringRun, Warning
from outreach.models import EventEntry, OutreachEvent, Visit, VisitPhoto, Wish
from regions.models import Level, Region
from registry.idcard import check_id_number
from registry.models import Disability, Household, IncomeRecord, Person
from relief.models import EntryKind, ReserveEntry, ReserveFund
from supervision.models import (
    Evaluation,
    Evidence,
    LedgerItem,
    Meeting,
    MeetingItem,
    Risk,
    SampleCheck,
    SamplingRound,
    Score,
)
from tickets.models import Ticket, TicketStep
from verification import engine, services
from verification.models import (
    DataSource,
    Finding,
    Rule,
    Snapshot,
    SnapshotStatus,
    SourceFact,
)

pytestmark = pytest.mark.django_db


def _ids() -> list[str]:
    return list(Person.objects.order_by("id_number").values_list("id_number", flat=True))


def _cases() -> list[tuple[str, str, str, Decimal | None]]:
    return list(Case.objects.order_by("id").values_list(
        "applicant__id_number", "programme_id", "state", "amount"))


def _facts() -> list[tuple[str, str, str, Decimal | None, str, object]]:
    return list(SourceFact.objects.order_by("source_id", "id_number", "item").values_list(
        "source_id", "id_number", "item", "value_num", "value_text", "value_date"))


def _wipe_demo_data() -> None:
    """Everything seed_demo generates except the reference data, children first."""
    for model in (Score, Evaluation, Evidence, LedgerItem, MeetingItem, Meeting, SampleCheck,
                  SamplingRound, Risk, Warning, MonitoringRun, Wish, EventEntry, OutreachEvent,
                  TicketStep, Ticket, Card, CardBatch,
                  VisitPhoto, Visit, SourceFact, Snapshot, ReserveEntry, ReserveFund, Objection, Publicity,
                  JointMeeting, SelfCareAssessment, VerificationRecord, Survey, CaseDocument,
                  CaseTransition, PayrollLine, BankFile, PayrollRun, BackPay, Repayment, Recovery,
                  AmountChange, RecheckTask, PaymentAccount, EnrollmentMember, Enrollment, Case,
                  Disability, IncomeRecord,
                  Person, Household):
        model.objects.all().delete()


def test_seed_demo_is_deterministic_and_valid() -> None:
    out = StringIO()
    call_command("seed_demo", "--households", "120", "--seed", "5", stdout=out)
    first, first_cases, first_facts = _ids(), _cases(), _facts()
    assert len(first_facts) > len(first)  # every person is in the hukou extract, and more
    assert Household.objects.count() == 120
    assert len(first) > 200  # several members per household on average
    assert all(check_id_number(n).valid for n in first)
    assert IncomeRecord.objects.filter(excluded=True, income_type="basic_pension").exists()
    assert Disability.objects.exists()
    assert len(first_cases) >= 20  # even a small county gets a working set of cases
    text = out.getvalue()
    for account in ("county_admin", "clerk_a", "reviewer_a", "clerk_b", "grid_a", "auditor",
                    "clerk_c", "reviewer_c"):
        assert account in text
    # Same seed, fresh database: the same people and the same cases.
    _wipe_demo_data()
    call_command("seed_demo", "--households", "120", "--seed", "5", stdout=StringIO())
    assert _ids() == first
    assert _cases() == first_cases
    assert _facts() == first_facts
    # A second run on a populated database adds no households, cases or reserve entries.
    entries = ReserveEntry.objects.count()
    out = StringIO()
    call_command("seed_demo", "--households", "120", "--seed", "6", stdout=out)
    assert Household.objects.count() == 120
    assert _cases() == first_cases
    assert ReserveEntry.objects.count() == entries
    assert "跳过生成演示案件" in out.getvalue()
    assert _facts() == first_facts and "跳过导入部门数据" in out.getvalue()


def test_demo_county_has_cases_in_every_state_and_a_live_notice_board() -> None:
    call_command("seed_demo", "--households", "400", "--seed", "5", stdout=StringIO())
    today = timezone.localdate()
    states = set(Case.objects.values_list("state", flat=True))
    assert states == set(CaseState.values), set(CaseState.values) - states
    worked = Case.objects.exclude(reason=MIGRATED_REASON)
    assert 40 <= worked.count() <= 60
    programmes = set(worked.values_list("programme_id", flat=True))
    assert programmes == {"dibao_rural", "dibao_urban", "tekun", "temporary"}
    # The portal's 公示 page has notices running today.
    running = Publicity.objects.filter(status=PublicityStatus.ACTIVE, starts_on__lte=today,
                                       ends_on__gte=today)
    assert running.count() >= 3
    assert all("*" in p.masked_name for p in running)
    # The objection was filed on a running notice and paused its case.
    objection = Objection.objects.get(publicity__case__state=CaseState.OBJECTION)
    assert objection.outcome == ObjectionOutcome.PENDING
    assert objection.publicity.starts_on <= today <= objection.publicity.ends_on
    # Cases waiting for the county went through a notice that is over.
    for case in Case.objects.filter(state=CaseState.COUNTY_REVIEW, programme_id="dibao_rural",
                                    opinion_eligible=True):
        notice = case.publicities.get()
        assert notice.status == PublicityStatus.ENDED and notice.ends_on < today
        assert case.accepted_on is not None and case.accepted_on < notice.starts_on
    # Approved cases pay from next month; 城市低保 uses the urban standard.
    approved = worked.filter(state=CaseState.APPROVED)
    assert all(c.enrollment.start_month > today for c in approved)
    assert approved.filter(programme_id="dibao_urban", standard=Decimal("750.00")).exists()
    assert SelfCareAssessment.objects.filter(case__state=CaseState.APPROVED,
                                             case__programme_id="tekun").exists()
    # 临时救助: emergencies paid first from the reserve fund, spending above the township cap.
    prepaid = Case.objects.filter(state=CaseState.PREPAID)
    assert all(ReserveEntry.objects.filter(case=c, kind=EntryKind.PAYMENT).exists()
               for c in prepaid)
    assert Case.objects.filter(programme_id="temporary", temporary_kind="expenditure",
                               amount__gt=Decimal("3000")).exists()
    assert JointMeeting.objects.exists()
    # Every township has a reserve fund allocated within seed 002's 50,000–200,000 yuan.
    townships = Region.objects.filter(level=Level.TOWNSHIP).count()
    allocations = ReserveEntry.objects.filter(kind=EntryKind.ALLOCATION)
    assert allocations.values("fund__township").distinct().count() == townships
    assert all(Decimal(50_000) <= a.amount <= Decimal(200_000) for a in allocations)
    # The overdue list is not empty.
    overdue = Case.objects.filter(overdue_q(today))
    assert overdue.filter(state=CaseState.ACCEPTED).count() >= 2
    # Migrated recipients were paid for the last twelve months, every run approved by the
    # checker, not the maker.
    runs = PayrollRun.objects.all()
    assert runs.values("month").distinct().count() == 12
    assert all(r.status == "approved" and r.approved_by_id != r.computed_by_id for r in runs)
    assert PayrollLine.objects.filter(programme_id="dibao_rural").exists()


def test_demo_accounts_can_log_in(client: object) -> None:
    call_command("seed_demo", "--households", "5", "--seed", "1", stdout=StringIO())
    for username in ("county_admin", "clerk_a", "reviewer_a", "clerk_b", "grid_a", "auditor",
                     "clerk_c", "reviewer_c"):
        assert client.login(username=username, password="jiuzhu-demo"), username  # type: ignore[attr-defined]


def test_demo_department_data_is_fresh_and_hits_planted_recipients() -> None:
    call_command("seed_demo", "--households", "400", "--seed", "5", stdout=StringIO())
    today = timezone.localdate()
    sources = list(DataSource.objects.select_related("department"))
    assert len(sources) >= 10 and len({s.department_id for s in sources}) >= 9
    assert all(s.department.phone for s in sources)
    for source in sources:
        active = Snapshot.objects.get(source=source, status=SnapshotStatus.ACTIVE)
        assert today - timedelta(days=31) <= active.as_of < today, source.code
        assert active.rows_bad == 0 and active.facts > 0, source.code
        assert SourceFact.objects.filter(snapshot=active).count() == active.facts
    recipients = set(EnrollmentMember.objects.filter(
        active=True, enrollment__status="active").values_list("person__id_number", flat=True))
    recipient_facts = SourceFact.objects.filter(id_number__in=recipients)
    car = recipient_facts.get(source_id="vehicles", value_num__gt=50000)
    business = recipient_facts.get(source_id="business", item="registered")
    death = recipient_facts.get(source_id="death", value_date__isnull=False)
    deposits = recipient_facts.get(source_id="deposits", value_num__gt=30000)
    planted = [car, business, death, deposits]
    households = Person.objects.filter(id_number__in=[f.id_number for f in planted])
    assert households.values("household").distinct().count() == 4  # four separate stories
    assert Rule.objects.filter(region_id="620802000000", active=True).count() == 4
    # The county's batch re-verification finds exactly these consequences.
    county_admin = User.objects.get(username="county_admin")
    run = engine.run_execute(services.recipients_run_create(
        actor=county_admin, region_code="620802000000").pk)
    judged = {(f.source_id, f.consequence) for f in Finding.objects.filter(run=run)
              .exclude(consequence="")}
    assert judged == {("vehicles", "ineligible"), ("business", "review"),
                      ("death", "suspend"), ("deposits", "ineligible")}
