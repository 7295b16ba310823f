"""A link inside a step's form is its own navigation: it must not inherit the form's htmx target.

htmx passes hx-target, hx-swap and hx-disabled-elt down to every element inside. A boosted
link inside the form ("Back", "Cancel setup") then swapped the whole next page into
`#wizard` (a page nested in the page, with a second top bar), and its inherited
`hx-disabled-elt="find button[type=submit]"` found nothing inside the link (a console error).
"""

from html.parser import HTMLParser

import pytest

from tests.wizard.conftest import make_draft, step_url

pytestmark = pytest.mark.django_db

INHERITED = ("hx-target", "hx-swap", "hx-disabled-elt")
VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr", "area", "col", "embed", "param", "track"}


class LinksUnderHtmxTargets(HTMLParser):
    """Every <a> whose ancestors pass it one of INHERITED (no hx-disinherit in between)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict] = []
        self.inheriting: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            passed = self._passed_down()
            if passed:
                self.inheriting.append((attributes.get("href", ""), passed))
        if tag not in VOID:
            self.stack.append(attributes)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def _passed_down(self) -> list[str]:
        passed: set[str] = set()
        for attributes in self.stack:
            if "hx-disinherit" in attributes:
                passed.clear()  # simplification: every page here disinherits "*"
                continue
            passed |= {name for name in INHERITED if name in attributes}
        return sorted(passed)


def links_inheriting(html: str) -> list[tuple[str, list[str]]]:
    parser = LinksUnderHtmxTargets()
    parser.feed(html)
    return parser.inheriting


@pytest.mark.parametrize(
    ("completed", "key"),
    [
        ("preset", "credentials"),
        ("credentials", "preset"),
        ("credentials", "settings"),
        ("settings", "products"),
        ("products", "contacts"),
        ("contacts", "summary"),
        ("summary", "activate"),
    ],
)
def test_no_link_on_a_step_inherits_the_forms_htmx_target(browser_client, account, completed, key):
    draft = make_draft(account, step=completed)

    html = browser_client.get(step_url(draft, key)).content.decode()

    assert "Cancel setup" in html
    assert links_inheriting(html) == []


def test_the_check_sees_an_inheriting_link():
    html = '<form hx-target="#wizard" hx-swap="outerHTML"><a href="/x/">Cancel setup</a></form>'
    assert links_inheriting(html) == [("/x/", ["hx-swap", "hx-target"])]
    assert links_inheriting(html.replace("<form ", '<form hx-disinherit="*" ')) == []
