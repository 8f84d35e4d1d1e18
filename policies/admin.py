from django.contrib import admin

from .models import Department, Parameter, PolicyQA, Programme

admin.site.register(Department, list_display=("name", "phone"))
admin.site.register(Programme, list_display=("code", "name", "category", "department", "active"))
admin.site.register(Parameter, list_display=("key", "region", "value", "unit", "effective_from"),
                    list_filter=("key",), search_fields=("key",))
admin.site.register(PolicyQA, list_display=("question", "programme"), search_fields=("question",))
