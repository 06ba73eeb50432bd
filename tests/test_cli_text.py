"""What the CLI shows a person: plain-text help everywhere, readable numbers, each failure once."""

from __future__ import annotations

import argparse
import json
import re

from videorl.cli import build_parser, main, plain_text

REST = re.compile(r"``|:(func|class|mod|meth|data):`|::\s*$", re.M)


def _parsers(parser: argparse.ArgumentParser, path: str = "videorl"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


def test_every_help_is_plain_text():
    from videorl.cli import SUBCOMMANDS

    seen = 0
    for command in SUBCOMMANDS:
        for path, parser in _parsers(build_parser(command)):
            text = parser.format_help()
            assert not REST.search(text), f"`{path} --help` shows reST markup:\n{text}"
            seen += 1
    assert seen > len(SUBCOMMANDS)  # subcommands of subcommands were walked too


def test_plain_text_by_hand():
    doc = "Use ``videorl data``, see :func:`videorl.video.sample_frames`::\n\n::\n\n    cmd\n"
    assert plain_text(doc) == "Use `videorl data`, see `videorl.video.sample_frames`:\n\n    cmd"


def test_rewards_score_prints_rounded_numbers(capsys):
    # default_grounding = 0.9 * IoU + 0.1 * format; IoU([3, 9], [3, 10.5]) = 6 / 7.5 = 0.8 and a bare span
    # is not the required format (0): 0.9 * 0.8 = 0.7200000000000001 in floating point, printed as 0.72
    target = json.dumps({"task": "grounding", "duration": 30, "spans": [[3, 10.5]]})
    assert main(["rewards", "score", "--preset", "default_grounding", "--response", "3.0 - 9.0",
                 "--target", target]) == 0
    out = capsys.readouterr().out
    got = json.loads(out)
    assert got["score"] == 0.72 and got["components"]["iou"] == 0.8 and not re.search(r"\d\.\d{7,}", out)
