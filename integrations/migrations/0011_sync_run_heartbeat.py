from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0010_reason_labels_in_plain_words"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncrun",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
