"""The ``videorl`` command line.

Each subcommand lives in its own module under ``videorl.cli`` exposing ``add_parser(subparsers)``
(which registers its parser and sets ``func``) and is imported only when needed, so ``videorl
--help`` stays fast and a subcommand's heavy imports do not slow down the others.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import re
import sys
from collections.abc import Sequence

from videorl import __version__
from videorl.record import RecordError

# name -> (module, one-line help). Help text lives here so `videorl --help` imports nothing else.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "score": ("videorl.cli.score", "score model predictions on sample records (grounding, MCQ, grounded QA)"),
    "frames": ("videorl.cli.frames", "build and verify the decoded-frame cache"),
    "data": ("videorl.cli.data", "prepare datasets into sample records; export them to EasyR1 / LLaMA-Factory"),
    "rewards": ("videorl.cli.rewards", "list and try the reward functions and presets"),
    "easyr1": ("videorl.cli.easyr1", "helpers for EasyR1 recipes (reward-path)"),
    "lmms-eval": ("videorl.cli.lmms_eval", "helpers for lmms-eval (tasks-dir, list tasks)"),
    "demo": ("videorl.cli.demo", "end-to-end demo: synthetic videos -> lmms-eval -> metrics"),
    "doctor": ("videorl.cli.doctor", "check this environment (versions, decoders, tasks, GPUs, data) and print fixes"),
    "predict": ("videorl.cli.predict", "run a Qwen-VL model on records or a video + query; writes predictions for `score`"),
    "plot": ("videorl.cli.plot", "draw pictures: a timeline of sampled frames, ground truth and predictions"),
    "report": ("videorl.cli.report", "an evaluation report from `score --per-sample` output: PNG plots and HTML"),
    "export": ("videorl.cli.export", "merge a LoRA adapter and write a complete Hugging Face folder"),
    "compare": ("videorl.cli.compare", "paired comparison of runs: metric deltas with bootstrap CIs, exact McNemar tests"),
    "view": ("videorl.cli.view", "a static HTML viewer of runs: each sample's video, spans, model text and scores"),
}


_LITERAL = re.compile(r"``(.+?)``")
_ROLE = re.compile(r":(?:func|class|mod|meth|data|attr|exc|obj):`~?([^`]+)`")


def plain_text(text: str | None) -> str | None:
    """reST as a terminal shows it: ``x`` and :func:`x` become `x`, a ``::`` line-end becomes ``:``,
    a line of only ``::`` goes."""
    if not text:
        return text
    text = _ROLE.sub(r"`\1`", _LITERAL.sub(r"`\1`", text))
    lines = []
    for line in text.splitlines():
        if line.strip() == "::":
            continue
        lines.append(line[:-1] if line.rstrip().endswith("::") and not line.strip() == "::" else line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _plain_tree(parser: argparse.ArgumentParser) -> None:
    """Every description, epilog and argument help of ``parser`` and its subcommands as plain text
    (the subcommand modules take their descriptions from reST docstrings)."""
    parser.description = plain_text(parser.description)
    parser.epilog = plain_text(parser.epilog)
    for action in parser._actions:
        if isinstance(action.help, str):
            action.help = plain_text(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = plain_text(choice.help)
            for sub in action.choices.values():
                _plain_tree(sub)


def _available() -> dict[str, tuple[str, str]]:
    return {name: spec for name, spec in SUBCOMMANDS.items() if importlib.util.find_spec(spec[0]) is not None}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="videorl",
        description="Video temporal grounding and video reasoning for lmms-eval, EasyR1 and LLaMA-Factory.",
    )
    parser.add_argument("--version", action="version", version=f"videorl {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in _available().items():
        if only is None or name == only:
            importlib.import_module(module).add_parser(sub)
        else:
            sub.add_parser(name, help=help_text)
    _plain_tree(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Import only the chosen subcommand's module (the first word that names one).
    chosen = next((a for a in argv if not a.startswith("-")), None)
    # `videorl lmms-eval run --model ...`: everything after `run` belongs to lmms-eval, but argparse
    # would take `--model` as one of ours. A `--` after `run` makes argparse pass it all through.
    if chosen == "lmms-eval":
        i = argv.index("lmms-eval")
        rest = argv[i + 1:]
        if rest[:1] == ["run"] and rest[1:2] not in (["--"], ["-h"], ["--help"]):
            argv = argv[:i + 2] + ["--"] + rest[1:]
    parser = build_parser(chosen if chosen in SUBCOMMANDS else None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        return int(args.func(args) or 0)
    except RecordError as err:
        print(f"videorl {args.command}: error: {err}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as err:
        print(f"videorl {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"videorl {args.command}: interrupted; outputs are written atomically, re-run to resume",
              file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
