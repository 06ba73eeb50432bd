"""Text similarity used by Video-R2's accuracy reward: word error rate and ROUGE-1/2/L F-measures.

Tokens are lower-cased runs of letters and digits, as ``rouge_score`` makes them. ``stem=True``
(Video-R2's faithful accuracy: ``rouge_score`` with ``use_stemmer=True``) stems tokens longer than 3
characters with NLTK's Porter stemmer, imported lazily; without NLTK installed it warns once and
does not stem (a documented difference, ``rouge_unstemmed`` in docs/rewards.md). Inputs are cut to
:data:`MAX_TOKENS` tokens so a pathological answer costs bounded time; ``cap=None`` (faithful mode)
cuts nothing, except that ROUGE-L's quadratic table is bounded at :data:`MAX_LCS_CELLS` cells
(longer hypotheses are cut for ROUGE-L only: ``rouge_lcs_cap``, beyond ~4 million token pairs).
"""

from __future__ import annotations

import functools
import re
import warnings
from collections import Counter

MAX_TOKENS = 512
MAX_LCS_CELLS = 1 << 22
_TOKEN = re.compile(r"[a-z0-9]+")
_VALID = re.compile(r"[a-z0-9]+")


_STEM: list = []  # [stem function or None], filled on first use


def _stemmer():
    if not _STEM:
        try:
            from nltk.stem.porter import PorterStemmer

            _STEM.append(functools.lru_cache(maxsize=65536)(PorterStemmer().stem))
        except ImportError:
            warnings.warn("nltk is not installed: Video-R2's faithful ROUGE runs without the Porter stemmer "
                          "(pip install nltk to reproduce rouge_score's use_stemmer=True)", stacklevel=3)
            _STEM.append(None)
    return _STEM[0]


def tokens(s: str, stem: bool = False, cap: int | None = MAX_TOKENS) -> list[str]:
    toks = _TOKEN.findall(s.lower())[:cap]
    if stem and (fn := _stemmer()) is not None:
        toks = [t for t in (fn(x) if len(x) > 3 else x for x in toks) if _VALID.fullmatch(t)]
    return toks


def levenshtein(a: list[str], b: list[str]) -> int:
    """Edit distance (insertions, deletions, substitutions) between two token lists."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def wer(reference: str, hypothesis: str, cap: int | None = MAX_TOKENS) -> float:
    """Word error rate: edit distance / number of reference words (at least 1)."""
    ref = reference.split()[:cap]
    hyp = hypothesis.split()[:cap]
    return levenshtein(ref, hyp) / max(1, len(ref))


def _f(overlap: int, n_ref: int, n_hyp: int) -> float:
    if overlap == 0 or n_ref == 0 or n_hyp == 0:
        return 0.0
    p, r = overlap / n_hyp, overlap / n_ref
    return 2 * p * r / (p + r)


def rouge_n(ref: list[str], hyp: list[str], n: int) -> float:
    """ROUGE-N F-measure: clipped n-gram overlap."""
    rc = Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1))
    hc = Counter(tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1))
    return _f(sum((rc & hc).values()), sum(rc.values()), sum(hc.values()))


def rouge_l(ref: list[str], hyp: list[str]) -> float:
    """ROUGE-L F-measure: longest common subsequence."""
    prev = [0] * (len(hyp) + 1)
    for x in ref:
        cur = [0]
        for j, y in enumerate(hyp, 1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return _f(prev[-1], len(ref), len(hyp))


def rouge_mean(reference: str, hypothesis: str, stem: bool = False, cap: int | None = MAX_TOKENS) -> float:
    """Mean of ROUGE-1, ROUGE-2 and ROUGE-L F-measures, in [0, 1] (``stem``: Porter-stem the tokens;
    ``cap``: tokens kept per text, None for all)."""
    ref, hyp = tokens(reference, stem, cap), tokens(hypothesis, stem, cap)
    lcs_hyp = hyp if len(ref) * len(hyp) <= MAX_LCS_CELLS else hyp[:MAX_LCS_CELLS // max(1, len(ref))]
    return (rouge_n(ref, hyp, 1) + rouge_n(ref, hyp, 2) + rouge_l(ref, lcs_hyp)) / 3
