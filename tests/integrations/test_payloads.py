"""Reading a delivered body: the quick path (json.loads alone, for bodies with nothing
suspect in them) decides exactly as the full checks do, on any input."""

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.payloads import MAX_DEPTH, UnreadableDocument, document_checked, json_document_read, unreadable_note

# JSON-like documents, then text with the characters and runs the checks look for spliced in.
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)
suspects = st.sampled_from(["\\u0000", "\\ud800", "1e999", "NaN", "Infinity", "9" * 101, "\x00", "[" * (MAX_DEPTH + 2)])


def outcome(read, text: str):
    try:
        return ("ok", read(text))
    except UnreadableDocument:
        return ("unreadable", None)


@settings(max_examples=400, deadline=None)
@given(values, st.lists(st.tuples(st.integers(min_value=0), suspects), max_size=2))
def test_the_quick_path_decides_as_the_full_checks(document, splices):
    text = json.dumps(document, allow_nan=False)
    for at, suspect in splices:
        at %= len(text) + 1
        text = text[:at] + suspect + text[at:]
    quick = outcome(lambda t: json_document_read(t.encode("utf-8", "surrogatepass")), text)
    full = outcome(document_checked, text)
    assert quick == full


def test_a_plain_booking_takes_the_quick_path_and_a_suspect_one_the_full_checks(monkeypatch):
    from integrations import payloads

    checked = []
    monkeypatch.setattr(payloads, "_check_values", lambda document: checked.append(document))

    json_document_read(b'{"id": "m-1", "data": {"total": 12.5, "items": [{"quantity": 2}]}}')
    assert checked == []
    json_document_read(b'{"id": "m-1", "name": "\\ud83d\\ude00"}')
    assert len(checked) == 1


@given(body=st.binary(max_size=2000))
def test_what_is_kept_of_an_unreadable_body_is_its_size_and_hash_and_nothing_of_it(body):
    note = unreadable_note(body)
    assert f"{len(body)} bytes" in note and hashlib.sha256(body).hexdigest() in note
    assert unreadable_note(body + b"x") != note
    assert unreadable_note(b'{"firstName": "Noah", "lastName": "Jansen"') == unreadable_note(
        b'{"firstName": "Noah", "lastName": "Jansen"'
    )
    assert "Noah" not in unreadable_note(b'{"firstName": "Noah"')
