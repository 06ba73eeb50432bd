"""``videorl doctor``: check the environment a user is about to run in, and say how to fix it.

Each check returns a :class:`Check` with a status (``ok``, ``warn``, ``fail``, ``info``), what was
found and, when something is wrong, the exact command that fixes it. ``fail`` means a run would
break (a known-bad version, a missing decoder that the run needs, lmms-eval not seeing our tasks);
``warn`` means it may (a version newer than the newest we tested, no GPU, unprepared data).

What is checked:

- Python and the eval stack's versions (lmms-eval, transformers, filelock, torch, torchvision,
  accelerate, PyAV, decord) against the ranges ``pyproject.toml``'s extras allow (:data:`SUPPORTED`,
  kept equal to them by a test) and the newest versions tested (:data:`TESTED`, equal to
  ``third_party/constraints-eval.txt``);
- the decoders (PyAV for videorl; decord, which lmms-eval's own Qwen backends import);
- that lmms-eval loads our entry point and sees our tasks (``--quick`` skips importing lmms-eval);
- GPUs (torch), and the prepared data of each dataset our lmms-eval tasks read;
- the datasets of the method suites' benchmarks (``videorl_video_r2_suite``, ``videorl_video_mtr_suite``):
  present in the Hugging Face cache, or what the download needs (:func:`check_suite_data`);
- on request, the EasyR1 and LLaMA-Factory environments (``--easyr1-python``, ``--llamafactory-python``):
  their pins, by running the recipes' own ``recipes/lib/check_host.py`` with that interpreter.

``videorl demo`` runs the same checks (:func:`eval_ready`) before it starts.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

# name -> (allowed range as in pyproject.toml's extras, why it is bounded). Keep equal to pyproject.
SUPPORTED: dict[str, tuple[str, str]] = {
    "lmms-eval": ("==0.7.3", "the task and plugin contracts are written against lmms-eval 0.7.3"),
    "transformers": (">=5.20,<5.24", "5.20 is the first 5.x whose Qwen2.5-VL get_rope_index keeps a fractional "
                                     "second_per_grid_ts; 5.24 fails the eval host check"),
    "filelock": ("<4.3", "filelock 4.3 removed filelock._api, which lmms-eval 0.7.3's evaluator imports"),
    "av": (">=12.0", "PyAV decodes the videos"),
    "accelerate": (">=1.0", "lmms-eval's multi-process launch"),
}
# The newest versions tested (third_party/constraints-eval.txt pins the same).
TESTED: dict[str, str] = {
    "lmms-eval": "0.7.3",
    "transformers": "5.23.0",
    "torch": "2.15.0",
    "torchvision": "0.29.2",
    "filelock": "4.2.12",
    "av": "15.1.0",
    "decord": "0.6.0",
}
# Our main tasks: lmms-eval must list them (the plugin check).
MAIN_TASKS = ("temporal_grounding_charades", "temporal_grounding_activitynet", "nextgqa", "videorl_mvbench")
STATUSES = ("ok", "info", "warn", "fail")


@dataclass
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        tag = {"ok": "ok  ", "info": "info", "warn": "WARN", "fail": "FAIL"}[self.status]
        out = f"[{tag}] {self.name}: {self.detail}"
        return out + (f"\n       fix: {self.fix}" if self.fix else "")

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


# ------------------------------------------------------------------------------------------ versions
_VERSION = re.compile(r"^(\d+(?:\.\d+)*)")


def version_tuple(v: str) -> tuple[int, ...]:
    """Release part of a version (``2.8.0+cu128`` -> (2, 8, 0); ``5.0.0rc1`` -> (5, 0, 0))."""
    m = _VERSION.match(v.strip())
    return tuple(int(x) for x in m.group(1).split(".")) if m else ()


def _cmp(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    n = max(len(a), len(b))
    a, b = a + (0,) * (n - len(a)), b + (0,) * (n - len(b))
    return (a > b) - (a < b)


def satisfies(version: str, spec: str) -> bool:
    """``version`` within a comma-separated specifier of ``==``, ``!=``, ``>=``, ``<=``, ``>``, ``<``
    (release numbers only, which is what our bounds use)."""
    have = version_tuple(version)
    for clause in filter(None, (c.strip() for c in spec.split(","))):
        m = re.match(r"(==|!=|>=|<=|>|<)\s*(.+)", clause)
        if not m:
            raise ValueError(f"unsupported version clause {clause!r}")
        op, want = m.group(1), version_tuple(m.group(2))
        c = _cmp(have, want)
        ok = {"==": c == 0, "!=": c != 0, ">=": c >= 0, "<=": c <= 0, ">": c > 0, "<": c < 0}[op]
        if not ok:
            return False
    return True


def installed(name: str) -> str | None:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None


def check_versions(names: list[str] | None = None) -> list[Check]:
    """Installed versions against :data:`SUPPORTED` (fail) and :data:`TESTED` (warn when newer)."""
    out = []
    for name in names or sorted(set(SUPPORTED) | set(TESTED)):
        have = installed(name)
        spec, why = SUPPORTED.get(name, ("", ""))
        if have is None:
            if name in ("lmms-eval", "transformers", "av"):
                out.append(Check(name, "fail", "not installed", 'pip install "videorl[eval]"'))
            else:
                out.append(Check(name, "info", "not installed"))
            continue
        if spec and not satisfies(have, spec):
            out.append(Check(name, "fail", f"{have} is installed; videorl needs {name}{spec} ({why})",
                             f'pip install "{name}{spec}"'))
            continue
        tested = TESTED.get(name)
        if tested and _cmp(version_tuple(have), version_tuple(tested)) > 0:
            out.append(Check(name, "warn", f"{have} is newer than the newest tested ({tested}); if something breaks",
                             f'pip install "{name}=={tested}"'))
            continue
        out.append(Check(name, "ok", have + (f" (tested {tested})" if tested else "")))
    return out


def check_python() -> Check:
    v = sys.version_info
    if v < (3, 10):
        return Check("python", "fail", f"{v.major}.{v.minor} is too old; videorl needs Python >= 3.10",
                     "use Python 3.10-3.12")
    return Check("python", "ok", f"{v.major}.{v.minor}.{v.micro} ({sys.executable})")


def check_decoders() -> list[Check]:
    out = []
    if importlib.util.find_spec("av") is None:
        out.append(Check("decoder pyav", "fail", "PyAV is missing: videorl cannot decode videos",
                         'pip install "videorl[video]"'))
    else:
        try:
            import av

            out.append(Check("decoder pyav", "ok", f"PyAV {av.__version__}, FFmpeg {av.library_versions['libavcodec']}"))
        except Exception as err:  # a broken binary wheel
            out.append(Check("decoder pyav", "fail", f"import av fails: {err}", "pip install --force-reinstall av"))
    if importlib.util.find_spec("decord") is None:
        out.append(Check("decoder decord", "warn", "decord is missing: lmms-eval's own qwen2_5_vl/qwen3_vl backends "
                         "import it (videorl's backends do not)", 'pip install "decord==0.6.0"'))
    else:
        out.append(Check("decoder decord", "ok", installed("decord") or "importable"))
    out.append(Check("decoder torchcodec", "info",
                     "installed" if importlib.util.find_spec("torchcodec") else "not installed (optional)"))
    return out


def check_lmms_eval(quick: bool = False) -> list[Check]:
    """Our ``lmms_eval.models`` entry point is registered and lmms-eval's TaskManager lists our tasks."""
    eps = [ep for ep in md.entry_points(group="lmms_eval.models") if ep.value.startswith("videorl.")]
    if not eps:
        return [Check("lmms-eval plugin", "fail", "videorl's lmms_eval.models entry point is not registered "
                      "(videorl imported from a source folder that was never pip-installed?)",
                      'pip install -e ".[eval]"  (in the videorl checkout)')]
    out = [Check("lmms-eval plugin", "ok", f"entry point {eps[0].value}")]
    if quick or importlib.util.find_spec("lmms_eval") is None:
        return out
    code = ("import logging, lmms_eval.models; from lmms_eval.tasks import TaskManager; "
            "tm = TaskManager(verbosity='ERROR'); names = set(tm.all_tasks); "
            f"print(sorted(n for n in {sorted(MAIN_TASKS)!r} if n not in names))")
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return out + [Check("lmms-eval tasks", "fail", "listing lmms-eval's tasks took over 300 s")]
    if r.returncode != 0:
        tail = (r.stderr.strip().splitlines() or ["?"])[-1]
        return out + [Check("lmms-eval tasks", "fail", f"lmms-eval cannot list its tasks: {tail}",
                            "videorl doctor shows the version that breaks it above; fix that first")]
    missing = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "[]"
    if missing != "[]":
        return out + [Check("lmms-eval tasks", "fail", f"lmms-eval does not see {missing}",
                            'lmms-eval --include_path "$(videorl lmms-eval tasks-dir)" ...')]
    return out + [Check("lmms-eval tasks", "ok", f"sees {', '.join(sorted(MAIN_TASKS))}")]


