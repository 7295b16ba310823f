"""Bad input never costs a 5xx (issue 13): whatever an authenticated sender delivers, however
it is sent, it is stored and answered 200: byte for byte when it can be read; failed with its
reason, its size and SHA-256 but not its body when it cannot (nothing could clear a minor's name
from it). Property-based: Hypothesis makes the bodies, headers and transfers."""

import gzip
import io
import json
import uuid

from django.db import DataError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.locality import zone_named
from integrations.models import WebhookEvent
from integrations.outcomes import Reason
from integrations.payloads import unreadable_note
from integrations.roller import intake
from integrations.roller.parsing.payloads import parse_envelope
from tests.support.webhooks import WEBHOOK_KEY

KEY = WEBHOOK_KEY
FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- what a sender may send ------------------------------------------------------------------

json_leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
json_values = st.recursive(json_leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=12)  # fmt: skip


@st.composite
def roller_dates(draw) -> str:
    """ROLLER's formats and what is next to them: any year, with `Z`, an offset or none."""
    moment = draw(st.datetimes()).isoformat()
    minutes = draw(st.integers(-23 * 60 - 59, 23 * 60 + 59))
    offset = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return moment + draw(st.sampled_from(["", "Z", offset]))


def nested(depth: int) -> bytes:
    return f'{{"id": "n", "type": "Booking", "eventType": "Created", "data": {"[" * depth}{"]" * depth}}}'.encode()


def huge_numbers(digits: int) -> bytes:
    number = "1" * digits
    return f'{{"id": {number}, "type": "Booking", "eventType": "Created", "data": {{"bookingReference": {number}}}}}'.encode()


envelopes = st.fixed_dictionaries(
    {
        "id": st.text(min_size=1) | st.integers() | st.uuids().map(str),
        "type": st.sampled_from(["Booking", "Customer", "SignedWaiver", 1, 4, 7]) | json_leaves,
        "eventType": st.sampled_from(["Created", "Updated", "Cancelled", 1, 2]) | json_leaves,
        "eventDate": roller_dates() | json_leaves,
        "sendDate": roller_dates(),
        "data": st.fixed_dictionaries({"bookingReference": json_leaves, "customerId": json_leaves}) | json_values,
    }
)


def encodings(document: dict) -> st.SearchStrategy[bytes]:
    text = json.dumps(document)  # NUL and lone surrogates become \u0000 and \ud800
    return st.sampled_from(
        [
            text.encode(),
            json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass"),  # raw NUL, raw surrogates
            text.encode("utf-16"),
            gzip.compress(text.encode(), mtime=0),
            b"\xef\xbb\xbf" + text.encode(),  # a byte-order mark
        ]
    )


bodies = st.one_of(
    envelopes.flatmap(encodings),
    st.binary(max_size=3000),
    st.text().map(lambda text: text.encode("utf-8", "surrogatepass")),
    # Nesting up to twice Python's recursion limit, inside the envelope's data or bare.
    st.integers(1, 2500).map(nested),
    st.integers(1, 2500).map(lambda depth: ("[" * depth + "]" * depth).encode()),
    # Numbers of up to 6,000 digits, where ids and amounts go.
    st.integers(1, 6000).map(huge_numbers),
)
header_text = st.text(max_size=300)
transfers = st.sampled_from(["content-length", "chunked"])


def deliver(client, roller, body: bytes, *, transfer: str = "content-length", key: str | None = KEY, **headers):
    extra = {"HTTP_X_ROLLER_APIKEY": key} if key is not None else {}
    if transfer == "chunked":
        # As gunicorn hands over a chunked body: decoded, no length, the end marked.
        extra |= {"HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": "", "wsgi.input_terminated": True,
                  "wsgi.input": io.BytesIO(body)}  # fmt: skip
    return client.post(
        f"/webhooks/roller/{roller.connection.public_id}/",
        data=body,
        content_type="application/json",
        **extra,
        **headers,
    )


def assert_kept_or_failed_with_its_reason(body: bytes) -> WebhookEvent:
    event = WebhookEvent.objects.get()
    if event.status == WebhookEvent.Status.FAILED:
        assert event.reason == Reason.INVALID_PAYLOAD
        # A reason first, then what diagnosis needs and nothing of the body itself.
        assert (
            event.last_error.endswith(" " + unreadable_note(body))
            and len(event.last_error) > len(unreadable_note(body)) + 1
        )
        assert (event.body, event.raw_body, event.body_redacted) == ("", None, True)
    else:
        assert event.stored_bytes == body
        assert event.status == WebhookEvent.Status.RECEIVED
        # What the intake let through, the handler reads too: in the venue's zone.
        parse_envelope(event.body, tz=zone_named(event.connection.time_zone))
    return event


# --- the properties ------------------------------------------------------------------------


@FUZZ
@given(body=bodies, transfer=transfers)
def test_any_authenticated_body_is_answered_200_and_stored_byte_for_byte(client, roller, body, transfer):
    WebhookEvent.objects.all().delete()

    response = deliver(client, roller, body, transfer=transfer)

    assert response.status_code == 200
    assert_kept_or_failed_with_its_reason(body)


