"""Parity of the judge side: Video-R2's and VidBridge-R1's own judge request builders and verdict
readers, imported from the checkouts, beside videorl's faithful mode with ``prompts_from``.

Request bodies: for each generated sample, the messages (and sampling) the original builds are
compared with the ones videorl sends with ``prompts_from`` set to the same checkout. Video-R2's TAR
extraction and gate run ``calculate_grounding_reward`` and the gate reward unchanged with a recording
OpenAI client (what it records is the request body); TAC and VAS use ``_utils.py`` and
``evaluate_vas.build_messages``. VidBridge-R1's ``critic_model`` runs unchanged with a recording
tokenizer/model (it would load a 72B model at import: those lines are stubbed), and the caption prompts
come from ``dream_metric``'s own functions with ``call_gpt35`` recording.

Verdict parsing: >= 10,000 generated judge replies per reader (TAR extraction replies through
``_robust_json_from_text`` -> ``sanitize_timestamps_dict`` -> ``extract_grounding_claims``, gate
``parse_decision``, VAS ``parse_llm_json``, TAC ``extract_letter``, VidBridge-R1's DarkEventInfer and
MixVidQA readings inside ``critic_model``, the caption's ``extract_events`` and ``evaluate_one_sample``
with one try) against videorl's faithful readers.

    python benchmarks/bench_parity.py --only judges       # or: python benchmarks/parity/judges.py DIR
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import itertools
import json
import random
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

NAME = "judges"
NEEDS = ["video_r2", "vidbridge_r1"]
REQUIREMENTS: list[str] = []
_COUNT = itertools.count()


# -- a private minimal loader (benchmarks/parity/_load.py has the shared one) ------------------------
def _stub(name: str, **attrs: Any) -> ModuleType:
    mod = ModuleType(name)
    mod.__dict__.update(attrs)
    mod.__path__ = []  # type: ignore[attr-defined]
    return mod


@contextlib.contextmanager
def _modules(stubs: dict[str, ModuleType], path: list[str] = ()):  # type: ignore[assignment]
    saved = {k: sys.modules.get(k) for k in stubs}
    old_path = list(sys.path)
    sys.modules.update(stubs)
    sys.path[:0] = list(path)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
        sys.path[:] = old_path


def _load(root: Path, rel: str, stubs: dict[str, ModuleType] | None = None, path: list[str] = ()) -> ModuleType:
    file = root / rel
    if not file.is_file():
        raise FileNotFoundError(f"{file}: not found in the checkout")
    spec = importlib.util.spec_from_file_location(f"_videorl_parity_judges_{next(_COUNT)}", file)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    with _modules(stubs or {}, path):
        spec.loader.exec_module(mod)
    return mod


class _Tally:
    def __init__(self, method: str) -> None:
        self.method, self.n, self.agree = method, 0, 0
        self.classes: Counter = Counter()
        self.examples: dict[str, list[str]] = {}

    def add(self, same: bool, example: Any, cls: str = "unexplained") -> None:
        self.n += 1
        if same:
            self.agree += 1
            return
        self.classes[cls] += 1
        ex = self.examples.setdefault(cls, [])
        if len(ex) < 3:
            ex.append(str(example)[:200])

    def out(self) -> dict[str, Any]:
        return {"method": self.method, "n": self.n, "agree": self.agree, "classes": dict(self.classes),
                "examples": self.examples}


# -- corpora ---------------------------------------------------------------------------------------
WORDS = "man opens the door dog jumps cat sleeps woman walks in picks up a red cup then leaves".split()
KEYS = ["00:12", "0:12", "12", "12.6", "00:10-00:15", "00:10 - 00:15", "00:10–00:12", "00:10 to 00:15",
        "1:02:03", "3700", "00:20-end", "00:10-EOF", "00:15-00:10", "inf", "-inf", "1e999", "00:inf", "nan",
        "Infinity", "00:05+", "garbage", "1-2-3", "", " 00:07 ", "00:07.5", "99:99", "00:10-", "-00:10",
        "01:00:00-01:00:05", "10:00", "00:00"]


def _sentence(rng: random.Random) -> Any:
    x = rng.random()
    if x < 0.8:
        return " ".join(rng.choices(WORDS, k=rng.randint(2, 7))) + "."
    return rng.choice(["", None, 5, 0, [], ["a"], {"a": 1}, True, "  "])


def tar_replies(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        d = {rng.choice(KEYS) if rng.random() < 0.6 else f"{rng.randint(0, 3):02d}:{rng.randint(0, 59):02d}":
             _sentence(rng) for _ in range(rng.randint(0, 4))}
        text = json.dumps(d)
        x = rng.random()
        if x < 0.08:
            text = f"Here is the JSON:\n```json\n{text}\n```"
        elif x < 0.12:
            text = json.dumps(text)  # a JSON string holding the object
        elif x < 0.16:
            text = text[: rng.randint(0, len(text))]  # truncated
        elif x < 0.2:
            text = rng.choice(["maybe", "[1, 2]", "5", "null", "{}", "The text mentions no time.", "true", '"x"'])
        elif x < 0.24:
            text = str(d)  # a Python-literal dict
        out.append(text)
    return out


def gate_replies(rng: random.Random, n: int) -> list[str]:
    heads = ["TRUE", "FALSE", "True", "false", "**TRUE**", "TRUE.", "Answer: TRUE", "TRUE or FALSE", "NOT TRUE",
             "FALSE - contradicts", "", "  ", "maybe", "It is TRUE", "untrue", "FALSEHOOD", "TRUEST", "1"]
    return [rng.choice(["", "\n", "  \n"]) + rng.choice(heads) + rng.choice(["", "\nbecause.", " reason\nmore"])
            for _ in range(n)]


def vas_replies(rng: random.Random, n: int) -> list[str]:
    scores = ["7", "7.6", "11", "-3", "true", "false", '"7"', "null", "NaN", "Infinity", "1e999", "10", "0", "[3]"]
    out = []
    for _ in range(n):
        s = rng.choice(scores)
        body = rng.choice([f'{{"score": {s}, "rationale": "r"}}', f'{{"rationale": "r", "score": {s}}}',
                           f'{{"score": {s}}} and {{"score": 2}}', f'{{"scor": {s}}}', f'{{"score": {s}',
                           f'{{"a": {{"score": {s}}}}}', "no json"])
        out.append(rng.choice(["", "Sure: ", "```json\n"]) + body + rng.choice(["", "\n```", " thanks"]))
    return out


def letter_replies(rng: random.Random, n: int) -> list[tuple[str, int]]:
    forms = ["{x}", "({x})", "{x}.", "{x})", "Answer: {x}", "The answer is {x}.", "option {x}", "{x} is correct",
             "UNKNOWN", "I think {x} or {y}", "", "{lx}", "[{x}]", "**{x}**", "{x}: text", "I", "A B C", "none"]
    out = []
    for _ in range(n):
        x, y = rng.choice("ABCDEFGH"), rng.choice("ABCDEFGH")
        out.append((rng.choice(forms).format(x=x, y=y, lx=x.lower()) + rng.choice(["", "\n", " "]),
                    rng.randint(0, 6)))
    return out


def service_replies(rng: random.Random, n: int) -> list[str]:
    parts = ["2", "1", "0", "Score: 2", "score 1 of 2", "True", "true", "False", "not true", "TRUE", "none", "",
             "The response covers part.", "12", "False, but partly true"]
    return [" ".join(rng.choices(parts, k=rng.randint(1, 3))) for _ in range(n)]


def event_replies(rng: random.Random, n: int) -> list[str]:
    lists = ['["man walks in", "man sits"]', "[]", '["a"]', '[1, "a"]', '["a", 2]', '"a"', "None", "[['a']]"]
    out = []
    for _ in range(n):
        body = rng.choice(['{{"events": {e}}}', "{{'events': {e}}}", '{{"event": {e}}}', '{{"events": {e}',
                           "{e}", 'Here: {{"events": {e}}}']).format(e=rng.choice(lists))
        out.append(rng.choice(["", "```json\n", "```python\n", "```\n", " "]) + body
                   + rng.choice(["", "\n```", " ", "\n"]))
    return out


def entail_replies(rng: random.Random, n: int) -> list[tuple[str, int]]:
    rels = ["entailment", "neutral", "contradiction", "Entailment ", "ENTAILED", "unknown"]
    out = []
    for _ in range(n):
        k = rng.randint(0, 3)
        rows = [rng.choice(['{{"event": "e", "relationship": "{r}", "reason": "x"}}',
                            '{{"event": "e", "relationship": "{r}", "ok": True}}', '{{"event": "e"}}',
                            '{{"relationship": "{r}"}}']).format(r=rng.choice(rels))
                for _ in range(max(0, k + rng.choice([0, 0, 0, 1, -1])))]
        sep = rng.choice([", ", ",", " ", "", ",\n"])
        body = '{"events": [' + sep.join(rows) + rng.choice(["", ","]) + "]}"
        if rng.random() < 0.2:
            body = body[1:]  # no opening brace
        if rng.random() < 0.1:
            body = body[:-1]
        out.append((rng.choice(["", "```json\n", "```python\n", "[Placeholder] "]) + body
                    + rng.choice(["", "\n```", "\n\n"]), k))
    return out


def responses(rng: random.Random, n: int) -> list[tuple[str, str, str, list[str], str]]:
    """(response, question, gt answer, options, input) samples for the request-body checks."""
    out = []
    for i in range(n):
        think = " ".join(rng.choices(WORDS, k=rng.randint(0, 12)))
        ans = rng.choice(["A", "B. blue", "he sits", "", " C ", "the man opens the door"])
        tags = rng.choice(["<think>{t}</think><answer>{a}</answer>", "<think> {t} </think>\n<answer>{a}</answer>",
                           "<answer>{a}</answer>", "<think>{t}</think>", "{t} {a}", "<think>{t}</think><answer>{a}"])
        opts = rng.sample(["red", "blue", "green", "a man", "the door"], k=rng.randint(2, 5))
        out.append((tags.format(t=think, a=ans), rng.choice(["", "What happens?", f" Q{i}? "]),
                    rng.choice(["the man sits", "A", "", "He opens it."]), opts, f"Question {i}\nOptions"))
    return out


# -- Video-R2 --------------------------------------------------------------------------------------
class _Recorder:
    """An OpenAI-client stand-in that records the request body and returns a scripted reply."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.reply = "{}"
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))

    def _create(self, **body: Any) -> Any:
        self.bodies.append(body)
        msg = SimpleNamespace(content=self.reply)
        return SimpleNamespace(choices=[SimpleNamespace(message=msg)])


