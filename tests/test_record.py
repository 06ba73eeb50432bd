"""The sample record and the reward target: validation errors by file/line/field, clip views, round trips."""

from __future__ import annotations

import json

import pytest

from videorl.record import RecordError, SampleRecord, load_records, read_records
from videorl.target import TargetError, dumps_target, make_target, parse_target

BASE = {"id": "x/0", "video": "v.mp4", "duration": 30.0, "task": "grounding", "query": "a person sits.",
        "spans": [[3.0, 7.0]]}


def rec(**kw):
    return SampleRecord.from_dict({**BASE, **kw})


@pytest.mark.parametrize(("change", "field", "needle"), [
    ({"duration": 0}, "duration", "must be > 0"),
    ({"duration": -1.5}, "duration", "must be > 0"),
    ({"duration": float("nan")}, "duration", "finite"),
    ({"duration": "30"}, "duration", "must be a number"),
    ({"duration": True}, "duration", "must be a number"),
    ({"task": "ranking"}, "task", "must be one of"),
    ({"spans": []}, "spans", "at least one span"),
    ({"spans": [[7.0, 3.0]]}, "spans[0]", "end must be greater than start"),
    ({"spans": [[-1.0, 3.0]]}, "spans[0]", "start must be >= 0"),
    ({"spans": [[3.0, 40.0]]}, "spans[0]", "ends after the duration"),
    ({"spans": [[30.0, 31.0]]}, "spans[0]", "starts at or after the duration"),
    ({"spans": [[1.0]]}, "spans[0]", "must be [start, end]"),
    ({"clip": [10.0, 5.0]}, "clip", "end must be greater"),
    ({"clip": [10.0, 20.0]}, "spans", "lies outside the clip"),  # [3, 7] is before the clip: nothing to find
    ({"clip": [7.0, 20.0]}, "spans", "lies outside the clip"),  # touching at 7.0 is an empty overlap
    ({"query": "  "}, "query", "non-empty query"),
    ({"id": ""}, "id", "non-empty string"),
    ({"schema_version": 2}, "schema_version", "unsupported"),
    ({"span": [[1, 2]]}, "span", "unknown field"),
    ({"task": "mcq", "options": ["x"], "answer": "A"}, "options", "at least 2 options"),
    ({"task": "mcq", "options": ["x", "y"], "answer": "C"}, "answer", "option letters"),
    ({"task": "open_qa", "answer": None}, "answer", "reference text"),
])
def test_validation_names_the_field(change, field, needle):
    with pytest.raises(RecordError) as info:
        rec(**change)
    assert info.value.field == field
    assert needle in str(info.value)
    assert f"field '{field}'" in str(info.value)


def test_span_float_noise_is_clamped():
    # ends past the duration by less than SPAN_TOLERANCE (1 ms): clamped, as ActivityNet's 95.04 vs 95.0399..
    r = rec(duration=95.03999999999999, spans=[[90.0, 95.04]])
    assert r.spans == [[90.0, 95.03999999999999]]


def test_missing_required():
    with pytest.raises(RecordError, match="field 'video': is required"):
        SampleRecord.from_dict({k: v for k, v in BASE.items() if k != "video"})


def test_read_records_reports_file_and_line(tmp_path):
    f = tmp_path / "r.jsonl"
    f.write_text(json.dumps(BASE) + "\n\n" + json.dumps({**BASE, "id": "x/1", "duration": 0}) + "\n")
    with pytest.raises(RecordError) as info:
        load_records(f)
    assert str(info.value) == f"{f}:3: field 'duration': must be > 0 seconds, got 0.0"
    assert (info.value.path, info.value.line, info.value.field) == (str(f), 3, "duration")
    errors: list[RecordError] = []
    got = list(read_records(f, skip_invalid=True, errors=errors))
    assert [n for n, _, _ in got] == [1] and len(errors) == 1 and errors[0].line == 3


