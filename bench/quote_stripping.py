"""How well Parley keeps only what a person wrote in an email reply, on a corpus of real ones.

    .venv/bin/python bench/quote_stripping.py [--corpus tests/fixtures/email_replies] [--quotequail]

The corpus (129 replies from five reply parsers' test suites, with the visible text each
expects; its README says how to compare) is run through the same functions `POST
/api/webhooks/email` uses (`server/notify/inbound.py`): whole messages through `visible_text`,
text bodies through `strip_quotes`, HTML bodies through `html_to_text` then `strip_quotes`.
Prints, per scope and match kind, how many cases Parley gets right; with `--quotequail`
(`pip install quotequail` first) the same for quotequail, the alternative considered.
Accuracy, not speed: there is no timing here.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.notify.inbound import html_to_text, parse, strip_quotes, visible_text  # noqa: E402


def normalise(text: str) -> str:
    """The corpus's comparison: LF line ends, no trailing blanks, no blank lines around."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def parley(case: dict[str, Any], raw: bytes) -> str:
    if case["kind"] == "mime":
        return visible_text(parse(raw))
    text = raw.decode("utf-8", errors="replace")
    if case["content_type"] == "text/html":
        text = html_to_text(text)
    return strip_quotes(text)


def quotequail_text(case: dict[str, Any], raw: bytes) -> str:
    import quotequail  # type: ignore[import-not-found]

    if case["kind"] == "mime":
        message = parse(raw)
        part = message.get_body(preferencelist=("plain",))
        text = str(part.get_content()) if part is not None else ""
    else:
        text = raw.decode("utf-8", errors="replace")
    if case["content_type"] == "text/html":
        return "".join(html for shown, html in quotequail.quote_html(text) if shown)
    return "".join(part for shown, part in quotequail.quote(text) if shown)


def passes(case: dict[str, Any], got: str) -> bool:
    if case.get("compare") == "ignore_all_whitespace":
        squeeze = lambda t: re.sub(r"\s+", "", t)  # noqa: E731
        got_html = html_to_text(got) if "<" in got else got
        return squeeze(case["expected"]) in squeeze(got_html) and squeeze(got_html) == squeeze(
            case["expected"]
        )
    got, expected = normalise(got), normalise(case["expected"])
    if case["match"] == "exact":
        return got == expected
    return (
        expected in got
        and all(normalise(x) in got for x in case.get("also_contains", []))
        and not any(normalise(x) in got for x in case.get("not_contains", []))
    )


def score(
    cases: list[dict[str, Any]], corpus: Path, strip: Callable[..., str]
) -> dict[str, list[int]]:
    results: dict[str, list[int]] = {}
    groups: dict[str, bool] = {}
    for case in cases:
        raw = (corpus / case["file"]).read_bytes()
        try:
            ok = passes(case, strip(case, raw))
        except Exception:
            ok = False
        if case.get("conflict_group"):  # either side of a disagreement counts
            groups[case["conflict_group"]] = groups.get(case["conflict_group"], False) or ok
        key = f"{case['scope']:16} {case['match']:8} {case['content_type']}"
        tally = results.setdefault(key, [0, 0])
        tally[0] += ok
        tally[1] += 1
    results["conflict groups (either side)"] = [sum(groups.values()), len(groups)]
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=ROOT / "tests" / "fixtures" / "email_replies"
    )
    parser.add_argument("--quotequail", action="store_true", help="also score quotequail")
    args = parser.parse_args()
    cases = [
        c for c in json.loads((args.corpus / "manifest.json").read_text())
        if c["scope"] != "signature"  # talon's signature extractor: a different task
    ]  # fmt: skip
    contenders: dict[str, Callable[..., str]] = {"parley (mail-parser-reply)": parley}
    if args.quotequail:
        contenders["quotequail"] = quotequail_text
    for name, strip in contenders.items():
        print(f"\n{name}: {len(cases)} cases")
        total = [0, 0]
        for key, (ok, n) in sorted(score(cases, args.corpus, strip).items()):
            print(f"  {key:48} {ok:3d} / {n:3d}")
            if not key.startswith("conflict"):
                total[0] += ok
                total[1] += n
        print(f"  {'all':48} {total[0]:3d} / {total[1]:3d}  ({100 * total[0] / total[1]:.0f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
