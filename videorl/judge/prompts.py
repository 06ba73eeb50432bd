"""The reference methods' own judge prompts, read at run time from the user's checkout (``prompts_from``).

videorl ships paraphrases of Video-R2's and VidBridge-R1's (VersaVid-R1's) judge prompts: the
project may not contain their text. A real judge LLM can rule differently on a paraphrase, so the
faithful judge rewards and TAC/VAS take ``prompts_from=PATH`` (or the environment variable
``VIDEORL_JUDGE_PROMPTS_FROM``) and then build every request from the original files:

- ``PATH`` is a checkout of Video-R2 or of VidBridge-R1, or a folder holding them under their own
  names (``PATH/Video-R2``, ``PATH/VidBridge-R1``); several paths may be joined with ``os.pathsep``.
  The layout identifies the method: Video-R2 has ``train/src/train/temporal_grounding_reward.py``,
  VidBridge-R1 ``src/open_r1_video/qwen25_judge_service.py``.
- The files are parsed with :mod:`ast`; no module of the checkout is imported. String literals are
  read as they are; the f-strings and the two TAC message builders are evaluated alone, with
  restricted builtins, on the sample's text. Sampling settings come from the same files (TAC's and
  VAS's ``SamplingParams(...)``, including VAS's ``top_k``; ``enable_thinking=False`` of their chat
  template becomes ``chat_template_kwargs``; VidBridge-R1's ``max_new_tokens``). Video-R2's training
  client sends ``stream=False`` and no sampling parameters, so the TAR and gate bodies carry just that.

Files read (Video-R2): ``train/src/train/temporal_grounding_reward.py`` (TAR extraction:
``SYSTEM``, ``USER_PROMPT`` in ``calculate_grounding_reward``), ``train/src/train/reward_funcs.py``
(the gate: ``llm_score_instructions``, ``user_msg``), ``eval/scripts/tac/_utils.py`` and
``eval/scripts/tac/mvbench.py`` (TAC messages and sampling), ``eval/scripts/vas/evaluate_vas.py``
(VAS: ``SYSTEM_PROMPT``, ``USER_TEMPLATE``, sampling, the re-ask suffix). VidBridge-R1:
``src/open_r1_video/qwen25_judge_service.py`` (DarkEventInfer and MixVidQA prompts in
``critic_model``), ``src/open_r1_video/dream_metric.py`` (caption event extraction and entailment).

Without ``prompts_from``, faithful mode warns once per process and method that the prompts are
paraphrased (:func:`warn_paraphrased`).
"""

from __future__ import annotations

import ast
import builtins
import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("videorl.judge")

ENV = "VIDEORL_JUDGE_PROMPTS_FROM"
METHODS = {"video_r2": ("Video-R2", "train/src/train/temporal_grounding_reward.py"),
           "vidbridge_r1": ("VidBridge-R1", "src/open_r1_video/qwen25_judge_service.py")}
_SAFE_BUILTINS = {n: getattr(builtins, n) for n in ("chr", "ord", "enumerate", "str", "len", "range", "list",
                                                     "isinstance", "zip")}
_WARNED: set[str] = set()


class PromptsError(ValueError):
    """A checkout given as ``prompts_from`` lacks a file or a prompt videorl reads; names both."""


def checkout(method: str, prompts_from: str | os.PathLike | None = None) -> Path | None:
    """The root of ``method``'s checkout in ``prompts_from`` (else the environment), or ``None``.

    An explicit ``prompts_from`` that holds no checkout of ``method`` raises :class:`PromptsError`."""
    spec = os.fspath(prompts_from) if prompts_from else os.environ.get(ENV)
    if not spec:
        return None
    folder, marker = METHODS[method]
    tried = []
    for part in str(spec).split(os.pathsep):
        if not part:
            continue
        base = Path(part).expanduser()
        for root in (base, base / folder):
            tried.append(str(root / marker))
            if (root / marker).is_file():
                return root.resolve()
    if prompts_from:
        raise PromptsError(f"prompts_from={spec!r} holds no {folder} checkout (looked for {', '.join(tried)})")
    return None


