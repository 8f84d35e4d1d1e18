"""核对: department data sets, verification runs, findings and reports (domain.md §6).

Department extracts are stored as facts: one value of one item for one ID number in one dated
snapshot of one source. Matching is a join on the ID number, one SQL statement per chunk of
persons (verification.engine), never a loop over rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from regions.models import Region
from regions.scoping import code_range

USER = settings.AUTH_USER_MODEL


class DataSource(models.Model):
    """One department data set (e.g. 公安户籍, 车辆登记, 市场主体登记, 死亡登记)."""

    code = models.SlugField(_("代码"), max_length=32, primary_key=True)
    name = models.CharField(_("数据名称"), max_length=64)
    department = models.ForeignKey("policies.Department", on_delete=models.PROTECT,
                                    verbose_name=_("提供部门"))
    id_column = models.CharField(_("身份证号码列名"), max_length=32, default="身份证号码")
    # A snapshot older than this cannot vouch for "no record": its items become "无法确定".
    max_age_days = models.PositiveIntegerField(_("数据有效期（天）"), default=120)
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("部门数据源")
        verbose_name_plural = _("部门数据源")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ValueKind(models.TextChoices):
    FLAG = "flag", _("有/无")
    AMOUNT = "amount", _("金额/数值")
    DATE = "date", _("日期")
    TEXT = "text", _("文本")


class SourceItem(models.Model):
    """What a column of the extract means, and whether a hit feeds the registry."""

    source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(_("项目代码"), max_length=32)
    label = models.CharField(_("核对项目"), max_length=64)
    column = models.CharField(_("列名"), max_length=64)
    kind = models.CharField(_("取值类型"), max_length=8, choices=ValueKind.choices)
    # "income:<IncomeType>" or "asset:<AssetType>": a hit becomes a registry record of that type.
    feeds = models.CharField(_("转入档案"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("核对项目")
        verbose_name_plural = _("核对项目")
        ordering = ["source", "id"]
        constraints = [models.UniqueConstraint(fields=["source", "code"], name="item_code_unique")]

    def __str__(self) -> str:
        return f"{self.source_id}.{self.code}"


class SnapshotStatus(models.TextChoices):
    STAGED = "staged", _("已校验，待启用")
    ACTIVE = "active", _("使用中")
    SUPERSEDED = "superseded", _("已被替换")
    CANCELLED = "cancelled", _("已取消")


class Snapshot(models.Model):
    """One dated extract of a source. `replace` supersedes the active ones; `append` adds."""

    class Mode(models.TextChoices):
        REPLACE = "replace", _("替换原有数据")
        APPEND = "append", _("追加到原有数据")

    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="snapshots")
    as_of = models.DateField(_("数据截止日期"))
    mode = models.CharField(_("导入方式"), max_length=8, choices=Mode.choices,
                            default=Mode.REPLACE)
    status = models.CharField(_("状态"), max_length=12, choices=SnapshotStatus.choices,
                              default=SnapshotStatus.STAGED)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    rows_total = models.PositiveIntegerField(_("数据行数"), default=0)
    rows_bad = models.PositiveIntegerField(_("错误行数"), default=0)
    facts = models.PositiveIntegerField(_("数据项数"), default=0)
    errors = models.JSONField(_("错误清单"), default=list, blank=True)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("上传人"))
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("数据批次")
        verbose_name_plural = _("数据批次")
        ordering = ["-id"]
        indexes = [models.Index(fields=["source", "status"], name="snapshot_source_status")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.as_of}"


class SourceFact(models.Model):
    """One item's value for one ID number in one snapshot."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="+")
    id_number = models.CharField(max_length=18)
    item = models.CharField(max_length=32)
    value_num = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    value_text = models.CharField(max_length=200, blank=True)
    value_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            # The importer refuses a second row for the same person and item in one file
            # (importing._Loader); matching reads one value per snapshot. ID number first: the
            # constraint's index is also the one the engine probes for each person, by ID number
            # and then the run's pinned snapshots. Lookups by snapshot alone (purge, cascade)
            # use the foreign key's own index.
            models.UniqueConstraint(fields=["id_number", "snapshot", "item"],
                                    name="fact_one_value_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}.{self.item}"


class Consequence(models.TextChoices):
    NONE = "", _("仅记录")
    REVIEW = "review", _("需复核")
    INELIGIBLE = "ineligible", _("暂不符合，待申请人说明")
    SUSPEND = "suspend", _("暂停发放并复查")


# Stronger consequences win when several rules match one finding.
CONSEQUENCE_RANK: dict[str, int] = {Consequence.NONE: 0, Consequence.REVIEW: 1, Consequence.INELIGIBLE: 2,
                    Consequence.SUSPEND: 3}


class Rule(models.Model):
    """Turns a finding into a consequence, for a region and below (blank = everywhere)."""

    class Operator(models.TextChoices):
        PRESENT = "present", _("有记录")
        GT = "gt", _("大于")
        GTE = "gte", _("大于等于")

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+", verbose_name=_("适用地区"))
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, verbose_name=_("数据源"))
    item = models.CharField(_("核对项目"), max_length=32)
    operator = models.CharField(_("条件"), max_length=8, choices=Operator.choices)
    threshold = models.DecimalField(_("阈值"), max_digits=16, decimal_places=2, null=True,
                                    blank=True)
    consequence = models.CharField(_("处理"), max_length=12, choices=Consequence.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("核对规则")
        verbose_name_plural = _("核对规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(operator="present") | Q(threshold__isnull=False),
                name="rule_threshold_for_comparison",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}.{self.item} {self.operator} {self.threshold or ''}"


class RunKind(models.TextChoices):
    CASE = "case", _("申请核对")
    RECIPIENTS = "recipients", _("在保对象批量复核")


class RunStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class VerificationRun(models.Model):
    """One matching run over a fixed list of persons, resumable chunk by chunk."""

    REGION_LOOKUP = "region_code"

    kind = models.CharField(_("类型"), max_length=12, choices=RunKind.choices)
    region_code = models.CharField(_("范围区划代码"), max_length=12)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="verification_runs")
    # A case run: the case's last done run. A recipients run: set when it is done, the newest
    # of the runs in `baseline`.
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    status = models.CharField(_("状态"), max_length=8, choices=RunStatus.choices,
                              default=RunStatus.PENDING)
    persons_total = models.PositiveIntegerField(_("核对人数"), default=0)
    persons_done = models.PositiveIntegerField(_("已完成人数"), default=0)
    # The resume cursor: every RunPerson with id <= this has been matched and committed.
    cursor = models.BigIntegerField(default=0)
    hits = models.PositiveIntegerField(_("命中数"), default=0)
    new_hits = models.PositiveIntegerField(_("新增命中"), default=0)
    # {source code: {"as_of": date, "status": ok|stale|missing, "snapshots": [id, ...]}} at the
    # start of the run. The run matches those snapshots only, whatever is activated meanwhile,
    # so every chunk of a resumed run reads the same data (engine.pin_sources).
    sources = models.JSONField(_("使用的数据"), default=dict)
    # What "new" was judged against, set when the run is done: [[run id, lowest village code,
    # highest village code], ...], newest first. A person's findings are compared with the first
    # run whose range holds the person's village (engine.baseline_for).
    baseline = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("核对任务")
        verbose_name_plural = _("核对任务")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def village_range(self) -> tuple[str, str]:
        """The lowest and highest village code of the run's scope (a case run: its village)."""
        region = Region.objects.get(code=self.region_code)
        return code_range(region.prefix)


