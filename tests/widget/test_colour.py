"""widget/lib/colour.js, run in Node: the text colour the widget draws on the organisation's
primary colour reaches WCAG AA (4.5:1) on every one of the 16.7 million #RRGGBB colours an
admin may set.

The widget's own function chooses; the contrast is measured by a separate implementation of
WCAG 2's formula (in the Node script, for every colour, and again in Python for the worst one
and for all 4,096 #RGB colours), so a mistake in the widget's formula cannot hide itself.
Without Node the test skips, unless PARLEY_REQUIRE_BROWSER=1 (CI), where it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.widget.harness import AA, contrast, hex_rgb

COLOUR_JS = Path(__file__).resolve().parents[2] / "widget" / "lib" / "colour.js"
HEX = re.compile(r"^#[0-9a-f]{6}$")

# Tries textOn on every colour, measuring with its own table of channel luminances; prints
# the worst colour, the failures (the first few) and the choice for every #RGB colour.
SCRIPT = """
import { textOn } from "./colour.mjs";
const lin = Array.from({length: 256}, (_, i) => {
  const c = i / 255;
  return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
});
const lum = (r, g, b) => 0.2126 * lin[r] + 0.7152 * lin[g] + 0.0722 * lin[b];
const hex = (r, g, b) => "#" + [r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("");
const parse = (s) => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16));
const lumOf = new Map();
let checked = 0, failures = 0, worst = null;
const failed = [], sample = {};
for (let r = 0; r < 256; r++) for (let g = 0; g < 256; g++) for (let b = 0; b < 256; b++) {
  const text = textOn(r, g, b);
  if (!lumOf.has(text)) lumOf.set(text, /^#[0-9a-f]{6}$/.test(text) ? lum(...parse(text)) : NaN);
  const l1 = lum(r, g, b), l2 = lumOf.get(text);
  const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  checked++;
  if (!(ratio >= 4.5)) {
    failures++;
    if (failed.length < 10) failed.push([hex(r, g, b), text, ratio]);
  }
  if (worst === null || !(ratio >= worst.ratio)) worst = {background: hex(r, g, b), text, ratio};
  if (r % 17 === 0 && g % 17 === 0 && b % 17 === 0) sample[hex(r, g, b)] = text;
}
console.log(JSON.stringify({checked, failures, failed, worst, texts: [...lumOf.keys()], sample}));
"""


def node() -> str:
    found = shutil.which("node")
    if found is None:
        message = "Node.js not found (Debian's `nodejs` package)"
        if os.environ.get("PARLEY_REQUIRE_BROWSER", "").strip() == "1":
            pytest.fail(message + "; PARLEY_REQUIRE_BROWSER=1 makes this an error")
        pytest.skip(message)
    return found


def run_over_every_colour(tmp_path: Path) -> dict[str, Any]:
    # The widget's file as it is, copied to .mjs: Node reads a .js file outside any package as
    # CommonJS, and colour.js imports nothing, so the copy is the whole of it.
    source = COLOUR_JS.read_text(encoding="utf-8")
    assert not re.search(r"^\s*import\b", source, re.MULTILINE), "colour.js must stay standalone"
    (tmp_path / "colour.mjs").write_text(source, encoding="utf-8")
    (tmp_path / "check.mjs").write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [node(), "check.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_text_on_every_primary_colour_reaches_aa(tmp_path: Path) -> None:
    result = run_over_every_colour(tmp_path)
    worst = result["worst"]
    print(f"\nworst: {worst}; text colours used: {result['texts']}")
    assert result["checked"] == 256**3
    assert all(HEX.match(text) for text in result["texts"]), result["texts"]
    assert result["failures"] == 0, result["failed"]
    assert contrast(hex_rgb(worst["background"]), hex_rgb(worst["text"])) >= AA, worst
    sample = result["sample"]
    assert len(sample) == 16**3
    below = {bg: text for bg, text in sample.items() if contrast(hex_rgb(bg), hex_rgb(text)) < AA}
    assert below == {}
