"""``videorl score PREDICTIONS.jsonl``: offline scoring of model predictions on sample records.

Each line is a sample record (``videorl.record``) with a ``prediction`` field (the model's text)
and/or already-parsed ``prediction_span`` ([s, e] on the model clock) / ``prediction_answer`` (a
letter or an option text). Records of several tasks in one file are scored per task, with the
metrics of :mod:`videorl.scoring.metrics` in percent. ``videorl predict`` output reads as it is:
its ``sample_index`` lets K lines share an id (each line is one sample; the metrics average over
all of them) and its ``predict`` object is carried through to ``--per-sample``.

``--protocol official`` scores grounding and grounded QA as the reference evaluators do
(:mod:`videorl.scoring.official`). ``--json`` and ``--per-sample`` carry full-precision floats; only
the tables round to 2 decimals.

Every line is read and scored before anything is written or printed: a bad line (malformed JSON,
missing field, zero or negative duration, NaN, no prediction) stops the command with
``file:line: field 'x': reason`` and exit status 2, and no partial output is left behind.

``--judge`` adds Video-R2's TAC and VAS (:mod:`videorl.scoring.judged`). The judge's failures are
printed per metric on stderr, and the exit status is 3 when a metric lost more samples to judge
failures than ``--max-judge-failures`` (default 0); the tables and files are still written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from videorl.record import PREDICT_FIELDS, PREDICTION_FIELDS, RecordError, read_records
from videorl.scoring.summary import summarize  # noqa: F401  (the summary lives in scoring)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "score",
        help="score model predictions on sample records (grounding, MCQ, grounded QA)",
        description="Score a JSONL file of sample records carrying model predictions. Prints one table per "
                    "task (metrics in percent); see docs/scoring.md for the metrics and parsing policies.",
    )
    p.add_argument("predictions", type=Path,
                   help="JSONL file: sample records with 'prediction' (model text) and/or 'prediction_span' "
                        "([start, end], model clock) / 'prediction_answer' (letter or option text)")
    p.add_argument("--json", action="store_true",
                   help="print {task: {metric: value, 'count': n}} as JSON (percent, full precision) instead of tables")
    p.add_argument("--per-sample", type=Path, metavar="OUT.jsonl", default=None,
                   help="also write each record with its parsed prediction and per-sample scores (atomic write)")
    p.add_argument("--reversed", choices=("swap", "invalid"), default="swap",
                   help="a predicted span with start > end is swapped (default, as lmms-eval) or counted as a "
                        "parse failure")
    p.add_argument("--no-clamp", action="store_true",
                   help="do not clamp predicted grounding spans to the duration (grounded QA is never clamped, "
                        "as in the official NExT-GQA evaluation)")
    p.add_argument("--nextgqa-missing", choices=("count", "skip"), default=None,
                   help="grounded QA: keep questions whose span (or letter) could not be read in the "
                        "denominator with score 0 (default with --protocol videorl), or skip them as the official "
                        "NExT-GQA evaluation does (default with --protocol official)")
    p.add_argument("--protocol", choices=("videorl", "official"), default="videorl",
                   help="videorl (default): our parsing policies, the same as the training rewards. official: the "
                        "reference evaluators exactly (Charades-STA/ActivityNet eval_tvg.py, NExT-GQA eval_ground.py): "
                        "ground truth as the annotation file gives it (raw_spans; spans past the duration are "
                        "accepted), predictions never clamped, negative and reversed values as written; "
                        "--reversed/--no-clamp do not apply. See docs/scoring.md")
    p.add_argument("--judge", nargs="?", const="", default=None, metavar="BASE_URL",
                   help="also compute Video-R2's TAC (multiple choice) and VAS (0-10) with an LLM judge at BASE_URL, "
                        "an OpenAI-compatible server (default: VIDEORL_JUDGE_BASE_URL, OPENAI_API_URL or "
                        "OPENAI_API_BASE); see docs/judges.md")
    p.add_argument("--judge-model", default=None, metavar="NAME",
                   help="the judge's model name (default: VIDEORL_JUDGE_MODEL, OPENAI_API_MODEL or SERVED_MODEL)")
    p.add_argument("--judge-faithful", action="store_true",
                   help="TAC and VAS read as Video-R2 does (VAS at temperature 0.7, top-k 20, one re-ask, then 0) "
                        "instead of the fixed readings, where a reply that is not a verdict is a judge failure")
    g = p.add_argument_group("judge settings (each also from the environment; see docs/judges.md)")
    g.add_argument("--judge-api-key-env", metavar="VAR", default=None,
                   help="the environment variable holding the judge's API key (default: VIDEORL_JUDGE_API_KEY_ENV, "
                        "else VIDEORL_JUDGE_API_KEY or OPENAI_API_KEY; none: 'EMPTY')")
    g.add_argument("--judge-timeout", type=float, metavar="S", default=None,
                   help="seconds per HTTP attempt (VIDEORL_JUDGE_TIMEOUT; default 30)")
    g.add_argument("--judge-deadline", type=float, metavar="S", default=None,
                   help="seconds for all judge calls of the run together: TAC and VAS share it "
                        "(VIDEORL_JUDGE_DEADLINE; default 900)")
    g.add_argument("--judge-concurrency", type=int, metavar="N", default=None,
                   help="requests in flight at once (VIDEORL_JUDGE_CONCURRENCY; default 64)")
    g.add_argument("--judge-retries", type=int, metavar="N", default=None,
                   help="retries of a failed call (VIDEORL_JUDGE_MAX_RETRIES; default: until the deadline)")
    g.add_argument("--judge-cache", metavar="DIR", default=None,
                   help="cache judge replies in DIR (VIDEORL_JUDGE_CACHE_DIR; default: no cache)")
    g.add_argument("--judge-prompts-from", metavar="PATH", default=None,
                   help="a Video-R2 checkout whose own TAC/VAS prompts and sampling to use "
                        "(VIDEORL_JUDGE_PROMPTS_FROM; default: videorl's paraphrases)")
    g.add_argument("--max-judge-failures", type=int, metavar="N", default=0,
                   help="exit with status 3 when more than N samples of any judge metric failed (the metric "
                        "leaves them out); default 0: any failure")
    p.set_defaults(func=run)
    return p


def score_file(path: Path, *, reversed: str = "swap", clamp: bool = True, protocol: str = "videorl",
               show_progress: bool = True) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Score every line of ``path``: a list of ``(task, raw_record_dict, per_sample_scores)``.

    With ``protocol="official"`` a record whose spans lie partly outside the video is accepted
    (:func:`videorl.scoring.official.as_raw_spans`). Raises :class:`RecordError` naming the file,
    line and field on the first bad line.
    """
    from tqdm import tqdm

    from videorl.scoring import score_sample
    from videorl.scoring.official import as_raw_spans, check_protocol

    out = []
    official = check_protocol(protocol) == "official"
    lines = read_records(path, allow_extra=(*PREDICTION_FIELDS, *PREDICT_FIELDS, "mtr"),  # mtr: Video-MTR episode log
                         transform=as_raw_spans if official else None)
    for n, rec, raw in tqdm(lines, desc="scoring", unit=" samples", disable=None if show_progress else True):
        fields = {k: raw.get(k) for k in PREDICTION_FIELDS}
        if all(v is None for v in fields.values()):
            raise RecordError(f"no prediction: give one of {list(PREDICTION_FIELDS)}", path=path, line=n,
                              field="prediction")
        k = raw.get("sample_index")
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 0):
            raise RecordError(f"must be an integer >= 0, got {k!r}", path=path, line=n, field="sample_index")
        if fields["prediction"] is not None and not isinstance(fields["prediction"], str):
            raise RecordError(f"must be a string, got {fields['prediction']!r}", path=path, line=n,
                              field="prediction")
        try:
            scores = score_sample(rec, fields["prediction"], prediction_span=fields["prediction_span"],
                                  prediction_answer=fields["prediction_answer"], reversed=reversed, clamp=clamp,
                                  protocol=protocol)
        except ValueError as exc:
            msg = str(exc)
            field = next((f for f in sorted(PREDICTION_FIELDS, key=len, reverse=True) if msg.startswith(f)),
                         "prediction")
            raise RecordError(msg, path=path, line=n, field=field) from None
        out.append((rec.task, raw, scores))
    return out