class RunPerson(models.Model):
    """The persons of a run, fixed when it is created, in the order chunks take them.

    Once a newer done run covers a recipients run's scope, its list is deleted
    (verification.retention); its findings keep the person ids.

    A batch writes a million of these in one INSERT … SELECT from rows that exist. Database
    foreign-key checks, one per row and key, cost more than the rest of the batch on PostgreSQL
    (bench/RESULTS-verification.md), so the keys are kept by Django only (CASCADE, PROTECT);
    `runperson_run_id` is the index on run.
    """

    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="+",
                            db_index=False, db_constraint=False)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+",
                               db_constraint=False)
    id_number = models.CharField(max_length=18)
    village_code = models.CharField(max_length=12)

    class Meta:
        indexes = [models.Index(fields=["run", "id"], name="runperson_run_id")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.person_id}"


class Finding(models.Model):
    """A record found for a person in a department's data (a hit)."""

    REGION_LOOKUP = "village_code"

    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="findings")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    village_code = models.CharField(max_length=12)
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="+")
    item = models.CharField(max_length=32)
    value_num = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    value_text = models.CharField(max_length=200, blank=True)
    value_date = models.DateField(null=True, blank=True)
    as_of = models.DateField()
    consequence = models.CharField(max_length=12, choices=Consequence.choices, blank=True)
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    # Not found (with this value) by the latest earlier done run whose scope held the person.
    new = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("核对发现")
        verbose_name_plural = _("核对发现")
        indexes = [
            models.Index(fields=["run", "person"], name="finding_run_person"),
            models.Index(fields=["run", "village_code"], name="finding_run_village"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}.{self.item} {self.person_id}"


# --- Reports, review tasks and integrity matching (verification.reports / tasks / integrity) ---


class ReportOutcome(models.TextChoices):
    """Per member and item (domain §6); "cannot determine" never means "no assets"."""

    HIT = "hit", _("命中")
    NO_RECORD = "no_record", _("无记录")
    CANNOT_DETERMINE = "cannot_determine", _("无法确定")


class IssuedReportQuerySet(models.QuerySet["VerificationReport"]):
    def update(self, **kwargs: object) -> int:
        raise TypeError("an issued verification report cannot be changed")


class VerificationReport(models.Model):
    """核对报告: what one case's verification found, fixed when issued (domain §6)."""

    REGION_LOOKUP = "case__village__code"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT,
                             related_name="verification_reports", verbose_name=_("申请"))
    run = models.OneToOneField(VerificationRun, on_delete=models.PROTECT, related_name="report")
    version = models.PositiveIntegerField(_("版本"))
    issued_at = models.DateTimeField(_("出具时间"))
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("出具人"))
    # [{person, name, id_number, source, item, label, outcome, values: [{value, as_of}], fed}]
    items = models.JSONField(_("核对项目结果"), default=list)
    # [{person, name, source, item, label, value, as_of, consequence, note}]
    rules = models.JSONField(_("规则判定"), default=list)
    # {source code: {name, as_of, status}}
    sources = models.JSONField(_("使用的数据"), default=dict)
    # {members, hit, no_record, cannot_determine, review, ineligible, suspend, suggested}
    summary = models.JSONField(_("汇总"), default=dict)

    objects = IssuedReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("核对报告")
        verbose_name_plural = _("核对报告")
        ordering = ["case", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="report_case_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="report_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} v{self.version}"

    def save(self, *args: object, **kwargs: object) -> None:
        # Domain §6: a report is immutable once issued; a new finding needs a new version.
        if not self._state.adding:
            raise TypeError("an issued verification report cannot be changed")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TypeError("an issued verification report cannot be deleted")