def warn_paraphrased(what: str) -> None:
    """Once per process and ``what``: faithful mode is using videorl's paraphrased prompts."""
    if what in _WARNED:
        return
    _WARNED.add(what)
    log.warning("%s: faithful mode uses videorl's paraphrases of the original judge prompts, so a judge may rule "
                "differently; pass prompts_from=PATH or set %s to a checkout of the original to send its own "
                "prompts (docs/judges.md)", what, ENV)


# -- reading ----------------------------------------------------------------------------------------
def _parse(root: Path, rel: str) -> ast.Module:
    path = root / rel
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except FileNotFoundError:
        raise PromptsError(f"{path}: missing; prompts_from needs the original checkout's {rel}") from None
    except SyntaxError as exc:
        raise PromptsError(f"{path}:{exc.lineno}: cannot parse ({exc.msg})") from None


def _function(tree: ast.Module, name: str, path: str) -> ast.FunctionDef:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise PromptsError(f"{path}: no function {name!r}")


def _assigned(scope: ast.AST, name: str, path: str) -> ast.expr:
    """The value last assigned to ``name`` directly in ``scope`` (a module or function body, and its ifs)."""
    found = None
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            found = node.value
    if found is None:
        raise PromptsError(f"{path}: no assignment to {name!r}")
    return found


def _literal(node: ast.expr, what: str) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise PromptsError(f"{what}: line {node.lineno}: not a literal") from None


def _expression(node: ast.expr, names: tuple[str, ...], what: str) -> Callable[..., Any]:
    """A function of ``names`` evaluating ``node`` (an f-string or another pure expression)."""
    code = compile(ast.Expression(body=node), what, "eval")

    def run(*values: Any) -> Any:
        return eval(code, {"__builtins__": _SAFE_BUILTINS}, dict(zip(names, values, strict=True)))  # noqa: S307

    return run


def _standalone(fn: ast.FunctionDef, what: str) -> Callable[..., Any]:
    """The function alone, annotations dropped, with restricted builtins."""
    fn = ast.parse(ast.unparse(fn)).body[0]  # a copy
    assert isinstance(fn, ast.FunctionDef)
    for a in fn.args.args + fn.args.kwonlyargs:
        a.annotation = None
    fn.returns = None
    ns: dict[str, Any] = {"__builtins__": _SAFE_BUILTINS}
    exec(compile(ast.Module(body=[fn], type_ignores=[]), what, "exec"), ns)  # noqa: S102
    return ns[fn.name]


def _call_keywords(scope: ast.AST, func_suffix: str, path: str) -> dict[str, Any]:
    for node in ast.walk(scope):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name.endswith(func_suffix):
                return {k.arg: ast.literal_eval(k.value) for k in node.keywords
                        if k.arg and isinstance(k.value, ast.Constant | ast.UnaryOp)}
    raise PromptsError(f"{path}: no call to {func_suffix}(...)")


def _chat_kwargs(scope: ast.AST) -> dict[str, Any]:
    """``enable_thinking=False`` given to ``apply_chat_template`` -> vLLM's ``chat_template_kwargs``."""
    kw = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "apply_chat_template":
            kw.update({k.arg: k.value.value for k in node.keywords if k.arg == "enable_thinking"
                       and isinstance(k.value, ast.Constant)})
    return {"chat_template_kwargs": kw} if kw else {}


def _sampling(keywords: dict[str, Any]) -> dict[str, Any]:
    out = dict(keywords)
    if "max_new_tokens" in out:
        out["max_tokens"] = out.pop("max_new_tokens")
    return {k: v for k, v in out.items() if k in ("temperature", "top_p", "top_k", "max_tokens", "min_p",
                                                  "repetition_penalty", "presence_penalty", "frequency_penalty")}


