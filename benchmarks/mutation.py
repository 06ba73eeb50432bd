"""Mutation testing of the clock-critical modules with cosmic-ray: does a test fail when the code is wrong?

Not part of the CI run (it takes minutes to hours). Needs cosmic-ray, which the test suite does not::

    pip install "cosmic-ray>=8.4"
    nice -n 10 python benchmarks/mutation.py                        # every module below, one after the other
    nice -n 10 python benchmarks/mutation.py --modules video/sizing.py scoring/intervals.py  # videorl/ implied
    nice -n 10 python benchmarks/mutation.py --modules parse/spans.py --resume DIR   # DIR: the scratch copy the interrupted run printed
    python benchmarks/mutation.py --annotate-only   # re-mark the stored survivors after editing the lists below

For each module, cosmic-ray (``init`` + ``exec``, the local distributor) applies every mutation of its
operators, one at a time, and runs the module's tests (:data:`MODULES`: the smallest fast selection that
exercises it, in stages, ``-x``). The mutations are applied in a scratch copy of the source tree (tracked and
untracked files, not ignored ones), never in the checkout, so a run cannot leave a mutant behind.
A mutant is *killed* when the tests fail, *survived* when they pass, *incompetent* when it does not run;
a test run over the timeout counts as killed (cosmic-ray's rule).

Cost per mutant: the tests run in a child forked from a server that has already imported pytest, hypothesis and
the module's heavy libraries (:data:`PRELOAD`: torch, transformers, qwen-vl-utils, TRL; never videorl itself),
so a mutant pays its tests, not the imports (the Qwen glue's tests: 26 s a run as fresh processes, 7 s
forked, on the shared VM). The unmutated tests are run first (they must pass) and timed: the timeout per mutant
is :data:`TIMEOUT_FACTOR` times that, at least :data:`MIN_TIMEOUT` s. ``--resume DIR`` goes on with an
interrupted run in its scratch copy (the mutants already run keep their results).

Results merge into ``benchmarks/results/mutation.json`` module by module (a module run later replaces its
earlier entry). Each survivor is listed with its operator, line and diff, and marked *equivalent* when
:data:`EQUIVALENT` says why the mutant cannot change a told time, a frame choice or a score, or *killed since*
when :data:`KILLED_SINCE` names the test written after the run that kills it (each applied by hand and seen to
fail); any other survivor is a missing test. The exit status is 1 when such an open survivor remains.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "mutation.json"
MACHINE = "2-core x86-64 CPU VM, no GPU, Python 3.11 (shared with other jobs)"

# module -> stages of pytest arguments that exercise it: the smallest *fast* selection (test files or node ids, and
# ``-k`` expressions) whose tests check told times, frame choices and scores, the most telling first (``-x``
# stops at the first failure). Host-tier tests (their own venvs) cost minutes per mutant and are left out;
# a survivor they alone would catch gets a fast test instead.
_SIZE_RULES = ("frame_size_table or size_and_target_edges or budget_conflict or aspect_ratio or targets_are_exact "
               "or smart_resize")
MODULES: dict[str, list[list[str]]] = {
    "videorl/parse/spans.py": [["tests/test_parse_spans.py"]],
    "videorl/scoring/intervals.py": [["tests/test_intervals.py"]],
    "videorl/scoring/official.py": [["tests/test_official_protocol.py", "tests/test_metrics.py"]],
    "videorl/video/sizing.py": [["tests/test_video_sampler.py", "-k", _SIZE_RULES],
                                ["tests/test_video_sampler.py", "-k", f"not ({_SIZE_RULES})"]],
    "videorl/video/meta.py": [["tests/test_video_sampler.py", "tests/test_frame_cache.py"]],
    "videorl/video/qwen.py": [["tests/test_clock_mutants.py", "tests/test_qwen_text_positions.py",
                               "tests/test_processor_glue.py"]],
    "videorl/data/export_easyr1.py": [["tests/test_data_export.py"]],
    "videorl/data/export_llamafactory.py": [["tests/test_data_export.py"]],
    "videorl/plugins/trl_video.py": [["tests/test_trl_grpo.py", "-k", "refused or by_keyword or default_sampling or own_time_step "
                                      "or system_prompt or suppressed"],
                                     ["tests/test_trl_pairing.py"]],
}

# (module, operator, line, diff fragment) -> why the mutant cannot change a told time, a frame choice or a score.
# The fragment is a line of the mutant's diff ("+..."); keep entries exact, so a changed line shows up again.
_LENGTHS = ("the lengths are max(e - s, 0.0) with e > s tested first, so never negative: for finite floats e > s "
            "gives e - s > 0, and NaN or equal ends give 0.0; '> 0' and '!= 0' agree on every value they can take")
_FLOOR = ("floor(x // f) = floor(x / f) for positive x and f except where x / f rounds up to a whole number "
          "(one ulp); and it is the frame size, not a time, a frame choice or a score")
_TYPE_CHECKING = ("the import under TYPE_CHECKING serves annotations only (postponed: from __future__ import "
                  "annotations); running it at import time too changes nothing")
# scoring/intervals.py and scoring/official.py (each checked against the original on 3000 random pairs with ties,
# empty and reversed intervals as well)
_IV_EMPTY = ("an empty interval (zero-length or reversed: start >= end, so lo >= hi) overlaps nothing: whatever length "
             "it is given (0, 1, -1, e - s) or whether the overlap is computed, every score stays inter / a positive "
             "denominator = 0, or the zero-denominator 0")
_IV_TIE = "min / max and max(hi - lo, 0) written with comparisons: on a tie both branches give the same value"
_IV_NONNEG = "lengths, the union (>= the larger length) and p + r are never negative: '> 0' and '!= 0' agree"
_IV_F1 = "p, r >= 0: when one of them is 0, 2pr / (p + r) is 0, the else value"
_IV_RESHAPE = "numpy takes any negative size in reshape as the one unknown dimension: -2 reads as -1"
_IV_MASK = ("inter is clipped at 0 and is 0 whenever an interval is empty (its min end <= its max start): the length "
            "mask matters for non-empty intervals only, and '> 0', '!= 0', '>= 0', '> -1' keep all of them")
_IV_UNION0 = ("the union is never negative and is 0 only when both intervals are empty, where inter is 0: the dummy "
              "denominator (1, 2 or 0) and the outer test give 0 there either way (0 / 0 = nan is dropped by the "
              "outer where)")
_OF_HULL = ("hull >= hi - lo (the larger end >= the smaller, the smaller start <= the larger), so a negative hull "
            "has no overlap and 0 / hull = -0.0 = 0: '> 0' and '!= 0' give the same score")
_OF_SWAP = "a prediction with e == s is the same swapped or not"
_OF_STRICT = "cut has one entry per span (built in the loop over the spans): zip's strict check never fires"

# plugins/trl_video.py
_TRL_NO_RECORDS = ("out holds one entry per row, so 'no records' is raised only when rows is empty, where the path "
                   "expression never reads rows[...]")
_TRL_STRICT = "each row of input_ids and of attention_mask has the same length (one padded tensor): strict never fires"
_TRL_KEY = ("the key only lets equal videos of a batch share one decode: dict keys in another order make a second "
            "decode of the same frames, never other frames")
_TRL_GRID = "video_grid_thw is 2-D ([videos, 3]): prod over dim 1 is prod over dim -1"
_TRL_MESSAGE = "only the count printed in the error message changes (the check itself is the same)"
_TRL_KEYS = "every row of a batch has the same fields (one model family): the last row's keys are the first row's"
_TRL_GUARD = ("a count mismatch or missing videos still raise (zip(strict=True), or iterating None): only the "
              "exception's type and message differ; no prompt is ever tokenised with another prompt's video")
_TRL_STRICT_PAIRS = "the guard above already makes len(videos) == len(prompts): zip's strict check never fires"
_TRL_CHUNK = ("the chunk handed to TRL holds end - start rows and TRL splits it by batch_size: end + start rows, or "
              "0 (TRL reads 0 as all rows), still make one pass over the same rows")
_TRL_SEQ = ("input_ids is [rows, length]: size(1) / size(-1) is the length. Where the length is at least the row "
            "count (a video prompt is hundreds of tokens, a device batch tens of rows) the chunks cover the "
            "same rows, and chunking does not change a log-prob (tests/test_trl_grpo.py: chunks of one row == one "
            "chunk); a shorter length drops rows and the step fails on a shape, it never scores silently")
# data/export_*.py
_EX_MIN1 = "h and w are at least the factor, so h * w is never below a minimum of 0, 1 or 2: the same sizes"
_EX_INT = "MODELS[model] is an int: // 1 gives the same patch size"
_EX_HALF = ("EasyR1 exports size every frame with size_for (easyr1_frame_size); the patch size only enters the "
            "sampler's arithmetic, where 28 / 2 = 14.0 and 32 / 2 = 16.0 equal 14 and 16 (the export test's frames "
            "and sizes come out the same)")
_EX_TOL = ("'> 1e-9' and '>= 1e-9' differ only where the distance from the nearest allowed value is exactly 1e-9 "
           "(no frame rate anyone sets)")
_EX_FAMILY = ("the export checks the model against PATCH_SIZE (qwen2_5_vl, qwen3_vl) before check_fps, and "
              "'qwen3_vl' <= 'qwen2_5_vl' is False: '<=' and '==' agree on both")
_EX_ONE_TAG = ("collect() (export_common) already refuses a record whose text holds '<video>', so the prompt holds "
               "exactly the one tag build_prompt puts first: '!= 1', '< 1' and '> 1' agree")
_EX_Q3MIN = ("frames x height x width is a multiple of 2048 (an even count of frames, sides multiples of 32): no "
             "value lies between a minimum of 4095 and 4096")
_EX_JSON_WS = "only the whitespace of the side file's JSON changes; every value read back is the same"
# video/qwen.py (the text-position wrapper)
_QW_LOOP = ("i and j only move up to n, one step at a time, and the loops end when they reach it: '<' and '!=' stop "
            "at the same point")
_QW_GAP0 = "gap is an int: 'gap > -1' or 'gap >= 0' add only a gap of 0 more, which changes nothing"
_QW_TEXT = ("a text block is followed by a vision block whose first ids are the text's last id + 1 (every Qwen rope "
            "index starts a vision block there), so its gap is <= 0 and nothing moves: also testing text blocks "
            "(kind 0) changes no position")
_QW_IMAGE = ("an image (one temporal patch) has its largest id at its first id + max(h, w) / merge - 1, exactly where "
             "transformers 5.x resumes the text: its gap is 0, so leaving image blocks out changes no position "
             "(text blocks: gap <= 0, see above)")
_QW_ONE_MODULE = ("a model holds one Qwen2-VL / Qwen2.5-VL model module (the trainer wraps the policy and the "
                  "reference model in separate calls): after the wrapped one there is nothing left to scan")
_QW_TYPES_KW = ("args is non-empty only when mm_token_type_ids is passed by position (args[0]); passed by keyword as "
                "well, the wrapped call itself raises TypeError before the types are read")
_QW_FIRST_TOKEN = ("a block's first token holds its smallest ids (Qwen numbers a block from there), so starting the "
                   "scan at index 1 changes no block's largest id; a one-token first block (text, or a 1-patch "
                   "video whose next id is its id + 1) has a gap <= 0 anyway")
_QW_GAP_NONNEG = ("transformers resumes the text at the block's first id + max(h, w) / merge, never past its largest "
                  "id + 1 (which is at least that), so the gap is never negative: '> 0' and '!= 0' agree")
_QW_KINDS = "mm_token_type_ids are 0, 1 or 2: '!= 0' and '> 0' agree"
_QW_EMPTY_ROW = ("n is the row's unmasked length: a row without a single token never reaches the model (every prompt "
                 "has tokens), so its delta is never used")
# video/sizing.py
_SZ_SEARCH = "searchsorted returns indices >= 0: the lower clip bound (0 or -1) is never reached"
_SZ_RIGHT = ("right is already clipped to len(t) - 1, so right - 1 is at most len(t) - 2 and never reaches the upper "
             "bound (len(t) - 1, len(t) - 2, len(t) + 1 or len(t) // 1)")
_SZ_EMPTY = "an empty index list stays empty either way (repeat of nothing, or nothing to drop)"
_SZ_BUDGET = ("a budget off by 1 part in 128000 (or floored to whole pixels: 1e-5 of it at most) moves a side "
              "across a patch boundary only where side / beta / factor lies that close below a whole number: in "
              "exact arithmetic on the boundary itself, where the original's side is float rounding (558x1280, "
              "310 frames: exactly 18 patches, computed 17.9999); qwen-vl-utils' constant is 128000, and only "
              "such a frame size, no time, frame choice or score, moves")
_SZ_FPS0 = "'not fps' already refuses 0: '<= 0' and '< 0' refuse the same values"
_SZ_FIRST = ("a target at or before the first frame's time picks the first frame either way (right clipped to 1 leaves "
             "left = 0, and |target - t[0]| <= |t[1] - target|; with one frame numpy's clip gives 0 too)")
_SZ_SLACK = ("the 1e-9 slack decides ties (equal distances give the earlier frame either way): '<=' and '<' differ "
             "only where the distances differ by exactly 1e-9 in floating point")

# parse/spans.py (reasons shared by several mutants)
_SP_AT = ("the ASCII lower-casing table of the dotted-I path only feeds the number-word search (letters and \\b "
          "boundaries): '@' (64) to '`' or '[' (91) to '{' swaps one non-word character for another, no value read "
          "changes")
_SP_DEFAULT = "_Tok's word and unit defaults are never used: _tokens and _word_tokens pass both explicitly"
_SP_EMPTY = "'' is the least string: s.strip() <= '' holds exactly when s.strip() == ''"
_SP_LIMIT = ("limit = MAX_TOKENS - len(toks) is never negative (toks holds at most MAX_TOKENS values) and "
             "islice(found, 0) is empty: '<= 0', '== 0' and '< 0' give the same list")
_SP_LOWER = ("str.lower() never shortens a string (its special mappings only expand, U+0130 to two code points): "
             "'!=' and '>' agree")
_SP_EMPTY_GAP = ("an empty gap matches none of the separator expressions (each needs a separator character): the pair "
                 "is refused either way")
_SP_WINDOW = ("the 24-character window before the first value: every check on it looks at most 16 characters back "
              "('between the ', an excluding word and 3 separators, '(' or a date digit) except the word scan, "
              "which reaches the window's start only through a word of more than 20 characters, never an "
              "excluding word (9 at most): a window of 23, 25 or a0 // 24 characters reads the same")
_SP_FIRST_SEP = ("stopping the separator scan at index 1 leaves only before[0], itself a separator: no word and no '#' "
                 "follows, so the answer is False either way")
_SP_NONNEG = "i starts at len(before) and steps down by 1 only while it is > 0: '> 0' and '!= 0' stop at the same i"
_SP_SAME_INT = "k / 1 and k // 1 keep k's value (0, 1, 2): 'k < 3' reads the same"
_SP_SCAN_REGEX = ("for ASCII words the scan and _EXCLUDE_BEFORE_RE answer the same (tests/test_parse_spans.py::"
                  "test_exclusion_scan_matches_its_regex): the mutant only sends other ASCII words to the regex")
_SP_RESEARCH = ("the second search then runs on the values of the first (without a minutes word or a 1m05s form the "
                "minutes expression finds the same values with the same units): the same None")
_SP_UNMARKED = ("blanking only turns characters into spaces, so text <= original always holds, and where text equals "
                "original the matched text taken from the original is the same")
_SP_LIMIT_KW = ("a keyword never ends one character into a value (keywords end with a letter, values start with a "
                "digit): keywords up to start or start + 1 are the same")
_SP_LT_NE = "i runs over range(len(toks)), so i + 1 <= len(toks): '<' and '!=' agree"
_SP_POS = "re's finditer takes a negative pos as 0"
_SP_UNIT2 = "a value's unit is 0, 1 or 2: '== 2' and '>= 2' agree"
_SP_POLICY = "reversed is 'swap' or 'invalid' (checked first) and 'swap' <= 'invalid' is False: '<=' and '==' agree"
_SP_HMS = "a clock value has at most two colons (_HMS): len(parts) is 2 or 3, so '== 3' and '>= 3' agree"
_SP_PREV = ("prev_end is only tested against 0 and is -1 before the first value or a value's end (>= 1) "
            "after it: starting at -2 or testing '>= 1' reads the same")
_SP_COUNT = "out grows by one value at a time, so it reaches exactly MAX_TOKENS: '>=' and '==' stop at the same value"
_SP_K3 = "k counts up by one from 0: '< 3' and '!= 3' stop at the same k"
_SP_I0 = "i is never negative (the scan stops at 0): '<= 0' and '== 0' agree"
_SP_S0 = "s is a match start, never negative: '> 0' and '!= 0' agree"
_SP_GAP_ORDER = ("_begin(b) >= a.end always (b's minus sign, if any, lies between the values), so 'gap_end < gap_start' "
                 "never holds, and an empty gap (==) matches no separator: the pair is refused either way")
_SP_NO_KW = ("with no start (or no end) keyword, _cued() finds nothing in an empty keyword list: the block is entered "
             "or not, but no pair is made either way")
_SP_THIRD = ("with a third value in the text, the rest of the text holds its digits or number word, which "
             "_BARE_REST_RE refuses: '== 2' and '>= 2' agree")
_SP_BISECT = "bisect_left returns at most len(kw_ends): '>=' and '==' agree"

# @SPANS
_SPANS_EQUIVALENT = {
    ('videorl/parse/spans.py', 'core/NumberReplacer', 161,
     '_ASCII_LOWER = {c: c + 32 for c in range( 64, 91)}'):
        _SP_AT,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 161,
     '_ASCII_LOWER = {c: c + 32 for c in range(65, 92)}'):
        _SP_AT,
    ('videorl/parse/spans.py', 'core/ReplaceFalseWithTrue', 206,
     'def __init__(self, value: float, start: int, end: int, negative: bool, word: bool = True,'):
        _SP_DEFAULT,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 207,
     'unit: int = 1) -> None:'):
        _SP_DEFAULT,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 207,
     'unit: int = -1) -> None:'):
        _SP_DEFAULT,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_GtE', 249,
     'if len(parts) >= 3:'):
        _SP_HMS,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 259,
     'prev_end = - 2'):
        _SP_PREV,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 276,
     'if s != 0 and text[s - 1] in "-−":'):
        _SP_S0,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 278,
     'negative = not (prev_end >= 1 and text[prev_end: s - 1].strip() == "")'):
        _SP_PREV,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_LtE', 278,
     'negative = not (prev_end >= 0 and text[prev_end: s - 1].strip() <= "")'):
        _SP_EMPTY,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_GtE_Gt', 278,
     'negative = not (prev_end > 0 and text[prev_end: s - 1].strip() == "")'):
        _SP_PREV,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_GtE_Eq', 281,
     'if len(out) == MAX_TOKENS:'):
        _SP_COUNT,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_GtE_Gt', 281,
     'if len(out) > MAX_TOKENS:'):
        _SP_COUNT,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 289,
     'if limit <= -1:'):
        _SP_LIMIT,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 289,
     'if limit <= 1:'):
        _SP_LIMIT,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_LtE_Eq', 289,
     'if limit == 0:'):
        _SP_LIMIT,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_LtE_Lt', 289,
     'if limit < 0:'):
        _SP_LIMIT,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_NotEq_Gt', 292,
     'if len(low) > len(text):  # a character lower-cases to several (U+0130): lower ASCII letters '
     'only'):
        _SP_LOWER,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_NotEq_GtE', 292,
     'if len(low) >= len(text):  # a character lower-cases to several (U+0130): lower ASCII letters '
     'only'):
        _SP_LOWER,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Lt_Eq', 315,
     'if gap_end - gap_start > _MAX_GAP or gap_end == gap_start:'):
        _SP_GAP_ORDER,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Lt_LtE', 315,
     'if gap_end - gap_start > _MAX_GAP or gap_end <= gap_start:'):
        _SP_EMPTY_GAP,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 320,
     'before = text[max(0, a0 - 23): a0]'):
        _SP_WINDOW,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 320,
     'before = text[max(0, a0 - 25): a0]'):
        _SP_WINDOW,
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Sub_FloorDiv', 320,
     'before = text[max(0, a0 // 24): a0]'):
        _SP_WINDOW,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 343,
     'while k < 3 and i > 1 and (before[i - 1] in ".:" or before[i - 1].isspace()):'):
        _SP_FIRST_SEP,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 343,
     'while k < 3 and i != 0 and (before[i - 1] in ".:" or before[i - 1].isspace()):'):
        _SP_NONNEG,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Lt_NotEq', 343,
     'while k != 3 and i > 0 and (before[i - 1] in ".:" or before[i - 1].isspace()):'):
        _SP_K3,
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_Div', 344,
     'i, k = i - 1, k / 1'):
        _SP_SAME_INT,
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_FloorDiv', 344,
     'i, k = i - 1, k // 1'):
        _SP_SAME_INT,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_LtE', 345,
     'if i <= 0:'):
        _SP_I0,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 350,
     'while j != 0 and (before[j - 1].isalnum() or before[j - 1] == "_"):'):
        _SP_I0,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_Gt', 355,
     'if not word.isascii() or word.lower() > "of":  # case folding beyond ASCII, "out of": ask '
     'the regex'):
        _SP_SCAN_REGEX,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_GtE', 355,
     'if not word.isascii() or word.lower() >= "of":  # case folding beyond ASCII, "out of": ask '
     'the regex'):
        _SP_SCAN_REGEX,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_Lt', 355,
     'if not word.isascii() or word.lower() < "of":  # case folding beyond ASCII, "out of": ask '
     'the regex'):
        _SP_SCAN_REGEX,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_LtE', 355,
     'if not word.isascii() or word.lower() <= "of":  # case folding beyond ASCII, "out of": ask '
     'the regex'):
        _SP_SCAN_REGEX,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_NotEq', 355,
     'if not word.isascii() or word.lower() != "of":  # case folding beyond ASCII, "out of": ask '
     'the regex'):
        _SP_SCAN_REGEX,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_GtE_Eq', 363,
     'if i == len(kw_ends) or kw_ends[i] > _begin(t):'):
        _SP_BISECT,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_GtE_Gt', 363,
     'if i > len(kw_ends) or kw_ends[i] > _begin(t):'):
        _SP_BISECT,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Gt_Eq', 363,
     'if i >= len(kw_ends) or kw_ends[i] == _begin(t):'):
        _SP_BISECT,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Gt_GtE', 363,
     'if i >= len(kw_ends) or kw_ends[i] >= _begin(t):'):
        _SP_BISECT,
    ('videorl/parse/spans.py', 'core/ReplaceOrWithAnd', 363,
     'if i >= len(kw_ends) and kw_ends[i] > _begin(t):'):
        _SP_BISECT,
    ('videorl/parse/spans.py', 'core/ReplaceFalseWithTrue', 406,
     'more = True'):
        _SP_RESEARCH,
    ('videorl/parse/spans.py', 'core/ReplaceAndWithOr', 407,
     'if digits or not minutes and _M_DIGIT_RE.search(text) is not None:'):
        _SP_RESEARCH,
    ('videorl/parse/spans.py', 'core/ReplaceAndWithOr', 407,
     'if digits and not minutes or _M_DIGIT_RE.search(text) is not None:'):
        _SP_RESEARCH,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_IsNot_Lt', 415,
     'if found is not None and text < original:'):
        _SP_UNMARKED,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_IsNot_LtE', 415,
     'if found is not None and text <= original:'):
        _SP_UNMARKED,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_IsNot_NotEq', 415,
     'if found is not None and text != original:'):
        _SP_UNMARKED,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 423,
     'limit = toks[-1].start + 0  # keywords after the last examined value cannot cue it'):
        _SP_LIMIT_KW,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 423,
     'limit = toks[-1].start + 2  # keywords after the last examined value cannot cue it'):
        _SP_LIMIT_KW,
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_FloorDiv', 423,
     'limit = toks[-1].start // 1  # keywords after the last examined value cannot cue it'):
        _SP_LIMIT_KW,
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_Mul', 423,
     'limit = toks[-1].start * 1  # keywords after the last examined value cannot cue it'):
        _SP_LIMIT_KW,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Lt_NotEq', 435,
     'if i + 1 != len(toks) and _is_range(text, a, toks[i + 1]) and ('):
        _SP_LT_NE,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 440,
     'keywords[limit] = [[m.end() for m in _START_KW_RE.finditer(text, -1, limit)],'):
        _SP_POS,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 441,
     '[m.end() for m in _END_KW_RE.finditer(text, -1, limit)]]'):
        _SP_POS,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 441,
     '[m.end() for m in _END_KW_RE.finditer(text, 1, limit)]]'):
        _SP_POS,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 443,
     'if kw[0] and kw[ 0] and _cued(text, a, kw[0], _START_CUE_RE):'):
        _SP_NO_KW,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 443,
     'if kw[ 1] and kw[1] and _cued(text, a, kw[0], _START_CUE_RE):'):
        _SP_NO_KW,
    ('videorl/parse/spans.py', 'core/NumberReplacer', 443,
     'if kw[ -1] and kw[1] and _cued(text, a, kw[0], _START_CUE_RE):'):
        _SP_NO_KW,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_GtE', 453,
     'if len(toks) >= 2 and len(text) <= 200 and not (toks[0].word or toks[1].word):'):
        _SP_THIRD,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_GtE', 462,
     'start = _signed(a) * 60 if a.unit == 0 and b.unit >= 2 else _signed(a)'):
        _SP_UNIT2,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_LtE', 462,
     'start = _signed(a) * 60 if a.unit <= 0 and b.unit == 2 else _signed(a)'):
        _SP_UNIT2,
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_LtE', 484,
     'if reversed <= "invalid":'):
        _SP_POLICY,
}
_SPANS_KILLED_SINCE = {
    ('videorl/parse/spans.py', 'core/NumberReplacer', 58,
     'MAX_TOKENS = 2001'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 58,
     'MAX_TOKENS = 1999'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceOrWithAnd', 89,
     'return "min" in text or "Min" in text and "MIN" in text'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceOrWithAnd', 94,
     'return "sec" in text or "min" in text or "Sec" in text and "Min" in text or "SEC" in text '
     'or "MIN" in text'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceOrWithAnd', 94,
     'return "sec" in text or "min" in text or "Sec" in text or "Min" in text or "SEC" in text and '
     '"MIN" in text'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 127,
     '_CUE_WINDOW = 49'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 127,
     '_CUE_WINDOW = 47'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 161,
     '_ASCII_LOWER = {c: c + 32 for c in range(65, 90)}'):
        'tests/test_parse_spans.py::test_number_words_in_capitals_next_to_a_dotted_capital_i',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 161,
     '_ASCII_LOWER = {c: c + 32 for c in range( 66, 91)}'):
        'tests/test_parse_spans.py::test_number_words_in_capitals_next_to_a_dotted_capital_i',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_Mul', 161,
     '_ASCII_LOWER = {c: c * 32 for c in range(65, 91)}'):
        'tests/test_parse_spans.py::test_number_words_in_capitals_next_to_a_dotted_capital_i',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Gt_GtE', 222,
     'if not isinstance(token, str) or len(token) >= 64:'):
        'tests/test_parse_spans.py::test_parse_time',
    ('videorl/parse/spans.py', 'core/ReplaceOrWithAnd', 222,
     'if not isinstance(token, str) and len(token) > 64:'):
        'tests/test_parse_spans.py::test_parse_time',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 237,
     'if secs is not None and float(secs) >= 61:'):
        'tests/test_parse_spans.py::test_parse_time',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_GtE_Gt', 237,
     'if secs is not None and float(secs) > 60:'):
        'tests/test_parse_spans.py::test_parse_time',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 240,
     'return _clock(m.group( 0))'):
        'tests/test_parse_spans.py::test_parse_time',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 247,
     'if secs >= 61:'):
        'tests/test_parse_spans.py::test_parse_time',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 247,
     'if secs >= 59:'):
        'tests/test_parse_spans.py::test_parse_time',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_GtE_Gt', 247,
     'if secs > 60:'):
        'tests/test_parse_spans.py::test_parse_time',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 250,
     'if int(parts[1]) >= 59:'):
        'tests/test_parse_spans.py::test_parse_time',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 250,
     'if int(parts[1]) >= 61:'):
        'tests/test_parse_spans.py::test_parse_time',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_GtE_Gt', 250,
     'if int(parts[1]) > 60:'):
        'tests/test_parse_spans.py::test_parse_time',
    ('videorl/parse/spans.py', 'core/ReplaceContinueWithBreak', 264,
     'break'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 265,
     'unit = 2 if m.group(2) is not None else 0 if m.lastindex == 5 else 0'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 265,
     'unit = 2 if m.group(2) is not None else 0 if m.lastindex == 5 else 2'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_LtE', 265,
     'unit = 2 if m.group(2) is not None else 0 if m.lastindex <= 5 else 1'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 267,
     'hms, num, unit_text = m.group( 0, 2, 3)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 267,
     'hms, num, unit_text = m.group(1, 2, 2)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 269,
     'v, unit = float(num), 1 if unit_text is None else 1'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 269,
     'v, unit = float(num), -1 if unit_text is None else 1'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 271,
     'v, unit = _clock(hms), 0'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 271,
     'v, unit = _clock(hms), 2'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceContinueWithBreak', 273,
     'break'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 276,
     'if s > -1 and text[s - 1] in "-−":'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Gt_GtE', 276,
     'if s >= 0 and text[s - 1] in "-−":'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 278,
     'negative = not (prev_end >= 0 and text[prev_end: s - 2].strip() == "")'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_GtE', 278,
     'negative = not (prev_end >= 0 and text[prev_end: s - 1].strip() >= "")'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceTrueWithFalse', 295,
     'return [_Tok(_word_value(m.group("w")) * (60 if m.group("wmin") else 1), m.start(), m.end(), '
     'False, False,'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceOrWithAnd', 302,
     'return not (a.word and b.word) or a.unit or b.unit'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Sub_Add', 310,
     'return t.start + 1 if t.negative else t.start'):
        'tests/test_parse_spans.py::test_a_negative_first_value_keeps_its_sign_in_the_matched_text',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Sub_FloorDiv', 310,
     'return t.start // 1 if t.negative else t.start'):
        'tests/test_parse_spans.py::test_a_negative_first_value_keeps_its_sign_in_the_matched_text',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Gt_Eq', 315,
     'if gap_end - gap_start == _MAX_GAP or gap_end < gap_start:'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceFalseWithTrue', 325,
     'return True'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceAndWithOr', 327,
     'if not (_OPEN_BEFORE_RE.search(before) or _CLOSE_AFTER_RE.match(text, b.end)):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceFalseWithTrue', 328,
     'return True'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 334,
     'if before[-1:] in ("-", "/") and "0" <= before[- 3:-1] <= "9":'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceAndWithOr', 334,
     'if before[-1:] in ("-", "/") or "0" <= before[-2:-1] <= "9":'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_LtE_Lt', 334,
     'if before[-1:] in ("-", "/") and "0" <= before[-2:-1] < "9":'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_LtE_Lt', 334,
     'if before[-1:] in ("-", "/") and "0" < before[-2:-1] <= "9":'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_LtE_NotEq', 334,
     'if before[-1:] in ("-", "/") and "0" != before[-2:-1] <= "9":'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 336,
     'return not (text[b.end:b.end + 1] in ("-", "/") and "0" <= text[b.end + 1:b.end + 3] <= "9")'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceAndWithOr', 336,
     'return not (text[b.end:b.end + 1] in ("-", "/") or "0" <= text[b.end + 1:b.end + 2] <= "9")'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_Sub', 336,
     'return not (text[b.end:b.end + 1] in ("-", "/") and "0" <= text[b.end - 1:b.end + 2] <= "9")'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_LtE_NotEq', 336,
     'return not (text[b.end:b.end + 1] in ("-", "/") and "0" <= text[b.end + 1:b.end + 2] != "9")'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 343,
     'while k < 2 and i > 0 and (before[i - 1] in ".:" or before[i - 1].isspace()):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Lt_LtE', 343,
     'while k <= 3 and i > 0 and (before[i - 1] in ".:" or before[i - 1].isspace()):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_Mul', 344,
     'i, k = i - 1, k * 1'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_Sub', 344,
     'i, k = i - 1, k - 1'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_Gt', 350,
     'while j > 0 and (before[j - 1].isalnum() or before[j - 1] > "_"):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Eq_GtE', 350,
     'while j > 0 and (before[j - 1].isalnum() or before[j - 1] >= "_"):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceFalseWithTrue', 364,
     'return True'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 369,
     'return text[max(0, t.start - 2): t.start].strip().endswith("<") and \\'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 369,
     'return text[max( 1, t.start - 3): t.start].strip().endswith("<") and \\'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 369,
     'return text[max(0, t.start - 4): t.start].strip().endswith("<") and \\'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 369,
     'return text[max( -1, t.start - 3): t.start].strip().endswith("<") and \\'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Sub_FloorDiv', 369,
     'return text[max(0, t.start // 3): t.start].strip().endswith("<") and \\'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Sub_Mul', 369,
     'return text[max(0, t.start * 3): t.start].strip().endswith("<") and \\'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 370,
     'text[t.end: t.end + 2].strip().startswith(">")'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 370,
     'text[t.end: t.end + 4].strip().startswith(">")'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_FloorDiv', 370,
     'text[t.end: t.end // 3].strip().startswith(">")'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_Mul', 370,
     'text[t.end: t.end * 3].strip().startswith(">")'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_Sub', 370,
     'text[t.end: t.end - 3].strip().startswith(">")'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceOrWithAnd', 376,
     'if not isinstance(text, str) and not text:'):
        'tests/test_parse_spans.py::test_policy_edges',
    ('videorl/parse/spans.py', 'core/AddNot', 389,
     'if not "_" in text or "\\\\" in text:'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Sub_Add', 410,
     'words = _word_tokens(text, MAX_TOKENS + len(toks))'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_Sub', 423,
     'limit = toks[-1].start - 1  # keywords after the last examined value cannot cue it'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 436,
     'not (a.word or toks[i + 0].word) or _pair_ok(a, toks[i + 1])):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_FloorDiv', 436,
     'not (a.word or toks[i // 1].word) or _pair_ok(a, toks[i + 1])):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_Mul', 436,
     'not (a.word or toks[i * 1].word) or _pair_ok(a, toks[i + 1])):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_Sub', 436,
     'not (a.word or toks[i + 1].word) or _pair_ok(a, toks[i - 1])):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_Sub', 436,
     'not (a.word or toks[i - 1].word) or _pair_ok(a, toks[i + 1])):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceOrWithAnd', 436,
     'not (a.word and toks[i + 1].word) or _pair_ok(a, toks[i + 1])):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceAndWithOr', 443,
     'if kw[0] or kw[1] and _cued(text, a, kw[0], _START_CUE_RE):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceAndWithOr', 443,
     'if kw[0] and kw[1] or _cued(text, a, kw[0], _START_CUE_RE):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 444,
     'j = next((j for j in range(i + 1, min(len(toks), i + 40)) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 444,
     'j = next((j for j in range(i + 1, min(len(toks), i + 42)) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 444,
     'j = next((j for j in range(i + 0, min(len(toks), i + 41)) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_FloorDiv', 444,
     'j = next((j for j in range(i // 1, min(len(toks), i + 41)) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Add_Mul', 444,
     'j = next((j for j in range(i * 1, min(len(toks), i + 41)) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 446,
     'j = next((j for j in range(i - 2, max(-1, i - 41), -1) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 446,
     'j = next((j for j in range(i - 1, max(-1, i - 42), -1) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 446,
     'j = next((j for j in range(i - 1, max(-1, i - 41), - 2) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 446,
     'j = next((j for j in range(i - 1, max(- 2, i - 41), -1) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 446,
     'j = next((j for j in range(i - 1, max(-1, i - 40), -1) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 446,
     'j = next((j for j in range(i - 0, max(-1, i - 41), -1) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Sub_FloorDiv', 446,
     'j = next((j for j in range(i // 1, max(-1, i - 41), -1) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Sub_Mul', 446,
     'j = next((j for j in range(i * 1, max(-1, i - 41), -1) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceUnaryOperator_USub_UAdd', 446,
     'j = next((j for j in range(i - 1, max(-1, i - 41), +1) if end_cued(j)), None)'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 453,
     'if len(toks) == 2 and len(text) <= 200 and not (toks[ 1].word or toks[1].word):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 453,
     'if len(toks) == 2 and len(text) <= 201 and not (toks[0].word or toks[1].word):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 453,
     'if len(toks) == 2 and len(text) <= 199 and not (toks[0].word or toks[1].word):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 453,
     'if len(toks) == 2 and len(text) <= 200 and not (toks[0].word or toks[ 0].word):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 453,
     'if len(toks) == 2 and len(text) <= 200 and not (toks[ -1].word or toks[1].word):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_LtE_Lt', 453,
     'if len(toks) == 2 and len(text) < 200 and not (toks[0].word or toks[1].word):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_LtE_NotEq', 453,
     'if len(toks) == 2 and len(text) != 200 and not (toks[0].word or toks[1].word):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/ReplaceOrWithAnd', 453,
     'if len(toks) == 2 and len(text) <= 200 and not (toks[0].word and toks[1].word):'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 454,
     'rest = text[: _begin(toks[0])] + text[toks[ -1].end: _begin(toks[1])] + text[toks[1].end:]'):
        'tests/test_parse_spans.py::test_span_rules_at_their_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 469,
     'if duration is not None and (isinstance(duration, bool) or not math.isfinite(duration) or '
     'duration <= 1):'):
        'tests/test_parse_spans.py::test_policy_edges',
    ('videorl/parse/spans.py', 'core/ReplaceOrWithAnd', 469,
     'if duration is not None and (isinstance(duration, bool) and not math.isfinite(duration) or '
     'duration <= 0):'):
        'tests/test_parse_spans.py::test_policy_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Mul_Div', 473,
     'def apply_span_policy(start: float, end: float, duration: float | None = None, /, reversed: '
     'str = "swap",'):
        'tests/test_parse_spans.py::test_policy_edges',
    ('videorl/parse/spans.py', 'core/ReplaceTrueWithFalse', 474,
     'clamp: bool = False) -> tuple[float, float] | None:'):
        'tests/test_parse_spans.py::test_policy_edges',
    ('videorl/parse/spans.py', 'core/ExceptionReplacer', 479,
     'except (TypeError, CosmicRayTestingException):'):
        'tests/test_parse_spans.py::test_policy_edges',
    ('videorl/parse/spans.py', 'core/ExceptionReplacer', 479,
     'except (CosmicRayTestingException, ValueError):'):
        'tests/test_parse_spans.py::test_policy_edges',
    ('videorl/parse/spans.py', 'core/NumberReplacer', 481,
     'if not (math.isfinite(s) and math.isfinite(e)) or s < 0 or e < -1:'):
        'tests/test_parse_spans.py::test_policy_edges',
    ('videorl/parse/spans.py', 'core/ReplaceAndWithOr', 481,
     'if not (math.isfinite(s) or math.isfinite(e)) or s < 0 or e < 0:'):
        'tests/test_parse_spans.py::test_policy_edges',
    ('videorl/parse/spans.py', 'core/ReplaceComparisonOperator_Gt_GtE', 483,
     'if s >= e:'):
        'tests/test_parse_spans.py::test_policy_edges',
    ('videorl/parse/spans.py', 'core/ReplaceBinaryOperator_Mul_Div', 492,
     'def parse_span(text: str, duration: float | None = None, /, reversed: str = "swap",'):
        'tests/test_parse_spans.py::test_policy_edges',
}
# @END SPANS

# @INTERVALS
_INTERVALS_EQUIVALENT = {
    ('videorl/scoring/intervals.py', 'core/AddNot', 24,
     'if not TYPE_CHECKING:'):
        _TYPE_CHECKING,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 34,
     'lp = pe - ps if pe > ps else 1.0'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 34,
     'lp = pe - ps if pe > ps else -1.0'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_GtE', 34,
     'lp = pe - ps if pe >= ps else 0.0'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 34,
     'lp = pe - ps if pe != ps else 0.0'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 35,
     'lg = ge - gs if ge > gs else 1.0'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 35,
     'lg = ge - gs if ge > gs else -1.0'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_GtE', 35,
     'lg = ge - gs if ge >= gs else 0.0'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 35,
     'lg = ge - gs if ge != gs else 0.0'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 36,
     'if lp > -1 and lg > 0:'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 36,
     'if lp > 0 and lg > -1:'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/ReplaceAndWithOr', 36,
     'if lp > 0 or lg > 0:'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_GtE', 36,
     'if lp >= 0 and lg > 0:'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_GtE', 36,
     'if lp > 0 and lg >= 0:'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 36,
     'if lp != 0 and lg > 0:'):
        _LENGTHS,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 36,
     'if lp > 0 and lg != 0:'):
        _LENGTHS,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_GtE', 37,
     'lo = ps if ps >= gs else gs'):
        _IV_TIE,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Lt_LtE', 38,
     'hi = pe if pe <= ge else ge'):
        _IV_TIE,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_GtE', 39,
     'return (hi - lo if hi >= lo else 0.0), lp, lg'):
        _IV_TIE,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 47,
     'return inter / union if union != 0 else 0.0'):
        _IV_NONNEG,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 53,
     'return inter / lp if lp != 0 else 0.0'):
        _IV_NONNEG,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 59,
     'return inter / lg if lg != 0 else 0.0'):
        _IV_NONNEG,
    ('videorl/scoring/intervals.py', 'core/ReplaceBinaryOperator_Add_Mul', 65,
     'return 2 * p * r / (p + r) if p * r > 0 else 0.0'):
        _IV_F1,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 65,
     'return 2 * p * r / (p + r) if p + r != 0 else 0.0'):
        _IV_NONNEG,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 96,
     'p = np.asarray(preds, dtype=np.float64).reshape(- 2, 2)'):
        _IV_RESHAPE,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 97,
     'g = np.asarray(gts, dtype=np.float64).reshape(- 2, 2)'):
        _IV_RESHAPE,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 98,
     'lp = np.clip(p[:, 1] - p[:, 0], -1.0, None)[:, None]'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 99,
     'lg = np.clip(g[:, 1] - g[:, 0], -1.0, None)[None, :]'):
        _IV_EMPTY,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 101,
     'inter = np.where((lp > -1) & (lg > 0), inter, 0.0)'):
        _IV_MASK,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 101,
     'inter = np.where((lp > 0) & (lg > -1), inter, 0.0)'):
        _IV_MASK,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_GtE', 101,
     'inter = np.where((lp >= 0) & (lg > 0), inter, 0.0)'):
        _IV_MASK,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_GtE', 101,
     'inter = np.where((lp > 0) & (lg >= 0), inter, 0.0)'):
        _IV_MASK,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 101,
     'inter = np.where((lp != 0) & (lg > 0), inter, 0.0)'):
        _IV_MASK,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 101,
     'inter = np.where((lp > 0) & (lg != 0), inter, 0.0)'):
        _IV_MASK,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 104,
     'out = np.where(union > -1, inter / np.where(union > 0, union, 1.0), 0.0)'):
        _IV_UNION0,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 104,
     'out = np.where(union > 0, inter / np.where(union > -1, union, 1.0), 0.0)'):
        _IV_UNION0,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 104,
     'out = np.where(union > 0, inter / np.where(union > 0, union, 2.0), 0.0)'):
        _IV_UNION0,
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 104,
     'out = np.where(union > 0, inter / np.where(union > 0, union, 0.0), 0.0)'):
        _IV_UNION0,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_GtE', 104,
     'out = np.where(union >= 0, inter / np.where(union > 0, union, 1.0), 0.0)'):
        _IV_UNION0,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_GtE', 104,
     'out = np.where(union > 0, inter / np.where(union >= 0, union, 1.0), 0.0)'):
        _IV_UNION0,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 104,
     'out = np.where(union != 0, inter / np.where(union > 0, union, 1.0), 0.0)'):
        _IV_UNION0,
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 104,
     'out = np.where(union > 0, inter / np.where(union != 0, union, 1.0), 0.0)'):
        _IV_UNION0,
}
_INTERVALS_KILLED_SINCE = {
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 47,
     'return inter / union if union > -1 else 0.0'):
        'tests/test_intervals.py::test_two_empty_intervals_score_zero',
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 47,
     'return inter / union if union > 0 else 1.0'):
        'tests/test_intervals.py::test_two_empty_intervals_score_zero',
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 47,
     'return inter / union if union > 0 else -1.0'):
        'tests/test_intervals.py::test_two_empty_intervals_score_zero',
    ('videorl/scoring/intervals.py', 'core/ReplaceComparisonOperator_Gt_GtE', 47,
     'return inter / union if union >= 0 else 0.0'):
        'tests/test_intervals.py::test_two_empty_intervals_score_zero',
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 101,
     'inter = np.where((lp > 1) & (lg > 0), inter, 0.0)'):
        'tests/test_intervals.py::test_iou_matrix_short_reversed_and_empty_rows',
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 104,
     'out = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 1.0)'):
        'tests/test_intervals.py::test_iou_matrix_short_reversed_and_empty_rows',
    ('videorl/scoring/intervals.py', 'core/NumberReplacer', 104,
     'out = np.where(union > 0, inter / np.where(union > 0, union, 1.0), -1.0)'):
        'tests/test_intervals.py::test_iou_matrix_short_reversed_and_empty_rows',
}
# @END INTERVALS

# @OFFICIAL
_OFFICIAL_EQUIVALENT = {
    ('videorl/scoring/official.py', 'core/AddNot', 43,
     'if not TYPE_CHECKING:'):
        _TYPE_CHECKING,
    ('videorl/scoring/official.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 92,
     'return inter / hull if hull != 0 else 0.0'):
        _OF_HULL,
    ('videorl/scoring/official.py', 'core/ReplaceComparisonOperator_Gt_GtE', 105,
     'span = (s, e) if e >= s else (e, s)'):
        _OF_SWAP,
    ('videorl/scoring/official.py', 'core/ReplaceTrueWithFalse', 129,
     'if all(c == [float(s), float(e)] for c, (s, e) in zip(cut, spans, strict=False)):'):
        _OF_STRICT,
}
_OFFICIAL_KILLED_SINCE = {
    ('videorl/scoring/official.py', 'core/ReplaceBinaryOperator_Sub_Add', 72,
     'return [[float(s) + off, float(e) - off] for s, e in raw]'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceBinaryOperator_Sub_Add', 72,
     'return [[float(s) - off, float(e) + off] for s, e in raw]'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceComparisonOperator_NotEq_Gt', 77,
     'if (not isinstance(value, (list, tuple)) or len(value) > 2'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceComparisonOperator_NotEq_Lt', 77,
     'if (not isinstance(value, (list, tuple)) or len(value) < 2'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceOrWithAnd', 77,
     'if (not isinstance(value, (list, tuple)) and len(value) != 2'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceAndWithOr', 78,
     'or not all(isinstance(x, (int, float)) or not isinstance(x, bool) for x in value)):'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceOrWithAnd', 78,
     'and not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)):'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceAndWithOr', 81,
     'if not (math.isfinite(s) or math.isfinite(e)):'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/NumberReplacer', 92,
     'return inter / hull if hull > -1 else 0.0'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/NumberReplacer', 92,
     'return inter / hull if hull > 0 else 1.0'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/NumberReplacer', 92,
     'return inter / hull if hull > 0 else -1.0'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceComparisonOperator_Gt_GtE', 92,
     'return inter / hull if hull >= 0 else 0.0'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/NumberReplacer', 101,
     'ge = float(gts[ -1][1])'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/NumberReplacer', 101,
     'ge = float(gts[0][ 0])'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/NumberReplacer', 102,
     'span = (ge + 11.0, ge + 20.0)'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/NumberReplacer', 102,
     'span = (ge + 9.0, ge + 20.0)'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/NumberReplacer', 102,
     'span = (ge + 10.0, ge + 21.0)'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/NumberReplacer', 102,
     'span = (ge + 10.0, ge + 19.0)'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceBinaryOperator_Add_Div', 102,
     'span = (ge + 10.0, ge / 20.0)'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceBinaryOperator_Add_FloorDiv', 102,
     'span = (ge + 10.0, ge // 20.0)'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceBinaryOperator_Add_Mul', 102,
     'span = (ge * 10.0, ge + 20.0)'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceBinaryOperator_Add_Mul', 102,
     'span = (ge + 10.0, ge * 20.0)'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceBinaryOperator_Add_Sub', 102,
     'span = (ge + 10.0, ge - 20.0)'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceOrWithAnd', 120,
     'if (not isinstance(spans, list) and not spans or isinstance(duration, bool)'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceOrWithAnd', 120,
     'if (not isinstance(spans, list) or not spans and isinstance(duration, bool)'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/NumberReplacer', 121,
     'or not isinstance(duration, (int, float)) or not duration > 1):'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/NumberReplacer', 121,
     'or not isinstance(duration, (int, float)) or not duration > -1):'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceComparisonOperator_Gt_GtE', 121,
     'or not isinstance(duration, (int, float)) or not duration >= 0):'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 121,
     'or not isinstance(duration, (int, float)) or not duration != 0):'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceOrWithAnd', 121,
     'and not isinstance(duration, (int, float)) or not duration > 0):'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceOrWithAnd', 121,
     'or not isinstance(duration, (int, float)) and not duration > 0):'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceComparisonOperator_NotEq_Gt', 125,
     'if (not isinstance(sp, list) or len(sp) > 2'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceComparisonOperator_NotEq_Lt', 125,
     'if (not isinstance(sp, list) or len(sp) < 2'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceOrWithAnd', 125,
     'if (not isinstance(sp, list) and len(sp) != 2'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceAndWithOr', 126,
     'or not all(isinstance(x, (int, float)) or not isinstance(x, bool) for x in sp)):'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
    ('videorl/scoring/official.py', 'core/ReplaceOrWithAnd', 126,
     'and not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in sp)):'):
        'tests/test_official_protocol.py::test_official_edges_by_hand',
}
# @END OFFICIAL

# @SIZING
_SIZING_EQUIVALENT = {
    ('videorl/video/sizing.py', 'core/NumberReplacer', 18,
     'MODEL_SEQ_LEN = 128001  # total budget default: MODEL_SEQ_LEN * factor^2 * 0.9 pixels over '
     'all frames'):
        _SZ_BUDGET,
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Div_FloorDiv', 42,
     'h = max(factor, math.floor(height / beta // factor) * factor)'):
        _FLOOR,
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Div_FloorDiv', 43,
     'w = max(factor, math.floor(width / beta // factor) * factor)'):
        _FLOOR,
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Div_FloorDiv', 65,
     'hi = max(min(VIDEO_MAX_TOKENS * f * f, total // max(nframes, 1) * FRAME_FACTOR), int(lo * '
     '1.05))'):
        _SZ_BUDGET,
    ('videorl/video/sizing.py', 'core/ReplaceComparisonOperator_LtE_Lt', 90,
     'if not fps or fps < 0:'):
        _SZ_FPS0,
    ('videorl/video/sizing.py', 'core/NumberReplacer', 103,
     'right = np.clip(np.searchsorted(t, targets, side="left"), 1, len(t) - 1)'):
        _SZ_FIRST,
    ('videorl/video/sizing.py', 'core/NumberReplacer', 103,
     'right = np.clip(np.searchsorted(t, targets, side="left"), -1, len(t) - 1)'):
        _SZ_SEARCH,
    ('videorl/video/sizing.py', 'core/NumberReplacer', 104,
     'left = np.clip(right - 1, -1, len(t) - 1)'):
        _SZ_RIGHT,
    ('videorl/video/sizing.py', 'core/NumberReplacer', 104,
     'left = np.clip(right - 1, 0, len(t) - 2)'):
        _SZ_RIGHT,
    ('videorl/video/sizing.py', 'core/NumberReplacer', 104,
     'left = np.clip(right - 1, 0, len(t) - 0)'):
        _SZ_RIGHT,
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Sub_Add', 104,
     'left = np.clip(right - 1, 0, len(t) + 1)'):
        _SZ_RIGHT,
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Sub_FloorDiv', 104,
     'left = np.clip(right - 1, 0, len(t) // 1)'):
        _SZ_RIGHT,
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Sub_Mul', 104,
     'left = np.clip(right - 1, 0, len(t) * 1)'):
        _SZ_RIGHT,
    ('videorl/video/sizing.py', 'core/ReplaceComparisonOperator_LtE_Lt', 105,
     'use_left = np.abs(targets - t[left]) < np.abs(t[right] - targets) + 1e-9'):
        _SZ_SLACK,
    ('videorl/video/sizing.py', 'core/ReplaceComparisonOperator_Eq_LtE', 116,
     'if len(indices) <= 1:'):
        _SZ_EMPTY,
}
_SIZING_KILLED_SINCE = {
    ('videorl/video/sizing.py', 'core/NumberReplacer', 16,
     'VIDEO_MIN_TOKENS = 129  # per-frame floor, in merged tokens (x factor^2 pixels)'):
        'tests/test_video_sampler.py::test_frame_size_table',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 16,
     'VIDEO_MIN_TOKENS = 127  # per-frame floor, in merged tokens (x factor^2 pixels)'):
        'tests/test_video_sampler.py::test_frame_size_table',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 17,
     'VIDEO_MAX_TOKENS = 769  # per-frame ceiling'):
        'tests/test_video_sampler.py::test_frame_size_table',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 17,
     'VIDEO_MAX_TOKENS = 767  # per-frame ceiling'):
        'tests/test_video_sampler.py::test_frame_size_table',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 18,
     'MODEL_SEQ_LEN = 127999  # total budget default: MODEL_SEQ_LEN * factor^2 * 0.9 pixels over '
     'all frames'):
        'tests/test_video_sampler.py::test_frame_size_table',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 32,
     'if min(height, width) <= 1:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 32,
     'if min(height, width) <= -1:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/ReplaceComparisonOperator_LtE_Eq', 32,
     'if min(height, width) == 0:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/ReplaceComparisonOperator_LtE_Lt', 32,
     'if min(height, width) < 0:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Div_FloorDiv', 34,
     'if max(height, width) // min(height, width) > MAX_RATIO:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/ReplaceComparisonOperator_Gt_GtE', 40,
     'if h * w >= max_pixels:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 51,
     'def video_frame_size(height: int, width: int, nframes: int, *, patch_size: int = 15, merge_size: '
     'int = 2,'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 51,
     'def video_frame_size(height: int, width: int, nframes: int, *, patch_size: int = 13, merge_size: '
     'int = 2,'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Mul_Div', 51,
     'def video_frame_size(height: int, width: int, nframes: int, /, patch_size: int = 14, merge_size: '
     'int = 2,'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 65,
     'hi = max(min(VIDEO_MAX_TOKENS * f * f, total / max(nframes, 2) * FRAME_FACTOR), int(lo * 1.05))'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 65,
     'hi = max(min(VIDEO_MAX_TOKENS * f * f, total / max(nframes, 0) * FRAME_FACTOR), int(lo * 1.05))'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 65,
     'hi = max(min(VIDEO_MAX_TOKENS * f * f, total / max(nframes, 1) * FRAME_FACTOR), int(lo * 0.050000000000000044))'):
        'tests/test_video_sampler.py::test_frame_size_table',
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Mul_Add', 65,
     'hi = max(min(VIDEO_MAX_TOKENS * f * f, total / max(nframes, 1) * FRAME_FACTOR), int(lo + 1.05))'):
        'tests/test_video_sampler.py::test_frame_size_table',
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Mul_Div', 65,
     'hi = max(min(VIDEO_MAX_TOKENS * f * f, total / max(nframes, 1) * FRAME_FACTOR), int(lo / 1.05))'):
        'tests/test_video_sampler.py::test_frame_size_table',
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Mul_FloorDiv', 65,
     'hi = max(min(VIDEO_MAX_TOKENS * f * f, total / max(nframes, 1) * FRAME_FACTOR), int(lo // '
     '1.05))'):
        'tests/test_video_sampler.py::test_frame_size_table',
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Mul_Sub', 65,
     'hi = max(min(VIDEO_MAX_TOKENS * f * f, total / max(nframes, 1) * FRAME_FACTOR), int(lo - 1.05))'):
        'tests/test_video_sampler.py::test_frame_size_table',
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Mul_Div', 71,
     'def target_times(clip_start: float, clip_end: float, /, fps: float | None = None,'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 85,
     'if nframes < 2:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 85,
     'if nframes < 0:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/ReplaceComparisonOperator_Lt_Eq', 85,
     'if nframes == 1:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/ReplaceComparisonOperator_Lt_LtE', 85,
     'if nframes <= 1:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Div_FloorDiv', 87,
     'n = max(FRAME_FACTOR, int(math.floor(nframes // FRAME_FACTOR + 0.5)) * FRAME_FACTOR)'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Div_Sub', 87,
     'n = max(FRAME_FACTOR, int(math.floor(nframes - FRAME_FACTOR + 0.5)) * FRAME_FACTOR)'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/ReplaceBinaryOperator_Mul_Add', 87,
     'n = max(FRAME_FACTOR, int(math.floor(nframes / FRAME_FACTOR + 0.5)) + FRAME_FACTOR)'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 90,
     'if not fps or fps <= -1:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/ReplaceComparisonOperator_LtE_Eq', 90,
     'if not fps or fps == 0:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/ReplaceOrWithAnd', 90,
     'if not fps and fps <= 0:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 93,
     'n = max( 0, math.ceil(length * rate - 1e-9))'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 116,
     'if len(indices) == 0:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/ReplaceComparisonOperator_Eq_Lt', 116,
     'if len(indices) < 1:'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 117,
     'return np.repeat(indices, 3)'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
    ('videorl/video/sizing.py', 'core/NumberReplacer', 117,
     'return np.repeat(indices, 1)'):
        'tests/test_video_sampler.py::test_size_and_target_edges',
}
# @END SIZING

# @QWEN
_QWEN_EQUIVALENT = {
    ('videorl/video/qwen.py', 'core/ReplaceContinueWithBreak', 139,
     'break'):
        _QW_ONE_MODULE,
    ('videorl/video/qwen.py', 'core/ReplaceAndWithOr', 151,
     'if types is None or args:'):
        _QW_TYPES_KW,
    ('videorl/video/qwen.py', 'core/NumberReplacer', 162,
     'i, n = 1, len(kind)'):
        _QW_FIRST_TOKEN,
    ('videorl/video/qwen.py', 'core/ReplaceComparisonOperator_Lt_NotEq', 163,
     'while i != n:'):
        _QW_LOOP,
    ('videorl/video/qwen.py', 'core/ReplaceComparisonOperator_Lt_NotEq', 165,
     'while j != n and kind[j] == kind[i]:'):
        _QW_LOOP,
    ('videorl/video/qwen.py', 'core/NumberReplacer', 167,
     'if kind[i] != 1 and j < n:  # a vision block followed by more tokens'):
        _QW_IMAGE,
    ('videorl/video/qwen.py', 'core/NumberReplacer', 167,
     'if kind[i] != -1 and j < n:  # a vision block followed by more tokens'):
        _QW_TEXT,
    ('videorl/video/qwen.py', 'core/ReplaceComparisonOperator_Lt_NotEq', 167,
     'if kind[i] != 0 and j != n:  # a vision block followed by more tokens'):
        _QW_LOOP,
    ('videorl/video/qwen.py', 'core/ReplaceComparisonOperator_NotEq_Gt', 167,
     'if kind[i] > 0 and j < n:  # a vision block followed by more tokens'):
        _QW_KINDS,
    ('videorl/video/qwen.py', 'core/ReplaceComparisonOperator_NotEq_GtE', 167,
     'if kind[i] >= 0 and j < n:  # a vision block followed by more tokens'):
        _QW_TEXT,
    ('videorl/video/qwen.py', 'core/NumberReplacer', 169,
     'if gap > -1:'):
        _QW_GAP0,
    ('videorl/video/qwen.py', 'core/ReplaceComparisonOperator_Gt_GtE', 169,
     'if gap >= 0:'):
        _QW_GAP0,
    ('videorl/video/qwen.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 169,
     'if gap != 0:'):
        _QW_GAP_NONNEG,
    ('videorl/video/qwen.py', 'core/NumberReplacer', 173,
     'new_deltas.append(int(pos.max()) + 1 - n if n else 1)'):
        _QW_EMPTY_ROW,
    ('videorl/video/qwen.py', 'core/NumberReplacer', 173,
     'new_deltas.append(int(pos.max()) + 1 - n if n else -1)'):
        _QW_EMPTY_ROW,
}
_QWEN_KILLED_SINCE = {
    ('videorl/video/qwen.py', 'core/ReplaceBinaryOperator_Div_Add', 56,
     '"width": meta.width, "height": meta.height, "duration": n + meta.sampled_fps}'):
        'tests/test_clock_mutants.py::test_qwen2_5_metadata_and_processor_flags_by_hand',
    ('videorl/video/qwen.py', 'core/ReplaceBinaryOperator_Div_FloorDiv', 56,
     '"width": meta.width, "height": meta.height, "duration": n // meta.sampled_fps}'):
        'tests/test_clock_mutants.py::test_qwen2_5_metadata_and_processor_flags_by_hand',
    ('videorl/video/qwen.py', 'core/ReplaceBinaryOperator_Div_Mul', 56,
     '"width": meta.width, "height": meta.height, "duration": n * meta.sampled_fps}'):
        'tests/test_clock_mutants.py::test_qwen2_5_metadata_and_processor_flags_by_hand',
    ('videorl/video/qwen.py', 'core/ReplaceBinaryOperator_Div_Sub', 56,
     '"width": meta.width, "height": meta.height, "duration": n - meta.sampled_fps}'):
        'tests/test_clock_mutants.py::test_qwen2_5_metadata_and_processor_flags_by_hand',
    ('videorl/video/qwen.py', 'core/ReplaceComparisonOperator_Eq_GtE', 76,
     'if model >= "qwen3_vl":'):
        'tests/test_clock_mutants.py::test_unknown_model_families_are_refused_not_given_qwen2_5_time',
    ('videorl/video/qwen.py', 'core/ReplaceFalseWithTrue', 89,
     'return {"videos": frames, "video_metadata": metas, "do_sample_frames": False, "do_resize": '
     'True}'):
        'tests/test_clock_mutants.py::test_qwen2_5_metadata_and_processor_flags_by_hand',
    ('videorl/video/qwen.py', 'core/NumberReplacer', 152,
     'types = args[ -1]'):
        'tests/test_clock_mutants.py::test_text_position_wrapper_also_fixes_positional_calls',
    ('videorl/video/qwen.py', 'core/NumberReplacer', 166,
     'j += 2'):
        'tests/test_qwen_text_positions.py::test_text_after_the_video_at_either_parity_of_its_start',
    ('videorl/video/qwen.py', 'core/NumberReplacer', 169,
     'if gap > 1:'):
        'tests/test_qwen_text_positions.py::test_a_gap_of_one_id_is_closed_too',
}
# @END QWEN

# @EXPORT_EASYR1
_EXPORT_EASYR1_EQUIVALENT = {
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 61,
     'return smart_resize(h, w, MODELS[model], 2, math.inf)'):
        _EX_MIN1,
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 61,
     'return smart_resize(h, w, MODELS[model], 0, math.inf)'):
        _EX_MIN1,
    ('videorl/data/export_easyr1.py', 'core/ReplaceComparisonOperator_Gt_GtE', 122,
     'if frames_cache is not None and abs(fps - QWEN_FRAME_LIST_FPS) >= 1e-9 and not allow_fps:'):
        _EX_TOL,
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 139,
     'min_pixels=min_pixels, size_for=size_for, patch_size=MODELS[model] // 1,'):
        _EX_INT,
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_FloorDiv_Div', 139,
     'min_pixels=min_pixels, size_for=size_for, patch_size=MODELS[model] / 2,'):
        _EX_HALF,
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 159,
     'fh.write(json.dumps(info, indent= 2) + "\\n")'):
        _EX_JSON_WS,
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 159,
     'fh.write(json.dumps(info, indent= 0) + "\\n")'):
        _EX_JSON_WS,
}
_EXPORT_EASYR1_KILLED_SINCE = {
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 42,
     'RECIPE_MIN_PIXELS, RECIPE_MAX_PIXELS = 3135, 50176  # data.min_pixels / max_pixels of recipes/*_grpo.yaml'):
        'tests/test_data_export.py::test_recipe_pixel_bounds_are_the_recipes',
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 42,
     'RECIPE_MIN_PIXELS, RECIPE_MAX_PIXELS = 3136, 50175  # data.min_pixels / max_pixels of recipes/*_grpo.yaml'):
        'tests/test_data_export.py::test_recipe_pixel_bounds_are_the_recipes',
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 43,
     'MODELS = {"qwen2_5_vl": 28, "qwen3_vl": 33}'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 43,
     'MODELS = {"qwen2_5_vl": 28, "qwen3_vl": 31}'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 45,
     'LIST_FACTOR = 55'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 48,
     "QWEN_VL_UTILS_FACTOR = 29  # fetch_video's own factor: EasyR1 calls it with the default patch "
     'size 14'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Mul_Div', 64,
     'def easyr1_frame_size(height: int, width: int, model: str, /, min_pixels: float,'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_Add', 76,
     'aspect = math.log(width + height)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_FloorDiv', 76,
     'aspect = math.log(width // height)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_Mul', 76,
     'aspect = math.log(width * height)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_Sub', 76,
     'aspect = math.log(width - height)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Add_Mul', 78,
     'top = int(math.sqrt(max_pixels * max(width / height, height / width))) * f'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_Add', 78,
     'top = int(math.sqrt(max_pixels * max(width + height, height / width))) + f'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_Add', 78,
     'top = int(math.sqrt(max_pixels * max(width / height, height + width))) + f'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_FloorDiv', 78,
     'top = int(math.sqrt(max_pixels * max(width / height, height // width))) + f'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_Mul', 78,
     'top = int(math.sqrt(max_pixels * max(width * height, height / width))) + f'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_Mul', 78,
     'top = int(math.sqrt(max_pixels * max(width / height, height * width))) + f'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_Sub', 78,
     'top = int(math.sqrt(max_pixels * max(width - height, height / width))) + f'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_Sub', 78,
     'top = int(math.sqrt(max_pixels * max(width / height, height - width))) + f'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Mul_Add', 78,
     'top = int(math.sqrt(max_pixels + max(width / height, height / width))) + f'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Mul_Div', 78,
     'top = int(math.sqrt(max_pixels / max(width / height, height / width))) + f'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Mul_FloorDiv', 78,
     'top = int(math.sqrt(max_pixels // max(width / height, height / width))) + f'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Mul_Sub', 78,
     'top = int(math.sqrt(max_pixels - max(width / height, height / width))) + f'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 79,
     'for h in range(f, top + 2, f):'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 79,
     'for h in range(f, top + 0, f):'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Add_FloorDiv', 79,
     'for h in range(f, top // 1, f):'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Add_Mul', 79,
     'for h in range(f, top * 1, f):'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Add_Sub', 79,
     'for h in range(f, top - 1, f):'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 80,
     'for w in range(f, top + 2, f):'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 80,
     'for w in range(f, top + 0, f):'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Add_FloorDiv', 80,
     'for w in range(f, top // 1, f):'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Add_Mul', 80,
     'for w in range(f, top * 1, f):'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Add_Sub', 80,
     'for w in range(f, top - 1, f):'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceComparisonOperator_LtE_GtE', 81,
     'if not min_pixels >= h * w <= max_pixels:'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceComparisonOperator_LtE_Lt', 81,
     'if not min_pixels <= h * w < max_pixels:'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceComparisonOperator_LtE_NotEq', 81,
     'if not min_pixels <= h * w != max_pixels:'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceComparisonOperator_NotEq_Gt', 83,
     'if _through_easyr1(h, w, model, min_pixels, max_pixels) > (h, w):'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceComparisonOperator_NotEq_Lt', 83,
     'if _through_easyr1(h, w, model, min_pixels, max_pixels) < (h, w):'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceContinueWithBreak', 84,
     'break'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 85,
     'key = (round(abs(math.log(w / h) - aspect), 4), -h * w, h, w)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 85,
     'key = (round(abs(math.log(w / h) - aspect), 2), -h * w, h, w)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_Add', 85,
     'key = (round(abs(math.log(w + h) - aspect), 3), -h * w, h, w)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_FloorDiv', 85,
     'key = (round(abs(math.log(w // h) - aspect), 3), -h * w, h, w)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Div_Mul', 85,
     'key = (round(abs(math.log(w * h) - aspect), 3), -h * w, h, w)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Sub_Add', 85,
     'key = (round(abs(math.log(w / h) + aspect), 3), -h * w, h, w)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Sub_FloorDiv', 85,
     'key = (round(abs(math.log(w / h) // aspect), 3), -h * w, h, w)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Sub_Mul', 85,
     'key = (round(abs(math.log(w / h) * aspect), 3), -h * w, h, w)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceUnaryOperator_Delete_USub', 85,
     'key = (round(abs(math.log(w / h) - aspect), 3), h * w, h, w)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceUnaryOperator_USub_UAdd', 85,
     'key = (round(abs(math.log(w / h) - aspect), 3), +h * w, h, w)'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceComparisonOperator_Lt_Eq', 86,
     'if best is None or key == best:'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceComparisonOperator_Lt_Gt', 86,
     'if best is None or key > best:'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceComparisonOperator_Lt_GtE', 86,
     'if best is None or key >= best:'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceComparisonOperator_Lt_NotEq', 86,
     'if best is None or key != best:'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 91,
     'return best[ 3], best[3]'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/NumberReplacer', 91,
     'return best[2], best[ 2]'):
        'tests/test_data_export.py::test_easyr1_frame_sizes_by_hand',
    ('videorl/data/export_easyr1.py', 'core/ReplaceBinaryOperator_Mul_Div', 105,
     'def export_easyr1(records: str | os.PathLike, out_dir: str | os.PathLike, /, name: str | None '
     '= None,'):
        'tests/test_data_export.py::test_easyr1_export_defaults',
    ('videorl/data/export_easyr1.py', 'core/ReplaceFalseWithTrue', 110,
     'strict_videos: bool = True, overlay: str | None = None,'):
        'tests/test_data_export.py::test_easyr1_export_defaults',
    ('videorl/data/export_easyr1.py', 'core/AddNot', 164,
     'f"data.video_fps={QWEN_FRAME_LIST_FPS if not frames_cache is None else fps:g}"]'):
        'tests/test_data_export.py::test_frames_from_clip_and_fps_rule',
}
# @END EXPORT_EASYR1

# @EXPORT_LLAMAFACTORY
_EXPORT_LLAMAFACTORY_EQUIVALENT = {
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 57,
     'QWEN3_VIDEO_MIN_PIXELS = 4095  # its size.shortest_edge'):
        _EX_Q3MIN,
    ('videorl/data/export_llamafactory.py', 'core/ReplaceComparisonOperator_Eq_LtE', 88,
     'if model <= "qwen2_5_vl" and abs(spg - round(spg)) > 1e-9:'):
        _EX_FAMILY,
    ('videorl/data/export_llamafactory.py', 'core/ReplaceComparisonOperator_Gt_GtE', 88,
     'if model == "qwen2_5_vl" and abs(spg - round(spg)) >= 1e-9:'):
        _EX_TOL,
    ('videorl/data/export_llamafactory.py', 'core/ReplaceComparisonOperator_NotEq_Gt', 135,
     'if user.count(VIDEO_TAG) > 1:'):
        _EX_ONE_TAG,
    ('videorl/data/export_llamafactory.py', 'core/ReplaceComparisonOperator_NotEq_Lt', 135,
     'if user.count(VIDEO_TAG) < 1:'):
        _EX_ONE_TAG,
}
_EXPORT_LLAMAFACTORY_KILLED_SINCE = {
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 54,
     'DEFAULT_MAX_PIXELS = 50177  # per frame, as the GRPO and eval recipes (64 * 28^2)'):
        'tests/test_data_export.py::test_recipe_pixel_bounds_are_the_recipes',
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 54,
     'DEFAULT_MAX_PIXELS = 50175  # per frame, as the GRPO and eval recipes (64 * 28^2)'):
        'tests/test_data_export.py::test_recipe_pixel_bounds_are_the_recipes',
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 55,
     'DEFAULT_MIN_PIXELS = 3137'):
        'tests/test_data_export.py::test_recipe_pixel_bounds_are_the_recipes',
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 55,
     'DEFAULT_MIN_PIXELS = 3135'):
        'tests/test_data_export.py::test_recipe_pixel_bounds_are_the_recipes',
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 56,
     'QWEN3_VIDEO_MAX_PIXELS = 25165825  # released Qwen3-VL video_preprocessor_config.json size.longest_edge '
     '(T*H*W)'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 56,
     'QWEN3_VIDEO_MAX_PIXELS = 25165823  # released Qwen3-VL video_preprocessor_config.json size.longest_edge '
     '(T*H*W)'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ExceptionReplacer', 74,
     'except jsonCosmicRayTestingExceptionJSONDecodeError as exc:'):
        'tests/test_data_export.py::test_malformed_dataset_info_is_a_record_error',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceComparisonOperator_Eq_GtE', 98,
     'if model >= "qwen3_vl" and not QWEN3_VIDEO_MIN_PIXELS <= n * h * w <= QWEN3_VIDEO_MAX_PIXELS:'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceComparisonOperator_Eq_LtE', 98,
     'if model <= "qwen3_vl" and not QWEN3_VIDEO_MIN_PIXELS <= n * h * w <= QWEN3_VIDEO_MAX_PIXELS:'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceComparisonOperator_LtE_Lt', 98,
     'if model == "qwen3_vl" and not QWEN3_VIDEO_MIN_PIXELS <= n * h * w < QWEN3_VIDEO_MAX_PIXELS:'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceComparisonOperator_LtE_NotEq', 98,
     'if model == "qwen3_vl" and not QWEN3_VIDEO_MIN_PIXELS <= n * h * w != QWEN3_VIDEO_MAX_PIXELS:'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceBinaryOperator_Mul_Add', 99,
     'raise RecordError(f"{n} frames of {w}x{h} = {n + h * w} pixels are outside the Qwen3-VL video '
     'processor\'s "'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceBinaryOperator_Mul_Add', 99,
     'raise RecordError(f"{n} frames of {w}x{h} = {n * h + w} pixels are outside the Qwen3-VL video '
     'processor\'s "'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceBinaryOperator_Mul_Div', 99,
     'raise RecordError(f"{n} frames of {w}x{h} = {n / h * w} pixels are outside the Qwen3-VL video '
     'processor\'s "'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceBinaryOperator_Mul_Div', 99,
     'raise RecordError(f"{n} frames of {w}x{h} = {n * h / w} pixels are outside the Qwen3-VL video '
     'processor\'s "'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceBinaryOperator_Mul_FloorDiv', 99,
     'raise RecordError(f"{n} frames of {w}x{h} = {n // h * w} pixels are outside the Qwen3-VL video '
     'processor\'s "'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceBinaryOperator_Mul_FloorDiv', 99,
     'raise RecordError(f"{n} frames of {w}x{h} = {n * h // w} pixels are outside the Qwen3-VL video '
     'processor\'s "'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceBinaryOperator_Mul_Sub', 99,
     'raise RecordError(f"{n} frames of {w}x{h} = {n - h * w} pixels are outside the Qwen3-VL video '
     'processor\'s "'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceBinaryOperator_Mul_Sub', 99,
     'raise RecordError(f"{n} frames of {w}x{h} = {n * h - w} pixels are outside the Qwen3-VL video '
     'processor\'s "'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceBinaryOperator_FloorDiv_Sub', 104,
     'return (n - 2) * (h // p) * (w // p)'):
        'tests/test_data_export.py::test_llamafactory_frames_at_1_fps_by_hand',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceBinaryOperator_Mul_Div', 107,
     'def export_llamafactory(records: str | os.PathLike, out_dir: str | os.PathLike, /, name: str '
     '| None = None,'):
        'tests/test_data_export.py::test_llamafactory_sharegpt_and_dataset_info_merge',
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 109,
     'frames_cache: str | os.PathLike | None = None, fps: float = 1.0,'):
        'tests/test_data_export.py::test_llamafactory_sharegpt_and_dataset_info_merge',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceFalseWithTrue', 111,
     'path_videos: bool = False, skip_clipped: bool = True,'):
        'tests/test_data_export.py::test_llamafactory_export_defaults',
    ('videorl/data/export_llamafactory.py', 'core/ReplaceFalseWithTrue', 112,
     'strict_videos: bool = True, overlay: str | None = None) -> ExportSummary:'):
        'tests/test_data_export.py::test_llamafactory_export_defaults',
    ('videorl/data/export_llamafactory.py', 'core/AddNot', 118,
     'if not path_videos and frames_cache is not None:'):
        'tests/test_data_export.py::test_llamafactory_export_defaults',
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 132,
     'max_tokens, areas = 1, []'):
        'tests/test_data_export.py::test_llamafactory_sharegpt_and_dataset_info_merge',
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 132,
     'max_tokens, areas = -1, []'):
        'tests/test_data_export.py::test_llamafactory_sharegpt_and_dataset_info_merge',
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 150,
     '"max_area": max(areas, default= 1), "min_area": min(areas, default=0),'):
        'tests/test_data_export.py::test_llamafactory_sharegpt_and_dataset_info_merge',
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 150,
     '"max_area": max(areas, default= -1), "min_area": min(areas, default=0),'):
        'tests/test_data_export.py::test_llamafactory_sharegpt_and_dataset_info_merge',
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 150,
     '"max_area": max(areas, default=0), "min_area": min(areas, default= 1),'):
        'tests/test_data_export.py::test_llamafactory_sharegpt_and_dataset_info_merge',
    ('videorl/data/export_llamafactory.py', 'core/NumberReplacer', 150,
     '"max_area": max(areas, default=0), "min_area": min(areas, default= -1),'):
        'tests/test_data_export.py::test_llamafactory_sharegpt_and_dataset_info_merge',
}
# @END EXPORT_LLAMAFACTORY

# @TRL_VIDEO
_TRL_VIDEO_EQUIVALENT = {
    ('videorl/plugins/trl_video.py', 'core/AddNot', 82,
     'raise RecordError("no records", path=None if not not rows else rows[0][0])'):
        _TRL_NO_RECORDS,
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 82,
     'raise RecordError("no records", path=None if not rows else rows[ 1][0])'):
        _TRL_NO_RECORDS,
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 82,
     'raise RecordError("no records", path=None if not rows else rows[ -1][0])'):
        _TRL_NO_RECORDS,
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 82,
     'raise RecordError("no records", path=None if not rows else rows[0][ 1])'):
        _TRL_NO_RECORDS,
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 82,
     'raise RecordError("no records", path=None if not rows else rows[0][ -1])'):
        _TRL_NO_RECORDS,
    ('videorl/plugins/trl_video.py', 'core/ReplaceComparisonOperator_NotEq_Gt', 162,
     'if videos is None or len(videos) > len(prompts):'):
        _TRL_GUARD,
    ('videorl/plugins/trl_video.py', 'core/ReplaceComparisonOperator_NotEq_Lt', 162,
     'if videos is None or len(videos) < len(prompts):'):
        _TRL_GUARD,
    ('videorl/plugins/trl_video.py', 'core/ReplaceOrWithAnd', 162,
     'if videos is None and len(videos) != len(prompts):'):
        _TRL_GUARD,
    ('videorl/plugins/trl_video.py', 'core/ReplaceTrueWithFalse', 166,
     'for prompt, video in zip(prompts, videos, strict=False):'):
        _TRL_STRICT_PAIRS,
    ('videorl/plugins/trl_video.py', 'core/ReplaceTrueWithFalse', 167,
     'key = video if isinstance(video, str) else json.dumps(video, sort_keys=False)'):
        _TRL_KEY,
    ('videorl/plugins/trl_video.py', 'core/ReplaceTrueWithFalse', 177,
     'enc["input_ids"] = [[t for t, m in zip(ids, mask, strict=False) if m]'):
        _TRL_STRICT,
    ('videorl/plugins/trl_video.py', 'core/ReplaceTrueWithFalse', 178,
     'for ids, mask in zip(enc["input_ids"].tolist(), enc["attention_mask"].tolist(), strict=False)]'):
        _TRL_STRICT,
    ('videorl/plugins/trl_video.py', 'core/ReplaceUnaryOperator_Delete_USub', 180,
     'sections = grid.prod(1).tolist()'):
        _TRL_GRID,
    ('videorl/plugins/trl_video.py', 'core/ReplaceUnaryOperator_USub_UAdd', 180,
     'sections = grid.prod(+1).tolist()'):
        _TRL_GRID,
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 215,
     'raise RuntimeError(f"VideoGRPOTrainer: {len(rows)} videos for {input_ids.size( 1)} sequences")'):
        _TRL_MESSAGE,
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 215,
     'raise RuntimeError(f"VideoGRPOTrainer: {len(rows)} videos for {input_ids.size( -1)} sequences")'):
        _TRL_MESSAGE,
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 224,
     'video = {k: torch.cat([r[k] for r in chunk]).to(input_ids.device) for k in _ROW_FIELDS if '
     'k in chunk[ -1]}'):
        _TRL_KEYS,
    ('videorl/plugins/trl_video.py', 'core/ReplaceBinaryOperator_Sub_Add', 227,
     'logits_to_keep, batch_size=end + start, compute_entropy=compute_entropy,'):
        _TRL_CHUNK,
    ('videorl/plugins/trl_video.py', 'core/ReplaceBinaryOperator_Sub_Mul', 227,
     'logits_to_keep, batch_size=end * start, compute_entropy=compute_entropy,'):
        _TRL_CHUNK,
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 219,
     'batch_size = batch_size or input_ids.size( 1)'):
        _TRL_SEQ,
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 219,
     'batch_size = batch_size or input_ids.size( -1)'):
        _TRL_SEQ,
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 222,
     'end = min(start + batch_size, input_ids.size( 1))'):
        _TRL_SEQ,
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 222,
     'end = min(start + batch_size, input_ids.size( -1))'):
        _TRL_SEQ,
}
_TRL_VIDEO_KILLED_SINCE = {
    ('videorl/plugins/trl_video.py', 'core/ReplaceBinaryOperator_Mul_Div', 50,
     'def records_dataset(records: str | os.PathLike | Iterable[SampleRecord], /, style: str = "r1",'):
        'tests/test_trl_grpo.py::test_records_dataset_by_keyword_and_empty',
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 96,
     'def __init__(self, *args: Any, video_fps: float | None = 3.0, video_nframes: int | None = '
     'None,'):
        'tests/test_trl_grpo.py::test_default_sampling_is_2_fps',
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 96,
     'def __init__(self, *args: Any, video_fps: float | None = 1.0, video_nframes: int | None = '
     'None,'):
        'tests/test_trl_grpo.py::test_default_sampling_is_2_fps',
    ('videorl/plugins/trl_video.py', 'core/AddNot', 99,
     'args_obj = kwargs.get("args") if not "args" in kwargs else (args[2] if len(args) > 2 else '
     'None)'):
        'tests/test_trl_grpo.py::test_tools_environments_and_positional_vllm_are_refused',
    ('videorl/plugins/trl_video.py', 'core/AddNot', 99,
     'args_obj = kwargs.get("args") if "args" in kwargs else (args[2] if not len(args) > 2 else '
     'None)'):
        'tests/test_trl_grpo.py::test_tools_environments_and_positional_vllm_are_refused',
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 99,
     'args_obj = kwargs.get("args") if "args" in kwargs else (args[ 3] if len(args) > 2 else None)'):
        'tests/test_trl_grpo.py::test_tools_environments_and_positional_vllm_are_refused',
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 99,
     'args_obj = kwargs.get("args") if "args" in kwargs else (args[ 1] if len(args) > 2 else None)'):
        'tests/test_trl_grpo.py::test_tools_environments_and_positional_vllm_are_refused',
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 99,
     'args_obj = kwargs.get("args") if "args" in kwargs else (args[2] if len(args) > 3 else None)'):
        'tests/test_trl_grpo.py::test_tools_environments_and_positional_vllm_are_refused',
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 99,
     'args_obj = kwargs.get("args") if "args" in kwargs else (args[2] if len(args) > 1 else None)'):
        'tests/test_trl_grpo.py::test_tools_environments_and_positional_vllm_are_refused',
    ('videorl/plugins/trl_video.py', 'core/ReplaceComparisonOperator_Gt_Eq', 99,
     'args_obj = kwargs.get("args") if "args" in kwargs else (args[2] if len(args) == 2 else None)'):
        'tests/test_trl_grpo.py::test_tools_environments_and_positional_vllm_are_refused',
    ('videorl/plugins/trl_video.py', 'core/ReplaceComparisonOperator_Gt_GtE', 99,
     'args_obj = kwargs.get("args") if "args" in kwargs else (args[2] if len(args) >= 2 else None)'):
        'tests/test_trl_grpo.py::test_tools_environments_and_positional_vllm_are_refused',
    ('videorl/plugins/trl_video.py', 'core/ReplaceComparisonOperator_Gt_Lt', 99,
     'args_obj = kwargs.get("args") if "args" in kwargs else (args[2] if len(args) < 2 else None)'):
        'tests/test_trl_grpo.py::test_tools_environments_and_positional_vllm_are_refused',
    ('videorl/plugins/trl_video.py', 'core/ReplaceComparisonOperator_Gt_LtE', 99,
     'args_obj = kwargs.get("args") if "args" in kwargs else (args[2] if len(args) <= 2 else None)'):
        'tests/test_trl_grpo.py::test_tools_environments_and_positional_vllm_are_refused',
    ('videorl/plugins/trl_video.py', 'core/ReplaceComparisonOperator_Gt_NotEq', 99,
     'args_obj = kwargs.get("args") if "args" in kwargs else (args[2] if len(args) != 2 else None)'):
        'tests/test_trl_grpo.py::test_tools_environments_and_positional_vllm_are_refused',
    ('videorl/plugins/trl_video.py', 'core/ZeroIterationForLoop', 100,
     'for flag, why in []:'):
        'tests/test_trl_grpo.py::test_use_vllm_is_refused',
    ('videorl/plugins/trl_video.py', 'core/ReplaceFalseWithTrue', 102,
     'if getattr(args_obj, flag, True):'):
        'tests/test_trl_grpo.py::test_tools_environments_and_positional_vllm_are_refused',
    ('videorl/plugins/trl_video.py', 'core/ReplaceOrWithAnd', 105,
     'if kwargs.get("tools") and kwargs.get("environment_factory"):'):
        'tests/test_trl_grpo.py::test_tools_environments_and_positional_vllm_are_refused',
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 108,
     'self.video_sampling = {"fps": None if video_nframes else (video_fps or 3.0), "nframes": video_nframes,'):
        'tests/test_trl_grpo.py::test_default_sampling_is_2_fps',
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 108,
     'self.video_sampling = {"fps": None if video_nframes else (video_fps or 1.0), "nframes": video_nframes,'):
        'tests/test_trl_grpo.py::test_default_sampling_is_2_fps',
    ('videorl/plugins/trl_video.py', 'core/AddNot', 167,
     'key = video if not isinstance(video, str) else json.dumps(video, sort_keys=True)'):
        'tests/test_trl_grpo.py::test_default_sampling_is_2_fps',
    ('videorl/plugins/trl_video.py', 'core/ReplaceTrueWithFalse', 172,
     'prompt, add_generation_prompt=False, tokenize=False, chat_template=self.chat_template,'):
        'tests/test_trl_grpo.py::test_default_sampling_is_2_fps',
    ('videorl/plugins/trl_video.py', 'core/ReplaceComparisonOperator_NotEq_Gt', 214,
     'if len(rows) > input_ids.size(0):'):
        'tests/test_trl_grpo.py::test_default_sampling_is_2_fps',
    ('videorl/plugins/trl_video.py', 'core/ReplaceComparisonOperator_NotEq_Lt', 214,
     'if len(rows) < input_ids.size(0):'):
        'tests/test_trl_grpo.py::test_default_sampling_is_2_fps',
    ('videorl/plugins/trl_video.py', 'core/AddNot', 72,
     'if not check_videos and not video.is_file():'):
        'tests/test_trl_grpo.py::test_records_dataset_videos_and_system_prompt',
    ('videorl/plugins/trl_video.py', 'core/AddNot', 75,
     'if not system_prompt:'):
        'tests/test_trl_grpo.py::test_records_dataset_videos_and_system_prompt',
    ('videorl/plugins/trl_video.py', 'core/ReplaceTrueWithFalse', 52,
     'check_videos: bool = False):'):
        'tests/test_trl_grpo.py::test_records_dataset_videos_and_system_prompt',
    ('videorl/plugins/trl_video.py', 'core/ReplaceAndWithOr', 65,
     'if video_dir is None or not os.environ.get("VIDEORL_VIDEO_DIR"):'):
        'tests/test_trl_grpo.py::test_records_dataset_videos_and_system_prompt',
    ('videorl/plugins/trl_video.py', 'core/ReplaceOrWithAnd', 131,
     'suppress = sorted({*(self.generation_kwargs.get("suppress_tokens") and []), self._image_token_id,'):
        'tests/test_trl_grpo.py::test_user_suppressed_tokens_are_kept',
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 184,
     '**({"second_per_grid_ts": torch.as_tensor(spg[i:i + 2])} if spg is not None else {})}'):
        'tests/test_trl_grpo.py::test_each_row_keeps_its_own_time_step_and_chunks_of_one_row',
    ('videorl/plugins/trl_video.py', 'core/NumberReplacer', 224,
     'video = {k: torch.cat([r[k] for r in chunk]).to(input_ids.device) for k in _ROW_FIELDS if k in chunk[ 1]}'):
        'tests/test_trl_grpo.py::test_each_row_keeps_its_own_time_step_and_chunks_of_one_row',
}
# @END TRL_VIDEO

#@SPANS@

EQUIVALENT: dict[tuple[str, str, int, str], str] = {
    **_TRL_VIDEO_EQUIVALENT,
    **_EXPORT_LLAMAFACTORY_EQUIVALENT,
    **_EXPORT_EASYR1_EQUIVALENT,
    **_QWEN_EQUIVALENT,
    **_SIZING_EQUIVALENT,
    **_OFFICIAL_EQUIVALENT,
    **_INTERVALS_EQUIVALENT,
    **_SPANS_EQUIVALENT,
}


# Survivors of a stored run that a test written since kills (each re-applied by hand and seen to fail);
# the next run of the module reports them as killed and these entries can go.
KILLED_SINCE: dict[tuple[str, str, int, str], str] = {
    **_TRL_VIDEO_KILLED_SINCE,
    **_EXPORT_LLAMAFACTORY_KILLED_SINCE,
    **_EXPORT_EASYR1_KILLED_SINCE,
    **_QWEN_KILLED_SINCE,
    **_SIZING_KILLED_SINCE,
    **_OFFICIAL_KILLED_SINCE,
    **_INTERVALS_KILLED_SINCE,
    **_SPANS_KILLED_SINCE,
}


def annotate(data: dict) -> int:
    """Mark every stored survivor with the current :data:`EQUIVALENT` reason or the :data:`KILLED_SINCE`
    test; return the open survivors (neither)."""
    total = 0
    for module, res in data.get("modules", {}).items():
        for s in res["survivors"]:
            key = (module, s["operator"], s["line"], s["mutant_line"])
            s["equivalent"] = EQUIVALENT.get(key)
            s["killed_since_by"] = KILLED_SINCE.get(key)
        res["open_survivors"] = sum(1 for s in res["survivors"] if not (s["equivalent"] or s["killed_since_by"]))
        total += res["open_survivors"]
    data.update(benchmark="mutation.py", machine=MACHINE, rows=_rows(data))
    data["date"] = max((r["date"] for r in data["modules"].values()), default=datetime.date.today().isoformat())
    return total


def _rows(data: dict) -> list[dict]:
    """README rows (benchmarks/render_readme.py), one per module run."""
    rows = []
    for module, res in sorted(data["modules"].items()):
        c = res["counts"]
        eq = sum(1 for s in res["survivors"] if s["equivalent"])
        since = sum(1 for s in res["survivors"] if s["killed_since_by"])
        ran = c["killed"] + c["survived"] + c["incompetent"]
        tests = describe_stages(res["stages"]) if "stages" in res else ", ".join(res["tests"])
        rows.append({"what": f"cosmic-ray on `{module}` ({tests})",
                     "result": f"{ran} mutants run: {c['killed']} killed, {c['survived']} survived ({eq} equivalent, "
                               f"{since} killed since by new tests), {res['open_survivors']} open"
                               + (f"; {c['not run']} not run (stopped at the time limit)" if c["not run"] else "")
                               + f"; {c['skipped']} of excluded operators skipped",
                     "target": "0 open survivors",
                     "metrics": {"run": ran, "killed": c["killed"], "survived": c["survived"], "equivalent": eq,
                                 "killed_since": since, "open": res["open_survivors"], "not_run": c["not run"]}})
    return rows


_QWEN = [f"transformers.models.{m}" for m in (
    "qwen2_5_vl.modeling_qwen2_5_vl", "qwen2_5_vl.processing_qwen2_5_vl", "qwen3_vl.modeling_qwen3_vl",
    "qwen3_vl.processing_qwen3_vl", "qwen3_vl.video_processing_qwen3_vl")]
# Libraries the fork server imports once per module (the module's tests import them; never videorl itself).
PRELOAD: dict[str, list[str]] = {
    "videorl/video/sizing.py": ["numpy", "av", "torch", "qwen_vl_utils.vision_process"],
    "videorl/video/meta.py": ["numpy", "av"],
    "videorl/video/qwen.py": ["numpy", "av", "torch", "transformers", *_QWEN],
    "videorl/data/export_easyr1.py": ["numpy", "av", "datasets", "jinja2"],
    "videorl/data/export_llamafactory.py": ["numpy", "av", "datasets", "jinja2"],
    "videorl/plugins/trl_video.py": ["numpy", "av", "torch", "transformers", "trl", "datasets", "jinja2", *_QWEN],
}
TIMEOUT_FACTOR = 4.0  # a mutant's test run over 4x the unmutated one is a hang (killed); the VM is shared and noisy
MIN_TIMEOUT = 20.0

# Operators left out by default (``--all-operators`` keeps them): bit, shift, power and modulo replacements of
# arithmetic (each arithmetic operator still gets +/-, *, / and // swaps), and ``is`` / ``is not`` swaps of
# comparisons. They multiply the count about threefold and nearly always crash, so they find nothing here.
EXCLUDED_OPERATORS = [
    r"core/ReplaceBinaryOperator_\w+_(Pow|Mod|RShift|LShift|BitOr|BitAnd|BitXor)$",
    r"core/ReplaceBinaryOperator_(Pow|Mod|RShift|LShift|BitOr|BitAnd|BitXor)_\w+$",
    r"core/ReplaceComparisonOperator_\w+_(Is|IsNot)$",
    r"core/ReplaceUnaryOperator_\w+_(Invert|Not)$",
]


def scratch_copy(dest: Path) -> None:
    """The checkout's tracked and untracked (not ignored) files, copied to ``dest``."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


