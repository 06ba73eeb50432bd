"""Read the chosen option letter out of free-form model output.

:func:`parse_option` reads the ``<answer>`` block when there is one (else the text after a closed
``<think>`` block, else the whole text) and tries, in this order (the first rule that decides wins):

1. the whole answer is one letter, possibly wrapped: ``B``, ``b``, ``(B)``, ``B.``, ``**B**``,
   ``[B]``, ``"B"``. **A bare list of letters** (``A, B, C, D``, ``C, D``, ``B and D``, ``A/C``) is
   no single answer: it gives None (unless every letter is the same one);
2. an answer cue followed by a letter: ``Answer: C``, ``The answer is C``, ``Best option: (D)``,
   ``Best option:(D)``, ``option c``, ``Option (c)``, ``the correct choice is B``, ``"answer": "B"``.
   After a cue a lower-case letter counts only when it stands alone (``option c``, ``(c)``), so
   ``the answer is a cup`` is not read as A. A cue that **rejects or compares** options is not an
   answer: one followed by more letters (``options A and C``, ``option B or D``), by a verdict
   against it (``option A is incorrect``, ``... is not``, ``... can be ruled out``) or preceded by
   a comparing or excluding word (``unlike option B``, ``a combination of options A and C``,
   ``rather than``, ``except``, ``eliminate``, ``both``, ``neither``). Its letters are also left out
   of rules 3 to 7, so ``Unlike option B, the clip shows C.`` gives C;
3. a leading letter: ``B) text``, ``B. text``, ``B: text``, ``(B) text``, ``B; 12.5 - 17.0``, or
   ``B`` followed by exactly the text of option B;
4. "none of the options / above / choices" (when that is not itself one of the options) gives None;
5. a letter in brackets or bold anywhere (``I pick (C).``, ``**C**``), when all such letters agree;
6. a standalone capital letter anywhere (``C is correct``), when exactly one distinct one appears.
   A capital ``A`` followed by a lower-case word (``A man opens...``) and the pronoun ``I`` are
   words, not letters;
7. the option text: the normalised answer (lower case, punctuation removed) equal to one option, or
   containing option texts as whole words (the longest one wins when it is unique), or contained
   in exactly one option.

Letters beyond the number of options are never returned. Nothing found gives None. The article
"a" inside a sentence is never read as option A ("The person picks up a cup." matches by option
text, or gives None). Never raises on a string; runs in linear time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from videorl.parse.tags import final_text
from videorl.record import LETTERS

_WHOLE_RE = re.compile(r"[\s(\[{*\"'`<_]{0,6}([A-Za-z])[\s)\]}*\"'`>_.:;,!]{0,6}")
_CUE_RE = re.compile(
    r"\b(?:answer|option|choice)(?:s)?(?:\s{1,3}(?:is|would\s{1,3}be|should\s{1,3}be|will\s{1,3}be))?"
    r"[\"']?\s{0,3}[:=]?\s{0,3}(?:is\s{1,3})?(?P<open>[(\[*\"'`]{0,4})\s{0,2}(?<![A-Za-z])(?P<letter>[A-Za-z])(?![A-Za-z0-9])"
    r"(?P<close>[)\]*\"'`]{0,4})",
    re.IGNORECASE)
_LEAD_RE = re.compile(r"\s{0,3}(?P<open>[(\[*]{0,3})(?P<letter>[A-Za-z])(?P<close>[)\]*]{0,3})(?P<punct>[.:;,)]?)"
                      r"(?=\s|$)")
_LEAD_WORD_RE = re.compile(r"\s{0,3}(?P<letter>[A-Z])\s{1,3}(?P<rest>.+)", re.DOTALL)
# A bare list of several letters ("A, B, C, D", "C and D", "A/C"): no single answer.
_ITEM = r"[(\[{*\"'`]{0,3}[A-Za-z][)\]}*\"'`.]{0,3}"
_LIST_SEP = r"(?:\s{0,3}(?:,|;|/|&|\band\b|\bor\b)\s{0,3}|\s{1,3})"
_LETTER_LIST_RE = re.compile(r"\s{0,3}" + _ITEM + r"(?:" + _LIST_SEP + _ITEM + r"){1,25}\s{0,3}[.!]?\s{0,3}",
                             re.IGNORECASE)
_LIST_LETTER_RE = re.compile(r"[A-Za-z]")
# After a cue's letter: more letters (the cue lists options) ...
_CUE_LIST_AFTER_RE = re.compile(
    r"(?:\s{0,3}(?:,|/|&|\band\b|\bor\b|\bnor\b)\s{0,3}(?:(?:options?|choices?)\s{1,3})?[(\[*\"'`]{0,2}"
    r"[A-Za-z](?![A-Za-z0-9])[)\]*\"'`]{0,2})+", re.IGNORECASE)
# ... or a verdict against it ...
_CUE_REJECT_AFTER_RE = re.compile(
    r"[\s,]{0,4}(?:(?:is|are|was|were|seems?|looks?|appears?|would\s{1,3}be|can\s{1,3}be|must\s{1,3}be)\s{1,3}"
    r"(?:also\s{1,3}|clearly\s{1,3}|definitely\s{1,3})?(?:not\b|never\b|incorrect|wrong|false|invalid|unlikely|"
    r"impossible|ruled\s{1,3}out|eliminated|excluded|irrelevant|a\s{1,3}distractor)"
    r"|isn't|aren't|wasn't|doesn't|don't|can't|cannot)", re.IGNORECASE)
# ... or, right before the cue, a word that compares or excludes.
_CUE_REJECT_BEFORE_RE = re.compile(
    r"\b(?:unlike|not|rather\s{1,3}than|instead\s{1,3}of|other\s{1,3}than|except|excluding|besides|"
    r"combinations?\s{1,3}of|combines?|combining|mix(?:es|ing)?\s{1,3}(?:of\s{1,3})?|merges?|merging|"
    r"eliminat\w{0,5}|rul(?:e|es|ed|ing)\s{1,3}out|neither|nor|than|compared\s{1,3}(?:to|with)|versus|vs\.?|"
    r"between|both|whereas|while)\s{1,3}(?:the\s{1,3}|of\s{1,3}the\s{1,3})?$", re.IGNORECASE)
_NONE_RE = re.compile(r"\bnone\s{1,3}of\s{1,3}the\s{1,3}(?:options|above|choices|answers)\b", re.IGNORECASE)
_BRACKETED_RE = re.compile(r"\(([A-Z])\)|\[([A-Z])\]|\*\*([A-Z])\*\*")
_STANDALONE_RE = re.compile(r"(?<![A-Za-z0-9'’_-])([A-Z])(?![A-Za-z0-9'’_-])")
_FULLWIDTH_RE = re.compile(r"[\uff21-\uff3a\uff41-\uff5a\uff08\uff09\uff1a]")
_FULLWIDTH = {**{0xFF21 + i: 0x41 + i for i in range(26)}, **{0xFF41 + i: 0x61 + i for i in range(26)},
              0xFF08: 0x28, 0xFF09: 0x29, 0xFF1A: 0x3A}
"""Full-width letters, parentheses and colon to ASCII (one character each, so offsets hold)."""
_PUNCT_RE = re.compile(r"[^\w\s]|_")
_SPACE_RE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Lower case, punctuation replaced by spaces, whitespace collapsed and stripped."""
    return _SPACE_RE.sub(" ", _PUNCT_RE.sub(" ", text.lower())).strip()


