"""``videorl_mtr``: lmms-eval plays each question as a Video-MTR episode, as Video-MTR evaluates.

For every ``generate_until`` request the backend looks the document up, reads its question, options
and answer by the task's schema (:func:`doc_problem`: lmms-eval 0.7.3's ``videomme`` ``question`` /
``options`` ["A. …"] / ``answer`` letter; ``mlvu_dev``/``mlvu_test`` ``question`` with the options
in its text or ``candidates``, ``answer`` letter; ``egoschema``/``egoschema_subset`` ``question`` /
``option`` ["A. …"] / ``answer`` index), takes the video the task's own ``doc_to_visual`` names, and
plays one episode of :class:`videorl.envs.video_mtr.VideoMTREnv` with
:func:`videorl.envs.rollout.play_episode` (16 initial frames of the 1 fps / 64-frame pool, up to 3
turns of retrieve-or-answer). The final answer (the option letter, "" when the episode ended without
a valid answer) goes back to lmms-eval, whose own ``process_results`` scores it: that is the task's
**accuracy**. Per task the backend also reports the episodes' **env success rate** (episodes that
ended on a correct answer), the env's own accuracy and **MRA** (numerical questions; none in these
three benchmarks) with :func:`videorl.envs.video_mtr.episode_metrics`, in the log and, with
``episodes_dir``, as ``<task>.jsonl`` (records with ``prediction`` and the episode log ``mtr``, which
``videorl score`` reads) and ``<task>.summary.json``.

Policies (``policy``): ``hf`` (default) runs a local Qwen2.5-VL/Qwen3-VL checkpoint (``pretrained``)
with :class:`videorl.envs.rollout.HFPolicy` (greedy; each observation's frames as images);
``oracle`` retrieves frame 0 and then answers the document's ground truth: a plumbing check that
scores 100 and shows the metrics' path, not a model.

model_args: ``pretrained``, ``policy`` (hf), ``device`` (cpu), ``max_new_tokens`` (256: a think block
and an action; the tasks' 16 is for a bare letter), ``fps`` (1.0), ``max_video_frames`` (64),
``init_frames`` (16), ``max_turn_frames`` (8), ``max_turns`` (3), ``max_pixels`` (100352),
``faithful`` (false), ``episodes_dir``. ``loglikelihood`` is not supported.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from lmms_eval.api.model import lmms
from loguru import logger as eval_logger

from videorl.plugins.lmms_eval.base import init_parallel, sample_errors, video_input
from videorl.record import LETTERS, SampleRecord

log = logging.getLogger(__name__)

_OPTION_LINE = re.compile(r"^\s*\(?([A-Z])[).:]\s*(.*\S)\s*$")


def _strip_letter(option: str, i: int) -> str:
    m = _OPTION_LINE.match(str(option))
    return m.group(2) if m and m.group(1) == LETTERS[i] else str(option).strip()


def doc_problem(doc: dict[str, Any]) -> tuple[str, list[str], str | None]:
    """(question, option texts without letters, answer letter or None) of an MCQ document.

    Options come from ``options`` / ``option`` / ``candidates`` when the document has them, else from
    lines ``(A) text`` / ``A. text`` in the question (removed from it). The answer is a letter, an
    option index (EgoSchema), or an option's text; anything else (a hidden test answer) is None.
    """
    question = str(doc.get("question", "")).strip()
    opts = next((doc[k] for k in ("options", "option", "candidates") if isinstance(doc.get(k), list) and doc[k]), None)
    lines = question.splitlines()
    first_option = next((i for i, line in enumerate(lines) if _OPTION_LINE.match(line)
                         and _OPTION_LINE.match(line).group(1) == "A"), None)
    if first_option is not None:
        parsed = [_OPTION_LINE.match(line) for line in lines[first_option:]]
        if opts is None and all(parsed):
            opts = [m.group(2) for m in parsed]
        if all(parsed):
            question = "\n".join(lines[:first_option]).strip()
    options = [_strip_letter(o, i) for i, o in enumerate(opts or [])]
    ans = doc.get("answer")
    letter = None
    if isinstance(ans, bool):
        ans = None
    if isinstance(ans, int) or (isinstance(ans, str) and ans.strip().isdigit()):
        k = int(ans)
        letter = LETTERS[k] if 0 <= k < len(options) else None
    elif isinstance(ans, str):
        a = ans.strip().strip("()").strip()
        if len(a) == 1 and a.upper() in LETTERS[:len(options)]:
            letter = a.upper()
        elif a in options:
            letter = LETTERS[options.index(a)]
    return question, options, letter


class VideorlMTR(lmms):
    is_simple = True

    def __init__(self, pretrained: str | None = None, policy: str = "hf", device: str = "cpu",
                 max_new_tokens: int | str = 256, fps: float | str = 1.0, max_video_frames: int | str = 64,
                 init_frames: int | str = 16, max_turn_frames: int | str = 8, max_turns: int | str = 3,
                 max_pixels: int | str = 128 * 28 * 28, faithful: bool | str = False,
                 episodes_dir: str | None = None, batch_size: int | str = 1, **kwargs: Any) -> None:
        super().__init__()
        if kwargs:
            raise ValueError(f"videorl_mtr: unknown model_args {sorted(kwargs)} (see docs/video_mtr.md)")
        from videorl.envs.video_mtr import MTRConfig, VideoMTREnv

        self.config = MTRConfig(fps=float(fps), max_video_frames=int(max_video_frames), init_frames=int(init_frames),
                                max_turn_frames=int(max_turn_frames), max_turns=int(max_turns),
                                max_pixels=int(max_pixels), faithful=str(faithful).lower() in ("1", "true", "yes"))
        self.env = VideoMTREnv(self.config)
        self.policy_name = policy
        if policy == "hf":
            if not pretrained:
                raise ValueError("videorl_mtr: policy=hf needs pretrained=<checkpoint folder or hub id>")
            from videorl.envs.rollout import HFPolicy

            self.policy = HFPolicy(pretrained, max_new_tokens=int(max_new_tokens),
                                   device=init_parallel(self, device))
        elif policy == "oracle":
            self.policy = None
            init_parallel(self, device)
        else:
            raise ValueError(f"videorl_mtr: policy must be 'hf' or 'oracle', got {policy!r}")
        self.episodes_dir = Path(episodes_dir) if episodes_dir else None
        self.batch_size_per_gpu = int(batch_size)
        self.episodes: dict[str, list[tuple[SampleRecord, dict[str, Any]]]] = {}
        self.failed: dict[str, int] = {}

    def _record(self, doc: dict[str, Any], video_path: str, task: str, doc_id: int) -> SampleRecord:
        from videorl.video import probe

        question, options, letter = doc_problem(doc)
        if not options:
            raise ValueError(f"videorl_mtr: {task} doc {doc_id} has no options (only multiple-choice tasks)")
        rec = SampleRecord(id=f"{task}/{doc_id}", video=video_path, duration=probe(video_path).duration, task="mcq",
                           query=question, options=options, answer=letter or "A",
                           meta={"gt_known": letter is not None})
        return rec

    def _policy(self, record: SampleRecord) -> Any:
        if self.policy is not None:
            return self.policy
        from videorl.envs.rollout import ScriptedPolicy

        return ScriptedPolicy(["<think>A closer look at the start.</think><retrieve>0, 0</retrieve>",
                               f"<think>I can answer now.</think><answer>{record.answer}</answer>"])

    def generate_until(self, requests: list[Any]) -> list[str]:
        from tqdm import tqdm

        from videorl.envs.rollout import play_episode

        errors = (*sample_errors(), ValueError)
        out: list[str] = []
        quiet = len(requests) < 2 or getattr(self, "_rank", 0) != 0
        for req in tqdm(requests, desc="videorl_mtr episodes", disable=quiet):
            _, _, doc_to_visual, doc_id, task, split = req.args
            doc = self.task_dict[task][split][doc_id]
            try:
                video = video_input(doc, doc_to_visual(doc))
                record = self._record(doc, video.path, task, doc_id)
                episode = play_episode(self.env, record, self._policy(record))
            except errors as err:
                log.warning("videorl_mtr: %s doc %s failed, scored as a failure: %s", task, doc_id, err)
                self.failed[task] = self.failed.get(task, 0) + 1
                self.episodes.setdefault(task, [])
                out.append("")
                continue
            self.episodes.setdefault(task, []).append((record, episode))
            out.append(episode["answer"] or "")
        self.report()
        return out

    def report(self) -> dict[str, dict[str, float]]:
        """Per task: the env's accuracy, success rate and MRA over the episodes with a known answer
        (logged; written under ``episodes_dir`` when given)."""
        from videorl.envs.rollout import prediction_rows
        from videorl.envs.video_mtr import episode_metrics
        from videorl.io import write_json, write_jsonl

        summary = {}
        for task, pairs in self.episodes.items():
            known = [lg for rec, lg in pairs if rec.meta.get("gt_known")]
            m = {**episode_metrics(known), "failed": float(self.failed.get(task, 0))}
            summary[task] = m
            acc, succ, mra, turns = ("n/a" if m.get(k) is None or m.get(k) != m.get(k) else f"{m[k]:.1f}"
                                     for k in ("accuracy", "success_rate", "MRA", "mean_turns"))
            eval_logger.info(f"videorl_mtr {task}: {len(pairs)} episodes ({len(known)} with a known answer, "
                             f"{self.failed.get(task, 0)} failed): env accuracy {acc}, success rate {succ}, "
                             f"MRA {mra}, mean turns {turns}")
            if self.episodes_dir is not None:
                self.episodes_dir.mkdir(parents=True, exist_ok=True)
                write_jsonl(self.episodes_dir / f"{task}.jsonl",
                            prediction_rows([r for r, _ in pairs], [lg for _, lg in pairs]))
                write_json(self.episodes_dir / f"{task}.summary.json",
                           json.loads(json.dumps(m).replace("NaN", "null")))
        return summary

    def loglikelihood(self, requests: list[Any]) -> list[tuple[float, bool]]:
        raise NotImplementedError("videorl_mtr only generates text (output_type: generate_until)")

    def generate_until_multi_round(self, requests: list[Any]) -> list[str]:
        raise NotImplementedError("videorl_mtr plays its own multi-turn episodes; multi-round tasks are not supported")