# -- Video-R2 -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VideoR2Prompts:
    """Video-R2's judge requests (see the module docstring)."""

    root: Path
    extract_system: str
    extract_user: str  # .format(text=think)
    gate_system: str
    gate_user: Callable[[str, str, str], str] = field(repr=False)  # (question, think, answer)
    train_params: dict[str, Any] = field(default_factory=lambda: {"stream": False})
    tac_answer: Callable[[list[str], str], list[dict[str, str]]] | None = field(default=None, repr=False)
    tac_think: Callable[[list[str], str], list[dict[str, str]]] | None = field(default=None, repr=False)
    tac_params: dict[str, Any] = field(default_factory=dict)
    vas_system: str = ""
    vas_user: str = ""  # .format(input_text=..., response_text=...)
    vas_params: dict[str, Any] = field(default_factory=dict)
    vas_retry_suffix: str = ""

    def extract_messages(self, think: str) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.extract_system},
                {"role": "user", "content": self.extract_user.format(text=think)}]

    def gate_messages(self, question: str, think: str, answer: str) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.gate_system},
                {"role": "user", "content": self.gate_user(question, think, answer)}]

    def vas_messages(self, input_text: str, response: str, retry: bool = False) -> list[dict[str, str]]:
        user = self.vas_user.format(input_text=input_text or "", response_text=response or "")
        return [{"role": "system", "content": self.vas_system},
                {"role": "user", "content": user + (self.vas_retry_suffix if retry else "")}]


@functools.lru_cache(maxsize=8)
def _video_r2(root: Path, stamp: tuple) -> VideoR2Prompts:
    tar_rel = "train/src/train/temporal_grounding_reward.py"
    tar = _function(_parse(root, tar_rel), "calculate_grounding_reward", tar_rel)
    gate_rel = "train/src/train/reward_funcs.py"
    gate = _function(_parse(root, gate_rel), "temporal_grounding_sentence_embedding_consistency_reward", gate_rel)
    user_node = _assigned(gate, "user_msg", gate_rel)
    think_name = next((n.id for n in ast.walk(user_node) if isinstance(n, ast.Name) and n.id.startswith("reason")),
                      "reasoning")
    gate_user = _expression(user_node, ("question", think_name, "answer"), f"{gate_rel}: user_msg")
    tac_rel, tac_script = "eval/scripts/tac/_utils.py", "eval/scripts/tac/mvbench.py"
    tac_tree = _parse(root, tac_rel)
    script = _parse(root, tac_script)
    vas_rel = "eval/scripts/vas/evaluate_vas.py"
    vas = _parse(root, vas_rel)
    suffix = ""
    for node in ast.walk(_function(vas, "main", vas_rel)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Subscript) \
                and isinstance(node.right, ast.Constant) and isinstance(node.right.value, str):
            suffix = node.right.value
    if not suffix:
        raise PromptsError(f"{vas_rel}: no re-ask suffix (content + '...') in main()")
    return VideoR2Prompts(
        root=root,
        extract_system=_literal(_assigned(tar, "SYSTEM", tar_rel), f"{tar_rel}: SYSTEM"),
        extract_user=_literal(_assigned(tar, "USER_PROMPT", tar_rel), f"{tar_rel}: USER_PROMPT"),
        gate_system=_literal(_assigned(gate, "llm_score_instructions", gate_rel), f"{gate_rel}: llm_score_instructions"),
        gate_user=gate_user,
        tac_answer=_standalone(_function(tac_tree, "build_answer_parsing_message", tac_rel), tac_rel),
        tac_think=_standalone(_function(tac_tree, "build_thinking_extraction_message", tac_rel), tac_rel),
        tac_params={**_sampling(_call_keywords(script, "SamplingParams", tac_script)), **_chat_kwargs(script)},
        vas_system=_literal(_assigned(vas, "SYSTEM_PROMPT", vas_rel), f"{vas_rel}: SYSTEM_PROMPT"),
        vas_user=_literal(_assigned(vas, "USER_TEMPLATE", vas_rel), f"{vas_rel}: USER_TEMPLATE"),
        vas_params={**_sampling(_call_keywords(_function(vas, "batch_generate", vas_rel), "SamplingParams", vas_rel)),
                    **_chat_kwargs(vas)},
        vas_retry_suffix=suffix,
    )


# -- VidBridge-R1 ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class VidBridgePrompts:
    """VidBridge-R1's judge requests (see the module docstring)."""

    root: Path
    system: str
    dark_user: Callable[[str, str], str] = field(repr=False)  # (Res, GT)
    mix_user: Callable[[str, str, str], str] = field(repr=False)  # (question, GT, Res)
    params: dict[str, Any] = field(default_factory=dict)
    events_user: Callable[[str], str] | None = field(default=None, repr=False)  # (caption)
    entail_user: Callable[[list[str], str, str], str] | None = field(default=None, repr=False)  # (events, ref, pred)

    def dark_messages(self, res: str, gt: str) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.dark_user(res, gt)}]

    def mix_messages(self, question: str, gt: str, res: str) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system},
                {"role": "user", "content": self.mix_user(question, gt, res)}]

    def events_messages(self, caption: str) -> list[dict[str, str]]:
        assert self.events_user is not None
        return [{"role": "user", "content": self.events_user(caption)}]

    def entail_messages(self, events: list[str], reference: str, prediction: str) -> list[dict[str, str]]:
        assert self.entail_user is not None
        return [{"role": "user", "content": self.entail_user(events, reference, prediction)}]


