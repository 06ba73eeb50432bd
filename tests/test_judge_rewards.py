"""Video-R2 TAR/gate and VersaVid-R1 judge rewards against the loopback judge server, with a tiny
bag-of-words sentence embedder built here (cosines known by hand; see videorl.testing.tiny_embedder).
Worked vectors: methods.md §9 (TAR 1/2; 00:34 vs 00:30 matches; the caption 0.8)."""

from __future__ import annotations

import ast
import importlib.util
import json
import logging
import math

import pytest

if importlib.util.find_spec("openai") is None or importlib.util.find_spec("sentence_transformers") is None:
    pytest.skip("the judge extra (openai, sentence-transformers) is not installed", allow_module_level=True)

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from videorl.judge.policy import JudgeError  # noqa: E402
from videorl.rewards import get  # noqa: E402
from videorl.rewards.faithful.video_r2_tar import sanitize  # noqa: E402
from videorl.target import Target, TargetError  # noqa: E402
from videorl.testing.judge_server import JudgeServer  # noqa: E402
from videorl.testing.tiny_embedder import build_tiny_embedder  # noqa: E402

GT_TG = {"00:10-00:15": "man opens the door.", "00:30": "dog jumps."}
# what the judge "extracts" from each think text (keyed by a marker in the think)
EXTRACT = {
    "[vec]": {"00:12": "A man opens a door.", "01:00": "Cat sleeps."},  # §9: 1 of 2 claims match -> 1/2
    "[one]": {"00:12": "A man opens a door."},
    "[p34]": {"00:34": "Dog jumps."},  # |34 - 30| = 4 = 2b: matches
    "[p35]": {"00:35": "Dog jumps."},  # 5 > 2b: no match
    "[closes]": {"00:12": "Man closes the door."},  # cosine 2/3 < 0.75
    "[cat]": {"01:00": "Cat sleeps."},
}


def judge_reply(messages):
    text = messages[-1]["content"]
    if "QUESTION:" in text:  # the consistency gate
        return "FALSE\nThe answer contradicts the reasoning." if "ANSWER:\nB" in text else "TRUE\nThey agree."
    for marker, obj in EXTRACT.items():
        if marker in text:
            return json.dumps(obj)
    return "{}"


@pytest.fixture(scope="module")
def embedder(tmp_path_factory):
    words = "man opens door dog jumps cat sleeps closes".split()
    return str(build_tiny_embedder(tmp_path_factory.mktemp("emb") / "bow", words))


@pytest.fixture()
def server():
    with JudgeServer(default=judge_reply) as srv:
        yield srv


def tar(srv, embedder, **kw):
    judge = {"base_url": srv.base_url, "model": "judge", "backoff": 0.01, "max_retries": 2,
             **kw.pop("judge", {})}
    return get("video_r2_tar", judge=judge, embedder=embedder, embedder_device="cpu", **kw)


T = Target(task="mcq", duration=90.0, options=("yes", "no"), answer="A", id="s1",
           extra={"temporal_grounding": GT_TG, "question": "Does the man open the door?"})


def resp(marker: str, answer: str = "A") -> str:
    return f"<think>{marker} I watch the video.</think><answer>{answer}</answer>"


@pytest.mark.parametrize("marker,faithful,fixed", [
    ("[vec]", 0.5, 0.5),  # P = 1/2; R = 1/2 -> F1 1/2
    ("[one]", 1.0, 2 / 3),  # P = 1, R = 1/2 -> F1 = 2·1·0.5/1.5 = 2/3: one safe claim no longer scores 1
    ("[p34]", 1.0, 2 / 3),
    ("[p35]", 0.0, 0.0),
    ("[closes]", 0.0, 0.0),
])
def test_tar_worked_vectors(server, embedder, marker, faithful, fixed):
    f, x = tar(server, embedder, faithful=True), tar(server, embedder)
    rf, rx = f(resp(marker), T), x(resp(marker), T)
    assert rf.score == pytest.approx(faithful) and rx.score == pytest.approx(fixed)
    assert rf.components["gate"] == (1.0 if faithful else 0.0) or rf.components["gate"] == 1.0
    if marker == "[vec]":
        assert rf.components == pytest.approx({"tar": 0.5, "gate": 1.0, "tar_precision": 0.5, "tar_recall": 0.5})