def _video_r2(root: Path) -> dict[str, ModuleType]:
    train = root / "train"
    utils = _load(root, "train/src/train/reward_utils.py",
                  {"rouge_score": _stub("rouge_score", rouge_scorer=None)})
    st = _stub("sentence_transformers", SentenceTransformer=object, util=None)
    tgr = _load(root, "train/src/train/temporal_grounding_reward.py",
                {"sentence_transformers": st, "src": _stub("src"), "src.train": _stub("src.train"),
                 "src.train.reward_utils": utils}, [str(train)])
    funcs = _load(root, "train/src/train/reward_funcs.py",
                  {"torch": _stub("torch", no_grad=contextlib.nullcontext), "src": _stub("src"),
                   "src.train": _stub("src.train"), "src.train.reward_utils": utils,
                   "src.train.temporal_grounding_reward": tgr}, [str(train)])
    tac_dir = root / "eval/scripts/tac"
    any_ = type("Any", (), {"__init__": lambda self, *a, **k: None})
    tac_utils = _load(root, "eval/scripts/tac/_utils.py")
    mvbench = _load(root, "eval/scripts/tac/mvbench.py",
                    {"vllm": _stub("vllm", LLM=any_, SamplingParams=any_),
                     "transformers": _stub("transformers", AutoTokenizer=any_), "tqdm": _stub("tqdm", tqdm=any_),
                     "_utils": tac_utils}, [str(tac_dir)])
    vas = _load(root, "eval/scripts/vas/evaluate_vas.py")
    return {"utils": utils, "tgr": tgr, "funcs": funcs, "tac_utils": tac_utils, "mvbench": mvbench, "vas": vas}


