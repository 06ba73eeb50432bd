"""Think (R1) variants of lmms-eval's own video benchmarks, derived at run time, and the method suites.

The reference methods report on lmms-eval benchmarks through forks whose "think" tasks copy the
benchmark's YAML and utils and change two things. Here the same two changes are made to the
**installed** lmms-eval's task definitions when lmms-eval builds its task index, and nothing of them
is copied into videorl:

- every derived task ``<task>_r1`` is a YAML file that ``include:``s the original YAML by its path in
  site-packages, so it keeps the dataset, splits, ``doc_to_visual``, ``process_docs``, filters and
  ``metric_list`` lmms-eval loads for the original;
- it overrides the post-prompt (the ``lmms_eval_specific_kwargs`` entries that hold it, for every
  model entry) with :func:`videorl.prompts.suite_post_prompt`, and wraps ``doc_to_text`` so that a
  prompt the original writes without that key (EgoSchema, MMVU) gets it too;
- it wraps ``process_results`` (:mod:`videorl.tasks.suite.hooks`): the text scored is the first
  ``<answer>`` block, else the whole text, and the task's own parser and metric then run on it;
- ``max_new_tokens`` is raised to at least 1024 (a 16-token budget cannot hold reasoning) and the
  ``"\\n\\n"`` stop is dropped (reasoning has blank lines). Nothing else changes;
- numeric benchmarks (VSI-Bench) add ``mra`` (mean relative accuracy over the numeric questions,
  :func:`videorl.scoring.numeric.mean_relative_accuracy`) after the original metrics;
- with a judge configured (:mod:`videorl.judge.config`'s environment) they add ``tac``, ``tac_strict``
  and ``vas`` (Video-R2's judge metrics, :mod:`videorl.scoring.judged`); ``VIDEORL_SUITE_JUDGE=0``
  keeps them off even then.

Groups are derived the same way (``mvbench_r1`` lists ``mvbench_<subtask>_r1``), and two suites
group what the methods report: ``videorl_video_r2_suite`` (Video-R2's 11 benchmarks) and
``videorl_video_mtr_suite`` (Video-MTR: MLVU, VideoMME, EgoSchema).

The generated files live in ``$VIDEORL_DATA_DIR/lmms_eval_tasks/<hash>/`` (a folder per distinct
content, written atomically, so concurrent processes and upgrades never see half a folder). The task
hook (:mod:`videorl.plugins.lmms_eval.hook`) generates and indexes it; ``--include_path`` users get
the folder from :func:`derived_dir`.

``VIDEORL_SUITE_DATA=DIR`` points derived tasks at local annotation files in the task's own schema
(``DIR/<original task>.jsonl``, ``.json`` or ``.parquet``) instead of the hub dataset; the videos are
still read where the original ``doc_to_visual`` looks (``$HF_HOME/<cache_dir>/...``). The tests use it;
so can a user with an offline copy.

This module is the layer that owns these task facts (names, HF dataset ids, video folders); the
doctor reads :func:`dataset_status` from here.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SUFFIX = "_r1"
HOOKS = "videorl.tasks.suite.hooks"
MIN_NEW_TOKENS = 1024
JUDGED_METRICS = ("tac", "tac_strict", "vas")
ENV_DATA = "VIDEORL_SUITE_DATA"
ENV_JUDGE = "VIDEORL_SUITE_JUDGE"


@dataclass(frozen=True)
class Bench:
    """One benchmark as lmms-eval 0.7.3 ships it, and what its think variant changes.

    ``post_prompts``: ``lmms_eval_specific_kwargs`` keys that hold a post-prompt -> the answer kind
    (a key of :data:`videorl.prompts.SUITE_ANSWER_FORMATS`); ``"post_prompt.yes_no"`` names an entry
    of a dict-valued key. ``trim``: a regular expression for an answer instruction the original
    writes into the prompt itself (cut before ours is appended). ``headline``: the metric the
    methods' tables show (``None``: the mean of the group's subtasks' first metric); ``scale``: its
    factor to percent.
    """

    key: str
    title: str
    task: str
    post_prompts: Mapping[str, str] = field(default_factory=lambda: {"post_prompt": "mcq"})
    trim: str | None = None
    numeric: bool = False
    headline: str | None = None
    scale: float = 1.0
    note: str = ""


BENCHES: dict[str, Bench] = {b.key: b for b in (
    Bench("mvbench", "MVBench", "mvbench"),
    Bench("videomme", "VideoMME", "videomme", headline="videomme_perception_score"),
    Bench("tempcompass", "TempCompass", "tempcompass",
          post_prompts={"post_prompt.multi-choice": "mcq", "post_prompt.yes_no": "yes_no",
                        "post_prompt.caption_matching": "mcq", "post_prompt.captioning": "caption"},
          note="Video-R2 used its own `tempcompass_complete` (dataset mmaaz60/tempcompass), which lmms-eval does "
               "not ship; this is lmms-eval's `tempcompass` group. Its captioning part (and unparsed answers of the "
               "others) are scored by lmms-eval's GPT judge (OPENAI_API_KEY)."),
    Bench("mlvu_dev", "MLVU", "mlvu_dev", headline="mlvu_percetion_score"),
    Bench("longvideobench", "LongVideoBench", "longvideobench_val_v", headline="lvb_acc", scale=100.0),
    Bench("videomathqa", "VideoMathQA", "videomathqa_mcq", headline="videomathqa_perception_score"),
    Bench("video_mmmu", "Video-MMMU", "video_mmmu", post_prompts={"mcq_post_prompt": "mcq"}, headline="mmmu_acc",
          scale=100.0),
    Bench("mmvu", "MMVU", "mmvu_val", trim=r"\s*Do not generate any intermediate reasoning process\..*$",
          headline="accuracy",
          note="the original writes 'do not reason' into the prompt text; the wrapper cuts that line"),
    Bench("vsibench", "VSI-Bench", "vsibench", post_prompts={"mca_post_prompt": "mcq", "na_post_prompt": "numeric"},
          numeric=True, headline="vsibench_overall", scale=100.0),
    Bench("minerva", "MINERVA", "minerva", headline="minerva_acc",
          note="videos are YouTube ids: set MINERVA_VIDEO_DIR to a folder of downloaded videos"),
    Bench("scivideobench", "SciVideoBench", "scivideobench", headline="scivideobench_acc.overall_acc"),
    Bench("egoschema_subset", "EgoSchema (subset)", "egoschema_subset", headline="score", scale=100.0,
          trim=r"\s*Answer with the option's letter from the given choices directly\.\s*$",
          note="the 500-question subset with public answers; the original writes its own post-prompt"),
    Bench("egoschema", "EgoSchema", "egoschema", headline="submission",
          trim=r"\s*Answer with the option's letter from the given choices directly\.\s*$",
          note="full test set: scored by EgoSchema's online server (network)"),
)}

SUITES: dict[str, tuple[str, ...]] = {
    "videorl_video_r2_suite": ("mvbench", "videomme", "tempcompass", "mlvu_dev", "longvideobench", "videomathqa",
                               "video_mmmu", "mmvu", "vsibench", "minerva", "scivideobench"),
    "videorl_video_mtr_suite": ("mlvu_dev", "videomme", "egoschema_subset"),
}
GENERIC = ("mvbench", "videomme", "tempcompass", "mlvu_dev", "longvideobench")  # Video-R2's "generic" five


def derived_name(task: str) -> str:
    return f"{task}{SUFFIX}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def headline_value(bench: Bench, results: Mapping[str, Mapping[str, Any]], metric: str | None = None) -> float | None:
    """The number the methods' tables show for ``bench``, in percent, from an lmms-eval ``results`` dict.

    ``metric`` defaults to :attr:`Bench.headline` (``name`` or ``name.key`` for a metric whose value is
    a dict). A group without its own number (MVBench, TempCompass, Video-MMMU in lmms-eval 0.7.3) is
    the unweighted mean of its subtasks' first metric (MVBench's overall score is that mean); it counts
    only when the group itself was run, so a partial set of subtasks never fills the column. None when
    the results do not hold it. ``metric`` names a judge metric (``tac``, ``vas``) to read that instead
    (groups: the mean over subtasks).
    """
    name = derived_name(bench.task)
    want = metric or bench.headline
    scale = bench.scale if metric in (None, bench.headline) else 1.0
    entry = results.get(name)
    key, _, sub = (want or "").partition(".")
    if entry is None:  # not run (a group counts only when it was run as a whole)
        return None
    if want is not None:
        value = entry.get(f"{key},none")
        if sub and isinstance(value, Mapping):
            value = value.get(sub)
        value = _number(value)
        if value is not None:
            return value * scale
    prefix = bench.task + "_"
    subs = [v for k, v in results.items() if k.startswith(prefix) and k.endswith(SUFFIX) and k != name]
    vals = []
    for v in subs:
        if want is not None:
            got = v.get(f"{key},none")
            got = _number(got.get(sub) if sub and isinstance(got, Mapping) else got)
            got = None if got is None else got * scale
        else:
            got = next((_number(x) for k, x in v.items() if k.endswith(",none") and "_stderr" not in k
                        and _number(x) is not None), None)
        if got is not None:
            vals.append(got)
    return sum(vals) / len(vals) if vals else None


# ------------------------------------------------------------------------------------------ YAML reading
class Fn(str):
    """A ``!function`` reference, written back as ``!function <dotted path>``."""


def lmms_eval_root() -> Path:
    import lmms_eval

    return Path(lmms_eval.__file__).resolve().parent


def _dotted(tag: str, yaml_dir: Path) -> Fn:
    """``utils.f`` as written in a YAML of ``yaml_dir`` -> ``lmms_eval.tasks.<folder>.utils.f``."""
    module, _, fn = tag.rpartition(".")
    local = yaml_dir / f"{module.replace('.', os.sep)}.py"
    if module and local.is_file():
        root = lmms_eval_root()
        try:
            rel = local.with_suffix("").resolve().relative_to(root.parent)
        except ValueError as err:
            raise UnwrappableTask(f"{local} is not inside the lmms_eval package") from err
        module = ".".join(rel.parts)
    return Fn(f"{module}.{fn}")


def read_yaml(path: Path) -> dict[str, Any]:
    """A task/group YAML with its ``include:`` files merged (as lmms-eval does); ``!function x`` -> :class:`Fn`
    with the dotted path of the module it names."""
    import yaml

    path = Path(path)

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_constructor("!function", lambda loader, node: _dotted(loader.construct_scalar(node), path.parent))
    cfg = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    inc = cfg.pop("include", None)
    if inc is None:
        return cfg
    merged: dict[str, Any] = {}
    for item in reversed([inc] if isinstance(inc, str) else list(inc)):
        p = Path(item) if Path(item).is_file() else path.parent / item
        merged.update(read_yaml(p))
    merged.update(cfg)
    return merged


def _dump(cfg: dict[str, Any]) -> str:
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    _Dumper.add_representer(Fn, lambda d, v: d.represent_scalar("!function", str(v)))
    return yaml.dump(cfg, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


# ------------------------------------------------------------------------------------------ derivation
class UnwrappableTask(ValueError):
    """An original task that cannot be wrapped without copying it; the message says why."""


def _ours(original: Any, kind: str) -> str:
    from videorl.prompts import suite_post_prompt

    text = original if isinstance(original, str) else ""
    lead = text[: len(text) - len(text.lstrip())] if text.strip() else "\n"
    trail = text[len(text.rstrip()):] if text.strip() else ""
    return f"{lead}{suite_post_prompt(kind)}{trail}"


def replace_post_prompts(kwargs: Mapping[str, Any] | None, keys: Mapping[str, str]) -> dict[str, Any]:
    """``lmms_eval_specific_kwargs`` with every post-prompt key of every model entry replaced by ours
    (``default`` gets each key even where the original had none)."""
    out = copy.deepcopy(dict(kwargs or {}))
    out.setdefault("default", {})
    for model, entry in out.items():
        if not isinstance(entry, dict):
            continue
        for key, kind in keys.items():
            name, _, sub = key.partition(".")
            if sub:
                if isinstance(entry.get(name), dict):
                    entry[name][sub] = _ours(entry[name].get(sub), kind)
                elif model == "default":
                    entry[name] = {sub: _ours(None, kind)}
            elif name in entry or model == "default":
                entry[name] = _ours(entry.get(name), kind)
    return out


def _hook(kind: str, bench: str, fn: Fn) -> Fn:
    parts = str(fn).split(".")
    if any("__" in p or not p for p in parts):
        raise UnwrappableTask(f"cannot name a wrapper for {fn} (a part holds '__')")
    return Fn(f"{HOOKS}.{kind}__{bench}__{'__'.join(parts)}")


def local_data(task: str) -> Path | None:
    """``$VIDEORL_SUITE_DATA/<task>.{jsonl,json,parquet}`` when set and present."""
    root = os.environ.get(ENV_DATA)
    if not root:
        return None
    for ext in ("jsonl", "json", "parquet"):
        p = Path(root).expanduser() / f"{task}.{ext}"
        if p.is_file():
            return p.resolve()
    return None


def judge_enabled() -> bool:
    """TAC/VAS are added when a judge is configured (``VIDEORL_JUDGE_*`` / ``OPENAI_API_*``, see
    :mod:`videorl.judge.config`) and ``VIDEORL_SUITE_JUDGE`` is not 0."""
    if os.environ.get(ENV_JUDGE, "1").strip().lower() in {"0", "false", "no", "off"}:
        return False
    from videorl.judge.config import JudgeConfig

    cfg = JudgeConfig.resolve()
    return bool(cfg.base_url and cfg.model)


def derive_task(bench: Bench, original: str, yaml_path: Path, *, judged: bool = False) -> dict[str, Any]:
    """The derived config of one original (leaf) task: ``include`` of the original plus overrides."""
    cfg = read_yaml(yaml_path)
    if cfg.get("task") != original:
        raise UnwrappableTask(f"{yaml_path} defines task {cfg.get('task')!r}, not {original!r}")
    pr, text = cfg.get("process_results"), cfg.get("doc_to_text")
    if not isinstance(pr, Fn):
        raise UnwrappableTask(f"{original}: process_results is not a !function ({pr!r}); nothing to wrap")
    if not isinstance(text, Fn):
        raise UnwrappableTask(f"{original}: doc_to_text is not a !function ({text!r})")
    if "generate_until" not in str(cfg.get("output_type", "generate_until")):
        raise UnwrappableTask(f"{original}: output_type {cfg.get('output_type')!r} does not generate text")
    gen = dict(cfg.get("generation_kwargs") or {})
    gen["max_new_tokens"] = max(int(gen.get("max_new_tokens") or 0), MIN_NEW_TOKENS)
    until = gen.get("until", [])
    until = [until] if isinstance(until, str) else list(until or [])
    gen["until"] = [u for u in until if u != "\n\n"]
    out: dict[str, Any] = {
        "include": str(Path(yaml_path).resolve()),
        "task": derived_name(original),
        "tag": [],
        "doc_to_text": _hook("text", bench.key, text),
        "process_results": _hook("r1", bench.key, pr),
        "generation_kwargs": gen,
        "lmms_eval_specific_kwargs": replace_post_prompts(cfg.get("lmms_eval_specific_kwargs"), bench.post_prompts),
    }
    extra = []
    if bench.numeric:
        extra.append({"metric": "mra", "aggregation": Fn(f"{HOOKS}.mra_aggregate"), "higher_is_better": True})
    if judged:
        extra += [{"metric": m, "aggregation": Fn(f"{HOOKS}.{m}_aggregate"), "higher_is_better": True}
                  for m in JUDGED_METRICS]
    if extra:
        out["metric_list"] = list(cfg.get("metric_list") or []) + extra
    data = local_data(original)
    if data is not None:
        fmt = "parquet" if data.suffix == ".parquet" else "json"
        out.update(dataset_path=fmt, dataset_name=None,
                   dataset_kwargs={"data_files": {str(cfg.get("test_split") or "test"): str(data)}})
    meta = cfg.get("metadata")
    out["metadata"] = {**(meta if isinstance(meta, dict) else {"version": 0.0}), "videorl_derived_from": original}
    return out


def derive_group(original: str, yaml_path: Path) -> dict[str, Any]:
    cfg = read_yaml(yaml_path)
    tasks = cfg.get("task")
    if cfg.get("group") != original or not isinstance(tasks, list) or not all(isinstance(t, str) for t in tasks):
        raise UnwrappableTask(f"{yaml_path}: group {original!r} is not a plain list of task names")
    return {**cfg, "group": derived_name(original), "task": [derived_name(t) for t in tasks]}


def build(index: Mapping[str, Mapping[str, Any]], *, judged: bool = False) -> tuple[dict[str, str], dict[str, str]]:
    """``({file name: YAML text}, {original task: why it was skipped})`` from lmms-eval's task index."""
    files: dict[str, str] = {}
    skipped: dict[str, str] = {}
    done: set[str] = set()
    for bench in BENCHES.values():
        entry = index.get(bench.task)
        if not entry or not isinstance(entry.get("yaml_path"), str):
            skipped[bench.task] = "not in this lmms-eval's task index"
            continue
        try:
            if entry.get("type") == "group":
                group = derive_group(bench.task, Path(entry["yaml_path"]))
                leaves = [t[: -len(SUFFIX)] for t in group["task"]]
                for leaf in leaves:
                    sub = index.get(leaf) or {}
                    if not isinstance(sub.get("yaml_path"), str):
                        raise UnwrappableTask(f"subtask {leaf} of {bench.task} is not in the task index")
                    files[f"{bench.key}/{derived_name(leaf)}.yaml"] = _dump(
                        derive_task(bench, leaf, Path(sub["yaml_path"]), judged=judged))
                files[f"{bench.key}/{derived_name(bench.task)}.yaml"] = _dump(group)
            else:
                files[f"{bench.key}/{derived_name(bench.task)}.yaml"] = _dump(
                    derive_task(bench, bench.task, Path(entry["yaml_path"]), judged=judged))
            done.add(bench.key)
        except (UnwrappableTask, OSError) as err:
            skipped[bench.task] = str(err)
            files = {k: v for k, v in files.items() if not k.startswith(f"{bench.key}/")}
    for suite, keys in SUITES.items():
        files[f"{suite}.yaml"] = _dump({"group": suite,
                                        "task": [derived_name(BENCHES[k].task) for k in keys if k in done],
                                        "metadata": {"version": 1.0}})
    return files, skipped


