"""Real GRPO steps on CPU: TRL's GRPOTrainer (through VideoGRPOTrainer) on coded videos, a videorl reward,
tiny random Qwen2.5-VL (full fine-tuning) and Qwen3-VL (LoRA, then merged with ``videorl export merge-lora``).

Each run records what the reward function got and what the model's forward passes got, then checks: the
rewards are those of the model's own completions, worked out here from the option letters; the loss is
finite; the parameters changed; the logged components are videorl's; a checkpoint was written and reloads;
and the clock held inside TRL: the frames in every training forward pass are our sampler's (frame codes),
with time ids (Qwen2.5-VL M-RoPE) or printed times (Qwen3-VL) equal to the frame times, 0.000 s off.
"""

from __future__ import annotations

import json
import math
import re

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")
pytest.importorskip("peft")
pytest.importorskip("av")

from transformers import AutoModelForImageTextToText, AutoProcessor  # noqa: E402
from trl import GRPOConfig  # noqa: E402

from videorl.parse.options import parse_option  # noqa: E402
from videorl.plugins.trl import VideoRLReward, completion_text  # noqa: E402
from videorl.plugins.trl_video import VideoGRPOTrainer, records_dataset  # noqa: E402
from videorl.synth import read_frame_code  # noqa: E402
from videorl.testing.grpo_task import make_colour_task, prime_answer_tokens  # noqa: E402
from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl, build_tiny_qwen3_vl  # noqa: E402
from videorl.video.qwen import expected_qwen2_5_time_ids, parse_qwen3_timestamps, processor_video_kwargs  # noqa: E402

SAMPLING = {"video_fps": 2.0, "video_min_pixels": 3136, "video_max_pixels": 3136}


class RecordingReward(VideoRLReward):
    """The shipped TRL adapter, plus a record of every call (completions, their ids, the rewards returned)."""

    calls: list[dict]

    def __call__(self, prompts=None, completions=(), completion_ids=None, **kwargs):
        out = super().__call__(prompts=prompts, completions=completions, completion_ids=completion_ids, **kwargs)
        self.calls.append({"completions": list(completions), "ids": [list(c) for c in completion_ids],
                           "targets": list(kwargs["target"]), "rewards": out})
        return out


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    return make_colour_task(tmp_path_factory.mktemp("colour"), n=2, seed=0)


def _primed(build, task, path):
    d = build(path / "random")
    processor = AutoProcessor.from_pretrained(d)
    model = AutoModelForImageTextToText.from_pretrained(d)
    prime_answer_tokens(model, processor, records_dataset(task), boost=8.0, max_pixels=SAMPLING["video_max_pixels"])
    for obj in (model, processor, model.generation_config):
        obj.save_pretrained(path / "primed")
    # the reference model (beta > 0) is loaded from _name_or_path: the primed folder
    return AutoModelForImageTextToText.from_pretrained(path / "primed"), processor


def _train(model, processor, task, out, peft_config=None):
    reward = RecordingReward("default_mcq")
    reward.calls = []
    captured = []

    def hook(module, args, kwargs):
        if "labels" in kwargs:  # the log-prob forward passes (old / reference / training), not generation
            captured.append({k: v.detach().clone() if torch.is_tensor(v) else v for k, v in kwargs.items()
                             if k != "labels"})

    handle = model.register_forward_pre_hook(hook, with_kwargs=True)
    config = GRPOConfig(output_dir=str(out), per_device_train_batch_size=8, num_generations=4,
                        max_completion_length=3, max_steps=2, learning_rate=1e-2, beta=0.04, temperature=1.0,
                        logging_steps=1, save_steps=2, report_to=[], use_cpu=True, seed=0, disable_tqdm=True)
    trainer = VideoGRPOTrainer(model=model, processing_class=processor, args=config, reward_funcs=[reward],
                               train_dataset=records_dataset(task), peft_config=peft_config, **SAMPLING)
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    trainer.train()
    handle.remove()
    return trainer, reward, captured, before


