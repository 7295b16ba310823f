"""Source-neutral stored values: no table or column is renamed, only values are rewritten.

Reasons `deleted_in_roller` → `deleted_at_source` and `roller_error` → `source_error` (in record
outcomes, daily counts, webhook events and the counts of sync runs, whose keys are
"entity.outcome.reason"); the stream `waivers` → `ages`; neutral help texts. Reversible.
"""

from django.db import migrations, models

REASONS = {"deleted_in_roller": "deleted_at_source", "roller_error": "source_error"}
STREAMS = {"waivers": "ages"}


def _rewrite(apps, reasons: dict[str, str], streams: dict[str, str]) -> None:
    for model_name in ("RecordOutcome", "OutcomeDailyCount", "WebhookEvent"):
        model = apps.get_model("integrations", model_name)
        for old, new in reasons.items():
            model.objects.filter(reason=old).update(reason=new)
    SyncRun = apps.get_model("integrations", "SyncRun")
    for old, new in streams.items():
        SyncRun.objects.filter(stream=old).update(stream=new)
    for run in SyncRun.objects.exclude(counts={}).only("pk", "counts").iterator():
        counts = {_rewrite_key(key, reasons): count for key, count in (run.counts or {}).items()}
        if counts != run.counts:
            SyncRun.objects.filter(pk=run.pk).update(counts=counts)


def _rewrite_key(key: str, reasons: dict[str, str]) -> str:
    entity, _, rest = key.partition(".")
    outcome, _, reason = rest.partition(".")
    if reason not in reasons:
        return key
    return f"{entity}.{outcome}.{reasons[reason]}"


def forwards(apps, schema_editor) -> None:
    _rewrite(apps, REASONS, STREAMS)


def backwards(apps, schema_editor) -> None:
    _rewrite(apps, {new: old for old, new in REASONS.items()}, {new: old for old, new in STREAMS.items()})


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0006_leaner_store_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='outcomedailycount',
            name='reason',
            field=models.CharField(blank=True, choices=[('no_contact', 'The booking has no booking holder, so there is no contact to link it to'), ('onsite_without_contact', 'On-site sale without an identified customer'), ('no_email_or_phone', 'The booking holder has neither an email address nor a phone number'), ('minor', 'The guest is a minor: data about minors is never synchronised'), ('contact_not_found', 'Contacts are set to update only and this guest is not a known contact'), ('contacts_disabled', 'Contacts are switched off for this connection'), ('deleted_at_source', 'The guest was deleted in the source system'), ('invalid_payload', 'The source system sent data that could not be read'), ('unknown_event', 'An event type this connector does not handle'), ('source_error', 'The source system returned an error while fetching related data'), ('no_matching_key', 'The guest lacks the value contacts are matched on (email or phone)'), ('products_disabled', 'Products are switched off for this connection'), ('connection_inactive', 'The connection was not active')], max_length=40),
        ),
        migrations.AlterField(
            model_name='recordoutcome',
            name='reason',
            field=models.CharField(blank=True, choices=[('no_contact', 'The booking has no booking holder, so there is no contact to link it to'), ('onsite_without_contact', 'On-site sale without an identified customer'), ('no_email_or_phone', 'The booking holder has neither an email address nor a phone number'), ('minor', 'The guest is a minor: data about minors is never synchronised'), ('contact_not_found', 'Contacts are set to update only and this guest is not a known contact'), ('contacts_disabled', 'Contacts are switched off for this connection'), ('deleted_at_source', 'The guest was deleted in the source system'), ('invalid_payload', 'The source system sent data that could not be read'), ('unknown_event', 'An event type this connector does not handle'), ('source_error', 'The source system returned an error while fetching related data'), ('no_matching_key', 'The guest lacks the value contacts are matched on (email or phone)'), ('products_disabled', 'Products are switched off for this connection'), ('connection_inactive', 'The connection was not active')], max_length=40),
        ),
        migrations.AlterField(
            model_name='syncrun',
            name='stream',
            field=models.CharField(choices=[('products', 'Products'), ('contacts', 'Contacts'), ('orders', 'Orders'), ('ages', 'Age checks')], max_length=20),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='reason',
            field=models.CharField(blank=True, choices=[('no_contact', 'The booking has no booking holder, so there is no contact to link it to'), ('onsite_without_contact', 'On-site sale without an identified customer'), ('no_email_or_phone', 'The booking holder has neither an email address nor a phone number'), ('minor', 'The guest is a minor: data about minors is never synchronised'), ('contact_not_found', 'Contacts are set to update only and this guest is not a known contact'), ('contacts_disabled', 'Contacts are switched off for this connection'), ('deleted_at_source', 'The guest was deleted in the source system'), ('invalid_payload', 'The source system sent data that could not be read'), ('unknown_event', 'An event type this connector does not handle'), ('source_error', 'The source system returned an error while fetching related data'), ('no_matching_key', 'The guest lacks the value contacts are matched on (email or phone)'), ('products_disabled', 'Products are switched off for this connection'), ('connection_inactive', 'The connection was not active')], max_length=40),
        ),
        migrations.AlterField(
            model_name='order',
            name='external_id',
            field=models.CharField(help_text="The source's id of the order (a booking)", max_length=64),
        ),
        migrations.AlterField(
            model_name='order',
            name='reference',
            field=models.CharField(blank=True, help_text='The reference people quote (a booking reference)', max_length=64),
        ),
        migrations.RunPython(forwards, backwards),
    ]
