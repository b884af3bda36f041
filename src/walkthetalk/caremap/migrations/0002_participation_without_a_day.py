"""Forget the days that tie a participation to its invitation.

A participation's start day matched the day its invitation was used; within a small unit that
says whose invitation it was. The start day is dropped, and used invitations keep the day they
were made instead of the day they were used (for rows written before this change, too).
"""

from django.db import migrations
from django.db.models import F


def forget_days_of_use(apps, schema_editor):
    invitation = apps.get_model("caremap", "Invitation")
    invitation.objects.filter(used_on__isnull=False).update(used_on=F("created_on"))


class Migration(migrations.Migration):
    dependencies = [
        ("caremap", "0001_initial"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="participation",
            name="started_on",
        ),
        migrations.RunPython(forget_days_of_use, migrations.RunPython.noop),
    ]
