"""Seeded completion corpus shared by the parity modules (``benchmarks/parity/*.py``).

A completion is built from parts drawn with one ``random.Random(seed)``: a prefix (empty, whitespace,
free text, or non-ASCII text whose lower-case form has another length, such as U+0130 'İ'), a think
block in one of several tag styles (proper, missing, unclosed, repeated, nested, upper-case, spaced),
an answer block in the same styles around a body the calling module draws (span styles, option
styles, numbers, free text), and a suffix (nothing, text, extra tags). About one completion in 300
pads the think block past 65,536 characters. The same seed gives the same corpus on any machine.
"""

from __future__ import annotations

import random
from collections.abc import Callable

UNICODE = ("İ", "İstanbul", "ẞ", "ǅ", "\u212a", "ﬁ", "Σ", "ß", "ΐ", "😀", "é", "日本語", "\u0307", "ı", "Ⅻ", "Å",
           "\x00", "\u00a0", "\u2028", "\u3000", "١٢")
WORDS = ("the", "man", "opens", "a", "door", "then", "walks", "to", "the", "car", "video", "shows", "event",
         "at", "second", "answer", "start", "end", "first", "so", "because", "red", "ball", "runs", "running")


def words(rng: random.Random, lo: int = 1, hi: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def prefix(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.55:
        return ""
    if r < 0.65:
        return rng.choice((" ", "\n", "\n\n", "\t", "  "))
    if r < 0.8:
        return words(rng) + rng.choice((" ", "\n", ""))
    return "".join(rng.choice(UNICODE) for _ in range(rng.randint(1, 4))) + rng.choice(("", " ", "\n"))


def unicode_noise(rng: random.Random) -> str:
    return "".join(rng.choice(UNICODE) for _ in range(rng.randint(1, 3)))


def block(rng: random.Random, tag: str, body: str) -> str:
    """``<tag>body</tag>`` in one of the tag styles (most often the proper one)."""
    r = rng.random()
    o, c = f"<{tag}>", f"</{tag}>"
    if r < 0.62:
        return f"{o}{body}{c}"
    if r < 0.67:
        return f"{o}\n{body}\n{c}"
    if r < 0.71:
        return f"<{tag.upper()}>{body}</{tag.upper()}>"
    if r < 0.74:
        return f"<{tag.capitalize()}>{body}</{tag.capitalize()}>"
    if r < 0.78:
        return f"{o}{body}"  # unclosed
    if r < 0.82:
        return f"{o}{body}{c}{o}{words(rng, 1, 3)}{c}"  # repeated
    if r < 0.85:
        return f"{o}{words(rng, 1, 3)}{o}{body}{c}{c}"  # nested
    if r < 0.88:
        return f"{o}{body}{c}{rng.choice(('so', ' ', ''))}{c}"  # extra closing tag
    if r < 0.9:
        return f"< {tag}>{body}</ {tag}>"
    if r < 0.93:
        return f"{o}{unicode_noise(rng)}{body}{c}"
    if r < 0.95:
        return f"{o} {body} {c}"
    if r < 0.97:
        return f"{body}{c}"  # no opening tag
    return body  # no tags at all


def think(rng: random.Random) -> str:
    body = words(rng, 0, 20)
    if rng.random() < 0.12:
        body = unicode_noise(rng) + body + unicode_noise(rng)
    if rng.random() < 1 / 300:
        body = body + " " + ("padding " * 8300)  # > 65,536 characters in all
    if rng.random() < 0.06:
        return ""
    return block(rng, "think", body)


def suffix(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.75:
        return ""
    if r < 0.82:
        return rng.choice(("\n", " ", "\n\n"))
    if r < 0.9:
        return rng.choice((" ", "\n")) + words(rng, 1, 5)
    if r < 0.95:
        return f"<answer>{words(rng, 1, 2)}</answer>"
    return rng.choice(("</answer>", "</think>", "<|im_end|>", "<think>", "<answer>"))


def completion(rng: random.Random, answer_body: Callable[[random.Random], str]) -> str:
    """One completion: prefix, think, separator, answer block (body from ``answer_body``), suffix."""
    sep = rng.choice(("", "", "\n", " ", "\n\n", " so ", "\t")) if rng.random() < 0.5 else ""
    return prefix(rng) + think(rng) + sep + block(rng, "answer", answer_body(rng)) + suffix(rng)


def number(rng: random.Random, hi: float = 100.0) -> str:
    """A number in one of several written forms."""
    x = rng.uniform(0, hi)
    r = rng.random()
    if r < 0.3:
        return str(int(x))
    if r < 0.6:
        return f"{x:.1f}"
    if r < 0.75:
        return f"{x:.2f}"
    if r < 0.8:
        return f"{x:.5f}"
    if r < 0.85:
        return f"0{int(x)}"
    if r < 0.9:
        return f"{int(x)}."
    if r < 0.95:
        return f"{int(x // 60):02d}:{int(x % 60):02d}"
    return rng.choice(("-3", "1e2", "nan", "inf", "1.2.3", ".5", "+7", "1,5", "1,000"))


SPAN_STYLES = (
    "{a} - {b}", "{a}-{b}", "{a} to {b}", "{a} -> {b}", "{a}, {b}", "[{a}, {b}]", "[{a} {b}]", "({a}, {b})",
    "({a} {b})", "start: {a}, end: {b}", "start {a} end {b}", "start{a} end{b}", "start: {a}\nend: {b}",
    "from {a} to {b} seconds", "{a}s - {b}s", "The event happens between {a} and {b}.",
    "start: {a}, end: {b}, the end: {c}", "{{\"start_time\": \"{a}\", \"end_time\": \"{b}\"}}",
    "{{\"start_time\": {a}, \"end_time\": {b}}}", "{{\"start_time\": \"{a}\"}}", "{a}", "no time given",
    "<{a}, {b}>", "{a} – {b}", "{a}~{b}", "start at {a} and end at {b}", "(start: {a}) (end: {b})",
)


def span_text(rng: random.Random, a: str, b: str, c: str = "") -> str:
    return rng.choice(SPAN_STYLES).format(a=a, b=b, c=c or b)


def known_class(text: str) -> str | None:
    """The documented class a difference on ``text`` falls under, when one applies to any reward."""
    from videorl.rewards import base

    return "over_1mib" if len(text) > getattr(base, "FAITHFUL_MAX_CHARS", 1 << 20) else None


def close(a: float, b: float, tol: float = 1e-6) -> bool:
    """Equal scores: within ``tol`` (the originals compute some rewards in float32 tensors or add
    an epsilon to a denominator; both move a score by far less than 1e-6)."""
    return a == b or abs(a - b) <= tol


class Tally:
    """Counts for one reward row of the parity JSON (see ``benchmarks/bench_parity.py``)."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.n = self.agree = 0
        self.classes: dict[str, int] = {}
        self.examples: dict[str, list[str]] = {}

    def add(self, same: bool, text: str = "", cls: str | None = None, detail: str = "") -> None:
        """Record one comparison; a difference is counted under ``cls`` ("unexplained" when None)."""
        self.n += 1
        if same:
            self.agree += 1
            return
        cls = cls or known_class(text) or "unexplained"
        self.classes[cls] = self.classes.get(cls, 0) + 1
        ex = self.examples.setdefault(cls, [])
        if len(ex) < 3:
            short = text if len(text) <= 160 else text[:70] + f" …[{len(text)} chars]… " + text[-70:]
            ex.append(short + (f"  ({detail})" if detail else ""))

    def as_dict(self) -> dict:
        return {"method": self.method, "n": self.n, "agree": self.agree, "classes": dict(self.classes),
                "examples": dict(self.examples)}


REAL_FILES = ("vagen/eval/results/eval/eval_mlvu_test_if28_hftokenizer.json",
              "vagen/eval/results/eval_test/eval_mlvu_test_if28_hftokenizer.json")


def real_outputs(checkouts: dict) -> list[tuple[str, str]]:
    """Real model outputs with their solution letter: every assistant turn in Video-MTR's released
    evaluation results (MLVU test, read at run time from the user's checkout; [] without one)."""
    import json
    import re
    from pathlib import Path

    root = checkouts.get("video_mtr")
    out: list[tuple[str, str]] = []
    if root is None:
        return out
    turn = re.compile(r"<\|im_start\|>assistant\n(.*?)(?:<\|im_end\|>|\Z)", re.DOTALL)
    for rel in REAL_FILES:
        path = Path(root) / rel
        if not path.is_file():
            continue
        for rec in json.loads(path.read_text(encoding="utf-8")).get("results", []):
            sol = re.search(r"<answer>(.*?)</answer>", str(rec.get("solution", "")), re.DOTALL)
            letter = sol.group(1).strip() if sol else str(rec.get("solution", "")).strip()
            out += [(t, letter) for t in turn.findall(str(rec.get("turn_history", "")))]
    return out