class TaskKind(models.TextChoices):
    HIT = "hit", _("核对命中复查")
    DEATH = "death", _("死亡记录，已暂停发放")
    INTEGRITY = "integrity", _("廉政比对")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待复查")
    CLOSED = "closed", _("已办结")


class ReviewTask(models.Model):
    """A re-check a batch run opens for a township clerk: one per household and run."""

    REGION_LOOKUP = "village_code"

    run = models.ForeignKey(VerificationRun, on_delete=models.PROTECT, related_name="tasks")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("家庭"))
    village_code = models.CharField(_("村（社区）代码"), max_length=12)
    kind = models.CharField(_("类型"), max_length=10, choices=TaskKind.choices)
    summary = models.CharField(_("摘要"), max_length=200)
    findings = models.PositiveIntegerField(_("新增发现数"))
    status = models.CharField(_("状态"), max_length=8, choices=TaskStatus.choices,
                              default=TaskStatus.OPEN)
    created_at = models.DateTimeField(_("生成时间"))
    closed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("办结人"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    outcome_note = models.TextField(_("复查结果"), blank=True)

    class Meta:
        verbose_name = _("复查任务")
        verbose_name_plural = _("复查任务")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "village_code"], name="task_status_village")]
        constraints = [
            models.UniqueConstraint(fields=["run", "household"], name="task_run_household"),
            models.CheckConstraint(
                condition=Q(status="open") | (Q(closed_at__isnull=False) & ~Q(outcome_note="")),
                name="task_closed_with_note"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.household_id}"


class KinRelation(models.TextChoices):
    """近亲属 (57号§11; 行政诉讼法司法解释: 配偶、父母、子女、兄弟姐妹、祖孙)."""

    SPOUSE = "spouse", _("配偶")
    PARENT = "parent", _("父母")
    CHILD = "child", _("子女")
    SIBLING = "sibling", _("兄弟姐妹")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    GRANDCHILD = "grandchild", _("孙子女/外孙子女")
    OTHER = "other", _("其他近亲属")


class StaffRelative(models.Model):
    """近亲属备案: a relative of a civil-affairs or village official (57号§11)."""

    REGION_LOOKUP = "region__code"

    official_name = models.CharField(_("干部姓名"), max_length=50)
    official_post = models.CharField(_("职务"), max_length=64)
    organisation = models.CharField(_("工作单位"), max_length=100)
    relative_name = models.CharField(_("亲属姓名"), max_length=50)
    relative_id_number = models.CharField(_("亲属身份证号码"), max_length=18, db_index=True)
    relation = models.CharField(_("关系"), max_length=12, choices=KinRelation.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("所属区划"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("登记人"))
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("干部近亲属备案")
        verbose_name_plural = _("干部近亲属备案")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["relative_id_number", "official_name", "organisation"],
                                    name="staff_relative_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.official_name}—{self.relative_name}"


class IntegrityKind(models.TextChoices):
    STAFF_RELATIVE = "staff_relative", _("干部近亲属享受救助")
    DEATH = "death", _("死亡人员仍在保")


class IntegrityStatus(models.TextChoices):
    OPEN = "open", _("待核实")
    CONFIRMED = "confirmed", _("情况属实")
    DISMISSED = "dismissed", _("排除")


class IntegrityHit(models.Model):
    """A recipient matched against 近亲属备案 or death records; listed, never acted on."""

    REGION_LOOKUP = "village_code"

    checked_on = models.DateField(_("比对日期"))
    checked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("救助对象"))
    enrollment = models.ForeignKey("benefits.Enrollment", on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("享受记录"))
    village_code = models.CharField(_("村（社区）代码"), max_length=12)
    kind = models.CharField(_("类型"), max_length=16, choices=IntegrityKind.choices)
    # What the hit rests on ("staff_relative:<id>", "death:<date>"): a reviewed hit is not
    # raised again on the same basis, a new basis raises a new one.
    basis = models.CharField(max_length=64)
    detail = models.CharField(_("比对情况"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=IntegrityStatus.choices,
                              default=IntegrityStatus.OPEN)
    review_note = models.TextField(_("核实说明"), blank=True)
    reviewed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("核实人"))
    reviewed_at = models.DateTimeField(_("核实时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("廉政比对疑点")
        verbose_name_plural = _("廉政比对疑点")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "village_code"], name="integrity_status")]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], condition=Q(status="open"),
                                    name="integrity_one_open_per_person_kind"),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(review_note=""), name="integrity_review_note"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person_id}"
