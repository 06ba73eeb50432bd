"""The think variants derived from lmms-eval's own benchmarks (videorl/tasks/suite), through the real CLI.

Fixtures: a few rows per benchmark in that benchmark's own data schema (the fields its installed
``utils.py`` reads), pointed at with ``VIDEORL_SUITE_DATA``, and coded videos (videorl.synth) laid out
where the original ``doc_to_visual`` looks (``$HF_HOME/<cache_dir>/...``). The answer is written into
each video: option k is the only event seen (MCQ), the number of events seen (numeric). The oracle
reads the frames and must score every benchmark's own headline metric 100 through one
``lmms-eval`` CLI run; the tiny random Qwen runs one derived task end to end through the CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("lmms_eval")
pytest.importorskip("av")

pytestmark = [pytest.mark.lmms_eval]

LETTERS = "ABCDE"


def _video(cache: Path, name: str, *, answer: int | None = None, count: int | None = None) -> Path:
    """A 2 s coded clip: only event ``answer`` seen (MCQ), or events 0..count-1 seen (numeric)."""
    from videorl.synth import make_video

    path = cache / f"{name}.mp4"
    if not path.exists():
        if answer is not None:
            events = [(99.0, 100.0)] * answer + [(0.0, 2.0)]
        else:
            events = [(0.0, 2.0)] * int(count or 0)
        make_video(path, duration=2.0, fps=4, size=(128, 96), events=events)
    return path


def _place(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not dst.exists():
        shutil.copyfile(src, dst)


def _const(folder: str, name: str):
    """A literal constant of an installed lmms-eval task's utils.py, read without importing it (cheap)."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec("lmms_eval")
    import warnings

    path = Path(spec.origin).parent / "tasks" / folder / "utils.py"
    with warnings.catch_warnings():  # the files' own invalid escapes are not ours to report
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise KeyError(f"{name} not in {path}")


