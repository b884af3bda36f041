"""Conversation participants stop pointing at care-map participations; results keep a day.

Step 1 of 2 (data). Every existing participant row gets a fresh random key: no pass can
recompute it, so a participant who joined before this change appears as a new participant the
next time they accept the agreements (their earlier votes still count in the results, as those
of someone who has left). Result times become days. Kept apart from the schema changes of 0003
so PostgreSQL never alters a table with row updates pending in the same transaction.
Forward only in practice: going back cannot restore the links (that is the point).
"""

import secrets

from django.db import migrations, models
from django.utils import timezone


def give_random_keys(apps, schema_editor):
    ConversationParticipant = apps.get_model("conversations", "ConversationParticipant")
    batch = []
    for participant in ConversationParticipant.objects.only("pk").iterator(chunk_size=2000):
        participant.key = secrets.token_hex(32)
        batch.append(participant)
        if len(batch) >= 2000:
            ConversationParticipant.objects.bulk_update(batch, ["key"])
            batch = []
    ConversationParticipant.objects.bulk_update(batch, ["key"])


def keep_days(apps, schema_editor):
    ConversationResult = apps.get_model("conversations", "ConversationResult")
    for result in ConversationResult.objects.only("pk", "computed_on"):
        when = result.computed_on
        if timezone.is_aware(when):
            when = timezone.localtime(when)
        ConversationResult.objects.filter(pk=result.pk).update(computed_day=when.date())


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversationparticipant",
            name="key",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="conversationresult",
            name="computed_day",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(give_random_keys, migrations.RunPython.noop),
        migrations.RunPython(keep_days, migrations.RunPython.noop),
    ]
