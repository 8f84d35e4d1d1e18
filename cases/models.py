"""Applications for assistance and everything recorded on their way to a decision."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    OPEN_STATES,
    CareClass,
    CaseState,
    Channel,
    DocumentKind,
    ObjectionOutcome,
    PublicityStatus,
    SupporterStatus,
    SupportForm,
    TemporaryKind,
    VerificationResult,
)

USER = settings.AUTH_USER_MODEL


def money(verbose_name: Any, *, optional: bool = False) -> models.DecimalField[Any, Any]:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2,
                               null=optional, blank=optional)


class Case(models.Model):
    REGION_LOOKUP = "village__code"

    number = models.CharField(_("案件编号"), max_length=20, unique=True, blank=True)
    programme = models.ForeignKey(
        "policies.Programme", on_delete=models.PROTECT, verbose_name=_("救助项目")
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="cases",
        verbose_name=_("家庭"),
    )
    applicant = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="cases", verbose_name=_("申请人")
    )
    # Copied from the household at intake so the case stays where it was filed (and is scoped
    # there) even if the household later moves.
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, db_column="village_code", related_name="+",
        verbose_name=_("村（社区）"),
    )
    urban_rural = models.CharField(_("城乡类别"), max_length=5)
    state = models.CharField(
        _("办理环节"), max_length=20, choices=CaseState.choices, default=CaseState.SUBMITTED
    )
    channel = models.CharField(_("申请渠道"), max_length=10, choices=Channel.choices)
    reason = models.TextField(_("申请理由"), blank=True)
    helper = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("帮办人"),
    )
    mandate_note = models.CharField(_("委托情况说明"), max_length=200, blank=True)
    # 57号§9: no verification without the signed 授权书 of the counted members.
    consent_signed_on = models.DateField(_("核对授权书签署日期"), null=True, blank=True)
    temporary_kind = models.CharField(
        _("临时救助类型"), max_length=12, choices=TemporaryKind.choices, blank=True
    )
    requested_amount = money(_("申请/拟救助金额（元）"), optional=True)
    support_form = models.CharField(
        _("供养方式"), max_length=12, choices=SupportForm.choices, blank=True
    )
    supporter_status = models.CharField(
        _("法定义务人情况"), max_length=8, choices=SupporterStatus.choices, blank=True
    )
    delegated = models.BooleanField(_("乡镇审核确认（县级委托）"), default=False)

    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    # Deadlines are computed in working days when their clock starts (domain.md §2.5, §9).
    investigate_due = models.DateField(_("入户调查启动期限"), null=True, blank=True)
    verify_due = models.DateField(_("核对启动期限"), null=True, blank=True)
    opinion_due = models.DateField(_("乡镇审核意见期限"), null=True, blank=True)
    overall_due = models.DateField(_("办结期限"), null=True, blank=True)
    extended_due = models.DateField(_("延长办结期限"), null=True, blank=True)
    county_received_on = models.DateField(_("报送审批日期"), null=True, blank=True)
    decision_due = models.DateField(_("审批期限"), null=True, blank=True)
    reject_notice_due = models.DateField(_("不予批准告知期限"), null=True, blank=True)
    paperwork_due = models.DateField(_("补办手续期限"), null=True, blank=True)
    deadlines_provisional = models.BooleanField(_("期限为暂定（节假日安排未发布）"), default=False)

    opinion_eligible = models.BooleanField(_("乡镇审核意见：符合条件"), null=True, blank=True)
    opinion_text = models.TextField(_("乡镇审核意见"), blank=True)
    amount = money(_("核定月保障金（元）"), optional=True)
    standard = money(_("适用标准（元）"), optional=True)
    per_capita_income = money(_("家庭人均月收入（元）"), optional=True)
    calculation = models.JSONField(_("测算过程"), default=list, blank=True)
    calculated_on = models.DateField(_("测算日期"), null=True, blank=True)
    care_class = models.CharField(
        _("生活自理能力"), max_length=8, choices=CareClass.choices, blank=True
    )
    eligibility = models.JSONField(_("条件审查"), default=list, blank=True)

    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("决定人"),
    )
    decision_reason = models.TextField(_("决定理由"), blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("录入人"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("救助申请")
        verbose_name_plural = _("救助申请")
        indexes = [
            models.Index(fields=["village", "-id"], name="case_village_recent"),
            models.Index(fields=["state", "village"], name="case_state_village"),
        ]
        constraints = [
            # One open application per person and programme; closed ones may repeat.
            models.UniqueConstraint(
                fields=["applicant", "programme"], condition=Q(state__in=sorted(OPEN_STATES)),
                name="one_open_case_per_applicant_programme",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="case_amount_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(requested_amount__isnull=True) | Q(requested_amount__gt=0),
                name="case_requested_amount_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class CaseTransition(models.Model):
    """Who moved a case from which state to which, when and why (the case's own timeline)."""

    REGION_LOOKUP = "case__village__code"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transitions")
    action = models.CharField(_("操作"), max_length=32)
    from_state = models.CharField(_("原环节"), max_length=20, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("新环节"), max_length=20, choices=CaseState.choices)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("操作人"))
    # For moves with no staff user: the citizen online, the nightly job, a member of the public.
    actor_label = models.CharField(_("操作人说明"), max_length=50, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.from_state}→{self.to_state}"


def _document_path(instance: CaseDocument, filename: str) -> str:
    # Stored under an opaque name; the original name is kept in the row, never in the path.
    return f"case_documents/{instance.case_id}/{instance.token}"