def check_gpus() -> Check:
    if importlib.util.find_spec("torch") is None:
        return Check("gpu", "info", "torch is not installed")
    try:
        import torch

        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
    except Exception as err:
        return Check("gpu", "warn", f"torch cannot query CUDA: {err}")
    if n == 0:
        return Check("gpu", "warn", "no CUDA GPU visible: evaluation runs on CPU (slow); the GRPO and SFT recipes "
                     "need GPUs (their --dry-run does not)")
    names = ", ".join(torch.cuda.get_device_name(i) for i in range(n))
    return Check("gpu", "ok", f"{n} GPU(s): {names}")


def check_data() -> list[Check]:
    """Per prepared dataset split that our lmms-eval tasks read: there, or the command that makes it."""
    from videorl.data.prepare.commands import prepare_command
    from videorl.paths import data_dir, prepared_path
    from videorl.tasks.facts import task_data, task_names

    needs: dict[tuple[str, str], list[str]] = {}
    for name in task_names():
        for task, dataset, split in task_data(name):
            if task == name:  # groups repeat their subtasks' needs
                needs.setdefault((dataset, split), []).append(task)
    out = []
    for (dataset, split), tasks in sorted(needs.items()):
        path = prepared_path(dataset, split)
        shown = ", ".join(tasks[:3]) + (f" and {len(tasks) - 3} more" if len(tasks) > 3 else "")
        if path.is_file():
            out.append(Check(f"data {dataset}/{split}", "ok", f"{path} (for {shown})"))
        else:
            out.append(Check(f"data {dataset}/{split}", "warn", f"not prepared under {data_dir()}; needed only to "
                             f"run {shown}", prepare_command(dataset, split)))
    return out


