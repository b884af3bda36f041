"""Ratings and acceptances stop pointing at a participation.

The foreign key let anyone with the database join a rating to its participation (unit, level,
start day) and pair one person's ratings across issues. It is replaced by a key derived from the
participant pass's secret key, which is never stored. Rows made before this change cannot be
re-keyed (the pass keys are not on the server), so each gets a random key of its own: the link
is dropped for them too; the only cost is that a participant re-rating such an issue adds a new
rating instead of changing the old one.
"""

import secrets

from django.db import migrations, models


def forget_participations(apps, schema_editor):
    for model_name in ("IssueRating", "GatheringAcceptance"):
        model = apps.get_model("agenda", model_name)
        field = "rater_key" if model_name == "IssueRating" else "participant_key"
        for pk in model.objects.values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(**{field: secrets.token_hex(32)})


class Migration(migrations.Migration):
    dependencies = [
        ("agenda", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="issuerating", name="agenda_one_rating_per_participation"
        ),
        migrations.RemoveConstraint(
            model_name="gatheringacceptance", name="agenda_accept_once_per_gathering"
        ),
        migrations.AddField(
            model_name="issuerating",
            name="rater_key",
            field=models.CharField(
                default="",
                help_text="SHA-256 of the issue and the pass key; joins to nothing.",
                max_length=64,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="gatheringacceptance",
            name="participant_key",
            field=models.CharField(
                default="",
                help_text="SHA-256 of the gathering and the pass key; joins to nothing.",
                max_length=64,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(forget_participations, migrations.RunPython.noop),
        migrations.RemoveField(model_name="issuerating", name="participation"),
        migrations.RemoveField(model_name="gatheringacceptance", name="participation"),
        migrations.AddConstraint(
            model_name="issuerating",
            constraint=models.UniqueConstraint(
                fields=("issue", "rater_key"), name="agenda_one_rating_per_participant"
            ),
        ),
        migrations.AddConstraint(
            model_name="gatheringacceptance",
            constraint=models.UniqueConstraint(
                fields=("gathering", "participant_key"), name="agenda_accept_once_per_gathering"
            ),
        ),
    ]
