"""A second source system that exists only in tests: "Fake Tills", a shop's till software.

It gives the wizard everything through its SetupSpec and nothing else, to prove the generic
wizard needs no change for a new connector. Its credentials form has a field ROLLER's lacks
(the shop's domain), its check knows one good key, and what it stores lives in memory
(`STORED`, by connection), as a real connector would keep it in its own settings model.
"""

import datetime as dt

from django import forms

from integrations.errors import CredentialsProblem, TransientError
from integrations.models import Connection
from integrations.records import ContactData, OrderData, PreviewRead, RecordBatch
from integrations.registry import ConnectorSpec, connector_register
from integrations.setup import ExplainedChoiceField, SetupSpec, SourceAccount, WebhookPlan

TYPE = "tills"
LABEL = "Fake Tills"
GOOD_KEY = "good-key"
SHOP = SourceAccount(
    id="shop-7", name="Corner Shop", time_zone="Europe/London", currency="GBP", country="GB", environment="Demo"
)

STORED: dict[str, dict] = {}  # connection public_id -> {"shop_domain", "api_key", "account", "webhook_id"}
ACTIVATED: list[str] = []  # connection public_ids, in the order on_activate was called
RATE_LIMITED_ONCE: set[str] = set()  # public_ids whose next preview is rate limited (then works)


class TillsCredentialsForm(forms.Form):
    plan = ExplainedChoiceField(
        label="Plan",
        choices=[("demo", "Demo"), ("paid", "Paid")],
        explanations={"demo": "The shop's demo till.", "paid": "The shop's real tills."},
        error_messages={"required": "Choose the plan."},
    )
    shop_domain = forms.CharField(
        label="Shop domain", help_text="For example corner.tills.example", error_messages={"required": "Enter it."}
    )
    api_key = forms.CharField(label="API key", widget=forms.PasswordInput(render_value=False))


def credentials_form(data=None, *, connection: Connection) -> TillsCredentialsForm:
    stored = STORED.get(str(connection.public_id), {})
    return TillsCredentialsForm(data, initial={"shop_domain": stored.get("shop_domain", "")})


def credentials_check(*, form: TillsCredentialsForm) -> SourceAccount:
    key = form.cleaned_data["api_key"]
    if key == "down":
        raise CredentialsProblem(
            "The tills did not answer.", title="Fake Tills could not be reached", kind="unreachable"
        )
    if key != GOOD_KEY:
        raise CredentialsProblem("Make a new key in the tills' back office.", title="Fake Tills refused the API key")
    return SHOP


def credentials_save(*, connection: Connection, form: TillsCredentialsForm, account: SourceAccount | None) -> None:
    entry = STORED.setdefault(str(connection.public_id), {})
    entry.update(shop_domain=form.cleaned_data["shop_domain"], api_key=form.cleaned_data["api_key"])
    if account is not None:
        entry["account"] = account


def account(*, connection: Connection) -> SourceAccount | None:
    return STORED.get(str(connection.public_id), {}).get("account")


def summary_rows(*, connection: Connection) -> list[tuple[str, str]]:
    stored = STORED.get(str(connection.public_id), {})
    return [("Shop domain", stored.get("shop_domain", "—")), ("API key", "Stored (never shown)")]


def fingerprint(*, connection: Connection) -> dict:
    return {"shop_domain": STORED.get(str(connection.public_id), {}).get("shop_domain", "")}


def preview(*, connection: Connection, progress) -> PreviewRead:
    """Four sales of three customers, read as plain records; the core decides on them."""
    if str(connection.public_id) in RATE_LIMITED_ONCE:
        RATE_LIMITED_ONCE.discard(str(connection.public_id))
        raise TransientError("Too many calls.", retry_after=30)
    progress(50, "Reading sales")
    customers = [ContactData(source_id=f"c{n}", email=f"customer{n}@example.com", first_name="Sam") for n in range(3)]
    sales = [
        OrderData(external_id=f"s{n}", channel="online", reference=f"S-{n}", holder_source_id=f"c{n % 3}")
        for n in range(4)
    ]
    batch = RecordBatch(contacts=customers, orders=sales, people={c.source_id: c for c in customers})
    return PreviewRead(
        batch=batch,
        days=7,
        window_start=dt.date(2026, 11, 20),
        window_end=dt.date(2026, 11, 26),
        orders_read=4,
        orders_limit=300,
        truncated=False,
        people_read=3,
    )


def webhook(*, connection: Connection) -> WebhookPlan:
    return WebhookPlan(
        url=f"https://hooks.tills.example/{connection.public_id}/",
        subscribed=("Sales: created",),
        registered_id=STORED.get(str(connection.public_id), {}).get("webhook_id", ""),
    )


def on_activate(connection: Connection) -> None:
    ACTIVATED.append(str(connection.public_id))
    STORED.setdefault(str(connection.public_id), {})["webhook_id"] = "hook-1"


SETUP = SetupSpec(
    credentials_form=credentials_form,
    credentials_check=credentials_check,
    credentials_save=credentials_save,
    account=account,
    summary_rows=summary_rows,
    fingerprint=fingerprint,
    preview=preview,
    webhook=webhook,
    account_noun="shop",
    realtime_text="sales",
)


def register() -> ConnectorSpec:
    STORED.clear()
    ACTIVATED.clear()
    RATE_LIMITED_ONCE.clear()
    spec = ConnectorSpec(
        type=TYPE, label=LABEL, description="Sales from a shop's tills.", on_activate=on_activate, setup=SETUP
    )
    connector_register(spec)
    return spec