def _du(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def check_suite_data() -> list[Check]:
    """The think-variant suites (``videorl_video_r2_suite``, ``videorl_video_mtr_suite``): per benchmark,
    whether lmms-eval's dataset and videos are here and, if not, what the download needs."""
    from videorl.tasks.suite import dataset_status

    try:
        rows = dataset_status()
    except Exception as err:  # lmms-eval missing or its task files unreadable
        return [Check("suite data", "info", f"cannot read lmms-eval's task definitions ({type(err).__name__}: {err})")]
    out = []
    for row in rows:
        name = f"suite data {row['task']}"
        if not row.get("found"):
            out.append(Check(name, "warn", f"lmms-eval has no task {row['task'].removesuffix('_r1')}"))
            continue
        src = row.get("hf_dataset") or f"the annotation file(s) {row.get('data_files')}"
        if row["local"]:
            size = ""
            if row.get("video_dir") and Path(row["video_dir"]).is_dir():
                size = f", videos {_du(Path(row['video_dir'])) / 1e9:.1f} GB in {row['video_dir']}"
            out.append(Check(name, "ok", f"{src} present{size}"))
            continue
        needs = [(f"HF dataset {src}" if row.get("hf_dataset") else src)
                 + (" (lmms-eval sends your HF token: `hf auth login`; a gated dataset also needs its terms "
                    "accepted on its page)" if row.get("token") else "")]
        if row.get("video_dir"):
            needs.append(f"its whole repository (annotations and video archives; size not known offline, see "
                         f"https://huggingface.co/datasets/{src}) unpacked by lmms-eval into {row['video_dir']}")
        if row.get("note"):
            needs.append(row["note"])
        out.append(Check(name, "info", "not downloaded; lmms-eval fetches on first use: " + "; ".join(needs)))
    return out


def check_host(host: str, python: str | os.PathLike) -> Check:
    """The pins of a training host's environment, checked with the recipes' ``check_host.py``."""
    script = Path(__file__).resolve().parents[1] / "recipes" / "lib" / "check_host.py"
    if not script.is_file():
        return Check(f"host {host}", "warn", "the recipes' check_host.py is not here (host checks need the videorl "
                     "source checkout, where recipes/ and third_party/ live)")
    if not Path(python).exists():
        return Check(f"host {host}", "fail", f"no interpreter at {python}",
                     f"bash third_party/install_{host}.sh (see third_party/README.md)")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(script.parents[2]), env.get("PYTHONPATH")]))
    r = subprocess.run([str(python), str(script), host], capture_output=True, text=True, env=env, timeout=120)
    if r.returncode == 0:
        return Check(f"host {host}", "ok", f"{python}: pins match third_party/constraints-{host}.txt")
    problems = "; ".join(line.strip() for line in (r.stdout + r.stderr).splitlines() if line.strip())
    return Check(f"host {host}", "fail", f"{python}: {problems}",
                 f"bash third_party/install_{host}.sh, or pip install -c third_party/constraints-{host}.txt ...")


# ------------------------------------------------------------------------------------------ runs
def run_checks(*, quick: bool = False, hosts: dict[str, str] | None = None) -> list[Check]:
    """All checks, in the order they are printed."""
    checks = [check_python(), *check_versions(), *check_decoders(), *check_lmms_eval(quick), check_gpus(),
              *check_data(), *check_suite_data()]
    for host, python in (hosts or {}).items():
        checks.append(check_host(host, python))
    return checks


def eval_ready() -> list[Check]:
    """The failing checks that would break an lmms-eval run here (versions, decoder, plugin);
    empty when ready. Used by ``videorl demo`` before it starts."""
    checks = [check_python(), *check_versions(), *check_decoders(), *check_lmms_eval(quick=True)]
    return [c for c in checks if c.status == "fail"]


def format_report(checks: list[Check]) -> str:
    fails = sum(c.status == "fail" for c in checks)
    warns = sum(c.status == "warn" for c in checks)
    summary = (f"{fails} problem(s) would break a run, {warns} warning(s)" if fails
               else f"ready ({warns} warning(s))")
    return "\n".join([*(c.line() for c in checks), "", f"videorl doctor: {summary}"])
