"""Connections made before the core stored the source's account id get their ROLLER venue's id,
so the wizard and roller_connect recognise a venue connected twice among them too."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps, schema_editor):
    Connection = apps.get_model("integrations", "Connection")
    RollerSettings = apps.get_model("roller", "RollerSettings")
    venue_id = RollerSettings.objects.filter(connection=OuterRef("pk")).values("venue_id")[:1]
    stale = Connection.objects.filter(connector_type="roller", source_account_id="", roller__venue_id__gt="")
    stale.update(source_account_id=Subquery(venue_id))


class Migration(migrations.Migration):
    dependencies = [
        ("roller", "0001_initial"),
        ("integrations", "0009_connection_source_account"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
