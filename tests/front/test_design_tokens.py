"""Design tokens: territoria.css defines the colours, every app's CSS uses them (docs/architecture.md, ADR 10).

So that a colour changed once changes everywhere, and the contrast measured here is the one
the pages show.
"""

import re
from pathlib import Path

import pytest

import territoria

PACKAGE = Path(territoria.__file__).resolve().parent
TOKENS_FILE = PACKAGE / "core/static/territoria/territoria.css"
APP_CSS = sorted(
    path
    for path in PACKAGE.glob("**/static/**/*.css")
    if path != TOKENS_FILE and "vendor" not in path.relative_to(PACKAGE).parts
)
# A colour written in a declaration: hex, rgb()/rgba(), hsl()/hsla() (a selector like #id is
# not a declaration, so only the insides of { } blocks are read).
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(")
DECLARATIONS = re.compile(r"\{([^{}]*)\}")


def _tokens() -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", TOKENS_FILE.read_text()).group(1)
    return dict(re.findall(r"--([\w-]+)\s*:\s*([^;]+);", root))


def test_app_stylesheets_are_found():
    names = {path.name for path in APP_CSS}
    assert {"assistant.css", "opendata.css", "registre.css", "discovery.css"} <= names


@pytest.mark.parametrize("path", APP_CSS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_app_css_has_no_colour_of_its_own_and_only_known_tokens(path):
    css = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.DOTALL)
    colours = [c for block in DECLARATIONS.findall(css) for c in COLOUR.findall(block)]
    assert not colours, f"{path.name} : couleurs hors jetons {colours} (utilisez var(--…))"
    unknown = set(re.findall(r"var\(--([\w-]+)", css)) - set(_tokens())
    assert not unknown, f"{path.name} : jetons inconnus {sorted(unknown)}"


def _luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


TEXT_ON_SURFACE = [
    *[
        (text, surface)
        for text in ("ink", "muted", "brand", "brand-dark", "accent-dark", "danger", "warning")
        for surface in ("paper", "soft")
    ],
    ("brand-dark", "brand-soft"),
    ("accent-dark", "accent-soft"),
    ("danger", "danger-soft"),
    ("warning", "warning-soft"),
    ("muted", "warning-soft"),
    ("ink", "highlight"),
    ("on-brand", "brand"),
    ("on-brand", "brand-dark"),
    ("on-brand", "ink"),
    ("on-brand", "danger"),
]


@pytest.mark.parametrize(("text", "surface"), TEXT_ON_SURFACE)
def test_token_pairs_keep_aa_contrast(text, surface):
    tokens = _tokens()
    ratio = _contrast(tokens[text].strip(), tokens[surface].strip())
    assert ratio >= 4.5, f"--{text} sur --{surface} : {ratio:.2f}:1 (< 4.5:1, RGAA/WCAG AA)"
