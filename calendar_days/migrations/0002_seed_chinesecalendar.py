from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    from calendar_days.seed import seed_calendar

    seed_calendar(apps.get_model("calendar_days", "CalendarDay"),
                  apps.get_model("calendar_days", "ScheduleYear"))


class Migration(migrations.Migration):
    dependencies = [("calendar_days", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
