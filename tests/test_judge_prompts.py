"""``prompts_from``: the faithful judge requests built from the original checkout's own files, checked
on the wire (the loopback server's request bodies) against fixture checkouts in the originals' layout
with videorl's own placeholder wording (tests/data/judge_prompts_checkouts). Expected bodies are
written out by hand from those fixture files. Also the originals' verdict readings (TAR ``inf``, VAS
``{"score": true}``) and the once-per-process warning without ``prompts_from``."""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import os
from pathlib import Path

import pytest

if importlib.util.find_spec("openai") is None:
    pytest.skip("the judge extra (openai) is not installed", allow_module_level=True)

from videorl.judge import JudgeClient  # noqa: E402
from videorl.judge import prompts as jp  # noqa: E402
from videorl.rewards import get  # noqa: E402
from videorl.scoring.judged import tac, vas  # noqa: E402
from videorl.target import Target  # noqa: E402
from videorl.testing.judge_server import JudgeServer  # noqa: E402

CHECKOUTS = Path(__file__).parent / "data" / "judge_prompts_checkouts"
VR2, VB = CHECKOUTS / "Video-R2", CHECKOUTS / "VidBridge-R1"
TG = {"00:10": "man opens the door."}
T = Target(task="mcq", duration=90.0, options=("yes", "no"), answer="A", extra={"temporal_grounding": TG,
                                                                                 "question": " Does he? "})


def bodies(srv: JudgeServer) -> list[dict]:
    return [{k: v for k, v in b.items()} for b in srv.bodies]


def test_video_r2_tar_and_gate_bodies_equal_the_checkouts(monkeypatch):
    monkeypatch.delenv(jp.ENV, raising=False)
    with JudgeServer(default="{}") as srv:
        judge = {"base_url": srv.base_url, "model": "judge"}
        for where in (VR2, CHECKOUTS):  # the checkout itself, or a folder holding it under its own name
            srv.bodies.clear()
            r = get("video_r2_tar", faithful=True, judge=judge, prompts_from=str(where), embedder="unused")
            assert r("<think> at 00:12 a man opens the door </think><answer>A</answer>", T).score == 0.0
            got = sorted(bodies(srv), key=lambda b: b["messages"][0]["content"])
            assert got == sorted([
                {"model": "judge", "stream": False, "messages": [
                    {"role": "system", "content": "\nPLACEHOLDER extraction system: list times as JSON.\n"},
                    {"role": "user", "content": "\nPLACEHOLDER extraction user, braces {} kept.\n"
                                                "TEXT>>at 00:12 a man opens the door<<\n"}]},
                {"model": "judge", "stream": False, "messages": [
                    {"role": "system", "content": "PLACEHOLDER gate system. Second sentence."},
                    {"role": "user", "content": "Q=\nDoes he?\nT=\nat 00:12 a man opens the door\nA=\nA\n"
                                                "PLACEHOLDER: say TRUE or FALSE."}]},
            ], key=lambda b: b["messages"][0]["content"])
        # the video_r2 preset passes prompts_from through; the environment works as well
        monkeypatch.setenv(jp.ENV, os.pathsep.join([str(VB), str(VR2)]))
        srv.bodies.clear()
        get("video_r2", faithful=True, judge=judge, embedder="unused")("<think>x</think><answer>A</answer>", T)
        assert {b["messages"][0]["content"] for b in srv.bodies} == {
            "\nPLACEHOLDER extraction system: list times as JSON.\n", "PLACEHOLDER gate system. Second sentence."}
        assert any("T=\nx\nA=\nA\n" in b["messages"][1]["content"] for b in srv.bodies)