# Each test run is a fresh interpreter, so its start-up counts once per mutant: pytest's entry-point plugins are
# not auto-loaded (anyio's alone costs ~0.8 s a run) and only hypothesis' plugin is named; the suite needs no other.
PYTEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "OMP_NUM_THREADS": "1"}


PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider", "-p", "_hypothesis_pytestplugin"]


def test_command(stages: list[list[str]], sock: Path, timeout: float) -> list[str]:
    """The command cosmic-ray runs per mutant: a client of :func:`serve` (``--run``), which runs the stages."""
    return [sys.executable, str(Path(__file__).resolve()), "--run", str(sock), "--run-timeout", str(timeout),
            "--stages", json.dumps(stages)]


def config(module: str, command: list[str], timeout: float, exclude: list[str]) -> str:
    return (f'[cosmic-ray]\nmodule-path = "{module}"\ntimeout = {timeout}\nexcluded-modules = []\n'
            f'test-command = {json.dumps(shlex.join(command))}\n\n[cosmic-ray.distributor]\n'
            f'name = "local"\n\n'
            f'[cosmic-ray.filters.operators-filter]\nexclude-operators = {json.dumps(exclude)}\n')


# -- fork server ---------------------------------------------------------------------------------------------
# A fresh interpreter per test run would pay pytest's and the heavy libraries' imports once per mutant (torch +
# transformers + TRL: 10-20 s on the shared VM). The server imports them once (never a videorl module: the
# mutated code is imported fresh in each child) and forks a child per test run; the child runs pytest.main in
# the scratch copy with the client's stdout/stderr and exits with pytest's status, which the client returns.
# A child outliving the timeout is killed by its own alarm.