def _count(options: Sequence[str] | int) -> int:
    if isinstance(options, bool):
        raise TypeError("options must be a sequence of option texts or a number of options")
    if isinstance(options, int):
        if not 0 <= options <= len(LETTERS):
            raise ValueError(f"the number of options must be between 0 and {len(LETTERS)}, got {options}")
        return options
    return min(len(options), len(LETTERS))


def parse_option(text: str, options: Sequence[str] | int) -> str | None:
    """The letter ("A".."Z") of the chosen option, or None (rules in the module docstring).

    ``options`` is the list of option texts (enables matching by text) or the number of options.
    """
    n = _count(options)
    texts = [] if isinstance(options, int) else [str(o) for o in options][:n]
    if n == 0 or not isinstance(text, str):
        return None
    ans = final_text(text)
    if not ans:
        return None
    if _FULLWIDTH_RE.search(ans) is not None:  # "Ｂ" (full-width forms, common after CJK text): same length
        ans = ans.translate(_FULLWIDTH)
    valid = LETTERS[:n]

    def ok(letter: str) -> str | None:
        up = letter.upper()
        return up if up in valid else None

    # 1. the whole answer is one letter; a bare list of several letters is no answer
    m = _WHOLE_RE.fullmatch(ans)
    if m:
        return ok(m.group(1))
    if len(ans) <= 200 and _LETTER_LIST_RE.fullmatch(ans):
        letters = {c.upper() for c in _LIST_LETTER_RE.findall(ans)}
        return ok(letters.pop()) if len(letters) == 1 else None
    # 2. answer cue + letter ("answer" cues before "option" / "choice" cues); cues that reject or
    #    compare options are blanked out of the text the later rules read
    cues, blanks = [], []
    for m in _CUE_RE.finditer(ans[:10_000]):
        letter = m.group("letter")
        if not (letter.isupper() or m.group("open") or m.group("close") or _alone(ans, m.end())):
            continue
        stop = _rejecting_cue(ans, m)
        if stop is None:
            cues.append(m)
        else:
            blanks.append((m.start(), stop))
    cues.sort(key=lambda c: (not c.group(0).lower().startswith("answer"), c.start()))
    for m in cues:
        if ok(m.group("letter")):
            return ok(m.group("letter"))
    if blanks:
        ans = _blank(ans, blanks)
    # 3. leading letter (unless other bracketed letters disagree: "(A) and (C) both fit")
    bracketed = {g for m in _BRACKETED_RE.finditer(ans[:10_000]) for g in m.groups() if g}
    m = _LEAD_RE.match(ans)
    if m and bracketed <= {m.group("letter").upper()}:
        letter, marked = m.group("letter"), bool(m.group("close") or m.group("punct"))
        if (letter.isupper() and marked) or m.group("close") or m.group("punct") in (")", ":"):
            return ok(letter)
    m = _LEAD_WORD_RE.match(ans[:2_000])
    if m and texts and ok(m.group("letter")):
        idx = LETTERS.index(m.group("letter"))
        if normalize_text(m.group("rest")) == normalize_text(texts[idx]) != "":
            return m.group("letter")
    # 4. "none of the above"
    norm_texts = [normalize_text(t) for t in texts]
    if _NONE_RE.search(ans) and not any(_NONE_RE.search(t) for t in texts):
        return None
    # 5. bracketed / bold letters
    if len(bracketed) == 1:
        letter = ok(next(iter(bracketed)))
        if letter:
            return letter
    # 6. standalone capital letter
    stand = set()
    skip_to = -1
    for m in _STANDALONE_RE.finditer(ans[:10_000]):
        letter = m.group(1)
        if m.start() < skip_to or letter == "I" or letter not in valid:
            continue
        if letter == "A" and re.match(r"\s{1,3}[a-z]", ans[m.end(): m.end() + 4]):
            continue  # the article: "A man opens the door"
        stop = _rejected_letter(ans, m)
        if stop is not None:  # "not A", "A and C are wrong", "eliminating A, C and D": none of them
            skip_to = stop
            continue
        stand.add(letter)
    if len(stand) == 1:
        return stand.pop()
    if len(stand) > 1:
        return None
    # 7. option text
    return _by_text(normalize_text(ans[:10_000]), norm_texts)