def test_tac_and_vas_bodies_and_sampling_equal_the_checkouts(monkeypatch):
    monkeypatch.delenv(jp.ENV, raising=False)
    s = [{"options": ["red", "blue"], "answer": "B", "response": "<think> it is blue </think><answer> B </answer>",
          "input": "Which colour?"}]
    tac_params = {"temperature": 0.0, "top_p": 1.0, "top_k": -1, "max_tokens": 7,
                  "chat_template_kwargs": {"enable_thinking": False}}
    with JudgeServer(default=lambda m: "B" if "OPTS" in m[-1]["content"] else "no json here") as srv:
        c = JudgeClient(base_url=srv.base_url, model="judge")
        got, _ = tac(s, c, faithful=True, prompts_from=str(VR2))
        assert got["tac"] == 100.0 and got["answer_parsed_accuracy"] == 100.0
        assert sorted(bodies(srv), key=lambda b: b["messages"][0]["content"]) == [
            {"model": "judge", **tac_params, "messages": [{"role": "system", "content": "PLACEHOLDER extractor"},
                                                          {"role": "user", "content": "OPTS|red|blue|THINK|it is blue"}]},
            {"model": "judge", **tac_params, "messages": [{"role": "system", "content": "PLACEHOLDER parser"},
                                                          {"role": "user", "content": "OPTS|A=red|B=blue|ANS|B"}]}]
        srv.bodies.clear()
        got, per = vas(s, c, faithful=True, prompts_from=str(VR2))
        assert got["vas"] == 0.0 and per == [{"vas": 0}]  # unreadable, re-asked, unreadable: 0 as in Video-R2
        user = '\nIN>>Which colour?<< RESP>><think> it is blue </think><answer> B </answer><< JSON like {"score": 1}\n'
        vas_params = {"temperature": 0.5, "top_p": 0.9, "top_k": 3, "max_tokens": 11,
                      "chat_template_kwargs": {"enable_thinking": False}}
        assert bodies(srv) == [
            {"model": "judge", **vas_params, "messages": [{"role": "system", "content": "PLACEHOLDER VAS system."},
                                                          {"role": "user", "content": user}]},
            {"model": "judge", **vas_params, "messages": [{"role": "system", "content": "PLACEHOLDER VAS system."},
                                                          {"role": "user", "content": user + " PLACEHOLDER again."}]}]


def test_vidbridge_bodies_equal_the_checkouts(monkeypatch):
    monkeypatch.setenv(jp.ENV, str(CHECKOUTS))  # a folder holding both checkouts
    caption = Target(task="caption", duration=10, answer='A man "walks" in.')

    def reply(messages):
        text = messages[-1]["content"]
        if text.startswith("PLACEHOLDER events"):
            return '{"events": ["man walks in"]}'
        if text.startswith("PLACEHOLDER entail"):
            return '{"events": [{"event": "e", "relationship": "entailment", "reason": "."}]}'
        return "2 true"

    with JudgeServer(default=reply) as srv:
        judge = {"base_url": srv.base_url, "model": "judge"}
        dark = Target(task="open_qa", duration=10, answer="he sits", extra={"problem_type": "DarkEventInfer"})
        mix = Target(task="open_qa", duration=10, answer="yes", extra={"problem_type": "MixVidQA", "question": " Q1 "})
        r = get("versavid_r1", faithful=True, judge=judge)
        # the MixVidQA question sent is the batch's first (VidBridge-R1's kwargs["problem"][0])
        res = r.many(["<think>t</think><answer> He Sits </answer>"] * 3, [mix, dark, caption])
        assert [x.score for x in res] == [1.0, 2.0, 1.0 + 0.5 * 1.0]
        system = {"role": "system", "content": "PLACEHOLDER system."}
        got = bodies(srv)
        assert {"model": "judge", "max_tokens": 33, "messages": [
            system, {"role": "user", "content": "PLACEHOLDER dark: R=He Sits G=he sits\n"}]} in got
        assert {"model": "judge", "max_tokens": 33, "messages": [
            system, {"role": "user", "content": "PLACEHOLDER mix: Q=Q1 G=yes R=He Sits\n"}]} in got
        assert {"model": "judge", "messages": [
            {"role": "user", "content": "PLACEHOLDER events: C=a man 'walks' in."}]} in got  # lower-cased, quotes
        assert {"model": "judge", "messages": [
            {"role": "user", "content": "PLACEHOLDER entail: D=he sits E=['man walks in']"}]} in got  # recall
        assert {"model": "judge", "messages": [
            {"role": "user", "content": "PLACEHOLDER entail: D=a man \"walks\" in. E=['man walks in']"}]} in got
        # the preset takes prompts_from as an argument too (no environment): the same dark-event request
        monkeypatch.delenv(jp.ENV)
        srv.bodies.clear()
        r = get("versavid_r1", faithful=True, judge=judge, prompts_from=str(VB))
        assert r.params()["prompts_from"] == str(VB)
        assert r("<think>t</think><answer> He Sits </answer>", dark).score == 2.0
        assert bodies(srv) == [{"model": "judge", "max_tokens": 33, "messages": [
            system, {"role": "user", "content": "PLACEHOLDER dark: R=He Sits G=he sits\n"}]}]


