"""``videorl rewards``: list the registered rewards and presets, and score one response.

    videorl rewards list
    videorl rewards score --preset temporal_r1 --faithful \\
        --response '<think>..</think><answer>{"start_time": "3", "end_time": "9"}</answer>' \\
        --target '{"task": "grounding", "duration": 30, "spans": [[3, 9]]}'
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("rewards", help="list and try the reward functions and presets",
                              description="List the registered rewards (built-in and from the 'videorl.rewards' "
                                          "entry-point group) and score one response.")
    sub = p.add_subparsers(dest="rewards_command", metavar="ACTION")
    ls = sub.add_parser("list", help="list registered rewards, presets and placeholders")
    ls.add_argument("--json", action="store_true", help="print the list as JSON")
    ls.set_defaults(func=run_list)
    sc = sub.add_parser("score", help="score one response against one target")
    sc.add_argument("--preset", default="default", help="registered reward or preset name (default: default)")
    sc.add_argument("--spec", help="composite spec instead of a preset: YAML/JSON file or JSON text")
    sc.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                    help="preset parameter, VALUE read as JSON when it parses (repeatable), e.g. faithful=true")
    sc.add_argument("--faithful", action="store_true", help="shorthand for --param faithful=true")
    sc.add_argument("--response", required=True, help="the model response text ('-' reads standard input)")
    sc.add_argument("--target", required=True, help="videorl target JSON (text, or @FILE to read a file)")
    sc.set_defaults(func=run_score)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def run_list(args: argparse.Namespace) -> int:
    from videorl.rewards import entries

    rows = [{"name": e.name, "kind": e.kind, "source": e.source, "summary": e.summary} for e in entries().values()]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    width = max(len(r["name"]) for r in rows)
    for kind in ("preset", "reward", "placeholder"):
        group = [r for r in rows if r["kind"] == kind]
        if group:
            print(f"{kind}s:")
            for r in group:
                src = "" if r["source"] == "videorl" else f" [{r['source']}]"
                print(f"  {r['name']:<{width}}  {r['summary']}{src}")
    return 0


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _round(value: Any, digits: int = 6) -> Any:
    return round(value, digits) if isinstance(value, float) else value


def run_score(args: argparse.Namespace) -> int:
    import sys

    from videorl.rewards import build, composite
    from videorl.target import parse_target

    params: dict[str, Any] = {}
    for item in args.param:
        if "=" not in item:
            raise ValueError(f"--param must be KEY=VALUE, got {item!r}")
        key, val = item.split("=", 1)
        params[key.strip()] = _value(val)
    if args.faithful:
        params["faithful"] = True
    try:
        reward = composite(args.spec) if args.spec else build(args.preset, **params)
    except NotImplementedError as err:  # a placeholder (needs a judge / environment)
        print(f"videorl rewards: error: {err}", file=sys.stderr)
        return 2
    target_text = args.target
    if target_text.startswith("@"):
        with open(target_text[1:], encoding="utf-8") as fh:
            target_text = fh.read()
    response = sys.stdin.read() if args.response == "-" else args.response
    res = reward(response, parse_target(target_text))
    # rounded for reading (0.72, not 0.7200000000000001); the Python API returns the full floats
    print(json.dumps({"reward": reward.__name__, "score": _round(res.score),
                      "components": {k: _round(v) for k, v in res.components.items()},
                      "reason": res.reason}, indent=2, ensure_ascii=False))
    return 0
