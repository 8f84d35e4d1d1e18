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


def save_transition(obj: Model, *, actor: Any, action: str, region_code: str, before_state: str,
                    fields: list[str], after: dict[str, Any] | None = None,
                    reason: str = "") -> None:
    """Save a checked state change (`state` and `fields`) of `obj` and its audit row: before and
    after state, with `after`'s extra values."""
    obj.save(update_fields=["state", *fields])
    state = getattr(obj, "state")  # noqa: B009 - any model with a `state` field
    audit_record(actor=actor, action=action, obj=obj, region_code=region_code,
                 before={"state": before_state}, after={"state": state, **(after or {})},
                 reason=reason)