@FUZZ
@given(body=bodies, agent=header_text, content_type=header_text, forwarded=header_text, key_suffix=st.text(max_size=20))
def test_any_headers_are_stored_without_harm_and_a_wrong_key_stores_nothing(
    client, roller, body, agent, content_type, forwarded, key_suffix
):
    WebhookEvent.objects.all().delete()
    headers = {"HTTP_USER_AGENT": agent, "HTTP_X_FORWARDED_FOR": forwarded, "CONTENT_TYPE": content_type}

    refused = deliver(client, roller, body, key=KEY[:10] + key_suffix, **headers)
    assert refused.status_code == 401
    assert not WebhookEvent.objects.exists()

    response = deliver(client, roller, body, **headers)
    assert response.status_code == 200
    event = assert_kept_or_failed_with_its_reason(body)
    assert set(event.headers) <= set(intake.KEPT_HEADERS)


@FUZZ
@given(size=st.integers(1001, 5000), transfer=transfers)
def test_a_body_over_the_limit_is_413_however_it_is_sent(client, roller, monkeypatch, size, transfer):
    monkeypatch.setattr(intake, "MAX_BODY_BYTES", 1000)

    response = deliver(client, roller, b"x" * size, transfer=transfer)

    assert response.status_code == 413
    assert not WebhookEvent.objects.exists()


# --- what the properties found, kept as rules ---------------------------------------------------


def test_three_chunked_deliveries_are_three_events(client, roller):
    for number in range(3):
        body = json.dumps({"id": f"m-{number}", "type": "Booking", "eventType": "Created", "data": {}}).encode()
        assert deliver(client, roller, body, transfer="chunked").status_code == 200
    assert sorted(WebhookEvent.objects.values_list("message_id", flat=True)) == ["m-0", "m-1", "m-2"]


def test_a_chunked_body_the_server_did_not_decode_is_refused_and_nothing_stored(client, roller):
    response = client.post(
        f"/webhooks/roller/{roller.connection.public_id}/", data=b"5\r\nhello\r\n0\r\n\r\n", content_type="application/json",
        HTTP_X_ROLLER_APIKEY=KEY, HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH="",
    )  # fmt: skip
    assert response.status_code == 411
    assert not WebhookEvent.objects.exists()


def test_a_body_that_ends_before_its_content_length_is_answered_503_and_not_stored(client, roller, caplog):
    # We hold no delivery: a 200 would acknowledge data we did not keep; ROLLER resends on 503.
    body = b'{"id": "cut'
    response = client.post(
        f"/webhooks/roller/{roller.connection.public_id}/", data=body, content_type="application/json",
        HTTP_X_ROLLER_APIKEY=KEY, CONTENT_LENGTH="100", **{"wsgi.input": io.BytesIO(body)},
    )  # fmt: skip
    assert response.status_code == 503
    assert not WebhookEvent.objects.exists()
    assert "ended after 11 of the 100 bytes" in caplog.text


def test_a_value_the_database_refuses_is_kept_as_failed_not_answered_503(client, roller, monkeypatch):
    store = intake.webhook_event_store
    calls = []

    def refuse_the_first(*, incoming):
        calls.append(incoming)
        if len(calls) == 1:
            raise DataError("invalid byte sequence for encoding UTF8")
        return store(incoming=incoming)

    monkeypatch.setattr(intake, "webhook_event_store", refuse_the_first)
    body = json.dumps({"id": "m-1", "type": "Booking", "eventType": "Created", "data": {}}).encode()

    assert deliver(client, roller, body).status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.status, event.reason) == (WebhookEvent.Status.FAILED, Reason.INVALID_PAYLOAD)
    assert "The database refused it: DataError" in event.last_error
    assert event.last_error.endswith(unreadable_note(body)) and event.body == ""


# --- dates as ROLLER writes them ----------------------------------------------------------------


def test_an_event_date_without_an_offset_is_read_in_the_venues_zone(client, roller):
    body = json.dumps(
        {"id": str(uuid.uuid4()), "type": "Booking", "eventType": "Created", "eventDate": "2026-06-30T10:12:45",
         "data": {"bookingReference": "5032443"}}
    ).encode()  # fmt: skip

    assert deliver(client, roller, body).status_code == 200

    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.Status.RECEIVED
    assert event.event_date.isoformat() == "2026-06-30T08:12:45+00:00"  # Amsterdam is UTC+2 in summer


def test_an_event_date_past_the_range_in_utc_is_failed_with_the_reason(client, roller):
    body = json.dumps(
        {"id": "edge", "type": "Booking", "eventType": "Created", "eventDate": "9999-12-31T23:59:59-05:00", "data": {}}
    ).encode()

    assert deliver(client, roller, body).status_code == 200

    event = WebhookEvent.objects.get()
    assert (event.status, event.reason) == (WebhookEvent.Status.FAILED, Reason.INVALID_PAYLOAD)
    assert "out of range" in event.last_error
