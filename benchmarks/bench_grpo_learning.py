"""GRPO learns *from the video* on CPU: a sighted run, a blind control and a lr = 0 control, on several seeds.

Task (:mod:`videorl.testing.grpo_task`): "Which colour is the block in the video?", options always
``A. red  B. green``, on coded videos (red for even records, green for odd ones; every record's prompt has
the same text, and videos of one colour are identical in every pixel). The answer is in the frames and
nowhere else: a text-only policy is right half of the time at best.

Model: the tiny random Qwen2.5-VL of :mod:`videorl.testing.tiny_qwen` (seeded), after a format SFT warm-up
(:func:`~videorl.testing.grpo_task.format_warmup`, 80 full-batch AdamW steps): every prompt, with its own
video, is trained toward *both* completions ``A<|im_end|>`` and ``B<|im_end|>`` with equal weight, whose
optimum is p(A) = p(B) = 1/2 for every video. It teaches the answer format (the letter mass goes to about
0.99) and, by construction, no answer (|p(A) - p(B)| about 0.001 at its end); the methods' two stages, SFT
for the format and RL for the answer. Reward: the ``default_mcq`` preset as it ships (0.9 accuracy + 0.1
lenient format) through :class:`videorl.plugins.trl.VideoRLReward`. Trainer:
:class:`videorl.plugins.trl_video.VideoGRPOTrainer`, 8 generations per prompt, 16 completions per step,
Video-R2's sampling (temperature 0.9, top_p 1.0, top_k 50, beta 0.04), lr 1e-3 constant, 80 steps; frames
56 x 56 at 2 fps (4 frames, 8 video tokens), vision tower frozen; 3 completion tokens.

Three runs per seed, identical but for one thing each (same initial weights, same batches):

- **sighted**: each prompt with its own video;
- **blind**: each prompt with *another* record's video (:func:`~videorl.testing.grpo_task.blind_source`:
  half the records of each colour get a video of the other colour, so the frames carry no information about
  the answer, while everything else, reward variance included, stays as in the sighted run);
- **lr = 0**: the sighted run with a zero learning rate (the weights never change).

Measured per step: the share of completions that name an option ("answered") and the accuracy among
those. Goal: sighted accuracy among answered completions from chance (0.5) to >= 0.8 over the last
``--window`` steps, and >= 0.3 above the blind run, on every seed. Writes
``benchmarks/results/bench_grpo_learning.json`` and ``.png`` (every curve).

    nice -n 10 python benchmarks/bench_grpo_learning.py [--seeds 0 1 2] [--steps 80] [--lr 1e-3] [--out DIR]
    # or one process per run, then one file:
    python benchmarks/bench_grpo_learning.py --runs blind --out DIR_B ...; ... --merge DIR_*/bench_grpo_learning.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
MACHINE = "2-core x86-64 CPU VM, no GPU, Python 3.11"
RUNS = ("sighted", "blind", "lr=0")
WARMUP_LR = 3e-3  # format warm-up (80 full-batch steps: p(letter) ~ 0.99, |p(A) - p(B)| ~ 0.001)
SAMPLING = {"video_fps": 2.0, "video_min_pixels": 3136, "video_max_pixels": 3136}


def warmed_model(records: Path, out: Path, seed: int, steps: int) -> tuple[Path, list[dict[str, float]]]:
    """The tiny random Qwen2.5-VL after the format warm-up (saved: TRL loads the reference model from it),
    and the warm-up's per-step figures."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from videorl.testing.grpo_task import format_warmup
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    model_dir = build_tiny_qwen2_5_vl(out / "random", seed=seed)
    processor = AutoProcessor.from_pretrained(model_dir)
    model = AutoModelForImageTextToText.from_pretrained(model_dir)
    history = format_warmup(model, processor, dataset(records, blind=False), steps=steps, lr=WARMUP_LR, seed=seed,
                            fps=SAMPLING["video_fps"], min_pixels=SAMPLING["video_min_pixels"],
                            max_pixels=SAMPLING["video_max_pixels"])  # each prompt with its own video
    model.save_pretrained(out / "warm")
    processor.save_pretrained(out / "warm")
    model.generation_config.save_pretrained(out / "warm")
    return out / "warm", history


