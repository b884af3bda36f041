"""A vote is one upsert: the request key lives on the vote row (no VoteRequest table), and the
next-statement priority is stored per statement (kept by the worker with each refresh)."""

from django.db import migrations, models

from walkthetalk.conversations.priority import Candidate, priority


def store_priorities(apps, schema_editor):
    Statement = apps.get_model("conversations", "Statement")
    changed = []
    for s in Statement.objects.only("pk", "n_agree", "n_disagree", "n_pass", "extremity"):
        s.priority = priority(Candidate(s.pk, s.n_agree, s.n_disagree, s.n_pass, s.extremity))
        changed.append(s)
    Statement.objects.bulk_update(changed, ["priority"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0003_drop_participation_link"),
    ]

    operations = [
        migrations.AddField(
            model_name="statement",
            name="priority",
            field=models.FloatField(default=5.0625),
        ),
        migrations.RunPython(store_priorities, migrations.RunPython.noop),
        migrations.AddField(
            model_name="vote",
            name="request_key",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.DeleteModel(
            name="VoteRequest",
        ),
    ]
