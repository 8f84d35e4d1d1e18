"""Roles and the level of region each is assigned to."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from regions.models import Level


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("县级管理员")
    CLERK = "clerk", _("乡镇经办")
    REVIEWER = "reviewer", _("乡镇审核")
    GRID_WORKER = "grid_worker", _("网格员")
    LIAISON = "liaison", _("部门联络员")
    AUDITOR = "auditor", _("审计（只读）")


# The level of region a user of each role is assigned to; checked when a user is saved.
ROLE_REGION_LEVEL = {
    Role.COUNTY_ADMIN: Level.COUNTY,
    Role.CLERK: Level.TOWNSHIP,
    Role.REVIEWER: Level.TOWNSHIP,
    Role.GRID_WORKER: Level.VILLAGE,
    Role.LIAISON: Level.COUNTY,
    Role.AUDITOR: Level.COUNTY,
}

STAFF_ROLES = frozenset(Role)
REGISTRY_READERS = frozenset(
    {Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.GRID_WORKER, Role.AUDITOR}
)
REGISTRY_WRITERS = frozenset({Role.COUNTY_ADMIN, Role.CLERK})
# Who may see full ID numbers and phones on a detail page (each view is logged).
FULL_RECORD_VIEWERS = frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR})
COUNTY_ONLY = frozenset({Role.COUNTY_ADMIN})
# Cases: who may open case pages, take applications, and act on a case at all (each move's
# own roles are in cases.workflow).
CASE_READERS = frozenset(
    {Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.GRID_WORKER, Role.AUDITOR}
)
CASE_INTAKE = frozenset({Role.CLERK, Role.GRID_WORKER})
CASE_WORKERS = frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.GRID_WORKER})
