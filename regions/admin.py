from django.contrib import admin

from .models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "urban_rural_class", "valid_to")
    list_filter = ("level",)
    search_fields = ("code", "name")
