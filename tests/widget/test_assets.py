"""The widget's files themselves (widget/), without a browser: the size budget, the APIs it must
never use, its imports, and locales that match key for key and placeholder for placeholder.

Sizes are measured as each file gzipped on its own at level 9 (Python's gzip module), which is
how a server or CDN that compresses would send them; the budget is the issue's: the loader at
most 5 KB, everything the browser loads (js, css, json) at most 44 KB together."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

WIDGET = Path(__file__).resolve().parents[2] / "widget"
LOADER = WIDGET / "loader.js"
LOADED_SUFFIXES = {".js", ".css", ".json"}
LOADER_BUDGET = 5 * 1024
# 44 KB since attachments (the file picker, uploads with progress, thumbnails): 40 KB before.
TOTAL_BUDGET = 44 * 1024

FORBIDDEN = (
    "eval(",
    "new Function",
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
)
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']""", re.MULTILINE)
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def browser_files() -> list[Path]:
    return sorted(p for p in WIDGET.rglob("*") if p.is_file() and p.suffix in LOADED_SUFFIXES)


def js_files() -> list[Path]:
    return [p for p in browser_files() if p.suffix == ".js"]


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def locale(lang: str) -> dict[str, str]:
    data = json.loads((WIDGET / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_loader_fits_its_budget() -> None:
    size = gzipped(LOADER)
    print(f"\nloader.js: {LOADER.stat().st_size} bytes, {size} gzipped (budget {LOADER_BUDGET})")
    assert size <= LOADER_BUDGET


def test_whole_widget_fits_its_budget() -> None:
    files = browser_files()
    assert LOADER in files and WIDGET / "app.js" in files and WIDGET / "widget.css" in files
    total = 0
    print()
    for path in files:
        size = gzipped(path)
        total += size
        print(f"{path.relative_to(WIDGET)}: {path.stat().st_size} bytes, {size} gzipped")
    print(f"total: {total} bytes gzipped in {len(files)} files (budget {TOTAL_BUDGET})")
    assert total <= TOTAL_BUDGET


@pytest.mark.parametrize("path", js_files(), ids=lambda p: str(p.relative_to(WIDGET)))
def test_no_html_injection_or_eval(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    found = [name for name in FORBIDDEN if name in source]
    assert not found, f"{path.name} uses {found}: build DOM with createElement/textContent"


@pytest.mark.parametrize("path", js_files(), ids=lambda p: str(p.relative_to(WIDGET)))
def test_imports_are_local_files(path: Path) -> None:
    """No CDN and no bare package names: every import is a file of widget/ that exists."""
    for target in IMPORT.findall(path.read_text(encoding="utf-8")):
        assert target.startswith(("./", "../")), f"{path.name} imports {target!r}"
        resolved = (path.parent / target).resolve()
        assert resolved.is_file(), f"{path.name} imports {target!r}, which does not exist"
        assert WIDGET in resolved.parents


def test_locales_have_the_same_keys() -> None:
    en, de = locale("en"), locale("de")
    assert sorted(en) == sorted(de), {
        "only in en": sorted(set(en) - set(de)),
        "only in de": sorted(set(de) - set(en)),
    }


def test_locales_have_the_same_placeholders() -> None:
    en, de = locale("en"), locale("de")
    for key, text in en.items():
        assert isinstance(text, str) and text.strip(), key
        assert isinstance(de[key], str) and de[key].strip(), key
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(de[key])), key


def test_every_text_key_used_in_the_code_exists() -> None:
    """The keys the code names literally (`t("key")`), so a typo shows here, not as a raw key
    on a customer's screen."""
    en = locale("en")
    used: set[str] = set()
    for path in js_files():
        used |= set(re.findall(r"""\bt\(\s*["']([\w.]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "no t(...) calls found"
    assert sorted(used - set(en)) == []


def test_only_disabled_controls_are_faded() -> None:
    """Opacity blends text into its background and undoes the contrast its colour was chosen
    for (text on the primary colour: docs/widget.md); WCAG exempts only inactive controls."""
    css = re.sub(r"/\*.*?\*/", "", (WIDGET / "widget.css").read_text(encoding="utf-8"), flags=re.S)
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    assert len(rules) > 50, "the stylesheet no longer parses as rules"
    faded = [
        selector.strip()
        for selector, body in rules
        for value in re.findall(r"\bopacity\s*:\s*([^;]+)", body)
        if value.strip() != "1"  # what ::placeholder needs in Firefox; it fades nothing
    ]
    assert [s for s in faded if ":disabled" not in s] == []
