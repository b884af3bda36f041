"""A batch label may name a person and the batch's attributes join it to answers: not kept."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('pulse', '0001_initial'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='wavebatch',
            name='label',
        ),
    ]