def format_tables(summary: dict[str, dict[str, float | None]]) -> str:
    """One small table per task: the task name, its count and each metric."""
    blocks = []
    for task, entry in summary.items():
        names = [k for k in entry if k != "count"]
        header = ["task", "count", *names]
        values = [task, str(entry["count"]), *("n/a" if entry[k] is None else f"{entry[k]:.2f}" for k in names)]
        widths = [max(len(h), len(v)) for h, v in zip(header, values, strict=True)]
        blocks.append("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)) + "\n"
                      + "  ".join(v.rjust(w) for v, w in zip(values, widths, strict=True)))
    return "\n\n".join(blocks)


def run(args: argparse.Namespace) -> int:
    from videorl.io import write_jsonl

    rows = score_file(args.predictions, reversed=args.reversed, clamp=not args.no_clamp, protocol=args.protocol)
    if not rows:
        raise RecordError("no records to score", path=args.predictions)
    missing = args.nextgqa_missing or ("skip" if args.protocol == "official" else "count")
    summary = summarize(rows, nextgqa_missing=missing)
    judge_failed = False
    if getattr(args, "judge", None) is not None:
        judge_failed = _judge(args, rows, summary)
    if args.per_sample is not None:
        write_jsonl(args.per_sample, ({**raw, "scores": scores} for _, raw, scores in rows))
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(format_tables(summary))
        if args.per_sample is not None:
            print(f"\nper-sample scores: {args.per_sample}")
    return 3 if judge_failed else 0


def _judge(args: argparse.Namespace, rows: list, summary: dict) -> bool:
    """TAC and VAS by the judge; prints one line of judge failures per metric to stderr and returns
    whether any metric lost more than ``--max-judge-failures`` samples."""
    import sys

    from videorl.judge import JudgeClient
    from videorl.scoring.judged import add_judge_metrics

    settings = {"base_url": args.judge or None, "model": args.judge_model, "api_key_env": args.judge_api_key_env,
                "timeout": args.judge_timeout, "deadline": args.judge_deadline,
                "concurrency": args.judge_concurrency, "max_retries": args.judge_retries,
                "cache_dir": args.judge_cache}
    client = JudgeClient({k: v for k, v in settings.items() if v is not None})
    try:
        failures = add_judge_metrics(rows, summary, client, faithful=args.judge_faithful,
                                     prompts_from=args.judge_prompts_from)
    finally:
        client.close()
    over = False
    for name, f in failures.items():
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(f["kinds"].items(), key=lambda kv: -kv[1]))
        bad = f["failed"] > args.max_judge_failures
        over |= bad
        print(f"judge {name}: {f['failed']} of {f['samples']} samples failed" + (f" ({kinds})" if kinds else "")
              + (f"; more than --max-judge-failures {args.max_judge_failures}" if bad else ""), file=sys.stderr)
    st = client.stats
    print(f"judge: {client.config.describe()}; {st.summary()}", file=sys.stderr)
    return over