class CaseDocument(models.Model):
    REGION_LOOKUP = "case__village__code"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("材料类型"), max_length=12, choices=DocumentKind.choices)
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(_("文件"), upload_to=_document_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self) -> str:
        return self.original_name


class Survey(models.Model):
    """入户调查 (57号§15–16): at least two workers; signed by staff and the family."""

    REGION_LOOKUP = "case__village__code"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="surveys")
    surveyed_on = models.DateField(_("调查日期"))
    worker_1 = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("调查人一"))
    worker_2_name = models.CharField(_("调查人二"), max_length=50)
    housing = models.CharField(_("住房情况"), max_length=200)
    living_conditions = models.TextField(_("家庭生活状况"))
    health_and_work = models.TextField(_("成员健康与劳动能力"), blank=True)
    income_review = models.JSONField(_("收入核实情况"), default=list, blank=True)
    family_signed = models.BooleanField(_("家庭成员已签字确认"), default=False)
    conclusion = models.TextField(_("调查结论"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("入户调查")
        verbose_name_plural = _("入户调查")
        ordering = ["-surveyed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.surveyed_on}"


class VerificationRecord(models.Model):
    """The county's 核对 result for a case (the full department matching is the verification app)."""

    REGION_LOOKUP = "case__village__code"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="verifications")
    requested_on = models.DateField(_("申请核对日期"))
    due = models.DateField(_("核对启动期限"))
    result = models.CharField(_("核对结论"), max_length=8, choices=VerificationResult.choices,
                              blank=True)
    summary = models.TextField(_("核对情况"), blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("核对人"))
    recorded_on = models.DateField(_("出具日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("核对结果")
        verbose_name_plural = _("核对结果")
        ordering = ["-requested_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_result_display()}"


class SelfCareAssessment(models.Model):
    """43号§20–23: six activities; True = cannot do it."""

    REGION_LOOKUP = "case__village__code"
    ACTIVITIES = ("eating", "dressing", "bed_transfer", "toileting", "indoor_walking", "bathing")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    eating = models.BooleanField(_("不能自主进食"), default=False)
    dressing = models.BooleanField(_("不能自主穿衣"), default=False)
    bed_transfer = models.BooleanField(_("不能自主上下床"), default=False)
    toileting = models.BooleanField(_("不能自主如厕"), default=False)
    indoor_walking = models.BooleanField(_("不能室内行走"), default=False)
    bathing = models.BooleanField(_("不能自主洗澡"), default=False)
    care_class = models.CharField(_("评估结论"), max_length=8, choices=CareClass.choices)
    assessor = models.CharField(_("评估人/机构"), max_length=100)
    assessed_on = models.DateField(_("评估日期"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("生活自理能力评估")
        verbose_name_plural = _("生活自理能力评估")
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_care_class_display()}"

    @property
    def items_lost(self) -> int:
        return sum(bool(getattr(self, a)) for a in self.ACTIVITIES)


class JointMeeting(models.Model):
    """一事一议: the collective decision a large temporary-assistance amount needs."""

    REGION_LOOKUP = "case__village__code"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField(_("会议日期"))
    attendees = models.TextField(_("参会人员"))
    decision = models.TextField(_("议定事项"))
    approved_amount = money(_("议定金额（元）"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("一事一议记录")
        verbose_name_plural = _("一事一议记录")
        constraints = [
            models.CheckConstraint(condition=Q(approved_amount__gt=0), name="meeting_amount_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.held_on}"


class Publicity(models.Model):
    """One 公示 round on the village's public page; what it shows is fixed when it is posted."""

    REGION_LOOKUP = "village__code"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="publicities")
    round = models.PositiveSmallIntegerField(_("公示轮次"), default=1)
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT,
                                db_column="village_code", related_name="+")
    public_token = models.CharField(max_length=32, unique=True)
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示结束"))
    status = models.CharField(_("状态"), max_length=10, choices=PublicityStatus.choices,
                              default=PublicityStatus.ACTIVE)
    masked_name = models.CharField(_("姓名（脱敏）"), max_length=50)
    household_size = models.PositiveSmallIntegerField(_("保障人数"))
    programme_name = models.CharField(_("救助项目"), max_length=64)
    amount = money(_("拟保障金额（元/月）"), optional=True)
    opinion = models.CharField(_("乡镇审核意见"), max_length=200)
    warning = models.CharField(_("提示"), max_length=200, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        indexes = [models.Index(fields=["village", "status", "ends_on"], name="publicity_village")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                   name="publicity_ends_after_start"),
            models.UniqueConstraint(fields=["case", "round"], name="publicity_round_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.starts_on}–{self.ends_on}"


class Objection(models.Model):
    REGION_LOOKUP = "publicity__village__code"

    publicity = models.ForeignKey(Publicity, on_delete=models.PROTECT, related_name="objections")
    content = models.TextField(_("异议内容"))
    # Kept from the public page; shown to staff only (57号§36: reports are checked and answered).
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    filed_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    outcome = models.CharField(_("处理结果"), max_length=10, choices=ObjectionOutcome.choices,
                               default=ObjectionOutcome.PENDING)
    outcome_text = models.TextField(_("处理结果说明（公开）"), blank=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["filed_at", "id"]

    def __str__(self) -> str:
        return f"{self.publicity} {self.get_outcome_display()}"