def serve(sock: Path, preload: list[str]) -> None:
    import importlib
    import socket

    sys.dont_write_bytecode = True  # as cosmic-ray's own runs: a pyc must never hide a fresh mutant
    import pytest
    for name in ("hypothesis", "_hypothesis_pytestplugin", *preload):
        importlib.import_module(name)
    loaded = sorted(m for m in sys.modules if m == "videorl" or m.startswith("videorl."))
    if loaded:
        raise SystemExit(f"the fork server must not import the code under test, but it holds {loaded}")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(str(sock))
    srv.listen(8)
    print("ready", flush=True)
    while True:
        conn, _ = srv.accept()
        with conn:
            msg, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
            req = json.loads(msg)
            if req.get("stop"):
                return
            deadline = time.monotonic() + float(req["timeout"])
            code = 0
            for stage in req["stages"]:
                left = deadline - time.monotonic()
                if left <= 0:
                    code = 124
                    break
                pid = os.fork()
                if pid == 0:  # the child: one pytest run
                    try:
                        srv.close()
                        conn.close()
                        for i, fd in enumerate(fds):
                            os.dup2(fd, i)
                        signal.signal(signal.SIGALRM, signal.SIG_DFL)
                        signal.setitimer(signal.ITIMER_REAL, left)
                        os.chdir(req["cwd"])
                        code = int(pytest.main([*PYTEST_ARGS, *stage]))
                        sys.stdout.flush()
                        sys.stderr.flush()
                    except BaseException:  # noqa: BLE001 - whatever happens, the child must not return
                        code = 3
                    os._exit(code)
                _, status = os.waitpid(pid, 0)
                code = os.waitstatus_to_exitcode(status)
                if code:
                    code = code if code > 0 else 128 - code  # killed by a signal (the alarm): nonzero
                    break
            for fd in fds:
                os.close(fd)
            try:
                conn.sendall(f"{code}\n".encode())
            except OSError:  # the client was killed (cosmic-ray's timeout)
                pass


