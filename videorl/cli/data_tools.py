"""``videorl data`` tools of the reference methods (added to ``videorl data`` by :mod:`videorl.cli.data`)::

    videorl data overlay RECORDS.jsonl --frames-cache CACHE --spec absolute --out FRAMES.jsonl
    videorl data darkevent RECORDS.jsonl --video-dir VIDEOS --out DIR [--seed 0] [--limit-videos 20]
    videorl data mixvidqa RECORDS.jsonl --video-dir VIDEOS --out DIR [--seed 0] [--chunk 1.5 2.0]
    videorl data relevant-frames RECORDS.jsonl --video-dir VIDEOS --out OUT.jsonl [--fps 1 --max-frames 64 | --nframes 32]
    videorl data import video-r2|versavid|video-r1|lwt235 FILE --out RECORDS.jsonl [--video-dir VIDEOS]
    videorl data export-format video-r2|versavid|video-r1|lwt235 RECORDS.jsonl --out FILE [--without-relevant-frames]
    videorl data select PREDICTIONS.jsonl... --out SELECTED.jsonl (--tau 0.01 | --top-fraction 0.3)

Every output is written atomically; synthesised videos are reused on a re-run (resume).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from videorl.data.importers import FORMATS

COMMANDS = ("overlay", "darkevent", "mixvidqa", "relevant-frames", "import", "export-format", "select")


def _common(sp: argparse.ArgumentParser, *, videos: bool = True, limit: bool = True) -> None:
    if videos:
        sp.add_argument("--video-dir", default=None,
                        help="folder that relative video paths are joined to (default $VIDEORL_VIDEO_DIR)")
    if limit:
        sp.add_argument("--limit-videos", type=int, default=None, metavar="N",
                        help="only the records of the first N distinct videos (file order)")
    sp.add_argument("--skip-invalid", action="store_true",
                    help="skip bad items/videos and list them in the report (default: stop with file:line)")


def add_parsers(sub: Any) -> None:
    ov = sub.add_parser("overlay", help="timestamp/subtitle overlay (Video-R2) on sampled frames -> JPEG frame lists")
    ov.add_argument("records", help="sample records JSONL")
    ov.add_argument("--frames-cache", required=True, help="frame cache folder (frames are stored under overlay/)")
    ov.add_argument("--spec", default="absolute",
                    help="absolute | relative, and/or subtitles:PATH, joined with '+' (default absolute)")
    ov.add_argument("--fps", type=float, default=2.0, help="sampling rate (default 2)")
    ov.add_argument("--max-pixels", type=int, default=None, help="resize frames to at most this area")
    ov.add_argument("--min-pixels", type=int, default=None, help="and at least this area")
    ov.add_argument("--out", required=True, help="JSONL: id, frames (paths), times (video seconds)")
    _common(ov)

    de = sub.add_parser("darkevent", help="DarkEventInfer: black out a grounding span; open_qa records")
    mx = sub.add_parser("mixvidqa", help="MixVidQA: interleave two clips in 1.5-2 s chunks; a question about one")
    for sp in (de, mx):
        sp.add_argument("records", help="sample records JSONL (grounding records for darkevent)")
        sp.add_argument("--out", required=True, help="output folder: <tool>.jsonl, <tool>.report.json, videos/")
        sp.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        sp.add_argument("--crf", type=int, default=18, help="x264 quality (default 18)")
        sp.add_argument("--preset", default="veryfast", help="x264 preset (default veryfast)")
        _common(sp)
    mx.add_argument("--chunk", nargs=2, type=float, default=(1.5, 2.0), metavar=("MIN", "MAX"),
                    help="chunk length range in seconds (default 1.5 2.0)")

    rf = sub.add_parser("relevant-frames", help="Video-MTR relevant_sample_frames: indices into the environment's "
                                               "frame pool, plus Video-MTR's own linspace indices")
    rf.add_argument("records", help="sample records JSONL (records with spans)")
    rf.add_argument("--out", required=True, help="output JSONL (records with meta.relevant_sample_frames)")
    rf.add_argument("--fps", type=float, default=None, help="pool rate, MTRConfig.fps (default 1)")
    rf.add_argument("--max-frames", type=int, default=None,
                    help="pool cap for long videos, MTRConfig.max_video_frames (default 64, even)")
    rf.add_argument("--nframes", type=int, default=None,
                    help="instead of the env's pool: a fixed count with the sampler's even rule (the env refuses it)")
    _common(rf)

    im = sub.add_parser("import", help="a reference method's data file -> sample records + report")
    im.add_argument("format", choices=sorted(FORMATS), help="the file's format")
    im.add_argument("file", help="the method's JSON / JSONL file")
    im.add_argument("--out", required=True, help="output records JSONL (a .report.json is written beside it)")
    im.add_argument("--split", default="train", help="split name used in ids (default train)")
    _common(im, limit=False)

    ex = sub.add_parser("export-format", help="sample records -> a reference method's own data format")
    ex.add_argument("format", choices=sorted(FORMATS), help="the output format")
    ex.add_argument("records", help="sample records JSONL")
    ex.add_argument("--out", required=True, help="output file (.json: a JSON array; else JSONL)")
    ex.add_argument("--without-relevant-frames", action="store_true",
                    help="video-r1: write items without relevant_sample_frames when a record has none "
                         "(Video-R1 does not read them; Video-MTR's frame reward is then 0)")

    se = sub.add_parser("select", help="Temporal-R1 variance-aware selection from K predictions per sample")
    se.add_argument("predictions", nargs="+",
                    help="predictions JSONL (K lines per id, `videorl score` format) or lmms-eval sample logs")
    se.add_argument("--out", required=True, help="selected records JSONL (report and plot written beside it)")
    rule = se.add_mutually_exclusive_group(required=True)
    rule.add_argument("--tau", type=float, help="keep samples whose reward variance is above this")
    rule.add_argument("--top-fraction", type=float, help="keep this fraction with the highest variance")
    se.add_argument("--reward", default="default",
                    help="the training reward: a preset name (videorl rewards list) or a composite spec file")
    se.add_argument("--solved", type=float, default=1.0, help="a try with reward >= this counts as solved (1.0)")
    se.add_argument("--unsolved", type=float, default=0.0, help="a try with reward <= this counts as failed (0.0)")
    se.add_argument("--report", default=None, help="report JSON (default <out>.report.json)")
    se.add_argument("--plot", default=None, help="histogram PNG (default <out>.variance.png)")


def run(args: argparse.Namespace) -> int:
    return {"overlay": _overlay, "darkevent": _synth, "mixvidqa": _synth, "relevant-frames": _relevant,
            "import": _import, "export-format": _export_format, "select": _select}[args.data_command](args)


def _overlay(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from videorl.data.darkevent import first_videos
    from videorl.data.overlay import OverlaySpec, overlay_frame_paths
    from videorl.io import write_jsonl
    from videorl.record import RecordError, resolve_video
    from videorl.video import FrameCache, VideoError

    spec = OverlaySpec.parse(args.spec)
    if spec is None:
        raise ValueError("--spec must name a clock and/or subtitles")
    cache = FrameCache(args.frames_cache)
    rows, skipped = [], []
    for line, rec in tqdm(first_videos(args.records, args.limit_videos), desc="overlay", unit="rec", disable=None):
        try:
            files, meta = overlay_frame_paths(cache, resolve_video(rec, args.video_dir), spec, relative=rec.video,
                                              fps=args.fps, max_pixels=args.max_pixels, min_pixels=args.min_pixels,
                                              clip=rec.clip)
        except VideoError as err:
            if not args.skip_invalid:
                raise RecordError(str(err), path=args.records, line=line, field="video") from None
            skipped.append(f"{args.records}:{line}: {err}")
            continue
        rows.append({"id": rec.id, "frames": [str(f.resolve()) for f in files], "times": meta.timestamps,
                     "overlay": str(spec)})
    write_jsonl(args.out, rows)
    print(f"{len(rows)} frame lists with overlay {spec} written to {args.out}" +
          (f"; {len(skipped)} skipped, e.g. {skipped[0]}" if skipped else ""))
    return 0


def _synth(args: argparse.Namespace) -> int:
    from videorl.io import write_json, write_jsonl

    if args.data_command == "darkevent":
        from videorl.data.darkevent import synthesize
        kw: dict[str, Any] = {}
    else:
        from videorl.data.mixvidqa import synthesize
        kw = {"min_len": args.chunk[0], "max_len": args.chunk[1]}
    out = Path(args.out)
    records, report = synthesize(args.records, out, video_dir=args.video_dir, seed=args.seed,
                                 limit_videos=args.limit_videos, skip_invalid=args.skip_invalid, crf=args.crf,
                                 preset=args.preset, **kw)
    write_jsonl(out / f"{args.data_command}.jsonl", records)
    write_json(out / f"{args.data_command}.report.json", report.to_dict())
    print(report.summary())
    print(f"wrote {out / (args.data_command + '.jsonl')} (videos in {out / 'videos'}; relative to that folder)")
    return 0


def _relevant(args: argparse.Namespace) -> int:
    from videorl.data.relevant_frames import annotate_file
    from videorl.io import write_json, write_jsonl

    if args.nframes is not None and (args.fps is not None or args.max_frames is not None):
        raise SystemExit("videorl data relevant-frames: --nframes excludes --fps and --max-frames")
    records, report = annotate_file(args.records, video_dir=args.video_dir, fps=args.fps, nframes=args.nframes,
                                    max_frames=args.max_frames, limit_videos=args.limit_videos,
                                    skip_invalid=args.skip_invalid)
    out = Path(args.out)
    write_jsonl(out, records)
    write_json(out.with_name(out.name.removesuffix(".jsonl") + ".report.json"), report)
    print(f"{report['written']} records annotated ({report['no_relevant_frame']} with no sampled frame inside "
          f"their span), {len(report['skipped'])} skipped; wrote {out}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from videorl.data.importers import module
    from videorl.data.prepare.common import write_outputs

    col = module(args.format).convert(args.file, split=args.split, video_dir=args.video_dir,
                                      skip_invalid=args.skip_invalid)
    out = Path(args.out)
    rep = out.with_name(out.name.removesuffix(".jsonl") + ".report.json")
    print(write_outputs(col, out, rep).summary())
    print(f"report: {rep}")
    return 0


def _export_format(args: argparse.Namespace) -> int:
    from videorl.data.importers import module
    from videorl.io import write_json, write_jsonl
    from videorl.record import RecordError, read_records

    mod = module(args.format)
    kw = {"require_relevant_frames": not args.without_relevant_frames} if args.format == "video-r1" else {}
    items = []
    for line, rec, _ in read_records(args.records):
        try:
            items.append(mod.export_item(rec, **kw))
        except RecordError as err:
            raise err.at(args.records, line) from None
    if args.format == "video-r1":
        items = mod.consistent_ids(items)
    if str(args.out).endswith(".json"):
        write_json(args.out, items)
    else:
        write_jsonl(args.out, items)
    print(f"{len(items)} items written to {args.out} ({args.format})")
    return 0


def _select(args: argparse.Namespace) -> int:
    from videorl.data.select import run_selection

    rep = run_selection(args.predictions, args.out, reward=args.reward, tau=args.tau, top_fraction=args.top_fraction,
                        solved=args.solved, unsolved=args.unsolved, report_path=args.report, plot_path=args.plot)
    print(f"{rep['selected']} of {rep['samples']} samples kept (variance cut {rep['cut']:.4g}, tries per sample "
          f"{rep['tries_per_sample']}); always solved {rep['always_solved']}, never solved {rep['never_solved']}")
    print(json.dumps({"selected": rep["output"], "report": rep["report"], "plot": rep["plot"]}))
    return 0
