"""Nothing needs a participation row any more, and a batch label may name a person.

Answers take their attributes from the participant's pass, so the participation table (written
in the request that stored an answer, and so pairable with it) goes. Invitation labels go too:
an invitation's attributes join it to answers, and a label such as a job title can name whom.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('caremap', '0002_participation_without_a_day'),
        # The last references to participations are dropped there first.
        ('agenda', '0002_unlinkable_rater_keys'),
        ('conversations', '0003_drop_participation_link'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='invitation',
            options={'ordering': ['care_system', 'created_on']},
        ),
        migrations.RemoveField(
            model_name='invitation',
            name='batch_label',
        ),
        migrations.DeleteModel(
            name='Participation',
        ),
    ]
