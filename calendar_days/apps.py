from django.apps import AppConfig


class CalendarDaysConfig(AppConfig):
    name = "calendar_days"
    verbose_name = "工作日历"
