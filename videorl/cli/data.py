"""``videorl data``: prepare datasets into sample records, export them to hosts, mix them.

::

    videorl data prepare charades-sta --annotations charades_sta_test.txt --durations charades.json
    videorl data prepare activitynet-captions --annotations val_1.json
    videorl data prepare nextgqa --csv test.csv --gsub gsub_test.json --map map_vid_vidorID.json
    videorl data prepare mvbench --root MVBench/
    videorl data export easyr1 RECORDS.jsonl --out DIR [--style r1]
    videorl data export llamafactory RECORDS.jsonl --out DIR [--style r1]
    videorl data mix A.jsonl B.jsonl --weights 0.7 0.3 --size 1000 --seed 0 --out mix.jsonl
    videorl data overlay | darkevent | mixvidqa | relevant-frames | import | export-format | select ...
      (the reference methods' data tools, see videorl/cli/data_tools.py and docs/data.md)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from videorl.paths import prepared_path, report_path

PREPARE = {  # CLI name -> dataset folder name
    "charades-sta": "charades_sta",
    "activitynet-captions": "activitynet_captions",
    "nextgqa": "nextgqa",
    "mvbench": "mvbench",
}
DEFAULT_SPLIT = {"charades-sta": "test", "activitynet-captions": "val_1", "nextgqa": "test", "mvbench": "test"}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("data", help="prepare datasets into sample records; export them to EasyR1 / "
                                           "LLaMA-Factory; mix them",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    prep = sub.add_parser("prepare", help="annotation files -> sample records + validation report")
    ds = prep.add_subparsers(dest="dataset", metavar="DATASET", required=True)
    c = ds.add_parser("charades-sta", help="Charades-STA (VID START END##sentence lines + charades.json)")
    c.add_argument("--annotations", required=True, help="charades_sta_{train,test}.txt")
    c.add_argument("--durations", required=True, help="charades.json ({vid: {duration: ...}}, from VSLNet)")
    a = ds.add_parser("activitynet-captions", help="ActivityNet Captions (train/val_1/val_2.json)")
    a.add_argument("--annotations", required=True, help="train.json, val_1.json or val_2.json")
    n = ds.add_parser("nextgqa", help="NExT-GQA (test.csv/val.csv + gsub_*.json)")
    n.add_argument("--csv", required=True, help="NExT-GQA test.csv or val.csv (questions and options)")
    n.add_argument("--gsub", required=True, help="gsub_test.json or gsub_val.json (grounding spans)")
    n.add_argument("--map", default=None, help="map_vid_vidorID.json: video id -> folder/id (video file paths)")
    m = ds.add_parser("mvbench", help="MVBench (a downloaded OpenGVLab/MVBench snapshot)")
    m.add_argument("--root", required=True, help="the snapshot folder holding json/ and video/")
    m.add_argument("--subtasks", nargs="+", default=None, metavar="KEY",
                   help="only these subtasks (json file stems, e.g. action_sequence); default: all 20")
    for name, sp in (("charades-sta", c), ("activitynet-captions", a), ("nextgqa", n), ("mvbench", m)):
        sp.add_argument("--split", default=DEFAULT_SPLIT[name],
                        help=f"split name used in ids and the output path (default {DEFAULT_SPLIT[name]})")
        if name != "mvbench":
            sp.add_argument("--video-dir", default=None,
                            help="folder holding the videos: only used to check they exist (records keep "
                                 "relative names; consumers resolve them with --video-dir / VIDEORL_VIDEO_DIR)")
            sp.add_argument("--video-ext", action="append", default=None, metavar="EXT",
                            help="video file extension(s) to try, in order (repeatable; default .mp4)")
        sp.add_argument("--out", default=None,
                        help="output JSONL (default $VIDEORL_DATA_DIR/<dataset>/<split>.jsonl)")
        sp.add_argument("--report", default=None,
                        help="report JSON (default beside the output: <split>.report.json)")
        sp.add_argument("--skip-invalid", action="store_true",
                        help="skip malformed items and list them in the report (default: stop with an error "
                             "naming file and line, writing nothing)")
        sp.set_defaults(func=run)

    exp = sub.add_parser("export", help="sample records -> host training data")
    hosts = exp.add_subparsers(dest="host", metavar="HOST", required=True)
    e = hosts.add_parser("easyr1", help="EasyR1 parquet + jsonl (prompt / videos / answer) and format prompts")
    lf = hosts.add_parser("llamafactory", help="LLaMA-Factory sharegpt JSON + dataset_info.json entry")
    for sp in (e, lf):
        sp.add_argument("records", help="sample records JSONL (from `videorl data prepare` or `mix`)")
        sp.add_argument("--out", required=True, help="output folder")
        sp.add_argument("--name", default=None, help="dataset name (default: the records file's stem)")
        sp.add_argument("--style", default="r1", choices=("direct", "r1", "r1_json"),
                        help="prompt / answer style (default r1: <think> then <answer>)")
        sp.add_argument("--video-dir", default=None,
                        help="folder that relative video paths are joined to (default $VIDEORL_VIDEO_DIR)")
        sp.add_argument("--frames-cache", default=None, metavar="CACHE_DIR",
                        help="write lists of JPEG frames extracted into this frame cache instead of video paths")
        sp.add_argument("--fps", type=float, default=2.0, help="frame rate of extracted frames (default 2)")
        sp.add_argument("--max-pixels", type=int, default=None, help="resize extracted frames to at most this area")
        sp.add_argument("--min-pixels", type=int, default=None,
                        help="and at least this area (default: the sampler's, 128*28*28; the recipes use 3136)")
        sp.add_argument("--skip-clipped", action="store_true",
                        help="skip records with a clip when no frame cache is given (default: error)")
        sp.add_argument("--strict-videos", action="store_true",
                        help="fail when any video file does not exist (the same as --max-failures 0, the default)")
        sp.add_argument("--max-failures", default="0%", metavar="PCT%|N",
                        help="how many records may have a missing video file (checked before anything is "
                             "written or extracted): a percent (5%%) or a count (12); default 0%%. Re-running "
                             "with --frames-cache resumes: frames already extracted are reused")
        sp.add_argument("--overlay", default=None, metavar="SPEC",
                        help="draw timestamps/subtitles on the extracted frames (needs --frames-cache): absolute, "
                             "relative, and/or subtitles:PATH joined with '+' (see docs/data.md)")
        sp.set_defaults(func=run)
    e.add_argument("--model", default="qwen2_5_vl", choices=("qwen2_5_vl", "qwen3_vl"),
                   help="model family the frame sizes are chosen for with --frames-cache (default qwen2_5_vl): "
                        "sizes that no step of EasyR1 resizes again")
    e.add_argument("--allow-fps", action="store_true",
                   help="allow --fps other than 2 with --frames-cache (qwen-vl-utils assumes 2 fps for frame lists)")
    lf.add_argument("--model", default="qwen2_5_vl", choices=("qwen2_5_vl", "qwen3_vl"),
                    help="model family the frames are sized for (multiples of 28 or 32; default qwen2_5_vl)")
    lf.add_argument("--path-videos", action="store_true",
                    help="write video paths instead of frame lists (LLaMA-Factory then samples by itself and "
                         "its clock is wrong for Qwen2.5-VL; see docs/clock.md). Default: frame lists in "
                         "--frames-cache, else OUT/frames, sized 3136..50176 px like the recipes")

    mx = sub.add_parser("mix", help="weighted, de-duplicated, seeded mixture of record files")
    mx.add_argument("sources", nargs="+", help="sample record JSONL files")
    mx.add_argument("--weights", nargs="+", type=float, default=None,
                    help="one sampling weight per source (default: proportional to source sizes)")
    mx.add_argument("--size", type=int, required=True, help="number of records in the mixture")
    mx.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    mx.add_argument("--out", required=True, help="output JSONL (a .report.json is written beside it)")
    mx.set_defaults(func=run)

    from videorl.cli import data_tools  # the reference methods' tools: overlay, darkevent, mixvidqa, ...

    data_tools.add_parsers(sub)
    for name in data_tools.COMMANDS:
        sub.choices[name].set_defaults(func=data_tools.run)


def run(args: argparse.Namespace) -> int:
    if args.data_command == "prepare":
        return _prepare(args)
    if args.data_command == "export":
        return _export(args)
    return _mix(args)


def _prepare(args: argparse.Namespace) -> int:
    from videorl.data.prepare.common import write_outputs

    dataset = PREPARE[args.dataset]
    out = Path(args.out) if args.out else prepared_path(dataset, args.split)
    rep = Path(args.report) if args.report else (
        out.with_name(out.name.removesuffix(".jsonl") + ".report.json") if args.out
        else report_path(dataset, args.split))
    common = {"split": args.split, "skip_invalid": args.skip_invalid}
    if args.dataset != "mvbench":
        common.update(video_dir=args.video_dir, video_exts=args.video_ext or [".mp4"])
    if args.dataset == "charades-sta":
        from videorl.data.prepare import charades_sta
        col = charades_sta.convert(args.annotations, args.durations, **common)
    elif args.dataset == "activitynet-captions":
        from videorl.data.prepare import activitynet_captions
        col = activitynet_captions.convert(args.annotations, **common)
    elif args.dataset == "nextgqa":
        from videorl.data.prepare import nextgqa
        col = nextgqa.convert(args.csv, args.gsub, map_path=args.map, **common)
    else:
        from videorl.data.prepare import mvbench
        col = mvbench.convert(args.root, subtasks=args.subtasks, **common)
    report = write_outputs(col, out, rep)
    print(report.summary())
    print(f"report: {rep}")
    return 0


def _check_export_videos(args: argparse.Namespace) -> int:
    """Fail fast (exit 2) when more records lack their video file than ``--max-failures`` allows."""
    import sys

    from videorl.predict.guard import FailureBudget, MissingVideos, check_videos
    from videorl.record import read_records

    budget = FailureBudget() if args.strict_videos else FailureBudget.parse(args.max_failures)
    try:
        check_videos([rec for _, rec, _ in read_records(args.records)], args.video_dir, budget=budget)
    except MissingVideos as err:
        print(f"videorl data export: error: {err}", file=sys.stderr)
        return 2
    return 0


def _export(args: argparse.Namespace) -> int:
    if _check_export_videos(args):
        return 2
    kw = {"name": args.name, "style": args.style, "video_dir": args.video_dir, "frames_cache": args.frames_cache,
          "fps": args.fps, "max_pixels": args.max_pixels, "min_pixels": args.min_pixels, "skip_clipped": args.skip_clipped,
          "strict_videos": args.strict_videos, "overlay": args.overlay}
    if args.host == "easyr1":
        from videorl.data.export_easyr1 import export_easyr1
        summary = export_easyr1(args.records, args.out, allow_fps=args.allow_fps, model=args.model, **kw)
        print("\n".join(summary.lines()))
        print("EasyR1 overrides:\n  " + " \\\n  ".join(summary.overrides))
    else:
        from videorl.data.export_llamafactory import export_llamafactory
        summary = export_llamafactory(args.records, args.out, model=args.model, path_videos=args.path_videos, **kw)
        print("\n".join(summary.lines()))
        print("LLaMA-Factory training YAML:\n  " + "\n  ".join(summary.overrides))
    return 0


def _mix(args: argparse.Namespace) -> int:
    from videorl.data.mix import report_path_for, write_mix

    report = write_mix(args.sources, args.out, size=args.size, weights=args.weights, seed=args.seed)
    print(report.summary())
    if report.duplicates:
        d = report.duplicates[0]
        print(f"  {len(report.duplicates)} duplicate ids dropped, e.g. {d['id']} in {d['source']} "
              f"(kept from {d['kept_from']})")
    print(f"wrote {args.out} and {report_path_for(args.out)}")
    return 0