def _check_rewards_and_logs(trainer, reward):
    tok = trainer.processing_class.tokenizer
    assert len(reward.calls) == 2  # one per step
    for call in reward.calls:
        for text, ids, target, r in zip(call["completions"], call["ids"], call["targets"], call["rewards"],
                                        strict=True):
            text = completion_text(text)  # conversational: [{"role": "assistant", "content": ...}]
            assert text == tok.decode(ids, skip_special_tokens=True)  # the model's own sampled tokens
            t = json.loads(target)
            # default_mcq = 0.9 accuracy + 0.1 format (lenient: a <think> block then an <answer> block)
            fmt = 1.0 if re.search(r"<think>.*?</think>.*?<answer>.*?</answer>", text, re.S) else 0.0
            assert r == pytest.approx(0.9 * (parse_option(text, t["options"]) == t["answer"]) + 0.1 * fmt)
    logs = [h for h in trainer.state.log_history if "loss" in h]
    assert len(logs) == 2 and all(math.isfinite(h["loss"]) for h in logs)
    for h, call in zip(logs, reward.calls, strict=True):
        assert h["reward"] == pytest.approx(sum(call["rewards"]) / len(call["rewards"]))
        assert {"videorl/accuracy", "videorl/format", "rewards/videorl_default_mcq/mean"} <= set(h)
    assert any(r > 0 for c in reward.calls for r in c["rewards"]), "no completion ever scored: nothing to learn"


def _our_frames(trainer, task):
    """(frames, meta, processor pixel rows) of each video of the task, by our sampler."""
    out = {}
    for row in records_dataset(task):
        frames, meta = trainer.sample_video(row["video"])
        assert [read_frame_code(f).index for f in frames] == [0, 4, 8, 12]  # 8 fps file, 2 fps: 0, .5, 1, 1.5 s
        enc = trainer.processing_class(text=["<|vision_start|><|video_pad|><|vision_end|>"], return_tensors="pt",
                                       **processor_video_kwargs([(frames, meta)], trainer.video_family))
        out[row["id"]] = (frames, meta, enc["pixel_values_videos"])
    return out


def _forward_videos(trainer, captured):
    assert captured, "no log-prob forward pass was seen"
    for kw in captured:
        n = kw["input_ids"].shape[0]
        grid = kw["video_grid_thw"]
        assert grid.shape[0] == n and kw["mm_token_type_ids"] is not None
        rows = torch.split(kw["pixel_values_videos"], grid.prod(-1).tolist())
        yield from ((kw, i, rows[i]) for i in range(n))


def test_grpo_qwen2_5_vl_full_finetune(task, tmp_path):
    model, processor = _primed(build_tiny_qwen2_5_vl, task, tmp_path)
    trainer, reward, captured, before = _train(model, processor, task, tmp_path / "out")
    _check_rewards_and_logs(trainer, reward)
    changed = [n for n, p in trainer.model.named_parameters() if not torch.equal(p, before[n])]
    assert any("language_model" in n for n in changed), "no language-model parameter changed"

    # the clock inside TRL: each training-forward row's video is one of our sampled videos, its temporal
    # M-RoPE ids (the model's own get_rope_index on exactly the forward's inputs) are the frame times
    videos = _our_frames(trainer, task)
    tps = trainer.model.config.vision_config.tokens_per_second
    seen = set()
    for kw, i, pixels in _forward_videos(trainer, captured):
        vid = next(k for k, (_, _, ref) in videos.items() if torch.equal(pixels, ref))
        seen.add(vid)
        _, meta, _ = videos[vid]
        assert kw["second_per_grid_ts"][i].item() == pytest.approx(1.0)  # 2 frames per patch at 2 fps
        pos, _ = trainer.model.model.get_rope_index(
            kw["input_ids"][i:i + 1], kw["mm_token_type_ids"][i:i + 1], video_grid_thw=kw["video_grid_thw"][i:i + 1],
            second_per_grid_ts=kw["second_per_grid_ts"][i:i + 1], attention_mask=kw["attention_mask"][i:i + 1])
        is_video = kw["input_ids"][i] == processor.video_token_id
        ids = sorted(set(pos[0, 0][is_video].tolist()))
        rel = [t - ids[0] for t in ids]
        assert rel == [0, 2] == expected_qwen2_5_time_ids(meta, tokens_per_second=tps)
        # patch k starts at its first frame's time: 0.0 and 1.0 s, 0.000 s off
        assert max(abs(t / tps - s) for t, s in zip(rel, meta.model_times()[::2], strict=True)) == 0.0
    assert seen == set(videos)

    ckpt = tmp_path / "out" / "checkpoint-2"
    assert (ckpt / "model.safetensors").is_file() and (ckpt / "trainer_state.json").is_file()
    reloaded = AutoModelForImageTextToText.from_pretrained(ckpt)
    trained = dict(trainer.model.named_parameters())
    assert all(torch.equal(p, trained[n]) for n, p in reloaded.named_parameters())
    assert AutoProcessor.from_pretrained(ckpt).video_processor is not None


