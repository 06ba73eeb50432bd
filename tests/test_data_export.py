"""Exports: prepare -> EasyR1 parquet/jsonl (read back as EasyR1 reads it) and LLaMA-Factory sharegpt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from videorl.cli import main
from videorl.data.export_easyr1 import export_easyr1
from videorl.data.export_llamafactory import export_llamafactory
from videorl.data.prepare import charades_sta, nextgqa
from videorl.data.prepare.common import write_outputs
from videorl.io import write_jsonl
from videorl.prompts import R1_INSTRUCTION
from videorl.record import RecordError, SampleRecord, load_records
from videorl.target import make_target, parse_target

CHARADES_TXT = "3MSZA 24.3 30.4##person turn a light on.\nAKO6M 12.7 19.9##person opens the door.\n"
DURS = {"3MSZA": {"duration": 30.96}, "AKO6M": {"duration": 18.58}}
NEXT_CSV = ("video_id,frame_count,width,height,question,answer,qid,type,a0,a1,a2,a3,a4\n"
            "100,719,320,240,what did the baby do,lay on floor,8,TN,clap,sit,lay on floor,pick,crawl\n")
GSUB = {"100": {"duration": 30, "fps": 23.976, "location": {"8": [[23.0, 27.7], [1.0, 2.0]]}}}


@pytest.fixture
def records(tmp_path) -> Path:
    """Charades (2 records, one clamped) + NExT-GQA (1 record, 2 spans) prepared into one file."""
    (tmp_path / "c.txt").write_text(CHARADES_TXT)
    (tmp_path / "d.json").write_text(json.dumps(DURS))
    (tmp_path / "q.csv").write_text(NEXT_CSV)
    (tmp_path / "g.json").write_text(json.dumps(GSUB))
    a = charades_sta.convert(tmp_path / "c.txt", tmp_path / "d.json")
    b = nextgqa.convert(tmp_path / "q.csv", tmp_path / "g.json")
    a.records.extend(b.records)
    out = tmp_path / "train.jsonl"
    write_outputs(a, out, tmp_path / "train.report.json")
    vids = tmp_path / "videos"
    vids.mkdir()
    for name in ("3MSZA.mp4", "AKO6M.mp4", "100.mp4"):
        (vids / name).write_bytes(b"x")
    return out


def test_easyr1_round_trip_as_easyr1_loads_it(records, tmp_path):
    datasets = pytest.importorskip("datasets")
    jinja2 = pytest.importorskip("jinja2")
    out = tmp_path / "er1"
    summary = export_easyr1(records, out, style="r1", video_dir=tmp_path / "videos")
    assert summary.written == 3 and not summary.missing_videos
    # EasyR1: load_dataset(<extension>, data_files=...), jsonl mapped to json; default split "train".
    for ext, fname in (("parquet", "train.parquet"), ("json", "train.jsonl")):
        ds = datasets.load_dataset(ext, data_files=str(out / fname), split="train")
        assert set(ds.column_names) == {"prompt", "videos", "answer", "data_source", "id"}  # no "images"
        originals = load_records(records)
        for row, rec in zip(ds, originals, strict=True):
            assert row["prompt"].count("<video>") == 1 and row["prompt"].startswith("<video>\n")
            assert row["videos"] == [str((tmp_path / "videos" / rec.video).resolve())]
            tgt = parse_target(row["answer"])
            assert tgt.to_dict() == make_target(rec)
            assert row["id"] == rec.id
    ds = datasets.load_dataset("parquet", data_files=str(out / "train.parquet"), split="train")
    # Hand-checked targets: clamped Charades span and both NExT-GQA spans survive the trip.
    assert parse_target(ds[1]["answer"]).spans == ((12.7, 18.58),)
    g = parse_target(ds[2]["answer"])
    assert g.task == "grounded_qa" and g.answer == "C" and g.spans == ((23.0, 27.7), (1.0, 2.0)) and g.duration == 30
    assert ds[0]["data_source"] == "charades_sta" and ds[2]["data_source"] == "nextgqa"
    # EasyR1 renders the stripped format_prompt file with one variable, content.
    tmpl = (out / "format_prompt" / "r1.jinja").read_text()
    rendered = jinja2.Template(tmpl.strip()).render(content=ds[0]["prompt"])
    assert rendered.startswith("<video>\nThe video is 31.0 seconds long.") and rendered.endswith(R1_INSTRUCTION)
    assert {p.name for p in (out / "format_prompt").iterdir()} == {"r1.jinja", "direct.jinja", "r1_json.jinja"}
    assert f"data.train_files={(out / 'train.parquet').resolve()}" in summary.overrides
    assert "data.video_key=videos" in summary.overrides


def test_easyr1_rerun_is_identical(records, tmp_path):
    export_easyr1(records, tmp_path / "a", video_dir=tmp_path / "videos")
    first = (tmp_path / "a" / "train.parquet").read_bytes(), (tmp_path / "a" / "train.jsonl").read_bytes()
    export_easyr1(records, tmp_path / "a", video_dir=tmp_path / "videos")
    assert ((tmp_path / "a" / "train.parquet").read_bytes(), (tmp_path / "a" / "train.jsonl").read_bytes()) == first


def _clipped(tmp_path: Path) -> Path:
    rec = SampleRecord(id="mvbench/x/0", video="v.mp4", duration=10.0, task="mcq", query="q?",
                       options=["a", "b"], answer="B", clip=[2.0, 6.0], meta={"dataset": "mvbench"})
    p = tmp_path / "clipped.jsonl"
    write_jsonl(p, [rec])
    (tmp_path / "v.mp4").write_bytes(b"x")
    return p


def test_clipped_record_needs_frames(tmp_path):
    p = _clipped(tmp_path)
    with pytest.raises(RecordError, match="has a clip") as exc:
        export_easyr1(p, tmp_path / "o", video_dir=tmp_path)
    assert exc.value.line == 1 and exc.value.field == "clip"
    s = export_easyr1(p, tmp_path / "o", video_dir=tmp_path, skip_clipped=True)
    assert s.written == 0 and s.skipped_clipped == ["mvbench/x/0"]


def test_frames_from_clip_and_fps_rule(tmp_path):
    """Real frame cache on a real coded video: every exported frame is the one at clip_start + k/fps."""
    datasets = pytest.importorskip("datasets")
    pytest.importorskip("av")
    from PIL import Image

    from videorl.synth import make_video, read_frame_code

    p = _clipped(tmp_path)
    make_video(tmp_path / "v.mp4", duration=10.0, fps=10, size=(320, 240))  # frame i at i / 10 s
    with pytest.raises(ValueError, match="2 fps"):
        export_easyr1(p, tmp_path / "o", video_dir=tmp_path, frames_cache=tmp_path / "fc", fps=1.0)
    s = export_easyr1(p, tmp_path / "o", video_dir=tmp_path, frames_cache=tmp_path / "fc", fps=2.0, max_pixels=4096,
                      min_pixels=3136)
    assert s.written == 1
    row = datasets.load_dataset("parquet", data_files=str(tmp_path / "o" / "clipped.parquet"), split="train")[0]
    # clip [2, 6] at 2 fps: times 2.0, 2.5, ..., 5.5 -> 8 frames, file frames 20, 25, ..., 55 at 10 fps.
    (frames,) = row["videos"]
    assert len(frames) == 8
    codes = [read_frame_code(np.asarray(Image.open(f).convert("RGB"))).index for f in frames]
    assert codes == [20, 25, 30, 35, 40, 45, 50, 55]
    # The prompt states the clip's 4.0 s and the target is clip-relative.
    assert "The video is 4.0 seconds long." in row["prompt"] and parse_target(row["answer"]).duration == 4.0
    # EasyR1 (qwen-vl-utils) snaps listed frames to multiples of 56 within [3136, 4096] pixels: the only
    # such size is 56x56, so that is what the export writes (a 56x28 frame would be stretched to it)
    assert Image.open(frames[0]).size == (56, 56)
    info = json.loads((tmp_path / "o" / "clipped.export.json").read_text())
    assert (info["model"], info["videos"], info["fps"], info["frame_sizes"]) == ("qwen2_5_vl", "frames", 2.0, [[56, 56]])
    s = export_easyr1(p, tmp_path / "o1", video_dir=tmp_path, frames_cache=tmp_path / "fc", fps=1.0, allow_fps=True,
                      max_pixels=4096, min_pixels=3136)
    assert s.written == 1
    assert "data.video_fps=1" in s.overrides  # the frames' own rate, not the 2 fps of a path export


def test_easyr1_frame_sizes_by_hand():
    from videorl.data.export_easyr1 import easyr1_frame_size

    # Qwen2.5-VL: multiples of 56 within 50176 pixels; 16:9 (log 0.575) is nearest 168x280 (5:3, log 0.511), before
    # 112x224 (2:1, log 0.693); a square source gets the largest square, 224x224 = 50176 exactly the maximum
    assert easyr1_frame_size(720, 1280, "qwen2_5_vl", min_pixels=3136, max_pixels=50176) == (168, 280)
    assert easyr1_frame_size(720, 720, "qwen2_5_vl", min_pixels=3136, max_pixels=50176) == (224, 224)
    assert easyr1_frame_size(height=720, width=1280, model="qwen3_vl", min_pixels=3136,
                             max_pixels=50176) == (160, 288)  # the docstring's example


def test_llamafactory_sharegpt_and_dataset_info_merge(records, tmp_path):
    out = tmp_path / "lf"
    out.mkdir()
    (out / "dataset_info.json").write_text(json.dumps({"mllm_video_demo": {"file_name": "mllm_video_demo.json"}}))
    s = export_llamafactory(records=records, out_dir=out, style="r1", video_dir=tmp_path / "videos", path_videos=True)
    assert s.written == 3
    assert json.loads((out / "train.videorl.json").read_text()) == {  # paths: no frames, so no areas or tokens
        "model": "qwen2_5_vl", "fps": 2.0, "path_videos": True, "max_area": 0, "min_area": 0, "max_video_tokens": 0}
    data = json.loads((out / "train.json").read_text())
    info = json.loads((out / "dataset_info.json").read_text())
    assert info["mllm_video_demo"] == {"file_name": "mllm_video_demo.json"}  # kept
    assert info["train"] == {"file_name": "train.json", "formatting": "sharegpt",
                             "columns": {"messages": "messages", "videos": "videos"},
                             "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                                      "assistant_tag": "assistant"}}
    for sample in data:
        assert [m["role"] for m in sample["messages"]] == ["user", "assistant"]
        n_tags = sum(m["content"].count("<video>") for m in sample["messages"])
        assert n_tags == len(sample["videos"]) == 1 and Path(sample["videos"][0]).is_absolute()
    # Hand-written targets (one decimal, model clock): 12.7-18.58 -> "12.7 - 18.6"; NExT-GQA first span.
    think = "<think>I watch the video and locate the relevant part.</think>\n"
    assert data[1]["messages"][1]["content"] == think + "<answer>12.7 - 18.6</answer>"
    assert data[2]["messages"][1]["content"] == think + "<answer>C; 23.0 - 27.7</answer>"
    assert data[0]["messages"][0]["content"].endswith(R1_INSTRUCTION)
    s = export_llamafactory(records, out, name="direct_set", style="direct", video_dir=tmp_path / "videos",
                            path_videos=True)
    d2 = json.loads((out / "direct_set.json").read_text())
    assert d2[0]["messages"][1]["content"] == "24.3 - 30.4"
    assert set(json.loads((out / "dataset_info.json").read_text())) == {"mllm_video_demo", "train", "direct_set"}


def test_video_tag_in_text_is_refused(tmp_path):
    rec = SampleRecord(id="x/0", video="v.mp4", duration=5.0, task="grounding", query="a <video> of a cat",
                       spans=[[1.0, 2.0]])
    p = tmp_path / "r.jsonl"
    write_jsonl(p, [rec])
    with pytest.raises(RecordError, match="second video placeholder"):
        export_llamafactory(p, tmp_path / "o")


def test_cli_export_prints_overrides(records, tmp_path, capsys):
    assert main(["data", "export", "easyr1", str(records), "--out", str(tmp_path / "e"), "--style", "direct",
                 "--video-dir", str(tmp_path / "videos")]) == 0
    out = capsys.readouterr().out
    assert "data.prompt_key=prompt" in out and "format_prompt/direct.jinja" in out
    assert main(["data", "export", "llamafactory", str(records), "--out", str(tmp_path / "l"),
                 "--video-dir", str(tmp_path / "videos"), "--path-videos"]) == 0
    assert "dataset: train" in capsys.readouterr().out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a"}\n')
    assert main(["data", "export", "easyr1", str(bad), "--out", str(tmp_path / "b")]) == 2
    assert f"{bad}:1:" in capsys.readouterr().err and not (tmp_path / "b" / "bad.parquet").exists()


def test_easyr1_export_defaults(tmp_path):
    """A video missing on this machine is listed, not an error, unless strict_videos (paths are exported as
    written; the training machine may hold the videos); the call takes its arguments by keyword."""
    rec = SampleRecord(id="a/0", video="missing.mp4", duration=10.0, task="mcq", query="q?", options=["a", "b"],
                       answer="B", meta={"dataset": "x"})
    write_jsonl(tmp_path / "r.jsonl", [rec])
    s = export_easyr1(records=tmp_path / "r.jsonl", out_dir=tmp_path / "o", video_dir=tmp_path)
    assert s.written == 1 and s.missing_videos == [str(tmp_path / "missing.mp4")]
    with pytest.raises(RecordError, match="video not found"):
        export_easyr1(tmp_path / "r.jsonl", tmp_path / "o2", video_dir=tmp_path, strict_videos=True)


def test_recipe_pixel_bounds_are_the_recipes():
    """The export's default frame budget is the GRPO recipes' data.min_pixels / max_pixels (read from the YAML)."""
    yaml = pytest.importorskip("yaml")
    from videorl.data.export_easyr1 import RECIPE_MAX_PIXELS, RECIPE_MIN_PIXELS

    root = Path(__file__).resolve().parents[1] / "recipes"
    recipes = sorted(root.glob("*_grpo.yaml"))
    assert recipes
    for path in recipes:
        data = yaml.safe_load(path.read_text())["data"]
        assert (data["min_pixels"], data["max_pixels"]) == (RECIPE_MIN_PIXELS, RECIPE_MAX_PIXELS), path.name
    from videorl.data.export_llamafactory import DEFAULT_MAX_PIXELS, DEFAULT_MIN_PIXELS

    assert (DEFAULT_MIN_PIXELS, DEFAULT_MAX_PIXELS) == (RECIPE_MIN_PIXELS, RECIPE_MAX_PIXELS)  # SFT as RL


def test_malformed_dataset_info_is_a_record_error(records, tmp_path):
    out = tmp_path / "lf"
    out.mkdir()
    (out / "dataset_info.json").write_text("{not json")
    with pytest.raises(RecordError, match="existing dataset_info.json is malformed"):
        export_llamafactory(records, out, video_dir=tmp_path / "videos", path_videos=True)


def test_llamafactory_frames_at_1_fps_by_hand(tmp_path):
    """Frame-list exports at 1 fps (not the default 2): clip [2, 6] of a 320x240 video -> frames at 2, 3, 4, 5 s.
    Qwen2.5-VL (factor 28, 50176 pixels): beta = sqrt(76800 / 50176) = 1.23718 -> 193.99 / 28 = 6.93 -> 168,
    258.65 / 28 = 9.24 -> 252; tokens (4 // 2) * 6 * 9 = 108. Qwen3-VL (factor 32): 192 x 256, 2 * 6 * 8 = 96
    tokens; its processor's budget is [4096, 25165824] frame pixels: 4 frames of 32x32 = 4096 pass, 2 do not."""
    pytest.importorskip("av")
    from videorl.data.export_llamafactory import check_fps
    from videorl.synth import make_video

    p = _clipped(tmp_path)
    make_video(tmp_path / "v.mp4", duration=10.0, fps=10, size=(320, 240))
    s = export_llamafactory(p, tmp_path / "lf", video_dir=tmp_path, fps=1.0)
    side = json.loads((tmp_path / "lf" / "clipped.videorl.json").read_text())
    assert side == {"model": "qwen2_5_vl", "fps": 1.0, "path_videos": False, "max_area": 168 * 252,
                    "min_area": 168 * 252, "max_video_tokens": 108}
    assert "video_fps: 1" in s.overrides and f"video_max_pixels: {168 * 252}  # or more" in s.overrides
    assert f"video_min_pixels: {168 * 252}  # or less" in s.overrides
    assert "cutoff_len: more than 108 video tokens + the text" in s.overrides
    (frames,) = json.loads((tmp_path / "lf" / "clipped.json").read_text())[0]["videos"]
    assert len(frames) == 4
    s = export_llamafactory(p, tmp_path / "lfd", video_dir=tmp_path)  # the default: 2 fps, 8 frames, 216 tokens
    side = json.loads((tmp_path / "lfd" / "clipped.videorl.json").read_text())
    assert (side["fps"], side["max_video_tokens"]) == (2.0, 216) and "video_fps: 2" in s.overrides
    export_llamafactory(p, tmp_path / "lf3", video_dir=tmp_path, fps=1.0, model="qwen3_vl")
    side = json.loads((tmp_path / "lf3" / "clipped.videorl.json").read_text())
    assert (side["max_area"], side["max_video_tokens"]) == (192 * 256, 96)
    tiny = {"video_dir": tmp_path, "model": "qwen3_vl", "min_pixels": 1024, "max_pixels": 1024}
    assert export_llamafactory(p, tmp_path / "t4", fps=1.0, **tiny).written == 1  # 4 x 32 x 32 = 4096
    with pytest.raises(RecordError, match="2 frames of 32x32 = 2048 pixels are outside the Qwen3-VL video proc"):
        export_llamafactory(p, tmp_path / "t2", fps=0.5, **tiny)
    # the budget's top: 24 frames of 1024x1024 = 25165824 pass (12 x 32 x 32 = 12288 tokens), 26 frames do not
    from videorl.data.export_common import ExportItem
    from videorl.data.export_llamafactory import _check_frames
    from videorl.video.meta import VideoMeta

    def item(n):
        meta = VideoMeta(native_fps=1.0, total_frames=n, duration=float(n), frame_indices=list(range(n)),
                         timestamps=[float(k) for k in range(n)], sampled_fps=1.0, clip=None, height=1024, width=1024,
                         backend="pyav", vfr=False, path="v.mp4", sampler_version=1)
        return ExportItem(record=None, video=[], size=(1024, 1024), meta=meta)

    assert _check_frames(item(24), "qwen3_vl", "r.jsonl") == 12288
    with pytest.raises(RecordError, match="outside"):
        _check_frames(item(26), "qwen3_vl", "r.jsonl")
    # Qwen2.5-VL's clock needs 2 / fps whole (transformers 4.57 truncates second_per_grid_ts); Qwen3-VL does not
    for fps in (2.0, 1.0, 0.5, 2 / 3):
        check_fps(fps, "qwen2_5_vl")
    for fps in (1.5, 3.0, 0.75):
        with pytest.raises(ValueError, match="truncates"):
            check_fps(fps, "qwen2_5_vl")
    check_fps(1.5, "qwen3_vl")
    for fps in (0.0, -1.0):
        with pytest.raises(ValueError, match="fps must be > 0"):
            check_fps(fps, "qwen3_vl")


def test_llamafactory_export_defaults(tmp_path):
    """As EasyR1's: a clipped record is an error unless skipped on purpose, and a video missing here is listed."""
    p = _clipped(tmp_path)
    with pytest.raises(RecordError, match="has a clip"):
        export_llamafactory(p, tmp_path / "o", video_dir=tmp_path, path_videos=True)
    with pytest.raises(ValueError, match="exclude each other"):
        export_llamafactory(p, tmp_path / "o", video_dir=tmp_path, path_videos=True, frames_cache=tmp_path / "fc")
    rec = SampleRecord(id="a/0", video="missing.mp4", duration=10.0, task="mcq", query="q?", options=["a", "b"],
                       answer="B", meta={"dataset": "x"})
    write_jsonl(tmp_path / "r.jsonl", [rec])
    s = export_llamafactory(tmp_path / "r.jsonl", tmp_path / "o2", video_dir=tmp_path, path_videos=True)
    assert s.written == 1 and s.missing_videos == [str(tmp_path / "missing.mp4")]