def test_paraphrase_warning_once_per_process_and_a_clear_error_for_a_wrong_path(monkeypatch, caplog, tmp_path):
    monkeypatch.delenv(jp.ENV, raising=False)
    monkeypatch.setattr(jp, "_WARNED", set())
    caplog.set_level(logging.WARNING, logger="videorl.judge")
    with JudgeServer(default="{}") as srv:
        r = get("video_r2_tar", faithful=True, judge={"base_url": srv.base_url, "model": "judge"}, embedder="unused")
        r("<think>x</think><answer>A</answer>", T)
        r("<think>y</think><answer>A</answer>", T)
        get("video_r2_tar", judge={"base_url": srv.base_url, "model": "judge"}, embedder="unused")(
            "<think>z</think><answer>A</answer>", T)  # fixed mode: no warning
    warned = [x.getMessage() for x in caplog.records if "paraphrases" in x.getMessage()]
    assert len(warned) == 1 and jp.ENV in warned[0]
    with pytest.raises(jp.PromptsError, match="holds no Video-R2 checkout"):
        jp.video_r2(str(tmp_path))
    (tmp_path / "train/src/train").mkdir(parents=True)
    (tmp_path / "train/src/train/temporal_grounding_reward.py").write_text("def calculate_grounding_reward():\n  x = 1\n")
    with pytest.raises(jp.PromptsError, match="reward_funcs.py: missing"):
        jp.video_r2(str(tmp_path))


# -- the originals' verdict readings ---------------------------------------------------------------
@pytest.fixture(scope="module")
def embedder(tmp_path_factory):
    from videorl.testing.tiny_embedder import build_tiny_embedder

    return str(build_tiny_embedder(tmp_path_factory.mktemp("emb") / "bow", "man opens door".split()))


@pytest.mark.parametrize("key", ["inf", "1e999", "00:inf", "Infinity"])
def test_tar_key_that_overflows_scores_as_in_video_r2(embedder, key):
    """Video-R2's ``round(float('inf'))`` raises OverflowError, which fails the sample: 0. Fixed mode
    drops the key and scores the other claim."""
    reply = json.dumps({"00:10": "man opens the door.", key: "man opens the door."})
    with JudgeServer(default=lambda m: reply if "extract" in m[0]["content"].lower() else "TRUE") as srv:
        judge = {"base_url": srv.base_url, "model": "judge"}
        kw = {"judge": judge, "embedder": embedder, "embedder_device": "cpu"}
        assert get("video_r2_tar", faithful=True, **kw)("<think>t</think><answer>A</answer>", T).score == 0.0
        assert get("video_r2_tar", **kw)("<think>t</think><answer>A</answer>", T).score == 1.0
    # "nan" raises ValueError there, which Video-R2 catches: the key is dropped, the other claim scores
    assert get_faithful_claims(json.dumps({"00:10": "a.", "nan": "b."})) == [(10, 10, "a.")]


def get_faithful_claims(text: str):
    from videorl.rewards.faithful.video_r2_tar import faithful_claims

    return faithful_claims(text)


@pytest.mark.parametrize("reply,faithful,fixed", [
    ('{"score": true}', 1, None), ('{"score": false}', 0, None), ('{"score": 11}', 10, None),
    ('{"score": 7.5}', 8, 8), ('{"score": "7"}', None, None), ('{"score": NaN}', None, None),
    ('{"score": 1e999}', None, None), ('x {"score": 3} {"score": 9}', 3, 3), ("none", None, None),
])
def test_vas_readings(reply, faithful, fixed):
    from videorl.judge.parse import vas_faithful, vas_strict

    assert vas_faithful(reply) == faithful and vas_strict(reply) == fixed
    # Python's own rule, which Video-R2 relies on: a bool is an int
    assert isinstance(True, int) and round(float(True)) == 1


def test_a_faithful_tar_reply_that_is_a_json_string_is_read_again_strictly():
    # Video-R2: a JSON string reply is not sanitised; extract_grounding_claims parses it again and reads
    # the keys with its strict _to_seconds (an unreadable key fails the sample, here a ValueError)
    assert get_faithful_claims(json.dumps(json.dumps({"00:10-00:12": "a."}))) == [(10, 12, "a.")]
    with pytest.raises(ValueError):
        get_faithful_claims(json.dumps(json.dumps({"12.5": "a."})))
    with pytest.raises(TypeError):
        get_faithful_claims("[1, 2]")
    assert math.isfinite(0.0)