def _rejecting_cue(text: str, m: re.Match) -> int | None:
    """Where a cue that rejects, lists or compares options ends (to blank it out), or None when the
    cue names the answer (see rule 2 of the module docstring)."""
    stop = m.end()
    listed = _CUE_LIST_AFTER_RE.match(text, stop)
    if listed:
        stop = listed.end()
    verdict = _CUE_REJECT_AFTER_RE.match(text, stop)
    if verdict:
        stop = verdict.end()
    if listed or verdict or _CUE_REJECT_BEFORE_RE.search(text, max(0, m.start() - 40), m.start()):
        return stop
    return None


def _rejected_letter(text: str, m: re.Match) -> int | None:
    """Where a standalone letter that is negated or rejected ends, with the letters listed after it
    (``not A``, ``A and C are wrong``, ``Eliminating A, C and D``); None for any other letter."""
    stop = m.end()
    listed = _CUE_LIST_AFTER_RE.match(text, stop)
    if listed:
        stop = listed.end()
    if _CUE_REJECT_AFTER_RE.match(text, stop) or _CUE_REJECT_BEFORE_RE.search(text, max(0, m.start() - 40),
                                                                            m.start()):
        return stop
    return None


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each ``(start, stop)`` replaced by spaces (same length, so offsets hold)."""
    parts, pos = [], 0
    for a, b in spans:
        if a < pos:
            a = pos
        parts += [text[pos:a], " " * max(0, b - a)]
        pos = max(pos, b)
    parts.append(text[pos:])
    return "".join(parts)


def _alone(text: str, end: int) -> bool:
    """A letter ending at ``end`` stands alone: end of text or punctuation, not another word."""
    rest = text[end: end + 3]
    return rest == "" or re.match(r"\s{0,2}(?:$|[.,;:!)\]\n])", rest) is not None


def _by_text(ans: str, norm_texts: list[str]) -> str | None:
    if not ans or not norm_texts:
        return None
    exact = [i for i, t in enumerate(norm_texts) if t and t == ans]
    if len(exact) == 1:
        return LETTERS[exact[0]]
    if len(exact) > 1:
        return None  # two options with the same text: ambiguous
    padded = f" {ans} "
    contained = [i for i, t in enumerate(norm_texts) if t and f" {t} " in padded]
    if contained:
        longest = max(len(norm_texts[i]) for i in contained)
        best = [i for i in contained if len(norm_texts[i]) == longest]
        return LETTERS[best[0]] if len(best) == 1 else None
    if len(ans) >= 3:
        inside = [i for i, t in enumerate(norm_texts) if t and padded in f" {t} "]
        if len(inside) == 1:
            return LETTERS[inside[0]]
    return None
