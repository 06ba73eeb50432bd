"""Parity: VersaVid-R1 / VidBridge-R1's ``format_reward`` and ``accuracy_reward`` (MCQA problems; the
judged DarkEventInfer / MixVidQA / caption parts are compared elsewhere) beside ``versavid_r1``
faithful.

``src/open_r1_video/grpo.py`` is imported unchanged; the training stack it imports at module level
(``datasets``, ``trl``, ``transformers``, ``torch``, ``PIL``, ``requests``, its own trainer, sympy's
LaTeX parser) is stubbed. Video-MTR's released evaluation outputs are scored too when that checkout
is given. ``math_verify`` is real (installed beside the environment): the released
reward tries it first.
"""

from __future__ import annotations

import random
from pathlib import Path

from _corpus import Tally, completion, real_outputs, words
from _load import load_module, stub

from videorl.rewards import get
from videorl.rewards.faithful import versavid as faithful_versavid
from videorl.target import Target

NAME = "versavid"
NEEDS = ["vidbridge_r1"]
REQUIREMENTS = ["math-verify==0.8.0", "latex2sympy2_extended==1.10.2", "antlr4-python3-runtime==4.13.2"]
METHOD = "VersaVid-R1"


class _Any:
    def __init__(self, *args, **kwargs) -> None:
        pass


def load(root: Path):
    import math_verify  # noqa: F401  (real, before the stubs: it imports sympy)

    names = ("load_dataset", "Dataset", "DatasetDict", "Qwen25VLGRPOTrainer", "GRPOConfig", "GRPOTrainer",
             "ModelConfig", "ScriptArguments", "TrlParser", "get_peft_config", "AutoModelForCausalLM",
             "AutoTokenizer", "Image", "parse_latex")
    anything = {k: _Any for k in names}
    stubs = {m: stub(m, **anything) for m in ("datasets", "open_r1_video.trainer", "trl", "transformers",
                                               "PIL", "sympy.parsing.latex", "requests")}
    stubs["torch"] = stub("torch")
    stubs["torch.distributed"] = stub("torch.distributed")
    return load_module(root, "src/open_r1_video/grpo.py", stubs=stubs)


def _body(rng: random.Random, gt: str) -> str:
    x = rng.choice("ABCDEFG")
    r = rng.random()
    if r < 0.25:
        return gt
    if r < 0.5:
        return rng.choice((x, f"{x}.", f"{x}. {words(rng, 1, 4)}", f"({x})", f"{x})", f"\\boxed{{{x}}}", f"{{{x}}}",
                           f"{x.lower()}. {words(rng, 1, 3)}", f"$\\boxed{{{x}}}$", f"$ {x} $", f"The answer is {x}",
                           f"Option {x}.", f"{x}: {words(rng, 1, 3)}", "3", "2.5", "\\frac{1}{2}"))
    if r < 0.7:
        return f"{words(rng, 2, 8)} {gt}"
    if r < 0.8:
        return f"{words(rng, 1, 4)}. {x}. {words(rng, 1, 3)}"
    return words(rng, 1, 10)


def run(checkouts: dict[str, Path], n: int, seed: int) -> dict[str, dict]:
    grpo = load(checkouts["vidbridge_r1"])
    ours = get("versavid_r1", faithful=True)
    rng = random.Random(seed)
    rows = {k: Tally(METHOD) for k in ("format_x_accuracy", "format")}
    for _ in range(n):
        gt = rng.choice("ABCDEFG") if rng.random() < 0.9 else rng.choice(("3", "2.5", "B. the cat"))
        sol = f"<answer>{gt}</answer>" if rng.random() < 0.8 else gt
        text = completion(rng, lambda r, gt=gt: _body(r, gt))
        comp = [[{"content": text}]]
        o_total = grpo.accuracy_reward(comp, [sol], problem_type=["MCQA"])[0]
        o_fmt = grpo.format_reward(comp)[0]
        res = ours(text, Target(task="mcq", duration=10.0, options=tuple("abcdefg"), answer=gt,
                                extra={"solution": sol}))
        mv = getattr(faithful_versavid, "_math_verify", lambda: None)
        cls = "math_verify_absent" if mv() is None else None
        rows["format_x_accuracy"].add(o_total == res.score, text, cls=cls, detail=f"gt {gt!r}: {o_total} vs {res.score}")
        rows["format"].add(o_fmt == res.components["format"], text, detail=f"{o_fmt} vs {res.components['format']}")
    real = real_outputs(checkouts)
    if real:
        rows["format_x_accuracy (real outputs)"] = Tally(METHOD)
        for text, gt in real:
            o_total = grpo.accuracy_reward([[{"content": text}]], [f"<answer>{gt}</answer>"], problem_type=["MCQA"])[0]
            res = ours(text, Target(task="mcq", duration=10.0, options=tuple("abcdefg"), answer=gt,
                                    extra={"solution": f"<answer>{gt}</answer>"}))
            rows["format_x_accuracy (real outputs)"].add(o_total == res.score, text)
    return {f"versavid_r1.{k}": v.as_dict() for k, v in rows.items()}
