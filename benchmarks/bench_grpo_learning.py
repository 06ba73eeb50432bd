"""GRPO learns on CPU: TRL's GRPOTrainer with videorl video, an unmodified preset, and a lr = 0 control.

Task (:mod:`videorl.testing.grpo_task`): "Which colour is the block in the video?" on coded videos
(red or green, options in random order, balanced). Model: the tiny random Qwen2.5-VL of
:mod:`videorl.testing.tiny_qwen` (seed 0) with a prior toward the answer letters
(:func:`~videorl.testing.grpo_task.prime_answer_tokens`, so some completions name an option at
all). Reward: the ``default_mcq`` preset as it ships (0.9 accuracy + 0.1 lenient format) through
:class:`videorl.plugins.trl.VideoRLReward`. Trainer: :class:`videorl.plugins.trl_video.VideoGRPOTrainer`
with Video-R2's sampling defaults (temperature 0.9, top_p 1.0, top_k 50, beta 0.04), 8 generations.

Two runs, identical but for the learning rate (``--lr`` and 0; same seed, same initial weights):
the mean reward over the last 10 steps must beat steps 0-9 in the first run and not in the
control. Writes ``benchmarks/results/bench_grpo_learning.json`` and ``.png`` (the reward curves).

    python benchmarks/bench_grpo_learning.py [--steps 60] [--lr 1e-3] [--batch 16] [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime
import logging
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
MACHINE = "2-core x86-64 CPU VM, no GPU, Python 3.11"


def primed_model(records: Path, out: Path, seed: int) -> Path:
    """The tiny random Qwen2.5-VL with the answer prior, saved (TRL loads the reference model from it)."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from videorl.testing.grpo_task import prime_answer_tokens
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    model_dir = build_tiny_qwen2_5_vl(out / "random", seed=seed)
    processor = AutoProcessor.from_pretrained(model_dir)
    model = AutoModelForImageTextToText.from_pretrained(model_dir)
    prime_answer_tokens(model, processor, records, boost=8.0)
    model.save_pretrained(out / "primed")
    processor.save_pretrained(out / "primed")
    model.generation_config.save_pretrained(out / "primed")
    return out / "primed"


def run(model_dir: Path, records: Path, out: Path, *, lr: float, steps: int, seed: int,
        batch: int = 16) -> dict[str, list[float]]:
    """One GRPO run (``batch`` completions per step, 8 per prompt); per-step reward, accuracy and
    format means from the trainer's log."""
    from transformers import AutoModelForImageTextToText, AutoProcessor
    from trl import GRPOConfig

    from videorl.plugins.trl import VideoRLReward
    from videorl.plugins.trl_video import VideoGRPOTrainer, records_dataset

    processor = AutoProcessor.from_pretrained(model_dir)
    model = AutoModelForImageTextToText.from_pretrained(model_dir)
    config = GRPOConfig(output_dir=str(out), per_device_train_batch_size=batch, num_generations=8,
                        max_completion_length=3, learning_rate=lr, lr_scheduler_type="constant", warmup_steps=0,
                        weight_decay=0.0, beta=0.04, temperature=0.9, top_p=1.0, top_k=50, max_steps=steps,
                        logging_steps=1, save_strategy="no", report_to=[], use_cpu=True, seed=seed,
                        disable_tqdm=True)
    trainer = VideoGRPOTrainer(model=model, processing_class=processor, args=config,
                               reward_funcs=[VideoRLReward("default_mcq")], train_dataset=records_dataset(records),
                               video_fps=2.0, video_min_pixels=3136, video_max_pixels=3136 * 4)
    trainer.train()
    logs = [h for h in trainer.state.log_history if "reward" in h]
    return {"reward": [h["reward"] for h in logs], "accuracy": [h["videorl/accuracy"] for h in logs],
            "format": [h["videorl/format"] for h in logs]}


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def plot(curves: dict[str, dict[str, list[float]]], path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3.5))
    ax = fig.add_subplot()
    for name, c in curves.items():
        ax.plot(range(len(c["reward"])), c["reward"], label=f"{name}: reward", lw=1.5)
        ax.plot(range(len(c["accuracy"])), c["accuracy"], label=f"{name}: accuracy", lw=0.8, ls="--")
    ax.set_xlabel("GRPO step")
    ax.set_ylabel("batch mean")
    ax.set_title("Tiny Qwen2.5-VL, colour task, default_mcq reward")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--videos", type=int, default=16)
    p.add_argument("--batch", type=int, default=16, help="completions per step (8 per prompt)")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from videorl.io import write_json
    from videorl.testing.grpo_task import make_colour_task

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        records = make_colour_task(tmp_path / "data", n=args.videos, seed=args.seed)
        model_dir = primed_model(records, tmp_path / "model", args.seed)
        curves, seconds = {}, {}
        for name, lr in ((f"lr={args.lr:g}", args.lr), ("lr=0", 0.0)):
            start = time.perf_counter()
            curves[name] = run(model_dir, records, tmp_path / name, lr=lr, steps=args.steps, seed=args.seed,
                               batch=args.batch)
            seconds[name] = time.perf_counter() - start
    rows = []
    for name, c in curves.items():
        first, last = mean(c["reward"][:10]), mean(c["reward"][-10:])
        acc0, acc1 = mean(c["accuracy"][:10]), mean(c["accuracy"][-10:])
        print(f"{name:>10}: reward steps 0-9 {first:.3f} -> last 10 {last:.3f} (x{last / max(first, 1e-9):.2f}); "
              f"accuracy {acc0:.3f} -> {acc1:.3f}; {seconds[name]:.0f} s")
        rows.append({"what": f"GRPO {args.steps} steps, {name}: mean reward, steps 0-9 vs last 10",
                     "result": f"{first:.3f} -> {last:.3f} (x{last / max(first, 1e-9):.2f}); accuracy "
                               f"{acc0:.3f} -> {acc1:.3f}; {seconds[name] / args.steps:.1f} s/step",
                     "target": "rises" if name != "lr=0" else "does not rise",
                     "metrics": {"reward_first10": first, "reward_last10": last, "accuracy_first10": acc0,
                                 "accuracy_last10": acc1, "seconds_per_step": seconds[name] / args.steps}})
    args.out.mkdir(parents=True, exist_ok=True)
    plot(curves, args.out / "bench_grpo_learning.png")
    write_json(args.out / "bench_grpo_learning.json",
               {"benchmark": "bench_grpo_learning.py", "machine": MACHINE,
                "date": datetime.date.today().isoformat(), "rows": rows,
                "curves": curves})
    learned = rows[0]["metrics"]["reward_last10"] > rows[0]["metrics"]["reward_first10"]
    control_flat = rows[1]["metrics"]["reward_last10"] <= rows[1]["metrics"]["reward_first10"]
    print(f"learned: {learned}; control did not rise: {control_flat}")
    return 0 if learned and control_flat else 1


if __name__ == "__main__":
    raise SystemExit(main())
