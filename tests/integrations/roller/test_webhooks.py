"""Registering, checking and removing our ROLLER webhook."""

import pytest
import yaml
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from integrations.roller.client import RollerClient
from integrations.roller.tokens import InMemoryTokenStore
from integrations.roller.webhooks import (
    WebhookStatus,
    webhook_configuration,
    webhook_register,
    webhook_remove,
    webhook_status,
    webhook_update,
)
from tests.support.roller_openapi import ROLLER_OPENAPI_DIR

MODELS = ROLLER_OPENAPI_DIR / "models"
API_KEY = "k" * 48


def official_model(name: str) -> tuple[dict, Registry]:
    """A model of ROLLER's OpenAPI files, with its `./Other.yaml` references resolvable."""

    def retrieve(uri: str) -> Resource:
        schema = yaml.safe_load((MODELS / uri.rsplit("/", 1)[-1]).read_text())
        return Resource.from_contents(schema, default_specification=DRAFT202012)

    schema = yaml.safe_load((MODELS / name).read_text())
    return schema, Registry(retrieve=retrieve)


def undeclared_keys(instance, schema: dict, registry: Registry, where: str = "") -> list[str]:
    """Keys of `instance` that the schema does not declare (the models allow any extra key,
    so a misspelt one like `signedWaivers` would otherwise pass unnoticed)."""
    if "$ref" in schema:
        schema = registry.get_or_retrieve(schema["$ref"]).value.contents
    found = []
    if isinstance(instance, dict) and "properties" in schema:
        for key, value in instance.items():
            if key not in schema["properties"]:
                found.append(f"{where}{key}")
            else:
                found += undeclared_keys(value, schema["properties"][key], registry, f"{where}{key}.")
    return found


# --- the body ------------------------------------------------------------------------------


def test_the_registration_body_matches_rollers_create_webhook_configuration():
    schema, registry = official_model("CreateWebhookConfiguration.yaml")
    body = webhook_configuration(url="https://connector.example.com/webhooks/roller/abc/", api_key=API_KEY)

    Draft202012Validator(schema, registry=registry).validate(body)
    assert undeclared_keys(body, schema, registry) == []


def test_the_schema_check_itself_catches_a_wrong_body():
    schema, registry = official_model("CreateWebhookConfiguration.yaml")
    body = webhook_configuration(url="https://connector.example.com/hook/", api_key=API_KEY)
    body["webhooks"]["booking"]["events"] = ["Deleted"]
    body["webhooks"]["signedWaivers"] = body["webhooks"].pop("signedWaiver")

    with pytest.raises(ValidationError):
        Draft202012Validator(schema, registry=registry).validate(body)
    assert undeclared_keys(body, schema, registry) == ["webhooks.signedWaivers"]


def test_the_registration_subscribes_to_what_the_connector_handles():
    body = webhook_configuration(url="https://connector.example.com/hook/", api_key=API_KEY)

    assert body["enabled"] is True  # ROLLER's default is false: the webhook would never fire
    assert body["authentication"] == {"apiKey": API_KEY}
    hooks = body["webhooks"]
    assert hooks["booking"]["events"] == ["Created", "Updated", "Cancelled"]
    assert hooks["booking"]["include"]["tickets"] is True
    assert hooks["customer"]["events"] == ["Created", "Updated"]
    assert hooks["signedWaiver"]["events"] == ["Created"]
    assert set(hooks) == {"booking", "customer", "signedWaiver", "bulkExport"}


# --- against the sandbox -------------------------------------------------------------------


@pytest.fixture
def client(roller_sandbox):
    return RollerClient(
        base_url=roller_sandbox.url,
        client_id=roller_sandbox.client_id,
        client_secret=roller_sandbox.client_secret,
        token_store=InMemoryTokenStore(),
        backoff=0.01,
    )


def test_register_then_status_then_remove(client):
    url = "https://connector.example.com/webhooks/roller/abc/"

    webhook_id = webhook_register(client=client, url=url, api_key=API_KEY)

    assert isinstance(webhook_id, str) and webhook_id
    assert webhook_status(client=client, webhook_id=webhook_id) == WebhookStatus(
        exists=True, enabled=True, url=url, subscribed=("booking", "customer", "signedWaiver", "bulkExport")
    )
    webhook_remove(client=client, webhook_id=webhook_id)
    status = webhook_status(client=client, webhook_id=webhook_id)
    assert (status.exists, status.enabled) == (False, False)


def test_the_sandbox_stores_the_configuration_we_sent(client, roller_sandbox):
    url = "https://connector.example.com/webhooks/roller/def/"

    webhook_id = webhook_register(client=client, url=url, api_key=API_KEY)

    (stored,) = [w for w in client.list_webhooks() if str(w["webhookId"]) == webhook_id]
    assert stored["configuration"]["webhooks"]["booking"]["include"]["tickets"] is True
    assert stored["configuration"]["authentication"]["apiKey"] == API_KEY


def test_update_changes_the_address(client):
    webhook_id = webhook_register(client=client, url="https://old.example.com/hook/", api_key=API_KEY)

    webhook_update(client=client, webhook_id=webhook_id, url="https://new.example.com/hook/", api_key=API_KEY)

    assert webhook_status(client=client, webhook_id=webhook_id).url == "https://new.example.com/hook/"


def test_removing_a_webhook_that_is_already_gone_is_fine(client):
    webhook_id = webhook_register(client=client, url="https://connector.example.com/hook/", api_key=API_KEY)
    webhook_remove(client=client, webhook_id=webhook_id)

    webhook_remove(client=client, webhook_id=webhook_id)


def test_status_of_an_unknown_webhook(client):
    assert webhook_status(client=client, webhook_id="999999").exists is False
