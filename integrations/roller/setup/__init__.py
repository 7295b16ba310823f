"""ROLLER's part of the setup wizard: its credentials form and check, the venue behind
them, the preview's reader and what activation registers (integrations.setup.SetupSpec)."""

from integrations.roller.setup import activation, credentials, forms, preview
from integrations.setup import SetupSpec

SETUP = SetupSpec(
    credentials_form=forms.credentials_form,
    credentials_check=credentials.credentials_check,
    credentials_save=credentials.credentials_save,
    account=credentials.account_stored,
    summary_rows=credentials.summary_rows,
    fingerprint=credentials.fingerprint,
    preview=preview.read_preview,
    webhook=activation.webhook_plan,
    account_noun="venue",
    credentials_title="Connect to your ROLLER venue",
    credentials_intro="Enter an API key of your venue. Continue checks it with ROLLER before anything is saved.",
    credentials_fields_template="roller/setup/credentials_fields.html",
    credentials_help_template="roller/setup/credentials_help.html",
    products_intro="Your ROLLER products: tickets, passes, memberships, food and drink.",
    realtime_text="bookings, guests and signed waivers",
    webhook_settings_where="Venue Manager → Settings → Integrations → Webhooks",
)