def test_bad_json_and_duplicates(tmp_path):
    f = tmp_path / "r.jsonl"
    f.write_text(json.dumps(BASE) + "\n{oops\n")
    with pytest.raises(RecordError, match=r"r\.jsonl:2: malformed JSON"):
        load_records(f)
    f.write_text(json.dumps(BASE) + "\n" + json.dumps(BASE) + "\n")
    with pytest.raises(RecordError, match=r":2: field 'id': duplicate id 'x/0' \(first on line 1\)"):
        load_records(f)
    with pytest.raises(RecordError, match="file not found"):
        load_records(tmp_path / "missing.jsonl")


def test_prediction_fields_allowed_only_when_asked(tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text(json.dumps({**BASE, "prediction": "3 - 7"}) + "\n")
    with pytest.raises(RecordError, match="unknown field"):
        load_records(f)
    assert load_records(f, allow_extra=("prediction",))[0].id == "x/0"


def test_clip_views():
    r = rec(spans=[[2.0, 6.0], [12.0, 15.0], [25.0, 29.0]], clip=[5.0, 20.0])
    assert r.view_offset == 5.0
    assert r.view_duration == 15.0  # 20 - 5
    # [2, 6] cut to [5, 6] -> [0, 1]; [12, 15] -> [7, 10]; [25, 29] lies outside the clip: dropped
    assert r.view_spans() == [[0.0, 1.0], [7.0, 10.0]]
    assert r.to_video_time([7.0, 10.0]) == [12.0, 15.0]
    plain = rec()
    assert (plain.view_offset, plain.view_duration, plain.view_spans()) == (0.0, 30.0, [[3.0, 7.0]])


def test_spans_outside_the_clip_fail_with_file_and_line(tmp_path):
    # export must never meet such a record: the reader names file, line and field
    f = tmp_path / "r.jsonl"
    f.write_text(json.dumps(BASE) + "\n" + json.dumps({**BASE, "id": "x/1", "clip": [20.0, 30.0]}) + "\n")
    with pytest.raises(RecordError) as info:
        load_records(f)
    assert (info.value.line, info.value.field) == (2, "spans")
    assert f"{f}:2" in str(info.value)


def test_record_round_trip():
    r = rec(clip=[1.0, 20.0], meta={"dataset": "charades_sta"})
    assert SampleRecord.from_dict(json.loads(r.to_json())) == r


# ---------------------------------------------------------------------- reward target
def test_target_round_trip_on_the_model_clock():
    r = rec(spans=[[12.0, 15.0]], clip=[10.0, 20.0])
    t = make_target(r)
    assert t == {"v": 1, "id": "x/0", "task": "grounding", "duration": 10.0, "spans": [[2.0, 5.0]],
                 "options": [], "answer": None}
    back = parse_target(dumps_target(r))
    assert (back.task, back.duration, back.spans, back.id) == ("grounding", 10.0, ((2.0, 5.0),), "x/0")
    assert parse_target([dumps_target(r)]) == back  # a 1-element column value
    assert parse_target(dumps_target(r).encode()) == back


def test_target_mcq_and_extra_keys():
    r = SampleRecord.from_dict({**BASE, "task": "mcq", "spans": [], "options": ["a", "b"], "answer": "B"})
    t = parse_target({**make_target(r), "weight": 2})
    assert t.answer == "B" and t.options == ("a", "b") and t.extra == {"weight": 2}


@pytest.mark.parametrize(("obj", "needle"), [
    ("not json", "not videorl target JSON"),
    ("[1, 2]", "must be a JSON object"),
    ({"task": "x", "duration": 1}, "'task'"),
    ({"task": "grounding", "duration": 0, "spans": [[0, 1]]}, "'duration'"),
    ({"task": "grounding", "duration": 5}, "at least one span"),
    ({"task": "grounding", "duration": 5, "spans": [[3, 1]]}, "0 <= start < end"),
    ({"task": "mcq", "duration": 5, "options": ["a", "b"], "answer": "C"}, "option letters"),
])
def test_target_errors(obj, needle):
    with pytest.raises(TargetError, match=needle.replace("[", r"\[")):
        parse_target(obj)
