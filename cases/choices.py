"""Code lists of a case: states, intake channels, programme families (domain.md §2.5, §3, §4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", _("已提交待受理")
    RETURNED = "returned", _("退回补正")
    ACCEPTED = "accepted", _("已受理")
    INVESTIGATING = "investigating", _("入户调查")
    VERIFYING = "verifying", _("经济状况核对")
    TOWNSHIP_OPINION = "township_opinion", _("待乡镇审核")
    PUBLICITY = "publicity", _("公示中")
    OBJECTION = "objection", _("公示异议，暂停")
    REINVESTIGATING = "reinvestigating", _("异议复查")
    COUNTY_REVIEW = "county_review", _("审批")
    PREPAID = "prepaid", _("已先行救助，待补手续")
    APPROVED = "approved", _("批准")
    REJECTED = "rejected", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")
    TERMINATED = "terminated", _("已终止")


CLOSED_STATES = frozenset(
    {CaseState.APPROVED, CaseState.REJECTED, CaseState.WITHDRAWN, CaseState.TERMINATED}
)
OPEN_STATES = frozenset(CaseState) - CLOSED_STATES


class Channel(models.TextChoices):
    COUNTER = "counter", _("窗口受理")
    ONLINE = "online", _("网上申请")
    PROXY = "proxy", _("帮办代办")


class Family(models.TextChoices):
    """Programmes that share one procedure."""

    DIBAO = "dibao", _("低保")
    TEKUN = "tekun", _("特困")
    TEMPORARY = "temporary", _("临时救助")


# Programme code → procedure family; programmes not listed here have no case workflow yet.
PROGRAMME_FAMILY = {
    "dibao_urban": Family.DIBAO,
    "dibao_rural": Family.DIBAO,
    "tekun": Family.TEKUN,
    "temporary": Family.TEMPORARY,
}
# Case numbers start with the family's letters so a citizen can tell them apart on the phone.
NUMBER_PREFIX = {Family.DIBAO: "DB", Family.TEKUN: "TK", Family.TEMPORARY: "LS"}


class TemporaryKind(models.TextChoices):
    EMERGENCY = "emergency", _("急难型")
    EXPENDITURE = "expenditure", _("支出型")


class SupportForm(models.TextChoices):
    CENTRALIZED = "centralized", _("集中供养")
    DISPERSED = "dispersed", _("分散供养")


class SupporterStatus(models.TextChoices):
    """43号§6: the third tekun condition."""

    NONE = "none", _("无法定赡养、抚养、扶养义务人")
    UNABLE = "unable", _("义务人无履行义务能力")
    ABLE = "able", _("义务人有履行能力")


class CareClass(models.TextChoices):
    SELF = "self", _("具备生活自理能力")
    PARTIAL = "partial", _("部分丧失生活自理能力")
    FULL = "full", _("完全丧失生活自理能力")


class VerificationResult(models.TextChoices):
    PASS = "pass", _("核对结果符合条件")
    FAIL = "fail", _("核对结果不符合条件")
    EXPLAIN = "explain", _("有疑点，需申请人说明")


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("身份证")
    HUKOU = "hukou", _("户口簿")
    CONSENT = "consent", _("核对授权书")
    PLEDGE = "pledge", _("承诺书")
    INCOME = "income", _("收入证明")
    DISABILITY = "disability", _("残疾证")
    MEDICAL = "medical", _("病历/医疗票据")
    PHOTO = "photo", _("现场照片")
    OTHER = "other", _("其他材料")


class ObjectionOutcome(models.TextChoices):
    PENDING = "pending", _("待处理")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class PublicityStatus(models.TextChoices):
    ACTIVE = "active", _("公示中")
    OBJECTED = "objected", _("有异议，已暂停")
    ENDED = "ended", _("公示期满")
    WITHDRAWN = "withdrawn", _("已撤下")