def _branch_prompt(fn: ast.FunctionDef, label: str, path: str) -> ast.expr:
    """The ``prompt = ...`` of the ``if problem_type == label`` branch."""
    for node in ast.walk(fn):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and \
                any(isinstance(c, ast.Constant) and c.value == label for c in node.test.comparators):
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "prompt"
                                                        for t in stmt.targets):
                    return stmt.value
    raise PromptsError(f"{path}: no prompt for problem_type {label!r} in {fn.name}()")


def _message_content(fn: ast.FunctionDef, path: str) -> ast.expr:
    """The ``content`` of the (single) user message of ``messages = [...]`` in ``fn``."""
    value = _assigned(fn, "messages", path)
    for node in ast.walk(value):
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if isinstance(k, ast.Constant) and k.value == "content":
                    return v
    raise PromptsError(f"{path}: no message content in {fn.name}()")


@functools.lru_cache(maxsize=8)
def _vidbridge(root: Path, stamp: tuple) -> VidBridgePrompts:
    rel = "src/open_r1_video/qwen25_judge_service.py"
    fn = _function(_parse(root, rel), "critic_model", rel)
    names_dark = ("Res", "GT")
    system = None
    for node in ast.walk(_assigned(fn, "messages", rel)):
        if isinstance(node, ast.Dict):
            d = dict(zip([k.value for k in node.keys if isinstance(k, ast.Constant)], node.values, strict=False))
            if isinstance(d.get("role"), ast.Constant) and d["role"].value == "system":
                system = _literal(d["content"], f"{rel}: system message")
    if system is None:
        raise PromptsError(f"{rel}: no system message in critic_model()")
    dream_rel = "src/open_r1_video/dream_metric.py"
    dream = _parse(root, dream_rel)
    return VidBridgePrompts(
        root=root, system=system,
        dark_user=_expression(_branch_prompt(fn, "DarkEventInfer", rel), names_dark, f"{rel}: DarkEventInfer prompt"),
        mix_user=_expression(_branch_prompt(fn, "MixVidQA", rel), ("question", "GT", "Res"), f"{rel}: MixVidQA prompt"),
        params=_sampling(_call_keywords(fn, "generate", rel)),
        events_user=_expression(_message_content(_function(dream, "call_azure_gpt_api_for_events", dream_rel),
                                                 dream_rel), ("caption",), f"{dream_rel}: events prompt"),
        entail_user=_expression(_message_content(_function(dream, "call_azure_gpt_api", dream_rel), dream_rel),
                                ("events", "reference", "prediction"), f"{dream_rel}: entailment prompt"),
    )


def _stamp(root: Path, rels: tuple[str, ...]) -> tuple:
    return tuple((r, (root / r).stat().st_mtime_ns if (root / r).exists() else None) for r in rels)


def video_r2(prompts_from: str | os.PathLike | None = None) -> VideoR2Prompts | None:
    """Video-R2's prompts from ``prompts_from`` / the environment, or ``None`` when neither names a checkout."""
    root = checkout("video_r2", prompts_from)
    if root is None:
        return None
    return _video_r2(root, _stamp(root, ("train/src/train/temporal_grounding_reward.py", "train/src/train/reward_funcs.py",
                                         "eval/scripts/tac/_utils.py", "eval/scripts/vas/evaluate_vas.py")))


def vidbridge_r1(prompts_from: str | os.PathLike | None = None) -> VidBridgePrompts | None:
    """VidBridge-R1's prompts from ``prompts_from`` / the environment, or ``None``."""
    root = checkout("vidbridge_r1", prompts_from)
    if root is None:
        return None
    return _vidbridge(root, _stamp(root, ("src/open_r1_video/qwen25_judge_service.py",
                                          "src/open_r1_video/dream_metric.py")))
