"""Code lists of the registry. Income exclusions are a parameter (dibao.income_exclusions)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UrbanRural(models.TextChoices):
    URBAN = "urban", _("城镇")
    RURAL = "rural", _("农村")


class UrbanRuralBasis(models.TextChoices):
    CLASS_CODE = "class_code", _("城乡分类代码")
    LAND = "land", _("承包土地")
    COLLECTIVE = "collective", _("集体经济组织成员")
    RESETTLED = "resettled", _("易地搬迁进城")
    OTHER = "other", _("其他")


class Relation(models.TextChoices):
    APPLICANT = "applicant", _("申请人/户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女/外孙子女")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    OTHER = "other", _("其他共同生活人员")


class ExclusionReason(models.TextChoices):
    """57号§8: members not counted in the household."""

    CLERGY = "clergy", _("宗教教职人员（连续三年以上在宗教场所居住）")
    PRISON = "prison", _("在监狱服刑")
    DRUG_REHAB = "drug_rehab", _("强制隔离戒毒")
    MISSING = "missing", _("宣告失踪")
    OTHER = "other", _("省级规定的其他情形")


class DisabilityCategory(models.TextChoices):
    VISUAL = "visual", _("视力残疾")
    HEARING = "hearing", _("听力残疾")
    SPEECH = "speech", _("言语残疾")
    PHYSICAL = "physical", _("肢体残疾")
    INTELLECTUAL = "intellectual", _("智力残疾")
    MENTAL = "mental", _("精神残疾")
    MULTIPLE = "multiple", _("多重残疾")


class IncomeType(models.TextChoices):
    WAGE = "wage", _("工资性收入")
    BUSINESS = "business", _("经营净收入")
    AGRICULTURE = "agriculture", _("农业生产收入")
    PROPERTY = "property", _("财产净收入")
    TRANSFER = "transfer", _("转移净收入（赡养费等）")
    PENSION = "pension", _("养老金/退休金")
    OTHER = "other", _("其他收入")
    # Excluded by national rule (57号§13; 43号§5 for tekun); the list in force is a parameter.
    BASIC_PENSION = "basic_pension", _("城乡居民基础养老金")
    PREFERENTIAL_CARE = "preferential_care", _("优待抚恤金")
    FAMILY_PLANNING = "family_planning", _("计划生育奖励与扶助金")
    SCHOLARSHIP = "scholarship", _("奖学金/助学金")
    BRAVERY_AWARD = "bravery_award", _("见义勇为奖励")
    ASSISTANCE = "assistance", _("政府救助金及救助物资")
    DISABILITY_ALLOWANCE = "disability_allowance", _("残疾人生活补贴和护理补贴")
    ELDERLY_ALLOWANCE = "elderly_allowance", _("高龄津贴")


# The national exclusions; a city may add more through the parameter.
NATIONAL_INCOME_EXCLUSIONS = [
    IncomeType.BASIC_PENSION, IncomeType.PREFERENTIAL_CARE, IncomeType.FAMILY_PLANNING,
    IncomeType.SCHOLARSHIP, IncomeType.BRAVERY_AWARD, IncomeType.ASSISTANCE,
]


class AssetType(models.TextChoices):
    DEPOSIT = "deposit", _("存款")
    SECURITIES = "securities", _("有价证券/基金")
    INSURANCE = "insurance", _("商业保险")
    CLAIM = "claim", _("债权")
    INTERNET_FINANCE = "internet_finance", _("互联网金融资产")
    VEHICLE = "vehicle", _("机动车辆")
    HOUSE = "house", _("房屋")
    BUSINESS = "business", _("工商登记/经营实体")
    TREES = "trees", _("林木")
    OTHER = "other", _("其他")


class RecordSource(models.TextChoices):
    DECLARED = "declared", _("申报")
    SURVEY = "survey", _("入户调查")
    VERIFICATION = "verification", _("核对结果")
    IMPORT = "import", _("批量导入")
