from django.contrib import admin

from .models import CalendarDay, ScheduleYear

admin.site.register(CalendarDay, list_display=("date", "kind", "name", "source"),
                    list_filter=("kind", "source"), date_hierarchy="date")
admin.site.register(ScheduleYear, list_display=("year", "published", "note"))
