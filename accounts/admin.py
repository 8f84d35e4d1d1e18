from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, User


@admin.register(User)
class JiuzhuUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "role", "region", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("救助平台", {"fields": ("role", "region", "department", "phone")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "label", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash",)
