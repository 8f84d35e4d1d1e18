from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent, RecordAccess


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "region_code")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "reason")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the trail is append-only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RecordAccess)
class RecordAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "object_type", "object_id", "channel")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