def test_tar_threshold_gate_and_call_counts(server, embedder):
    assert tar(server, embedder, similarity_threshold=0.6)(resp("[closes]"), T).score == 1.0 * 2 / 3  # 2/3 ≥ 0.6
    assert tar(server, embedder)(resp("[vec]", answer="B"), T).score == 0.0  # gate FALSE
    n = server.received
    tar(server, embedder)(resp("[cat]"), T)  # fixed: TAR 0 -> no gate call
    assert server.received - n == 1
    tar(server, embedder, faithful=True)(resp("[cat]"), T)  # faithful: the gate call is made anyway
    assert server.received - n == 3
    tar(server, embedder)("<answer>A</answer>", T)  # fixed: no think, no call
    assert server.received - n == 3
    assert tar(server, embedder, faithful=True)("<answer>A</answer>", T).score == 0.0
    assert server.received - n == 5
    with pytest.raises(TargetError, match="temporal_grounding"):
        tar(server, embedder)(resp("[vec]"), Target(task="mcq", duration=9, options=("a", "b"), answer="A"))


@pytest.mark.parametrize("key,out", [
    ("0:12", "00:12"), ("00:10 to 00:15", "00:10-00:15"), ("1:02:03", "01:02:03"), ("00:20-end", None),
    ("00:15-00:10", "00:10-00:15"), ("12.6", "00:13"), ("3700", "01:01:40"), ("00:10–00:12", "00:10-00:12"),
    ("garbage", None), ("00:10-00:10", "00:10"), ("00:05+", "00:05"), ("1-2-3", None), ("00:10-EOF", None),
])
def test_key_sanitisation(key, out):
    assert sanitize({key: "x"}) == ({} if out is None else {out: "x"})


def test_video_r2_preset_through_the_easyr1_adapter_runs_calls_concurrently(embedder):
    from videorl.plugins.easyr1.reward import compute_score

    with JudgeServer(default=judge_reply, latency=0.05) as srv:
        judge = {"base_url": srv.base_url, "model": "judge"}
        gt = json.dumps(T.to_dict())
        batch = [{"response": resp("[vec]"), "response_length": 9, "ground_truth": gt}] * 8 + \
                [{"response": resp("[one]", "B"), "response_length": 9, "ground_truth": gt}] * 8
        out = compute_score(batch, preset="video_r2", judge=judge, embedder=embedder)
        # [vec]: accuracy 1 + format 1 + gate 1 · F1 0.5; [one] answered B: accuracy 0 + format 1 + gate 0
        assert [r["overall"] for r in out] == [2.5] * 8 + [1.0] * 8
        assert set(out[0]) == {"overall", "accuracy", "format", "tar", "gate", "tar_precision", "tar_recall"}
        assert srv.received == 4  # identical requests in the batch are sent once: 2 extractions + 2 gates
        assert srv.max_in_flight >= 2


@pytest.mark.parametrize("on_error,expect", [("zero", 0.0), ("nan", math.nan)])
def test_outage_scores_by_policy_and_logs_once(embedder, caplog, on_error, expect):
    caplog.set_level(logging.WARNING, logger="videorl.judge")
    with JudgeServer(rate_500=1.0) as srv:
        r = get("video_r2", judge={"base_url": srv.base_url, "model": "judge", "backoff": 0.01, "max_retries": 2},
                embedder=embedder, on_error=on_error)
        res = r.many([resp("[vec]")] * 5, [T] * 5)
        assert srv.received == 3  # 1 distinct request x 3 attempts, then it stops
        for x in res:
            assert x.components["accuracy"] == 1.0 and x.components["format"] == 1.0
            assert (math.isnan(x.components["tar"]) if math.isnan(expect) else x.components["tar"] == expect)
        lines = [rec for rec in caplog.records if rec.name == "videorl.judge"]
        assert len(lines) == 1 and "5 of 5 samples" in lines[0].getMessage() and "http 500" in lines[0].getMessage()
        with pytest.raises(JudgeError, match="5 of 5 samples"):
            get("video_r2_tar", judge={"base_url": srv.base_url, "model": "judge", "max_retries": 0},
                embedder=embedder, on_error="raise").many([resp("[vec]")] * 5, [T] * 5)


# -- VersaVid-R1 ---------------------------------------------------------------------------------
GT_CAP = "gt-caption a man walks in and sits."
ANS_CAP = "the man first opens the door, then he may sit down."  # keywords: +0.2 first +0.2 then, "may": -0.2
EVENTS = {"gt-caption": ["man walks in", "man sits", "man waves", "man smiles", "man leaves"],
          "first opens": ["man opens door", "man sits down", "man jumps", "man runs", "man sleeps"]}