def dataset(records: Path, *, blind: bool):
    """The TRL dataset of ``records``; ``blind``: each row's video replaced by its blind source's video."""
    from videorl.plugins.trl_video import records_dataset
    from videorl.testing.grpo_task import blind_source

    ds = records_dataset(records, style="direct")  # the short prompt: no reasoning instruction to read
    if not blind:
        return ds
    videos = list(ds["video"])
    return ds.map(lambda row, i: {"video": videos[blind_source(i, len(videos))]}, with_indices=True)


def make_reward():
    """The shipped ``default_mcq`` reward, also counting per call how many completions answered and how
    many of those were right (the option parser of the reward itself)."""
    from videorl.parse.options import parse_option
    from videorl.plugins.trl import VideoRLReward, completion_text

    class CountingReward(VideoRLReward):
        def __call__(self, prompts=None, completions=(), completion_ids=None, **kwargs):
            out = super().__call__(prompts=prompts, completions=completions, completion_ids=completion_ids,
                                   **kwargs)
            answered = correct = 0
            for text, target in zip(completions, kwargs["target"], strict=True):
                t = json.loads(target)
                letter = parse_option(completion_text(text), t["options"])
                answered += letter is not None
                correct += letter == t["answer"]
            self.counts.append((answered, correct, len(out)))
            return out

    reward = CountingReward("default_mcq")
    reward.counts = []
    return reward


def run(model_dir: Path, records: Path, out: Path, *, lr: float, steps: int, seed: int, blind: bool,
        batch: int) -> dict[str, list[float]]:
    """One GRPO run (``batch`` completions per step, 8 per prompt): per-step reward, answered share and
    accuracy among answered completions (with the counts, so windows pool them)."""
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor
    from trl import GRPOConfig

    from videorl.plugins.trl_video import VideoGRPOTrainer

    torch.manual_seed(seed)
    processor = AutoProcessor.from_pretrained(model_dir)
    model = AutoModelForImageTextToText.from_pretrained(model_dir)
    for p in model.model.visual.parameters():  # vision tower frozen, as in Video-R2's GRPO (and the recipe)
        p.requires_grad_(False)
    config = GRPOConfig(output_dir=str(out), per_device_train_batch_size=batch, num_generations=8,
                        max_completion_length=3, learning_rate=lr, lr_scheduler_type="constant", warmup_steps=0,
                        weight_decay=0.0, beta=0.04, temperature=0.9, top_p=1.0, top_k=50, max_steps=steps,
                        logging_steps=1, save_strategy="no", report_to=[], use_cpu=True, seed=seed,
                        disable_tqdm=True, gradient_checkpointing=False,
                        shuffle_dataset=False)  # records alternate red / green: every step has one of each
    reward = make_reward()
    trainer = VideoGRPOTrainer(model=model, processing_class=processor, args=config, reward_funcs=[reward],
                               train_dataset=dataset(records, blind=blind), **SAMPLING)
    trainer.train()
    logs = [h for h in trainer.state.log_history if "reward" in h]
    answered = [a for a, _, _ in reward.counts]
    correct = [c for _, c, _ in reward.counts]
    total = [n for _, _, n in reward.counts]
    return {"reward": [h["reward"] for h in logs], "answered": answered, "correct": correct, "total": total,
            "answered_share": [a / n for a, n in zip(answered, total, strict=True)],
            "accuracy_answered": [c / a if a else float("nan") for c, a in zip(correct, answered, strict=True)]}


def window(c: dict[str, list[float]], part: slice) -> dict[str, float]:
    """Pooled figures over the steps in ``part``: accuracy among answered, answered share, mean reward."""
    a, k, n = sum(c["answered"][part]), sum(c["correct"][part]), sum(c["total"][part])
    rewards = c["reward"][part]
    return {"accuracy_answered": k / a if a else float("nan"), "answered_share": a / n,
            "reward": sum(rewards) / len(rewards)}


