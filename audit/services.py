"""Writes to the audit trail. Call inside the caller's transaction so both land or neither."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from .models import AuditEvent, RecordAccess


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: Model,
    region_code: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        region_code=region_code,
        before=before,
        after=after,
        reason=reason,
    )


def record_access_log(*, user: Any, obj: Model, channel: str = "web") -> None:
    RecordAccess.objects.create(
        user=user, object_type=obj._meta.label_lower, object_id=str(obj.pk), channel=channel
    )
