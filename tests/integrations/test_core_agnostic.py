"""The core speaks no source's language: no file of it names ROLLER, in any case, identifiers
included. The same for the destination: Spotler Activate (formerly Squeezely) lives in
integrations/activate/, and the core's outbox and delivery (integrations/delivery/) take it
from its DestinationSpec ("activate" alone is also a verb the core uses). ROLLER's words live in integrations/roller/; the core takes a connector's words from
its spec (its label). Settings, url wiring and migrations (which record history) aside."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXEMPT = (
    "integrations/roller/",
    "integrations/activate/",
    "/migrations/",
    "connector_site/settings/",
    "connector_site/urls.py",
)


def core_files() -> list[Path]:
    found = []
    for folder in ("integrations", "connector_site"):
        for path in (ROOT / folder).rglob("*"):
            relative = path.relative_to(ROOT).as_posix()
            if path.is_file() and path.suffix in (".py", ".html", ".txt") and not any(e in relative for e in EXEMPT):
                found.append(path)
    assert len(found) > 50
    return found


def test_no_core_file_names_roller():
    naming = [path.relative_to(ROOT).as_posix() for path in core_files() if "roller" in path.read_text().lower()]
    assert naming == []


# Activate's names; "activate" alone is a verb the core uses (connection_activate).
DESTINATION_WORDS = ("spotler", "squeezely", "integrations.activate", "integrations/activate", "x-auth-", "custom_")


def test_no_core_file_names_the_destination():
    naming = [
        (path.relative_to(ROOT).as_posix(), word)
        for path in core_files()
        for word in DESTINATION_WORDS
        if word in path.read_text().lower()
    ]
    assert naming == []