def test_grpo_qwen3_vl_lora_then_merge(task, tmp_path):
    from peft import LoraConfig

    from videorl.models.lora import merge_lora

    model, processor = _primed(build_tiny_qwen3_vl, task, tmp_path)
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM")
    trainer, reward, captured, before = _train(model, processor, task, tmp_path / "out", peft_config=lora)
    _check_rewards_and_logs(trainer, reward)
    changed = {n for n, p in trainer.model.named_parameters() if not torch.equal(p, before[n])}
    assert changed and all("lora_" in n for n in changed)

    # Qwen3-VL prints each patch's time in the prompt: patches (0, .5 s) and (1, 1.5 s) -> "<0.2 seconds>"
    # (0.25 printed with one decimal) and "<1.2 seconds>"; the frames are ours (equal pixel rows)
    videos = _our_frames(trainer, task)
    tok = processor.tokenizer
    for kw, i, pixels in _forward_videos(trainer, captured):
        assert any(torch.equal(pixels, ref) for _, _, ref in videos.values())
        times = parse_qwen3_timestamps(tok.decode(kw["input_ids"][i][kw["attention_mask"][i].bool()]))
        assert times == [0.2, 1.2]
        for _, meta, _ in videos.values():
            means = [(a + b) / 2 for a, b in zip(meta.model_times()[::2], meta.model_times()[1::2], strict=True)]
            assert means == [0.25, 1.25] and max(abs(round(m, 1) - t) for m, t in zip(means, times, strict=True)) < 0.051

    ckpt = tmp_path / "out" / "checkpoint-2"
    assert (ckpt / "adapter_model.safetensors").is_file() and (ckpt / "adapter_config.json").is_file()
    assert json.loads((ckpt / "adapter_config.json").read_text())["base_model_name_or_path"] == str(
        tmp_path / "primed")
    report = merge_lora(ckpt, tmp_path / "merged")  # verifies merged logits == base + adapter itself
    assert report.max_abs_diff <= 1e-4 and report.probe == ["text", "video"]
    assert {"config.json", "generation_config.json", "model.safetensors", "tokenizer.json"} <= set(report.files)


def test_use_vllm_is_refused():
    config = GRPOConfig(output_dir="unused", use_vllm=True, report_to=[], use_cpu=True)
    with pytest.raises(ValueError, match="use_vllm=True is not supported"):
        VideoGRPOTrainer(model="unused", reward_funcs=[], args=config)


def test_tools_environments_and_positional_vllm_are_refused():
    config = GRPOConfig(output_dir="unused", report_to=[], use_cpu=True)
    for extra in ({"tools": [len]}, {"environment_factory": object}):  # either one alone
        with pytest.raises(ValueError, match="tools and environments are not supported"):
            VideoGRPOTrainer(model="unused", reward_funcs=[], args=config, **extra)
    vllm = GRPOConfig(output_dir="unused", use_vllm=True, report_to=[], use_cpu=True)
    with pytest.raises(ValueError, match="use_vllm=True is not supported"):  # (model, reward_funcs, args) by position
        VideoGRPOTrainer("unused", [], vllm)
    # two positional arguments and no config: nothing to refuse, the wrapper hands over to TRL (which then fails
    # on the made-up model or this machine's default precision, not on our argument handling)
    with pytest.raises(Exception) as err:
        VideoGRPOTrainer("unused", [])
    assert not isinstance(err.value, IndexError) and "is not supported" not in str(err.value)