ENTAILED = {"gt-caption": 4, "first opens": 3}  # precision: 4 of 5 answer events; recall: 3 of 5 GT events


def versavid_reply(messages):
    text = messages[-1]["content"]
    if "Extract at most 10 key events" in text:
        for marker, ev in EVENTS.items():
            if marker in text:
                return str({"events": ev})  # a Python dict string, as the original asks
        return '{"events": []}'
    if "classify how the description" in text:
        desc, events = text.split("Video description:\n", 1)[1].split("\n\nEvents: ", 1)
        n_events = len(ast.literal_eval(events.split("\nReply", 1)[0]))
        hits = next((n for m, n in ENTAILED.items() if m in desc), 0)
        rows = [{"event": f"e{i}", "relationship": "entailment" if i < hits else "neutral", "reason": "."}
                for i in range(n_events)]
        return "```json\n" + json.dumps({"events": rows}) + "\n```"
    if "Generated answer" in text:
        return "False. The answer is not true to the video."
    return "Score: 1. It misses step 2 of the GT."


@pytest.fixture()
def vserver():
    with JudgeServer(default=versavid_reply) as srv:
        yield srv


def vv(srv, faithful=False, **kw):
    return get("versavid_r1", faithful=faithful, judge={"base_url": srv.base_url, "model": "judge", "backoff": 0.01},
               **kw)


def _open(ptype, q="Q-one?"):
    return Target(task="open_qa", duration=10, answer="the man sits", extra={"problem_type": ptype, "question": q})


def test_versavid_caption_worked_vector_and_keyword_matching(vserver):
    t = Target(task="caption", duration=10, answer=GT_CAP)
    for faithful in (True, False):
        res = vv(vserver, faithful)(f"<think>t</think><answer>{ANS_CAP}</answer>", t)
        # recall 3/5 = 0.6, precision 4/5 = 0.8: 0.6 + 0.5·0.8 − 0.2 = 0.8, × format 1
        assert res.score == pytest.approx(0.8)
        assert res.components == pytest.approx({"format": 1.0, "recall": 0.6, "precision": 0.8, "keywords": -0.2})
    from videorl.rewards.faithful.versavid_judge import keywords_term

    sub = "he waits two seconds and leaves in the afternoon"
    assert keywords_term(sub, faithful=True) == pytest.approx(0.4)  # "second" in "seconds", "after" in "afternoon"
    assert keywords_term(sub, faithful=False) == 0.0
    assert keywords_term("first then next after later finally", faithful=False) == pytest.approx(0.4)  # capped
    assert keywords_term("first, and maybe", faithful=True) == pytest.approx(-0.2)  # "may" in "maybe"
    assert keywords_term("first, and maybe", faithful=False) == pytest.approx(0.2)
    # no events in the answer: precision 1 faithfully, 0 fixed
    quiet = "<think>t</think><answer>a still picture.</answer>"
    assert vv(vserver, True)(quiet, t).components["precision"] == 1.0
    assert vv(vserver)(quiet, t).components["precision"] == 0.0
    assert vv(vserver)("<answer>x</answer>", t).score == 0.0  # format gate closed


def test_versavid_dark_event_and_mixvidqa_faithful_vs_fixed(vserver):
    ans = "<think>t</think><answer>he sits down</answer>"
    dark = _open("DarkEventInfer")
    assert vv(vserver, True)(ans, dark).score == 2.0  # any "2" in the reply ("step 2") reads as 2
    assert vv(vserver)(ans, dark).score == 1.0  # the first standalone number
    n = vserver.received
    assert vv(vserver)("<think>t</think><answer> </answer>", dark).score == 0.0 and vserver.received == n
    mix1, mix2 = _open("MixVidQA", "Q-one?"), _open("MixVidQA", "Q-two?")
    ans2 = "<think>t</think><answer>he sits down again</answer>"
    f = vv(vserver, True).many([ans, ans2], [mix1, mix2])
    assert [r.score for r in f] == [1.0, 1.0]  # "not true" contains "true"
    faithful_bodies = [b["messages"][-1]["content"] for b in list(vserver.bodies)[-2:]]
    assert all("Q-one?" in b for b in faithful_bodies)  # the batch's first question, for both samples
    x = vv(vserver).many([ans, ans2], [mix1, mix2])
    assert [r.score for r in x] == [0.0, 0.0]
    fixed_bodies = sorted(b["messages"][-1]["content"] for b in list(vserver.bodies)[-2:])
    assert "Q-one?" in fixed_bodies[0] and "Q-two?" in fixed_bodies[1]
    with pytest.raises(TargetError, match="problem_type"):
        vv(vserver)(ans, Target(task="open_qa", duration=10, answer="x"))