def _write(data: Path, task: str, rows: list[dict]) -> None:
    data.mkdir(parents=True, exist_ok=True)
    (data / f"{task}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def build_fixtures(root: Path) -> dict[str, list[str]]:
    """Write every fixture under ``root`` (hf/, data/, minerva/); returns {bench: its derived task names}."""
    DATA_LIST = _const("mvbench", "DATA_LIST")  # noqa: N806
    hf, data, cache = root / "hf", root / "data", root / "videos"
    mcq = {k: _video(cache, f"ans{k}", answer=k) for k in range(5)}
    tasks: dict[str, list[str]] = {}

    # MVBench: one question per subtask (test_split train), answer = candidate text
    for i, (sub, folder) in enumerate(sorted(DATA_LIST.items())):
        k = i % 3
        _place(mcq[k], hf / "mvbench_video" / folder / f"{sub}.mp4")
        _write(data, f"mvbench_{sub}", [{"video": f"{sub}.mp4", "question": f"which one ({sub})?",
                                          "candidates": ["red", "green", "blue"], "answer": ["red", "green", "blue"][k]}])
    tasks["mvbench"] = ["mvbench_r1"]

    # VideoMME: options "A. ..." and the answer letter; categories from the task's own lists
    CATEGORIES, SUB_CATEGORIES, TASK_CATEGORIES, VIDEO_TYPE = (  # noqa: N806
        _const("videomme", n) for n in ("CATEGORIES", "SUB_CATEGORIES", "TASK_CATEGORIES", "VIDEO_TYPE"))
    rows = []
    for i in range(3):
        _place(mcq[i], hf / "videomme" / "data" / f"vm{i}.mp4")
        rows.append({"videoID": f"vm{i}", "question_id": f"q{i}", "question": "what is shown?",
                     "options": [f"{L}. thing {L}" for L in "ABCD"], "answer": LETTERS[i], "duration": VIDEO_TYPE[i],
                     "domain": CATEGORIES[0], "sub_category": SUB_CATEGORIES[0], "task_type": TASK_CATEGORIES[i]})
    _write(data, "videomme", rows)
    tasks["videomme"] = ["videomme_r1"]

    # MLVU dev: the score averages all 7 task types, so one question each; options inside the question
    rows = []
    for i, ttype in enumerate(["anomaly_reco", "count", "ego", "needle", "order", "plotQA", "topic_reasoning"]):
        k = i % 4
        _place(mcq[k], hf / "mlvu" / f"ml{i}.mp4")
        rows.append({"video_name": f"ml{i}.mp4", "question": "what?\n" + "\n".join(f"({L}) opt {L}" for L in "ABCD"),
                     "answer": LETTERS[k], "task_type": ttype})
    _write(data, "mlvu_dev", rows)
    tasks["mlvu_dev"] = ["mlvu_dev_r1"]

    # LongVideoBench (val, video): option0..4 with "N/A", correct_choice index
    rows = []
    for i in range(3):
        _place(mcq[i + 1], hf / "datasets" / "longvideobench" / "videos" / f"lv{i}.mp4")
        rows.append({"id": f"lv{i}", "video_path": f"lv{i}.mp4", "question": "which?", "option0": "a", "option1": "b",
                     "option2": "c", "option3": "d", "option4": "N/A", "correct_choice": i + 1,
                     "duration_group": 15, "question_category": "T2E", "subtitle_path": "none.json"})
    _write(data, "longvideobench_val_v", rows)
    tasks["longvideobench"] = ["longvideobench_val_v_r1"]

    # VideoMathQA (mcq): five "A. ..." options, category and length from the task's lists
    VMQ_CATS, VIDEO_LENGTH = _const("videomathqa", "CATEGORIES"), _const("videomathqa", "VIDEO_LENGTH")  # noqa: N806
    rows = []
    for i in range(3):
        _place(mcq[i + 2], hf / "videomathqa" / "videos" / f"mq{i}.mp4")
        rows.append({"videoID": f"mq{i}", "question_id": f"mq{i}", "question": "how much?",
                     "options": [f"{L}. {n}" for n, L in enumerate(LETTERS)], "answer": LETTERS[i + 2],
                     "category": VMQ_CATS[i], "length": VIDEO_LENGTH[i]})
    _write(data, "videomathqa_mcq", rows)
    tasks["videomathqa"] = ["videomathqa_mcq_r1"]

    # MINERVA: answer_choice_0..4 + answer_id; videos from MINERVA_VIDEO_DIR/<video_id>.mp4
    rows = []
    for i in range(3):
        _place(mcq[4 - i], root / "minerva" / f"mn{i}.mp4")
        rows.append({"key": f"mn{i}", "video_id": f"mn{i}", "question": "why?", "answer_id": 4 - i,
                     **{f"answer_choice_{j}": f"reason {j}" for j in range(5)}, "question_type": "causal",
                     "split": "test", "category": "misc"})
    _write(data, "minerva", rows)
    tasks["minerva"] = ["minerva_r1"]

    # SciVideoBench: options as a dict, answer letter, videos jove_<id>.mp4
    rows = []
    for i in range(3):
        _place(mcq[i], hf / "scivideobench" / f"jove_{i}.mp4")
        rows.append({"video_id": str(i), "question": "which step?", "options": {L: f"step {L}" for L in LETTERS},
                     "answer": LETTERS[i], "question_type": "conceptual", "category": "biology", "video_duration": 2.0})
    _write(data, "scivideobench", rows)
    tasks["scivideobench"] = ["scivideobench_r1"]

    # VSI-Bench: the three relative-direction levels (the aggregation needs all three), route planning,
    # and two numeric questions (answer = number of events seen)
    rows = []
    for i, qtype in enumerate(["object_rel_direction_easy", "object_rel_direction_medium",
                               "object_rel_direction_hard", "route_planning"]):
        _place(mcq[i % 3], hf / "vsibench" / "arkitscenes" / f"s{i}.mp4")
        rows.append({"id": i, "dataset": "arkitscenes", "scene_name": f"s{i}", "question": "where?",
                     "question_type": qtype, "options": [f"{L}. side {L}" for L in "ABC"],
                     "ground_truth": LETTERS[i % 3]})
    for i, (qtype, n) in enumerate([("object_counting", 3), ("room_size_estimation", 2)], start=4):
        _place(_video(cache, f"count{n}", count=n), hf / "vsibench" / "arkitscenes" / f"s{i}.mp4")
        rows.append({"id": i, "dataset": "arkitscenes", "scene_name": f"s{i}", "question": "how many?",
                     "question_type": qtype, "options": None, "ground_truth": str(n)})
    _write(data, "vsibench", rows)
    tasks["vsibench"] = ["vsibench_r1"]

    # EgoSchema subset: option list "A. ...", answer = option index
    rows = []
    for i in range(3):
        _place(mcq[i + 1], hf / "egoschema" / "videos" / f"eg{i}.mp4")
        rows.append({"video_idx": f"eg{i}", "question": "what is c doing?",
                     "option": [f"{L}. activity {L}" for L in LETTERS], "answer": str(i + 1)})
    _write(data, "egoschema_subset", rows)
    tasks["egoschema_subset"] = ["egoschema_subset_r1"]

    # MMVU (val): choices dict, answer letter; the category is the video's folder
    rows = []
    for i in range(3):
        _place(mcq[i], hf / "mmvu" / "videos" / "Biology" / f"mv{i}.mp4")
        rows.append({"id": f"mv{i}", "video_path": f"videos/Biology/mv{i}.mp4", "question": "which?",
                     "question_type": "multiple-choice", "choices": {L: f"choice {L}" for L in LETTERS},
                     "answer": LETTERS[i]})
    _write(data, "mmvu_val", rows)
    tasks["mmvu"] = ["mmvu_val_r1"]

    # Video-MMMU: one multiple-choice question per track; id "<split>_<Subject>_<n>" -> video folder by domain
    for j, track in enumerate(["adaptation", "comprehension", "perception"]):
        _place(mcq[j + 1], hf / "video_mmmu" / "Science" / f"validation_Biology_{j}.mp4")
        _write(data, f"video_mmmu_{track}", [{
            "id": f"validation_Biology_{j}", "question": "which?", "question_type": "multiple-choice",
            "options": [f"option {L}" for L in "ABCD"], "answer": LETTERS[j + 1], "image": None}])
    tasks["video_mmmu"] = ["video_mmmu_r1"]

    # TempCompass: three of its four subtasks (captioning is scored only by lmms-eval's GPT judge), run on
    # their own, so the TempCompass column stays empty (the group was not run whole)
    none = _video(cache, "count0", count=0)
    tc = hf / "tempcompass" / "videos"
    _place(mcq[1], tc / "tc_mc.mp4")
    _write(data, "tempcompass_multi_choice", [{"video_id": "tc_mc", "dim": "speed", "answer": "B. fast",
                                               "question": "How fast?\nA. slow\nB. fast\nC. still"}])
    _place(mcq[0], tc / "tc_yes.mp4")
    _place(none, tc / "tc_no.mp4")
    _write(data, "tempcompass_yes_no", [
        {"video_id": "tc_yes", "dim": "action", "question": "Is something happening?", "answer": "yes"},
        {"video_id": "tc_no", "dim": "action", "question": "Is something happening?", "answer": "no"}])
    _place(mcq[2], tc / "tc_cm.mp4")
    _write(data, "tempcompass_caption_matching", [{"video_id": "tc_cm", "dim": "order", "answer": "Caption C: z",
                                                   "question": "Which caption fits?\nCaption A: x\nCaption B: y\n"
                                                               "Caption C: z"}])
    tasks["tempcompass"] = ["tempcompass_multi_choice_r1", "tempcompass_yes_no_r1", "tempcompass_caption_matching_r1"]
    return tasks


def _env(root: Path) -> dict[str, str]:
    env = {**os.environ, "HF_HOME": str(root / "hf"), "VIDEORL_SUITE_DATA": str(root / "data"),
           "VIDEORL_DATA_DIR": str(root / "videorl"), "MINERVA_VIDEO_DIR": str(root / "minerva"),
           "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "VIDEORL_SUITE_JUDGE": "0"}
    return env


def _cli(env: dict[str, str], args: list[str], out: Path, timeout: int = 600) -> dict:
    lmms = Path(sys.executable).with_name("lmms-eval")
    cmd = [str(lmms) if lmms.exists() else sys.executable, *([] if lmms.exists() else ["-m", "lmms_eval"]),
           *args, "--output_path", str(out)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    found = sorted(out.rglob("*_results.json"))
    assert found, proc.stdout[-4000:] + proc.stderr[-6000:]
    return json.loads(found[-1].read_text())


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    root = tmp_path_factory.mktemp("suite")
    return root, build_fixtures(root)


@pytest.mark.slow
def test_oracle_scores_100_on_every_fixture_through_the_cli(fixtures, tmp_path):
    from videorl.tasks.suite import BENCHES, headline_value

    root, tasks = fixtures
    # Video-MTR's suite runs whole, as a user names it (its three benchmarks all have fixtures)
    mtr = {"mlvu_dev_r1", "videomme_r1", "egoschema_subset_r1"}
    names = ["videorl_video_mtr_suite"] + [t for ts in tasks.values() for t in ts if t not in mtr]
    res = _cli(_env(root), ["--model", "videorl_oracle", "--tasks", ",".join(names)], tmp_path / "out")
    results = res["results"]
    bad = {}
    for bench, ts in tasks.items():
        b = BENCHES[bench]
        if bench == "tempcompass":
            for t in ts:
                if results[t]["avg_accuracy,none"] != 100:
                    bad[t] = results[t]
            assert headline_value(b, results) is None  # the group was not run whole
            continue
        if b.headline is None:  # a group without an aggregate: every subtask's own metric
            subs = [k for k in results if k.startswith(b.task + "_") and k.endswith("_r1") and k != ts[0]]
            assert len(subs) == 20, subs
            for sub in subs:
                metric = next(k for k in results[sub] if k.endswith(",none") and "stderr" not in k)
                if results[sub][metric] != 100:
                    bad[sub] = results[sub]
            continue
        value = headline_value(b, results)
        if value != pytest.approx(100):
            bad[bench] = results[ts[0]]
    assert not bad, bad
    assert {"videorl_video_mtr_suite", *mtr} <= set(results) | set(res.get("groups", {}))
    assert headline_value(BENCHES["mvbench"], results) == 100  # the mean of the 20 subtasks
    # the methods' README tables, rendered from the results folder
    script = Path(__file__).resolve().parents[1] / "recipes" / "collect_results.py"
    table = subprocess.run([sys.executable, str(script), str(tmp_path / "out"), "--suite", "videorl_video_mtr_suite"],
                           capture_output=True, text=True, check=True).stdout
    assert "| metric | MLVU | VideoMME | EgoSchema (subset) | Avg |" in table
    assert "| accuracy | 100.0 | 100.0 | 100.0 | 100.0 |" in table
    table = subprocess.run([sys.executable, str(script), str(tmp_path / "out"), "--suite", "videorl_video_r2_suite"],
                           capture_output=True, text=True, check=True).stdout
    # TempCompass has no fixture: "-" there and in the overall average; the six reasoning ones are all here
    assert "| accuracy | 100.0 | 100.0 | - | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | - |" \
        in table, table
    assert results["vsibench_r1"]["mra,none"] == pytest.approx(100)
    # the oracle's answers went through the think format and our post-prompt
    from videorl.prompts import suite_post_prompt

    cfg = res["configs"]["videomme_r1"]
    assert suite_post_prompt("mcq") in cfg["lmms_eval_specific_kwargs"]["default"]["post_prompt"]
    assert cfg["generation_kwargs"]["max_new_tokens"] == 1024


@pytest.mark.slow
def test_tiny_qwen_runs_a_derived_task_through_the_cli(fixtures, tmp_path):
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    root, _ = fixtures
    model = build_tiny_qwen2_5_vl(tmp_path / "q25")
    res = _cli(_env(root), ["--model", "videorl_qwen", "--model_args", f"pretrained={model},max_new_tokens=8",
                            "--tasks", "videomme_r1", "--limit", "1"], tmp_path / "out")
    assert res["n-samples"]["videomme_r1"]["effective"] == 1
    assert 0 <= res["results"]["videomme_r1"]["videomme_perception_score,none"] <= 100