def run_client(sock: Path, stages: list[list[str]], timeout: float) -> int:
    """Ask the server to run ``stages``; its exit status (0: every stage passed). Exit 2 (a failed run, so
    cosmic-ray would count the mutant killed) is never returned for a dead server: that raises instead."""
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.connect(str(sock))
        socket.send_fds(c, [json.dumps({"cwd": os.getcwd(), "stages": stages, "timeout": timeout}).encode()],
                        [0, 1, 2])
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = c.recv(64)
            if not chunk:
                raise SystemExit("the fork server closed the connection without a result")
            reply += chunk
    return int(reply)


def start_server(work: Path, module: str, env: dict) -> tuple[subprocess.Popen, Path]:
    sock = work / f"forkserver-{Path(module).stem}.sock"
    sock.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", str(sock), "--preload",
                             *PRELOAD.get(module, [])], cwd=work, env=env, stdout=subprocess.PIPE, text=True)
    if proc.stdout.readline().strip() != "ready":
        raise SystemExit(f"the fork server for {module} did not start (exit {proc.wait()})")
    return proc, sock


def stop_server(proc: subprocess.Popen, sock: Path) -> None:
    import socket

    if proc.poll() is None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
            c.connect(str(sock))
            socket.send_fds(c, [json.dumps({"stop": True}).encode()], [0, 1, 2])
        proc.wait(timeout=30)


