"""The stylesheet meets WCAG AA (4.5:1 for text) and the site has a favicon.

The contrast is computed from the CSS itself: every rule that sets a text colour and a
background, with the variables of :root resolved, so a new rule or a changed colour is
checked as well as the ones that were too light (white on the orange was 3.75:1)."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

CSS_DIR = Path(__file__).resolve().parents[1] / "static" / "css"
AA_TEXT = 4.5
HEX = r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b"


def stylesheet() -> str:
    text = "\n".join(path.read_text() for path in sorted(CSS_DIR.glob("*.css")))
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def variables(css: str) -> dict[str, str]:
    return dict(re.findall(rf"--([\w-]+)\s*:\s*({HEX})", css))


def rules(css: str) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict(
            (name.strip(), value.strip())
            for name, value in (item.split(":", 1) for item in body.split(";") if ":" in item)
        )
        for selector in selectors.split(","):
            found.setdefault(selector.strip(), {}).update(declarations)
    return found


def colour(value: str | None, names: dict[str, str]) -> str | None:
    if value is None:
        return None
    if match := re.match(r"var\(--([\w-]+)\)", value):
        return names.get(match.group(1))
    match = re.match(HEX, value)
    return match.group(0) if match else None


def luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    digits = "".join(c * 2 for c in digits) if len(digits) == 3 else digits
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on_background() -> list[tuple[str, str, str]]:
    """(selector, text, background) for every rule that sets both, a hover taking its text colour
    from the rule it modifies."""
    css = stylesheet()
    names, found = variables(css), rules(css)
    pairs = []
    for selector, declarations in found.items():
        background = colour(declarations.get("background") or declarations.get("background-color"), names)
        base = re.sub(r":(hover|focus|focus-visible|active)\b", "", selector)
        text = colour(declarations.get("color") or found.get(base, {}).get("color"), names)
        if background and text:
            pairs.append((selector, text, background))
    return pairs


def test_the_formula_gives_the_known_ratios():
    assert contrast("#fff", "#000") == pytest.approx(21)
    assert round(contrast("#fff", "#e8501a"), 2) == 3.75  # the old primary orange


def test_every_text_colour_on_its_background_meets_wcag_aa():
    pairs = text_on_background()
    assert len(pairs) > 20  # the parsing found the stylesheet's rules
    too_light = [
        f"{selector}: {text} on {background} is {contrast(text, background):.2f}:1"
        for selector, text, background in pairs
        if contrast(text, background) < AA_TEXT
    ]
    assert too_light == []


@pytest.mark.parametrize(
    ("text", "background"),
    [("#fff", "accent"), ("#fff", "accent-dark"), ("#fff", "ok"), ("ok", "ok-soft"), ("accent-dark", "card")],
)
def test_the_colour_variables_meet_wcag_aa_where_they_are_paired(text, background):
    names = variables(stylesheet())
    text_hex = names.get(text, text)
    assert contrast(text_hex, names[background]) >= AA_TEXT


def test_a_favicon_is_linked_from_every_page_and_served(client, db):
    assert finders.find("favicon.svg")
    login_page = client.get("/login/").content.decode()
    assert 'rel="icon"' in login_page and "favicon.svg" in login_page

    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
