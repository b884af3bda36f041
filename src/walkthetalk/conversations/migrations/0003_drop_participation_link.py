"""Step 2 of 2 (schema): drop the participation foreign key, require the one-way key, and
keep only the day a result was computed. See 0002 for the data."""

from django.db import migrations, models

import walkthetalk.conversations.models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_participant_keys_and_result_days"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="conversationparticipant",
            name="conversations_one_participant_per_participation",
        ),
        migrations.RemoveField(
            model_name="conversationparticipant",
            name="participation",
        ),
        migrations.AlterField(
            model_name="conversationparticipant",
            name="key",
            field=models.CharField(
                default=walkthetalk.conversations.models.new_participant_key, max_length=64
            ),
        ),
        migrations.AddConstraint(
            model_name="conversationparticipant",
            constraint=models.UniqueConstraint(
                fields=("conversation", "key"), name="conversations_one_participant_per_key"
            ),
        ),
        migrations.RemoveField(
            model_name="conversationresult",
            name="computed_on",
        ),
        migrations.RenameField(
            model_name="conversationresult",
            old_name="computed_day",
            new_name="computed_on",
        ),
        migrations.AlterField(
            model_name="conversationresult",
            name="computed_on",
            field=models.DateField(),
        ),
    ]
