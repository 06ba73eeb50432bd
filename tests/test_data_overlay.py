"""Timestamp / subtitle overlay: the stamp names each frame's true time (read back via frame codes),
and every frame producer (EasyR1 and LLaMA-Factory frame-list exports, videorl_qwen) draws the same pixels."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

pytest.importorskip("av")
pytest.importorskip("PIL")

from videorl.data.overlay import (  # noqa: E402
    OverlaySpec,
    SubtitleTrack,
    apply_overlay,
    draw_timestamp,
    format_hhmmss,
    parse_srt,
    stamp_colour,
    stamp_metrics,
)
from videorl.record import RecordError, SampleRecord  # noqa: E402
from videorl.synth import make_video, read_frame_code  # noqa: E402
from videorl.video import sample_frames  # noqa: E402

SRT = """1
00:00:00,500 --> 00:00:01,500
<i>Hello</i> there

2
00:00:02,000 --> 00:00:03,250
<b>second</b> cue
on two lines
"""


@pytest.fixture(scope="module")
def vids(tmp_path_factory):
    d = tmp_path_factory.mktemp("ov")
    # 10 fps, 4.2 s: whole seconds fall between sampled frames at 2 fps, so truncation matters
    return d, make_video(d / "v.mp4", duration=4.2, fps=10, size=(160, 120))


def read_stamp(raw: np.ndarray, stamped: np.ndarray, max_seconds: int) -> str:
    """Which HH:MM:SS text was drawn: the unique candidate whose drawing reproduces the stamped frame."""
    hits = [c for c in (format_hhmmss(s) for s in range(max_seconds + 1))
            if np.array_equal(draw_timestamp(raw, c), stamped)]
    assert len(hits) == 1, hits
    return hits[0]


@pytest.mark.parametrize("clock,clip", [("absolute", None), ("absolute", [1.3, 4.0]), ("relative", [1.3, 4.0])])
def test_stamp_is_the_frame_code_time(vids, clock, clip):
    _, v = vids
    raw, meta = sample_frames(v.path, fps=2.0, clip=clip)
    out = apply_overlay(raw, meta, clock)
    assert not np.array_equal(out, raw)
    for k in range(len(raw)):
        idx = read_frame_code(raw[k]).index  # the truth, from the pixels the sampler returned
        true_t = v.times[idx]  # = idx / 10
        first = v.times[read_frame_code(raw[0]).index]
        expect = true_t if clock == "absolute" else true_t - first
        # e.g. clip [1.3, 4.0]: targets 1.3, 1.8, ... -> frames 13, 18, 23 -> absolute 00:00:01, 00:00:01,
        # 00:00:02; relative (from 1.3 s): 0.0, 0.5, 1.0 -> 00:00:00, 00:00:00, 00:00:01
        assert read_stamp(raw[k], out[k], 5) == format_hhmmss(expect)
        # only the top-left corner changed
        changed = np.nonzero((out[k] != raw[k]).any(-1))
        size, margin, _ = stamp_metrics(*raw.shape[1:3])
        assert changed[0].max() < margin + 2 * size and changed[1].max() < raw.shape[2] // 2


def test_hhmmss_truncates_and_absorbs_float_noise():
    assert format_hhmmss(0) == "00:00:00"
    assert format_hhmmss(59.999) == "00:00:59"
    assert format_hhmmss(2.9999999999) == "00:00:03"  # 3 - 1e-10: noise from t - origin
    assert format_hhmmss(3723.5) == "01:02:03"


def test_layout_rules():
    # 5 % of min side, clamped to [16, 72]; margin max(5, size // 4); stroke max(1, size // 12)
    assert stamp_metrics(120, 160) == (16, 5, 1)
    assert stamp_metrics(720, 1280) == (36, 9, 3)
    assert stamp_metrics(4000, 4000) == (72, 18, 6)
    dark = np.zeros((50, 50, 3), np.uint8)
    grey = np.full((50, 50, 3), 200, np.uint8)
    red = np.zeros((50, 50, 3), np.uint8)
    red[..., 0] = 200
    assert stamp_colour(dark) == (255, 255, 255)
    assert stamp_colour(red) == (255, 255, 255)
    assert stamp_colour(grey) == (255, 0, 0)


def test_srt_parse_tags_and_lookup(tmp_path):
    p = tmp_path / "a.srt"
    p.write_text(SRT, encoding="utf-8")
    cues = parse_srt(p)
    assert [(c.start, c.end, c.text) for c in cues] == [(0.5, 1.5, "Hello there"), (2.0, 3.25, "second cue\non two lines")]
    tr = SubtitleTrack(cues)
    hint = 0
    got = []
    for t in (0.0, 0.46, 1.0, 1.54, 1.56, 2.5, 3.29, 3.31, 9.0):
        text, hint = tr.at(t, hint)
        got.append(text)
    # 50 ms tolerance on both ends
    assert got == [None, "Hello there", "Hello there", "Hello there", None, "second cue\non two lines",
                   "second cue\non two lines", None, None]
    assert tr.at(0.6, hint)[0] == "Hello there"  # going back in time still works
    many = SubtitleTrack([type(cues[0])(float(k), k + 0.5, f"c{k}") for k in range(10)])
    assert many.at(2.2, 8) == ("c2", 2) and many.at(8.2, 2) == ("c8", 8) and many.at(8.7, 8) == (None, 8)
    bad = tmp_path / "bad.srt"
    bad.write_text("1\n00:00:01 --> 00:00:02\nx\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"bad.srt:2: malformed cue timing"):
        parse_srt(bad)


def test_subtitles_drawn_at_video_time(vids, tmp_path):
    d, v = vids
    (d / "subs").mkdir(exist_ok=True)
    (d / "subs" / "v.srt").write_text(SRT, encoding="utf-8")
    spec = OverlaySpec.parse(f"subtitles:{d / 'subs'}")
    assert spec.clock is None and spec.subtitle_file(v.path, "v.mp4") == d / "subs" / "v.srt"
    raw, meta = sample_frames(v.path, fps=2.0)
    out = apply_overlay(raw, meta, spec, subtitle_file=spec.subtitle_file(v.path, "v.mp4"))
    h = raw.shape[1]
    for k in range(len(raw)):
        t = v.times[read_frame_code(raw[k]).index]
        shown = 0.45 <= t < 1.55 or 1.95 <= t < 3.3
        bottom_changed = bool((out[k, h // 2:] != raw[k, h // 2:]).any())
        assert bottom_changed == shown, (k, t)
        assert np.array_equal(out[k, : h // 4], raw[k, : h // 4])  # the top is untouched (no stamp)


def test_spec_parse_errors():
    assert OverlaySpec.parse("none") is None and OverlaySpec.parse(None) is None
    assert str(OverlaySpec.parse("relative+subtitles:/x")) == "relative+subtitles:/x"
    with pytest.raises(ValueError, match="not 'absolute'"):
        OverlaySpec.parse("abs")


def test_every_producer_draws_the_same_pixels(vids, tmp_path):
    """EasyR1 and LLaMA-Factory frame lists hold exactly the JPEG encoding of apply_overlay(sampler
    frames), and videorl_qwen's frames() returns apply_overlay(sampler frames) itself."""
    from PIL import Image

    from videorl.data.export_easyr1 import export_easyr1
    from videorl.data.export_llamafactory import export_llamafactory
    from videorl.io import write_jsonl

    d, v = vids
    rec = SampleRecord(id="ov/0", video="v.mp4", duration=v.duration, task="grounding", query="the thing",
                       spans=[[1.0, 2.0]], clip=[1.0, 4.0])
    recs = tmp_path / "r.jsonl"
    write_jsonl(recs, [rec])
    px = {"min_pixels": 56 * 56, "max_pixels": 448 * 252}  # videorl_qwen's defaults
    raw, meta = sample_frames(v.path, fps=2.0, clip=[1.0, 4.0], **px)
    want = apply_overlay(raw, meta, "relative")
    cache = tmp_path / "cache"
    export_easyr1(recs, tmp_path / "e", video_dir=d, frames_cache=cache, overlay="relative", **px)
    export_llamafactory(recs, tmp_path / "l", video_dir=d, frames_cache=cache, overlay="relative", **px)
    e_rows = [json.loads(x) for x in (tmp_path / "e" / "r.jsonl").read_text().splitlines()]
    lf = json.loads((tmp_path / "l" / "r.json").read_text())
    e_frames, l_frames = e_rows[0]["videos"][0], lf[0]["videos"][0]
    # LLaMA-Factory gets the sampler's size; EasyR1 its own host-safe size (docs/clock.md): each export
    # holds the overlay drawn on the frames it exports, pixel for pixel
    h, w = np.asarray(Image.open(e_frames[0])).shape[:2]
    raw_e, meta_e = sample_frames(v.path, fps=2.0, clip=[1.0, 4.0], size=(h, w), **px)
    for frames, expected in ((l_frames, want), (e_frames, apply_overlay(raw_e, meta_e, "relative"))):
        assert len(frames) == len(expected)
        for k, f in enumerate(frames):
            ref = tmp_path / "ref.jpg"
            Image.fromarray(expected[k]).save(ref, quality=90)
            assert np.array_equal(np.asarray(Image.open(f)), np.asarray(Image.open(ref)))
    # a re-run reuses the entry; a different clock gets a different one
    export_easyr1(recs, tmp_path / "e2", video_dir=d, frames_cache=cache, overlay="absolute", **px)
    e2 = json.loads((tmp_path / "e2" / "r.jsonl").read_text().splitlines()[0])["videos"][0]
    assert e2 != e_frames
    with pytest.raises(ValueError, match="frame cache"):
        export_easyr1(recs, tmp_path / "e3", video_dir=d, overlay="absolute")

    pytest.importorskip("torch")
    pytest.importorskip("lmms_eval")
    from videorl.plugins.lmms_eval.base import VideoInput
    from videorl.plugins.lmms_eval.qwen import VideorlQwen
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    model_dir = build_tiny_qwen2_5_vl(tmp_path / "tiny")
    lm = VideorlQwen(pretrained=str(model_dir), fps=2.0, overlay="relative")
    frames, m2 = lm.frames(VideoInput(str(v.path), [1.0, 4.0], rec))
    assert m2.frame_indices == meta.frame_indices
    assert math.isclose(m2.timestamps[0], 1.0)
    assert np.array_equal(frames, want)
