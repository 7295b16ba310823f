"""docs/architecture.md names the module and function of every step: each one exists."""

import importlib
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"
# `integrations.services.ingest.ingest`, `wizard.preview`, … (dotted names in backticks)
NAME = re.compile(r"`((?:integrations|wizard|connector_site)(?:\.\w+)+)`")


def named() -> list[str]:
    return sorted(set(NAME.findall(DOC.read_text())))


def resolve(dotted: str) -> object:
    """The module, or the attribute of the longest importable module prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ModuleNotFoundError(dotted)


def test_the_page_names_the_steps_of_both_paths():
    names = named()
    assert "integrations.services.ingest.ingest" in names
    assert len(names) > 30


@pytest.mark.parametrize("dotted", named())
def test_each_named_step_exists(dotted):
    assert resolve(dotted) is not None
