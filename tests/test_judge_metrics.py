"""Video-R2's TAC and VAS from `videorl score --judge` on a prediction file, against the loopback
judge server; expected values worked by hand below."""

from __future__ import annotations

import importlib.util
import json
import re
import time

import pytest

if importlib.util.find_spec("openai") is None:
    pytest.skip("the judge extra (openai) is not installed", allow_module_level=True)

from videorl.cli import main  # noqa: E402
from videorl.scoring.judged import letter  # noqa: E402
from videorl.testing.judge_server import JudgeServer  # noqa: E402

VAS_REPLIES = {"[v8]": '{"score": 7.6, "rationale": "specific"}', "[v11]": '{"score": 11}',
               "[v3]": 'Here: {"score": 3, "rationale": "generic"} done', "[vbad]": "I cannot tell."}


def judge(messages):
    system, user = messages[0]["content"], messages[-1]["content"]
    if "deterministic parser" in system:  # the answer snippet's letter
        return re.findall(r"\[([A-D])\]", user.split("Text to parse", 1)[1])[-1]
    if "strict extractor" in system:  # the letter the reasoning concludes
        return re.findall(r"\[([A-D])\]", user.split("Reasoning:", 1)[1])[-1]
    return next(v for k, v in VAS_REPLIES.items() if k in user)


# GT is A for all four. (think letter, answer letter, VAS marker)
CASES = [("A", "A", "[v8]"), ("B", "B", "[v11]"), ("B", "C", "[v3]"), ("A", "B", "[vbad]")]


@pytest.fixture()
def predictions(tmp_path):
    path = tmp_path / "pred.jsonl"
    with path.open("w") as fh:
        for i, (t, a, v) in enumerate(CASES):
            fh.write(json.dumps({"id": f"q{i}", "video": "v.mp4", "duration": 10.0, "task": "mcq", "query": "Which?",
                                 "options": ["w", "x", "y", "z"], "answer": "A",
                                 "prediction": f"<think>{v} I see it, so [{t}]</think><answer>[{a}]</answer>"}) + "\n")
    return path


def test_tac_and_vas_from_videorl_score(predictions, tmp_path, capsys):
    with JudgeServer(default=judge) as srv:
        per = tmp_path / "per.jsonl"
        # VAS replies 11 (out of 0-10) and "I cannot tell." are not verdicts: judge failures -> exit status 3
        assert main(["score", str(predictions), "--json", "--per-sample", str(per), "--judge", srv.base_url,
                     "--judge-model", "judge"]) == 3
        out = capsys.readouterr()
        got = json.loads(out.out)["mcq"]
        # TAC = (both correct: #1 + both wrong: #2, #3) / 4 = 75 %; strict (same letter: #1, #2) = 50 %
        assert got["tac"] == 75.0 and got["tac_strict"] == 50.0
        assert got["answer_parsed_accuracy"] == 25.0 and got["think_parsed_accuracy"] == 50.0
        # VAS: 7.6 -> 8 and 3; 11 and the unreadable reply are failures, left out: (8 + 3) / 2 = 5.5
        assert got["vas"] == 5.5 and got["vas_judge_failed"] == 2.0 and got["tac_judge_failed"] == 0.0
        assert "judge mcq/tac: 0 of 4 samples failed" in out.err
        assert "judge mcq/vas: 2 of 4 samples failed (2 invalid verdict); more than --max-judge-failures 0" in out.err
        rows = [json.loads(x) for x in per.read_text().splitlines()]  # written despite the exit status
        assert [r["scores"].get("vas") for r in rows] == [8, None, 3, None]
        assert rows[2]["scores"]["think_letter"] == "B" and rows[2]["scores"]["answer_letter"] == "C"
        # 8 TAC calls of which two are identical ("[B]" answered twice: sent once) + 4 VAS + 2 re-asks
        assert srv.received == 7 + 4 + 2
        assert main(["score", str(predictions), "--json", "--judge", srv.base_url, "--judge-model", "judge",
                     "--max-judge-failures", "2"]) == 0
        capsys.readouterr()
        # Video-R2's VAS reading: 11 is clamped to 10, the unreadable reply is re-asked once, then scores 0
        n = srv.received
        assert main(["score", str(predictions), "--json", "--judge", srv.base_url, "--judge-model", "judge",
                     "--judge-faithful"]) == 0
        assert json.loads(capsys.readouterr().out)["mcq"]["vas"] == (8 + 10 + 3 + 0) / 4
        assert srv.received - n == 7 + 4 + 1  # the faithful sampling differs: new requests, one re-ask
    assert main(["score", str(predictions), "--judge", "--judge-model", "m"]) == 2  # no base URL anywhere


