from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0006_leaner_store_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncrun",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