def _cache_root() -> Path:
    from videorl.paths import data_dir

    return data_dir() / "lmms_eval_tasks"


def write_folder(files: Mapping[str, str], root: Path | None = None) -> Path:
    """Write ``files`` into ``<root>/<content hash>/`` once (atomically: a temporary folder renamed)."""
    import shutil
    import tempfile

    root = root or _cache_root()
    digest = hashlib.sha256(json.dumps(sorted(files.items())).encode()).hexdigest()[:16]
    final = root / digest
    if final.is_dir():
        return final
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{digest}.", dir=root))
    try:
        for name, text in files.items():
            p = tmp / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
        try:
            os.rename(tmp, final)
        except OSError:  # another process won the race with the same content
            if not final.is_dir():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


_announced: set[str] = set()
_NAME = re.compile(r"^(task|group):[ \t]*[\"']?(\w[\w.\-]*)", re.M)


def builtin_index() -> dict[str, dict[str, Any]]:
    """``{task or group name: {"type", "yaml_path"}}`` of lmms-eval's built-in YAML files, from a text scan
    (no YAML parsing, no imports: a few seconds less than lmms-eval's own walk)."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((lmms_eval_root() / "tasks").rglob("*.yaml")):
        try:
            m = _NAME.search(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        if m:
            out.setdefault(m.group(2), {"type": m.group(1), "yaml_path": str(path)})
    return out


def derived_dir(index: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    """Generate the derived tasks from ``index`` (default: lmms-eval's built-in index) and return the folder.

    Tasks that cannot be wrapped are logged once each and left out."""
    if index is None:
        index = builtin_index()
    files, skipped = build(index, judged=judge_enabled())
    for task, why in skipped.items():
        if task not in _announced:
            _announced.add(task)
            log.warning("videorl: no think variant of %s: %s", task, why)
    return write_folder(files)


# ------------------------------------------------------------------------------------------ facts for doctor
def _hf_home() -> Path:
    return Path(os.environ.get("HF_HOME") or Path("~") / ".cache" / "huggingface").expanduser()


def _hub_cached(repo: str) -> bool:
    hub = Path(os.environ.get("HF_HUB_CACHE") or _hf_home() / "hub").expanduser()
    return (hub / f"datasets--{repo.replace('/', '--')}").is_dir()


def dataset_status(bench_keys: list[str] | None = None) -> list[dict[str, Any]]:
    """Per benchmark of the suites: what its download needs and whether it is here.

    Read from the installed lmms-eval YAML (``dataset_path``, ``dataset_kwargs``): the HF dataset id,
    whether a token is needed, the video folder ``$HF_HOME/<cache_dir>`` that lmms-eval's ``video: True``
    download fills (the whole dataset repository: annotations and video archives), and whether that
    folder and the hub snapshot exist. ``local`` is True when both (or a ``VIDEORL_SUITE_DATA`` file
    and the video folder) are there.
    """
    index = {name: Path(e["yaml_path"]) for name, e in builtin_index().items()}
    out = []
    for key in bench_keys or list(dict.fromkeys(k for keys in SUITES.values() for k in keys)):
        bench = BENCHES[key]
        path = index.get(bench.task)
        row: dict[str, Any] = {"bench": key, "title": bench.title, "task": derived_name(bench.task), "note": bench.note}
        if path is None:
            out.append({**row, "found": False, "local": False})
            continue
        cfg = read_yaml(path)
        if isinstance(cfg.get("task"), list):  # a group: facts of its first subtask
            sub = index.get(cfg["task"][0])
            cfg = read_yaml(sub) if sub else {}
        kw = dict(cfg.get("dataset_kwargs") or {})
        repo = str(cfg.get("dataset_path") or "")
        files = kw.get("data_files")
        video_dir = _hf_home() / str(kw["cache_dir"]) if kw.get("cache_dir") else None
        annotations = _hub_cached(repo) if "/" in repo else bool(local_data(bench.task))
        if local_data(bench.task):
            annotations = True
        videos = video_dir.is_dir() if video_dir else None
        row.update(found=True, hf_dataset=repo if "/" in repo else None, data_files=files, token=bool(kw.get("token")),
                   video_dir=str(video_dir) if video_dir else None, annotations_present=annotations,
                   videos_present=videos, local=bool(annotations and videos is not False))
        out.append(row)
    return out
