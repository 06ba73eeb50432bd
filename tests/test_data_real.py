"""Converters on the real annotation files in ../shared/data (counts from its README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from videorl.data.prepare import activitynet_captions, charades_sta, nextgqa

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _need(*parts: str) -> Path:
    p = DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real annotation file {p} is not present (see shared/data/README.md)")
    return p


def test_charades_sta_test():
    col = charades_sta.convert(_need("charades_sta", "charades_sta_test.txt"), _need("charades_sta", "charades.json"))
    rep = col.report
    # README: 3,720 queries over 1,334 videos; 562 end after the duration by up to 1.5 s.
    assert len(col.records) == 3720 and rep.counts["videos"] == 1334 and not rep.rejected
    assert len(rep.clamped) == 562
    assert max(c["before"][1] - c["duration"] for c in rep.clamped) <= 1.5 + 1e-9
    assert all(c["after"][1] == c["duration"] for c in rep.clamped)
    # README example: AKO6M 12.7 19.9 with a duration of 18.58 s.
    ako = [r for r in col.records if r.meta.get("span_original") == [12.7, 19.9] and r.meta["video_id"] == "AKO6M"]
    assert ako and ako[0].spans == [[12.7, 18.58]]
    assert col.records[0].query == "person turn a light on." and col.records[0].spans == [[24.3, 30.4]]


def test_activitynet_val_1():
    col = activitynet_captions.convert(_need("activitynet_captions", "val_1.json"))
    rep = col.report
    # README: 4,917 videos, 17,505 pairs; 134 segment ends past the duration by at most 0.01 s;
    # 293 videos not in start order; 11,638 leading spaces + 1 mid-sentence newline = 11,639 cleaned.
    assert len(col.records) == 17505 and rep.counts["videos"] == 4917 and not rep.rejected
    assert len(rep.clamped) == 134
    assert max(c["before"][1] - c["duration"] for c in rep.clamped) <= 0.01 + 1e-9
    assert rep.counts["videos_not_in_start_order"] == 293
    assert rep.counts["sentences_cleaned"] == 11639 and rep.counts["sentences_with_inner_newline"] == 1
    assert all(r.query == r.query.strip() and "\n" not in r.query for r in col.records)
    assert all(r.id.split("/")[2].startswith("v_") for r in col.records)


def test_nextgqa_test():
    d = ("nextgqa",)
    col = nextgqa.convert(_need(*d, "test.csv"), _need(*d, "gsub_test.json"), map_path=_need(*d, "map_vid_vidorID.json"))
    rep = col.report
    # README: 5,553 questions over 990 videos (csv), 6,600 spans, 591 questions with several spans,
    # one with 16; the ambiguous row is video 3842638015 qid 4 ("happy" = a3 = a4).
    assert len(col.records) == 5553 and rep.counts["videos"] == 990 and not rep.rejected
    assert rep.counts["spans"] == 6600 and rep.counts["questions_with_several_spans"] == 591
    assert max(len(r.spans) for r in col.records) == 16
    assert rep.counts["gsub_questions_without_row"] == 0
    assert [a["id"] for a in rep.ambiguous] == ["nextgqa/test/3842638015_4"]
    amb = next(r for r in col.records if r.id == "nextgqa/test/3842638015_4")
    assert amb.answer == "D" and amb.meta["ambiguous_letters"] == ["D", "E"]
    # The two rows that repeat a wrong option are counted, not flagged.
    assert rep.counts["rows_with_repeated_options"] == 2
    # Measured on this copy (the README says all spans lie in [0, duration]): 36 spans start at
    # -0.1 or -0.2 s and are clamped to 0; none ends after the duration.
    assert len(rep.clamped) == 36 and all(c["before"][0] in (-0.1, -0.2) for c in rep.clamped)
    assert all(c["before"][1] <= c["duration"] for c in rep.clamped)
    first = col.records[0]
    assert first.id == "nextgqa/test/2574374895_8" and first.answer == "C" and first.video.endswith("/2574374895.mp4")
    assert all(s[0] < s[1] for r in col.records for s in r.spans)
    # Spans of one question never overlap.
    for r in col.records:
        sp = sorted(r.spans)
        assert all(a[1] <= b[0] for a, b in zip(sp, sp[1:], strict=False))