def test_score_exits_non_zero_when_the_judge_is_unusable(predictions, capsys):
    """Garbage replies, a hung judge and a rejected key: counted failures, exit status 3, bounded time."""
    with JudgeServer(default="I am not sure what you mean.") as srv:  # garbage: TAC was 100 before
        assert main(["score", str(predictions), "--json", "--judge", srv.base_url, "--judge-model", "judge"]) == 3
        out = capsys.readouterr()
        got = json.loads(out.out)["mcq"]
        assert got["tac"] is None and got["tac_judge_failed"] == 4.0 and got["vas_judge_failed"] == 4.0
        assert "judge mcq/tac: 4 of 4 samples failed (4 invalid verdict)" in out.err
    with JudgeServer(rate_hang=1.0, hang_seconds=60) as srv:
        t0 = time.monotonic()
        assert main(["score", str(predictions), "--json", "--judge", srv.base_url, "--judge-model", "judge",
                     "--judge-deadline", "1", "--judge-timeout", "30"]) == 3
        assert time.monotonic() - t0 < 1 + 1 + 3  # one deadline for TAC and VAS together (+ start-up)
        assert "4 of 4 samples failed (4 deadline)" in capsys.readouterr().err
    with JudgeServer(script=["401"] * 100) as srv:
        assert main(["score", str(predictions), "--json", "--judge", srv.base_url, "--judge-model", "judge"]) == 3
        assert "(4 http 401)" in capsys.readouterr().err and srv.received == 7 + 4  # a 401 is not retried


def test_tac_never_counts_an_unreadable_reply_as_consistent():
    from videorl.judge import JudgeClient
    from videorl.scoring.judged import tac

    s = [{"options": ["a", "b", "c"], "answer": "A", "response": "<think>x</think><answer>y</answer>"}]

    def run(answer: str, think: str, faithful: bool = False) -> dict:
        def reply(messages):
            return answer if "deterministic parser" in messages[0]["content"] else think

        with JudgeServer(default=reply) as srv:
            return tac(s, JudgeClient(base_url=srv.base_url, model="judge", verdict_retries=0), faithful=faithful)[0]

    assert run("zzz", "qqq")["tac_judge_failed"] == 1.0  # garbage: a failure (was: "both wrong", consistent)
    assert run("UNKNOWN", "B")["tac"] == 0.0  # no answer matches nothing
    assert run("C", "(B)")["tac"] == 100.0  # both wrong: consistent (Video-R2's definition, kept)
    assert run("zzz", "qqq", faithful=True)["tac"] == 100.0  # Video-R2 reads both as wrong


@pytest.mark.parametrize("text,n,out", [("B", 4, "B"), ("(C) the cat", 4, "C"), ("UNKNOWN", 4, None),
                                        ("The answer is D.", 4, "D"), ("", 4, None), ("E", 4, "E")])
def test_letter_post_parse(text, n, out):
    # Video-R2's regex: a leading label first, else the last capital token, valid letters preferred
    assert letter(text, n) == out


def test_lmms_eval_judged_task_reads_openai_env(monkeypatch, tmp_path):
    """The judged task as lmms-eval loads it: per-sample results, then TAC/VAS aggregations that read
    lmms-eval's OPENAI_API_* variables and call the judge."""
    pytest.importorskip("lmms_eval")
    from lmms_eval.utils import load_yaml_config

    from videorl.tasks import tasks_dir

    cfg = load_yaml_config(str(tasks_dir() / "judged" / "videorl_mvbench_r1_judged.yaml"), mode="full")
    agg = {m["metric"]: m["aggregation"] for m in cfg["metric_list"]}
    from videorl.plugins.lmms_eval.docs import record_to_doc
    from videorl.record import SampleRecord

    docs = [record_to_doc(SampleRecord.from_dict({"id": f"q{i}", "video": "v.mp4", "duration": 10.0, "task": "mcq",
                                                  "query": "Which?", "options": ["w", "x", "y", "z"], "answer": "A"}),
                          tmp_path) for i in range(len(CASES))]
    outs = [cfg["process_results"](d, [f"<think>{v} so [{t}]</think><answer>[{a}]</answer>"])
            for d, (t, a, v) in zip(docs, CASES, strict=True)]
    for k in ("VIDEORL_JUDGE_BASE_URL", "VIDEORL_JUDGE_MODEL", "OPENAI_API_BASE", "SERVED_MODEL"):
        monkeypatch.delenv(k, raising=False)
    with JudgeServer(default=judge) as srv:
        monkeypatch.setenv("OPENAI_API_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "EMPTY")
        monkeypatch.setenv("OPENAI_API_MODEL", "judge")
        got = {m: agg[m]([o[m] for o in outs]) for m in ("tac", "tac_strict", "vas")}
        assert srv.received == 7 + 4 + 2  # TAC and TAC_strict share one batch (see above for the 7 and 2)
    assert got == {"tac": 75.0, "tac_strict": 50.0, "vas": 5.5}
    assert [o["accuracy"] for o in outs] == [100.0, 0.0, 0.0, 0.0]  # answers A, B, C, B; GT A