def _orig_claims(m: dict[str, ModuleType], text: str) -> Any:
    tgr = m["tgr"]
    try:
        pred = tgr._robust_json_from_text(text)
        if isinstance(pred, dict):
            pred = tgr.sanitize_timestamps_dict(pred, drop_open_ended=True, coerce_open_ended_by=None)
        claims = tgr._ensure_interval_fields(tgr.extract_grounding_claims(pred))
        return [(*tgr._interval(c), c["sentence"]) for c in claims]
    except Exception as exc:  # the reward function catches everything and scores 0
        return f"raises {type(exc).__name__}"


def _our_claims(text: str) -> Any:
    from videorl.rewards.faithful.video_r2_tar import faithful_claims

    try:
        return [tuple(c) for c in faithful_claims(text)]
    except Exception as exc:
        return f"raises {type(exc).__name__}"


def run_video_r2(root: Path, n: int, seed: int) -> dict[str, dict]:
    from videorl.judge.parse import decision_first_line, vas_faithful
    from videorl.judge.prompts import video_r2
    from videorl.scoring.judged import letter, tac_requests, vas_request

    m = _video_r2(root)
    rng = random.Random(seed)
    out: dict[str, dict] = {}
    t = _Tally("Video-R2")
    for text in tar_replies(rng, n):
        a, b = _orig_claims(m, text), _our_claims(text)
        same = a == b or (isinstance(a, str) and isinstance(b, str))  # both fail the sample: 0
        t.add(same, text)
    out["tar_extraction_reply"] = t.out()
    t = _Tally("Video-R2")
    for text in gate_replies(rng, n):
        t.add(m["utils"].parse_decision(text)[0] == decision_first_line(text), text)
    out["gate_reply"] = t.out()
    t = _Tally("Video-R2")
    for text in vas_replies(rng, n):
        t.add(m["vas"].parse_llm_json(text)[0] == vas_faithful(text), text)
    out["vas_reply"] = t.out()
    t = _Tally("Video-R2")
    for text, k in letter_replies(rng, n):
        t.add(m["mvbench"].extract_letter(text.strip(), num_options=k) == letter(text.strip(), k), (text, k))
    out["tac_letter"] = t.out()
    # request bodies
    ours = video_r2(root)
    rec = _Recorder()
    m["funcs"]._oai_client = rec
    m["funcs"]._MODEL = "judge"
    t = _Tally("Video-R2")
    for resp, q, _gt, opts, inp in responses(rng, max(200, n // 10)):
        rec.bodies.clear()
        prompt = [{"content": []}, {"content": [{"text": "video"}, {"text": q}]}]
        m["funcs"].temporal_grounding_sentence_embedding_consistency_reward(
            [[{"content": resp}]], None, [{}], None, 2, 0.75, prompts=[prompt])
        from videorl.rewards.faithful.video_r2_tar import first_block

        think, answer = first_block(resp, "think"), first_block(resp, "answer")
        mine = [{"model": "judge", "messages": ours.extract_messages(think), **ours.train_params},
                {"model": "judge", "messages": ours.gate_messages(q, think, answer), **ours.train_params}]
        t.add(rec.bodies == mine, resp)
        a_msgs = m["tac_utils"].build_answer_parsing_message(opts, m["mvbench"].extract_last_block(
            resp, m["mvbench"].RE_ANSWER) or "")
        t_msgs = m["tac_utils"].build_thinking_extraction_message(opts, m["mvbench"].extract_last_block(
            resp, m["mvbench"].RE_THINK) or "")
        (ra, pa), (rt, _) = tac_requests(opts, resp, ours)
        t.add(ra == a_msgs and rt == t_msgs and pa == ours.tac_params, resp)
        sample = m["vas"].UnifiedSample("b", "f", {}, "u", inp, resp)
        t.add(vas_request(inp, resp, True, prompts=ours)[0] == m["vas"].build_messages(sample), resp)
    out["request_bodies"] = t.out()
    return out


# -- VidBridge-R1 ------------------------------------------------------------------------------------
class _Tok:
    """Records the messages ``critic_model`` renders and decodes to the scripted verdict."""

    def __init__(self) -> None:
        self.messages: list = []
        self.verdict = ""
        self.device = "cpu"

    def apply_chat_template(self, messages: list, **kw: Any) -> str:
        self.messages.append(messages)
        return "x"

    def __call__(self, *a: Any, **kw: Any) -> Any:
        return SimpleNamespace(input_ids=[[0]], to=lambda *_: SimpleNamespace(input_ids=[[0]]))

    def generate(self, *a: Any, **kw: Any) -> list:
        self.kwargs = kw
        return [[0, 1]]

    def batch_decode(self, *a: Any, **kw: Any) -> list[str]:
        return [self.verdict]


def run_vidbridge(root: Path, n: int, seed: int) -> dict[str, dict]:
    from videorl.judge.parse import digit_faithful, true_anywhere
    from videorl.judge.prompts import vidbridge_r1
    from videorl.rewards.faithful.versavid_judge import service_answer

    tok = _Tok()
    auto = SimpleNamespace(from_pretrained=lambda *a, **k: tok)
    flask = _stub("flask", Flask=lambda *a, **k: SimpleNamespace(route=lambda *a, **k: (lambda f: f)),
                  request=None, jsonify=dict)
    svc = _load(root, "src/open_r1_video/qwen25_judge_service.py",
                {"flask": flask, "transformers": _stub("transformers", AutoModelForCausalLM=auto, AutoTokenizer=auto),
                 "torch": _stub("torch", no_grad=contextlib.nullcontext)})
    calls: list = []
    scripted = {"reply": "{}"}
    dream = _load(root, "src/open_r1_video/dream_metric.py",
                  {"call_gpt": _stub("call_gpt", call_gpt35=lambda messages: calls.append(messages) or scripted["reply"]),
                   "pathos": _stub("pathos"), "pathos.multiprocessing": _stub("pathos.multiprocessing", ProcessingPool=None),
                   "func_timeout": _stub("func_timeout", func_set_timeout=lambda *a: (lambda f: f)),
                   "tqdm": _stub("tqdm", tqdm=None)}, [str(root / "src/open_r1_video")])
    ours = vidbridge_r1(root)
    rng = random.Random(seed + 1)
    out: dict[str, dict] = {}
    for kind, read in (("DarkEventInfer", digit_faithful), ("MixVidQA", true_anywhere)):
        t = _Tally("VersaVid-R1")
        for text in service_replies(rng, n):
            tok.verdict = text
            t.add(float(svc.critic_model("<answer>x</answer>", "<answer>y</answer>", kind, "q")) == float(read(text)),
                  text)
        out[f"{kind.lower()}_reply"] = t.out()
    from videorl.rewards.faithful.versavid_judge import entailed_faithful, events_faithful

    t = _Tally("VersaVid-R1")
    for text in event_replies(rng, n):
        scripted["reply"] = text
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # it prints every failed try
                theirs = dream.extract_events(({"response": "a man walks."}, "m", False), is_pred=False,
                                              max_retry=1)
        except ValueError:  # the original re-asks, then gives up
            theirs = None
        t.add(theirs == events_faithful(text), text)
    out["caption_events_reply"] = t.out()
    t = _Tally("VersaVid-R1")
    for text, k in entail_replies(rng, n):
        scripted["reply"] = text
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                theirs = dream.evaluate_one_sample([f"e{j}" for j in range(k)], "gt", "pred", "m", False,
                                                   is_recall=True, max_retry=1)
        except ValueError:
            theirs = None
        t.add(theirs == entailed_faithful(text, k), (text, k))
    out["caption_entailment_reply"] = t.out()
    t = _Tally("VersaVid-R1")
    for resp, q, gt, _opts, _inp in responses(rng, max(200, n // 10)):
        res = service_answer(resp)
        if not res:
            continue
        for kind in ("DarkEventInfer", "MixVidQA"):
            tok.messages.clear()
            svc.critic_model(resp, f"<answer>{gt}</answer>", kind, q)
            g = gt.strip() or ""
            mine = ours.dark_messages(res, g) if kind == "DarkEventInfer" else ours.mix_messages(q, g, res)
            t.add(tok.messages == [mine] and tok.kwargs.get("max_new_tokens") == ours.params["max_tokens"],
                  (kind, resp))
        calls.clear()
        events = res.split()[:3]
        dream.call_azure_gpt_api_for_events(res.lower(), "m")
        dream.call_azure_gpt_api(events, gt.lower(), res.lower(), "m")
        t.add(calls == [ours.events_messages(res.lower()), ours.entail_messages(events, gt.lower(), res.lower())]
              or not events, resp)
    out["request_bodies"] = t.out()
    return out


def run(checkouts: dict[str, Path], n: int, seed: int) -> dict[str, dict]:
    out = {}
    if "video_r2" in checkouts:
        out.update({f"video_r2_{k}": v for k, v in run_video_r2(Path(checkouts["video_r2"]), n, seed).items()})
    if "vidbridge_r1" in checkouts:
        out.update({f"vidbridge_r1_{k}": v for k, v in run_vidbridge(Path(checkouts["vidbridge_r1"]), n, seed).items()})
    return out


if __name__ == "__main__":  # python benchmarks/parity/judges.py ORIGINALS_DIR [N]
    base = Path(sys.argv[1])
    res = run({"video_r2": base / "Video-R2", "vidbridge_r1": base / "VidBridge-R1"},
              int(sys.argv[2]) if len(sys.argv) > 2 else 10000, 0)
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "method"} for k, v in res.items()}, indent=1))