def test_rewards_score_cli_against_a_local_server(vserver, capsys):
    from videorl.cli import main

    target = json.dumps({"task": "open_qa", "duration": 10, "answer": "the man sits",
                         "problem_type": "DarkEventInfer", "question": "What happens?"})
    judge = json.dumps({"base_url": vserver.base_url, "model": "judge"})
    assert main(["rewards", "score", "--preset", "versavid_r1", "--param", f"judge={judge}", "--response",
                 "<think>t</think><answer>he sits</answer>", "--target", target]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["score"] == 1.0 and out["components"]["judge"] == 1.0


GARBAGE = ["", "{", "null", "[1, 2]", '{"00:01": 5}', '{"events": "x"}', "TRUE", "2", "maybe",
           '{"00:01-00:03": "man opens the door."}', "\x00\ud7ff", "```json\n{}\n```"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=200), st.none(), st.binary(max_size=50)), reply=st.sampled_from(GARBAGE))
def test_judge_rewards_never_raise_on_model_or_judge_text(embedder, text, reply):
    with JudgeServer(default=reply) as srv:
        judge = {"base_url": srv.base_url, "model": "judge", "max_retries": 0}
        cap = Target(task="caption", duration=10, answer=GT_CAP)
        for r, t in [(get("video_r2", judge=judge, embedder=embedder), T),
                     (get("video_r2_tar", faithful=True, judge=judge, embedder=embedder), T),
                     (get("versavid_r1", judge=judge), cap), (get("versavid_r1", faithful=True, judge=judge), cap),
                     (get("versavid_r1", judge=judge), _open("MixVidQA")),
                     (get("versavid_r1", judge=judge), _open("DarkEventInfer"))]:
            res = r(text, t)
            assert math.isfinite(res.score) and all(math.isfinite(v) for v in res.components.values())


def test_versavid_judge_does_not_import_the_preset():
    """Issue 23's circle is cut: the preset imports the judge rewards, never the reverse."""
    import ast as _ast
    from pathlib import Path

    import videorl.rewards.faithful.versavid_judge as vj

    tree = _ast.parse(Path(vj.__file__).read_text())
    imported = {n.module for n in _ast.walk(tree) if isinstance(n, _ast.ImportFrom)} | \
        {a.name for n in _ast.walk(tree) if isinstance(n, _ast.Import) for a in n.names}
    assert "videorl.rewards.faithful.versavid" not in imported
    from videorl.rewards.faithful.versavid import versavid_answer

    for text in ["<answer> B </answer>", "<think>x</think><answer>open ended", "none", "<answer></answer>"]:
        assert vj.service_answer(text) == versavid_answer(text)  # the same rule in both places


@pytest.mark.parametrize("reply,events", [
    ('{"events": ["man walks in", "man sits"]}', ["man walks in", "man sits"]),
    ("```python\n{'events': ['a', 2]}\n```", ["a", 2]),  # only the first item must be text
    ('Here you go: {"events": ["a"]}', None),  # the whole reply is read: prose around fails
    ('{"events": [1, "a"]}', None), ('{"events": "a"}', None), ("```\n{\"events\": []}\n```", None),
    ('{"events": []}', []),
])
def test_caption_event_list_reading_as_dream1k(reply, events):
    from videorl.rewards.faithful.versavid_judge import events_faithful

    assert events_faithful(reply) == events


@pytest.mark.parametrize("reply,n,frac", [
    ('{"events": [{"event": "e", "relationship": "entailment"}, {"event": "f", "relationship": "Neutral "}]}', 2, 0.5),
    ('"events": [{"relationship": "entailment", "ok": True}]', 1, 1.0),  # braces added, True lower-cased
    ('```json\n{"events": [{"relationship": "entailment"},]}\n```', 1, 1.0),  # fence, trailing comma
    ('{"events": [{"relationship": "entailment"}{"relationship": "contradiction"}]}', 2, 0.5),  # "}{" repaired
    ('{"events": [{"relationship": "neutral"}]}', 0, 1.0),  # no event: one row, scores 1
    ('{"events": [{"relationship": "entailed"}]}', 1, None), ('{"events": []}', 1, None), ("no", 1, None),
])
def test_caption_classification_reading_as_dream1k(reply, n, frac):
    from videorl.rewards.faithful.versavid_judge import entailed_faithful

    assert entailed_faithful(reply, n) == frac