def test_records_dataset_by_keyword_and_empty():
    from videorl.record import RecordError, SampleRecord

    rec = SampleRecord(id="a/0", video="v.mp4", duration=4.0, task="mcq", query="q?", options=["a", "b"], answer="B")
    ds = records_dataset(records=[rec], check_videos=False, video_dir="/videos")
    assert len(ds) == 1 and json.loads(ds[0]["video"]) == {"path": "/videos/v.mp4", "clip": None}
    with pytest.raises(RecordError, match="no records"):
        records_dataset(records=[], check_videos=False)


def _mcq(video):
    from videorl.record import SampleRecord

    return SampleRecord(id="a/0", video=str(video), duration=3.0, task="mcq", query="q?", options=["a", "b"],
                        answer="B")


def _small_trainer(tmp_path, model_dir, rec, generation_kwargs=None, **kwargs):
    """A VideoGRPOTrainer over ``rec`` (no training): 2 generations, 2 completion tokens, 56 x 56 frames."""
    config = GRPOConfig(output_dir=str(tmp_path / "out"), report_to=[], use_cpu=True, num_generations=2,
                        per_device_train_batch_size=2, max_completion_length=2, generation_kwargs=generation_kwargs)
    kwargs = {"video_min_pixels": 3136, "video_max_pixels": 3136, **kwargs}
    return VideoGRPOTrainer(model=AutoModelForImageTextToText.from_pretrained(model_dir),
                            processing_class=AutoProcessor.from_pretrained(model_dir), args=config,
                            reward_funcs=[VideoRLReward("default_mcq")],
                            train_dataset=records_dataset([rec], check_videos=False), **kwargs)


def test_default_sampling_is_2_fps(tmp_path):
    """No video_fps given (or None): 2 fps. A 3 s coded video at 10 fps -> targets 0, 0.5, ..., 2.5 s -> frames
    0, 5, 10, 15, 20, 25."""
    from videorl.synth import make_video
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    video = make_video(tmp_path / "v.mp4", duration=3.0, fps=10, size=(64, 48)).path
    d = build_tiny_qwen2_5_vl(tmp_path / "model")
    rec = _mcq(video)
    for extra in ({}, {"video_fps": None}):
        trainer = _small_trainer(tmp_path, d, rec, **extra)
        _, meta = trainer.sample_video(json.dumps({"path": str(video), "clip": None}))
        assert meta.frame_indices == [0, 5, 10, 15, 20, 25] and meta.sampled_fps == 2.0
    # the prompt the policy generates from ends with the assistant's turn opened
    trainer._batch_videos = [json.dumps({"path": str(video), "clip": None})]
    ids, _, _ = trainer._tokenize_prompts([records_dataset([rec])[0]["prompt"]])
    assert trainer.processing_class.tokenizer.decode(ids[0]).endswith("<|im_start|>assistant\n")
    trainer._batch_videos = [{"path": str(video), "clip": None}]  # a dict video, as sample_video takes it
    ids_dict, _, _ = trainer._tokenize_prompts([records_dataset([rec])[0]["prompt"]])
    assert ids_dict == ids
    trainer._video_rows = [{}, {}, {}]  # more videos than sequences: refused before any forward pass
    with pytest.raises(RuntimeError, match="3 videos for 2 sequences"):
        trainer._get_per_token_logps_and_entropies(trainer.model, torch.zeros(2, 5, dtype=torch.long),
                                                   torch.ones(2, 5, dtype=torch.long), 1)


