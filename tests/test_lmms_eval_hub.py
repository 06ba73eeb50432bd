"""temporal_grounding_charades_hf: rows of lmms-eval/charades_sta turned into videorl documents.

No network here, so the hub download itself cannot run: the YAML is checked with lmms-eval's loader
(also in test_tasks_conformance.py) and the row -> document conversion runs on hand-made rows in the
dataset's format, with a synthetic video where lmms-eval's download puts Charades.
"""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("lmms_eval")
pytest.importorskip("av")

from videorl.plugins.lmms_eval.glue import doc_to_text, doc_to_visual, process_results  # noqa: E402
from videorl.plugins.lmms_eval.hub import HubCharadesDocs, hub_video_dir, parse_timestamp  # noqa: E402
from videorl.record import RecordError  # noqa: E402
from videorl.tasks import tasks_dir  # noqa: E402

pytestmark = pytest.mark.lmms_eval

ROWS = [
    {"video": "AAA01.mp4", "caption": "person opens the door.", "timestamp": [2.0, 4.0]},
    {"video": "AAA01", "caption": " person sits down. ", "timestamp": [3.0, 12.5]},  # ends after 10 s
    {"video": "GONE9.mp4", "caption": "person drinks.", "timestamp": [1.0, 3.0]},
]


@pytest.fixture
def hf_home(tmp_path, monkeypatch):
    from videorl.synth import make_video

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    # 10 s at 4 fps = 40 frames -> probed duration 40 / 4 = 10.0 s
    make_video(tmp_path / "hf" / "charades_sta" / "Charades_v1_480" / "AAA01.mp4", duration=10.0, fps=4,
               size=(64, 48))
    return tmp_path / "hf"


def test_config_loads_with_lmms_eval():
    from lmms_eval.utils import load_yaml_config

    for name, style in (("temporal_grounding_charades_hf", "direct"), ("temporal_grounding_charades_hf_r1", "r1")):
        cfg = load_yaml_config(str(tasks_dir() / "charades_sta" / f"{name}.yaml"), mode="full")
        assert cfg["task"] == name and cfg["dataset_path"] == "lmms-eval/charades_sta"
        assert cfg["dataset_kwargs"]["video"] is True and cfg["dataset_kwargs"]["cache_dir"] == "charades_sta"
        assert isinstance(cfg["process_docs"], HubCharadesDocs) and cfg["process_results"] is process_results
        assert cfg["lmms_eval_specific_kwargs"]["default"]["style"] == style
        assert [m["metric"] for m in cfg["metric_list"]] == ["R1@0.3", "R1@0.5", "R1@0.7", "mIoU", "parse_fail"]


def test_video_dir_follows_hf_home(hf_home):
    assert hub_video_dir() == hf_home / "charades_sta" / "Charades_v1_480"


def test_rows_become_documents(hf_home, caplog):
    import datasets

    caplog.set_level(logging.WARNING)
    docs = list(HubCharadesDocs("test")(datasets.Dataset.from_list(ROWS)))
    video = hf_home / "charades_sta" / "Charades_v1_480" / "AAA01.mp4"
    assert [d["id"] for d in docs] == ["charades_sta/hf_test/0", "charades_sta/hf_test/1", "charades_sta/hf_test/2"]
    assert docs[0]["video"] == docs[1]["video"] == str(video)  # "AAA01" gets .mp4
    # the prompt states the probed duration, exactly as temporal_grounding_charades does
    assert doc_to_text(docs[0], {"style": "direct"}).startswith(
        'The video is 10.0 seconds long. Find the moment in the video described by: "person opens the door."')
    assert doc_to_visual(docs[0]) == [str(video)]
    # [2, 4] vs [2, 4]: IoU 1 -> every threshold hit, mIoU 100
    assert process_results(docs[0], ["2.0 - 4.0"]) == {"R1@0.3": 100.0, "R1@0.5": 100.0, "R1@0.7": 100.0,
                                                       "mIoU": 100.0, "parse_fail": 0.0}
    # row 1: [3, 12.5] cut to the 10 s video; [3, 10] vs [2, 4]: inter 1, union 8 -> IoU 12.5
    assert process_results(docs[1], ["2.0 - 4.0"])["mIoU"] == pytest.approx(12.5)
    assert '"span_original": [3.0, 12.5]' in docs[1]["record"]
    # row 2: no video -> duration max(3, 1) = 3, flagged, warned; the backend fails it at generation time
    assert '"video_missing": true' in docs[2]["record"] and '"duration": 3.0' in docs[2]["record"]
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "GONE9.mp4" in text and "1 of 3 Charades-STA samples have no readable video" in text
    assert "1 Charades-STA spans end after their video" in text


def test_missing_video_fails_the_sample_not_the_run(hf_home):
    import datasets

    from videorl.plugins.lmms_eval.oracle import VideorlOracle

    docs = HubCharadesDocs("test")(datasets.Dataset.from_list(ROWS[2:]))
    oracle = VideorlOracle()
    oracle.task_dict = {"t": {"test": docs}}

    class Req:
        args = ("ctx", {}, doc_to_visual, 0, "t", "test")

    assert oracle.generate_until([Req()]) == [""]  # empty answer: parse_fail 100, kept in the mean
    assert process_results(docs[0], [""])["parse_fail"] == 100


@pytest.mark.parametrize(("value", "span"), [([1, 2.5], [1.0, 2.5]), ("[1.0, 2.5]", [1.0, 2.5]),
                                             ("(0, 3)", [0.0, 3.0]), ([[4, 5]], [4.0, 5.0])])
def test_parse_timestamp(value, span):
    assert parse_timestamp(value, "row") == span


@pytest.mark.parametrize("value", ["soon", [3, 1], [1], None, "[1, 2, 3]", [-1, 2]])
def test_bad_timestamps_name_row_and_field(value):
    with pytest.raises(RecordError, match=r"lmms-eval/charades_sta\[test\]\[0\].*timestamp"):
        HubCharadesDocs("test", video_dir="/nonexistent").record(0, {"video": "a.mp4", "caption": "x",
                                                                     "timestamp": value}, hub_video_dir())


def test_span_after_the_video_stops_with_row_and_field(hf_home):
    docs = HubCharadesDocs("test")
    with pytest.raises(RecordError, match=r"\[test\]\[7\].*timestamp.*duration"):
        docs.record(7, {"video": "AAA01.mp4", "caption": "x", "timestamp": [11.0, 12.0]}, hub_video_dir())