def plot(curves: dict[str, dict[str, list[float]]], path: Path, smooth: int = 5) -> None:
    """Accuracy among answered completions (running mean over ``smooth`` steps, pooled counts) and the
    answered share, every run of every seed."""
    from matplotlib.figure import Figure

    colours = {"sighted": "#1f77b4", "blind": "#d62728", "lr=0": "#7f7f7f"}
    fig = Figure(figsize=(10, 4))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for name, c in curves.items():
        kind = name.split(" ")[0]
        acc = []
        for i in range(len(c["answered"])):
            lo = max(0, i - smooth + 1)
            a, k = sum(c["answered"][lo:i + 1]), sum(c["correct"][lo:i + 1])
            acc.append(k / a if a else float("nan"))
        ax1.plot(acc, color=colours[kind], lw=1, alpha=0.8, label=name)
        ax2.plot(c["answered_share"], color=colours[kind], lw=1, alpha=0.8, label=name)
    ax1.axhline(0.5, color="black", lw=0.5, ls=":")
    ax1.set(xlabel="GRPO step", ylabel=f"accuracy among answered ({smooth}-step pooled)", ylim=(0, 1.02),
            title="Colour task: is the answer read from the frames?")
    ax2.set(xlabel="GRPO step", ylabel="share of completions naming an option", ylim=(0, 1.02),
            title="Answering at all (format)")
    ax1.legend(fontsize=6, ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def passed(summary: dict[int, dict[str, dict[str, float]]]) -> dict[int, bool]:
    """Per seed with both runs: sighted accuracy among answered >= 0.8 and >= 0.3 above blind (last window)."""
    return {seed: s["sighted"]["accuracy_answered"] >= 0.8
            and s["sighted"]["accuracy_answered"] - s["blind"]["accuracy_answered"] >= 0.3
            for seed, s in summary.items() if {"sighted", "blind"} <= set(s)}


def save(args: argparse.Namespace, rows: list[dict], curves: dict, summary: dict) -> dict[int, bool]:
    """Write the JSON and the plot of what ran so far; return :func:`passed`."""
    from videorl.io import write_json

    ok = passed(summary)
    for row in rows:  # say on the sighted row what was learned: the frames, or only to answer at all
        seed = int(row["metrics"]["seed"])
        if " sighted seed " in row["what"] and seed in ok:
            blind = summary[seed]["blind"]["accuracy_answered"]
            verdict = ("reads the frames" if ok[seed] else
                       "does NOT read the frames (learned to answer, not which answer)")
            row["result"] = row["result"].split("; vs blind")[0] + f"; vs blind {blind:.3f}: {verdict}"
    args.out.mkdir(parents=True, exist_ok=True)
    plot(curves, args.out / "bench_grpo_learning.png")
    write_json(args.out / "bench_grpo_learning.json",
               {"benchmark": "bench_grpo_learning.py", "machine": MACHINE,
                "date": datetime.date.today().isoformat(),
                "settings": {"steps": args.steps, "lr": args.lr, "seeds": args.seeds, "videos": args.videos,
                             "batch": args.batch, "window": args.window, "preset": "default_mcq",
                             "warmup_steps": args.warmup_steps, "warmup_lr": WARMUP_LR, "query": args.query, **SAMPLING},
                "rows": rows, "passed_per_seed": {str(k): v for k, v in ok.items()}, "curves": curves})
    return ok


def merge(args: argparse.Namespace) -> int:
    """``--merge``: rows and curves of several result files (runs made in parallel processes) in one file."""
    rows, curves, summary = [], {}, {}
    for path in args.merge:
        data = json.loads(path.read_text())
        settings = data["settings"]
        for key in ("steps", "lr", "videos", "batch", "window", "warmup_steps"):
            setattr(args, key, settings[key])
        rows += data["rows"]
        curves.update(data["curves"])
    args.seeds = sorted({int(r["metrics"]["seed"]) for r in rows})
    last = slice(-args.window, None)
    for name, c in curves.items():
        kind, _, seed = name.rpartition(" seed ")
        summary.setdefault(int(seed), {})[kind] = window(c, last)
    ok = save(args, rows, curves, summary)
    print(f"merged {len(rows)} runs; sighted >= 0.8 and >= 0.3 above blind, per seed: {ok}")
    return 0 if ok and all(ok.values()) else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=80)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--videos", type=int, default=8, help="records (a multiple of 4)")
    p.add_argument("--batch", type=int, default=16, help="completions per step (8 per prompt)")
    p.add_argument("--warmup-steps", type=int, default=80, help="format warm-up steps before GRPO")
    p.add_argument("--window", type=int, default=10, help="steps pooled at the start and at the end")
    p.add_argument("--runs", nargs="+", default=list(RUNS), choices=RUNS)
    p.add_argument("--query", default="Which colour is the block in the video?",
                   help="the question (shorter: the video tokens are a larger share of the prompt)")
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--merge", type=Path, nargs="+", metavar="JSON",
                   help="combine result files of runs made in separate processes (same settings) into --out")
    args = p.parse_args()
    if args.merge:
        return merge(args)
    logging.basicConfig(level=logging.WARNING)
    from videorl.testing.grpo_task import make_colour_task

    curves, seconds, rows, warmups = {}, {}, [], {}
    first, last = slice(0, args.window), slice(-args.window, None)
    summary: dict[int, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        records = make_colour_task(tmp_path / "data", n=args.videos, seed=0, size=(64, 48), shuffle_options=False,
                                   fill=True, query=args.query)
        for seed in args.seeds:
            model_dir, warm = warmed_model(records, tmp_path / f"model{seed}", seed, args.warmup_steps)
            warmups[seed] = warm[-1]
            print(f"seed {seed} format warm-up, {args.warmup_steps} steps: loss {warm[-1]['loss']:.3f}, "
                  f"letter mass {warm[-1]['letter_mass']:.3f}, |p(A) - p(B)| {warm[-1]['imbalance']:.4f}",
                  flush=True)
            for kind in args.runs:
                name = f"{kind} seed {seed}"
                start = time.perf_counter()
                curves[name] = run(model_dir, records, tmp_path / name.replace(" ", "_"),
                                   lr=0.0 if kind == "lr=0" else args.lr, steps=args.steps, seed=seed,
                                   blind=kind == "blind", batch=args.batch)
                seconds[name] = time.perf_counter() - start
                w0, w1 = window(curves[name], first), window(curves[name], last)
                summary.setdefault(seed, {})[kind] = w1
                print(f"{name:>16}: accuracy among answered {w0['accuracy_answered']:.3f} -> "
                      f"{w1['accuracy_answered']:.3f}; answered {w0['answered_share']:.2f} -> "
                      f"{w1['answered_share']:.2f}; reward {w0['reward']:.3f} -> {w1['reward']:.3f}; "
                      f"{seconds[name]:.0f} s", flush=True)
                rows.append({"what": f"colour task, GRPO {args.steps} steps, {name}: accuracy among answered "
                                     f"completions, steps 0-{args.window - 1} vs last {args.window}",
                             "result": f"{w0['accuracy_answered']:.3f} -> {w1['accuracy_answered']:.3f} "
                                       f"(answered {w0['answered_share']:.2f} -> {w1['answered_share']:.2f}); "
                                       f"{seconds[name] / args.steps:.1f} s/step",
                             "target": {"sighted": ">= 0.8, and >= 0.3 above blind",
                                        "blind": "stays near 0.5 (the frames say nothing)",
                                        "lr=0": "stays near 0.5 (no learning)"}[kind],
                             "metrics": {"accuracy_answered_first": w0["accuracy_answered"],
                                         "accuracy_answered_last": w1["accuracy_answered"],
                                         "answered_share_first": w0["answered_share"],
                                         "answered_share_last": w1["answered_share"],
                                         "reward_first": w0["reward"], "reward_last": w1["reward"],
                                         "seconds_per_step": seconds[name] / args.steps, "seed": seed,
                                         "warmup_letter_mass": warmups[seed]["letter_mass"],
                                         "warmup_imbalance": warmups[seed]["imbalance"]}})
                save(args, rows, curves, summary)  # after every run: a cut-short benchmark keeps what ran
    ok = save(args, rows, curves, summary)
    print(f"sighted >= 0.8 and >= 0.3 above blind, per seed: {ok}")
    return 0 if ok and all(ok.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