def test_each_row_keeps_its_own_time_step_and_chunks_of_one_row(tmp_path):
    """Videos sampled at different rates in one batch: each training row carries its *own* Qwen2.5-VL
    ``second_per_grid_ts`` (one value). 4 frames of a 3 s and of a 6 s video, both coded at 10 fps: sampled fps
    4/30*10 = 4/3 and 4/60*10 = 2/3, so one temporal patch (2 frames) spans 2/(4/3) = 1.5 s and 2/(2/3) = 3.0 s.
    The log-prob pass in chunks of one row (TRL's ``batch_size=1``) gives what one chunk of all rows gives."""
    from videorl.synth import make_video
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    short = make_video(tmp_path / "short.mp4", duration=3.0, fps=10, size=(64, 48)).path
    long = make_video(tmp_path / "long.mp4", duration=6.0, fps=10, size=(64, 48)).path
    d = build_tiny_qwen2_5_vl(tmp_path / "model")
    rec = _mcq(short)
    trainer = _small_trainer(tmp_path, d, rec, video_nframes=4)
    prompt = records_dataset([rec])[0]["prompt"]
    trainer._batch_videos = [json.dumps({"path": str(p), "clip": None}) for p in (short, long, short)]
    ids, _, fields = trainer._tokenize_prompts([prompt] * 3)
    rows = trainer._video_rows
    assert [r["second_per_grid_ts"].tolist() for r in rows] == [[1.5], [3.0], [1.5]]
    assert fields["second_per_grid_ts"].tolist() == [1.5, 3.0, 1.5]

    width = max(len(x) for x in ids)
    input_ids = torch.tensor([[0] * (width - len(x)) + x for x in ids])  # left padded, as TRL's prompts
    mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in ids])
    with torch.no_grad():
        whole, _, _ = trainer._get_per_token_logps_and_entropies(trainer.model, input_ids, mask, 4)
        ones, _, _ = trainer._get_per_token_logps_and_entropies(trainer.model, input_ids, mask, 4, batch_size=1)
    assert whole.shape == ones.shape == (3, 4)
    assert torch.allclose(whole, ones, atol=1e-5)
    assert torch.allclose(whole[0], whole[2], atol=1e-5)  # rows 0 and 2: the same prompt and video
    assert not torch.allclose(whole[0], whole[1], atol=1e-4)  # row 1 sees the other video and its time step


def test_records_dataset_videos_and_system_prompt(tmp_path, monkeypatch):
    """Relative videos: ``$VIDEORL_VIDEO_DIR`` wins over the records file's folder; a missing video is refused
    by default (file, line, field); a system prompt only when given."""
    from videorl.record import RecordError

    folder, elsewhere = tmp_path / "records", tmp_path / "videos"
    folder.mkdir()
    elsewhere.mkdir()
    (elsewhere / "v.mp4").write_bytes(b"")
    row = {"id": "a/0", "video": "v.mp4", "duration": 4.0, "task": "mcq", "query": "q?", "options": ["a", "b"],
           "answer": "B", "schema_version": 1}
    path = folder / "r.jsonl"
    path.write_text(json.dumps(row) + "\n")
    monkeypatch.delenv("VIDEORL_VIDEO_DIR", raising=False)
    with pytest.raises(RecordError, match="video file not found") as err:  # records/v.mp4 is not there
        records_dataset(path)
    assert err.value.line == 1 and err.value.field == "video"
    monkeypatch.setenv("VIDEORL_VIDEO_DIR", str(elsewhere))
    ds = records_dataset(path)
    assert json.loads(ds[0]["video"])["path"] == str((elsewhere / "v.mp4").resolve())
    assert [m["role"] for m in ds[0]["prompt"]] == ["user"]
    ds = records_dataset(path, system_prompt="Look closely.")
    assert [m["role"] for m in ds[0]["prompt"]] == ["system", "user"]
    assert ds[0]["prompt"][0]["content"] == [{"type": "text", "text": "Look closely."}]


def test_user_suppressed_tokens_are_kept(tmp_path):
    """The trainer adds the image and video pad tokens to the tokens the user already suppresses."""
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    d = build_tiny_qwen2_5_vl(tmp_path / "model")
    processor = AutoProcessor.from_pretrained(d)
    trainer = _small_trainer(tmp_path, d, _mcq("v.mp4"), generation_kwargs={"suppress_tokens": [7]})
    ids = sorted({7, *processor.tokenizer.convert_tokens_to_ids(["<|image_pad|>", "<|video_pad|>"])})
    assert trainer.generation_config.suppress_tokens == ids