def baseline(work: Path, command: list[str], env: dict) -> float:
    """Wall seconds of the module's tests on the unmutated tree (they must pass: a failing baseline would count
    every mutant as killed)."""
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=work, env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
                          capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"the tests fail on the unmutated tree:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    return time.perf_counter() - start


def describe_stages(stages: list[list[str]]) -> str:
    return ", then ".join(" ".join(stage) for stage in stages)


def run_module(work: Path, module: str, timeout: float | None, exclude: list[str], budget: float | None,
               resume: bool = False) -> dict:
    """cosmic-ray over one module in the scratch copy; the counts and every survivor. ``timeout`` (seconds per
    test run) defaults to :data:`TIMEOUT_FACTOR` times the measured baseline run, at least :data:`MIN_TIMEOUT`.
    ``budget`` (seconds) stops ``exec`` early: the mutants not reached count as "not run", the entry partial."""
    stages = MODULES[module]
    env = {**os.environ, "PYTHONPATH": str(work), **PYTEST_ENV}
    server, sock = start_server(work, module, env)
    try:
        base = baseline(work, test_command(stages, sock, 1800.0), env)
        if timeout is None:
            timeout = round(max(MIN_TIMEOUT, TIMEOUT_FACTOR * base), 1)
        print(f"{module}: unmutated tests pass in {base:.1f} s; timeout per mutant {timeout} s", flush=True)
        cfg = work / "cosmic-ray.toml"
        cfg.write_text(config(module, test_command(stages, sock, timeout), timeout, exclude))
        session = work / f"{Path(module).stem}.sqlite"
        start = time.perf_counter()
        if resume and session.is_file():  # the mutants already run keep their results; exec runs the rest
            print(f"{module}: resuming {session}", flush=True)
        else:
            session.unlink(missing_ok=True)
            subprocess.run(["cosmic-ray", "init", str(cfg), str(session)], cwd=work, env=env, check=True)
            if exclude:  # marks the excluded operators' mutants as skipped
                subprocess.run(["cr-filter-operators", str(session), str(cfg)], cwd=work, env=env, check=True)
        partial = False
        proc = subprocess.Popen(["cosmic-ray", "exec", str(cfg), str(session)], cwd=work, env=env,
                                start_new_session=True)
        try:
            proc.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
            partial = True
        if proc.returncode and not partial:
            raise subprocess.CalledProcessError(proc.returncode, "cosmic-ray exec")
        if server.poll() is not None:  # its clients' failures were not test failures: nothing here is valid
            raise SystemExit(f"the fork server died during the run (exit {server.returncode})")
    finally:
        stop_server(server, sock)
    dump = subprocess.run(["cosmic-ray", "dump", str(session)], cwd=work, env=env, check=True,
                          capture_output=True, text=True).stdout
    counts = {"killed": 0, "survived": 0, "incompetent": 0, "skipped": 0, "not run": 0}
    survivors = []
    for line in dump.splitlines():
        item, result = json.loads(line)
        outcome = (result or {}).get("test_outcome") or "not run"
        if (result or {}).get("worker_outcome") == "skipped":
            outcome = "skipped"
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome != "survived":
            continue
        mut = item["mutations"][0]
        diff = (result or {}).get("diff") or ""
        plus = next((d[1:].strip() for d in diff.splitlines() if d.startswith("+") and not d.startswith("+++")), "")
        key = (module, mut["operator_name"], mut["start_pos"][0], plus)
        survivors.append({"operator": mut["operator_name"], "occurrence": mut["occurrence"],
                          "line": mut["start_pos"][0], "mutant_line": plus, "diff": diff,
                          "equivalent": EQUIVALENT.get(key)})
    return {"tests": [t for stage in stages for t in stage if not t.startswith("-")], "stages": stages,
            "counts": counts, "total": sum(counts.values()), "partial": partial,
            "excluded_operators": exclude, "baseline_seconds": round(base, 2), "timeout_seconds": timeout,
            "seconds": round(time.perf_counter() - start, 1), "resumed": resume, "survivors": survivors,
            "open_survivors": None}  # set by annotate()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--modules", nargs="+", default=list(MODULES), choices=list(MODULES), metavar="MODULE",
                   type=lambda m: m if m.startswith("videorl/") else f"videorl/{m}",
                   help=f"modules to mutate (default: all): {', '.join(MODULES)}")
    p.add_argument("--timeout", type=float, default=None,
                   help=f"seconds per test run, over it: killed (default: {TIMEOUT_FACTOR} x the unmutated run, "
                        f"at least {MIN_TIMEOUT} s)")
    p.add_argument("--out", type=Path, default=RESULT)
    p.add_argument("--all-operators", action="store_true", help="keep the operators EXCLUDED_OPERATORS leaves out")
    p.add_argument("--annotate-only", action="store_true",
                   help="only re-mark the stored survivors with the current EQUIVALENT list and rewrite --out")
    p.add_argument("--minutes", type=float, default=None,
                   help="stop each module after this many minutes (the rest: 'not run', the entry partial)")
    p.add_argument("--resume", type=Path, default=None, metavar="DIR",
                   help="go on with an interrupted run in its scratch copy DIR (the mutants already run keep their "
                        "results; the rest run with the checkout's current tests)")
    p.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # internal: the fork server on this socket
    p.add_argument("--preload", nargs="*", default=[], help=argparse.SUPPRESS)
    p.add_argument("--run", type=Path, help=argparse.SUPPRESS)  # internal: a client of the fork server
    p.add_argument("--run-timeout", type=float, default=600.0, help=argparse.SUPPRESS)
    p.add_argument("--stages", type=json.loads, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args.serve, args.preload)
        return 0
    if args.run:
        return run_client(args.run, args.stages, args.run_timeout)
    data = json.loads(args.out.read_text()) if args.out.is_file() else {}
    data.setdefault("modules", {})
    if args.annotate_only:
        open_total = annotate(data)
        _write(args.out, data)
        print(f"open survivors: {open_total}")
        return 1 if open_total else 0
    if shutil.which("cosmic-ray") is None:
        p.error('cosmic-ray is not installed: pip install "cosmic-ray>=8.4"')
    with tempfile.TemporaryDirectory(prefix="videorl-mutation-") as tmp:
        work = args.resume or Path(tmp)
        scratch_copy(work)  # a resumed copy gets the checkout's current files (a mutant left behind is undone)
        for module in args.modules:
            print(f"{module}: mutating, tests {describe_stages(MODULES[module])}", flush=True)
            res = run_module(work, module, args.timeout, [] if args.all_operators else EXCLUDED_OPERATORS,
                             None if args.minutes is None else args.minutes * 60, resume=args.resume is not None)
            res["date"] = datetime.date.today().isoformat()
            data["modules"][module] = res
            annotate(data)
            print(f"{module}: {res['total']} mutants, {res['counts']}, {res['open_survivors']} open survivor(s), "
                  f"{res['seconds']:.0f} s", flush=True)
            for s in res["survivors"]:
                print(f"  line {s['line']} {s['operator']}: {s['mutant_line']}"
                      + (f"  [equivalent: {s['equivalent']}]" if s["equivalent"] else "")
                      + (f"  [killed since by {s['killed_since_by']}]" if s["killed_since_by"] else ""), flush=True)
            data.update({"tool": "cosmic-ray " + _version(), "script": "benchmarks/mutation.py",
                         "not_run": sorted(set(MODULES) - set(data["modules"]))})
            _write(args.out, data)
    open_total = annotate(data)
    print(f"open survivors over the modules run: {open_total}; not run: {data.get('not_run')}")
    return 1 if open_total else 0


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = path.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    tmp_out.replace(path)


def _version() -> str:
    from importlib.metadata import version

    return version("cosmic-ray")


if __name__ == "__main__":
    raise SystemExit(main())
