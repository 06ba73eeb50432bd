"""Prompt texts and answer formats, defined once for SFT, RL and evaluation.

Every host receives the same words:

- lmms-eval tasks build their prompt with :func:`build_prompt`;
- ``videorl data export easyr1`` writes :func:`question` (with the ``<video>`` tag) as the prompt
  column and :func:`format_prompt_template` as EasyR1's Jinja ``format_prompt`` file, which wraps it
  in the same reasoning instruction;
- ``videorl data export llamafactory`` writes :func:`build_prompt` as the user turn and
  :func:`target` as the assistant turn.

Times are always stated and answered in seconds on the model's clock (see ``videorl.record``):
"12.5 - 17.0". Styles:

- ``direct``: answer immediately in the task's answer format;
- ``r1``: reason inside ``<think>...</think>``, then give the answer, in the same format, inside
  ``<answer>...</answer>``;
- ``r1_json``: Temporal-R1's released form for grounding: ``<answer>{"start_time": "12.5",
  "end_time": "17.0"}</answer>`` (other tasks fall back to ``r1``).
"""

from __future__ import annotations

from videorl.record import LETTERS, SampleRecord

STYLES = ("direct", "r1", "r1_json")

VIDEO_TAG = "<video>"

R1_INSTRUCTION = (
    "First think about the question step by step inside <think> </think> tags. "
    "Then give only the final answer inside <answer> </answer> tags."
)

GROUNDING_FORMAT = (
    'Answer with the start and end time of the moment in seconds, in the form "start - end", '
    'for example "12.5 - 17.0".'
)
GROUNDING_FORMAT_JSON = (
    'Give the answer as JSON with the start and end time in seconds, in the form '
    '{"start_time": "12.5", "end_time": "17.0"}.'
)
MCQ_FORMAT = "Answer with the option's letter from the given choices."
GROUNDED_QA_FORMAT = (
    "Answer with the option's letter, then the start and end time in seconds of the part of the "
    'video that supports the answer, in the form "B; 12.5 - 17.0".'
)
OPEN_QA_FORMAT = "Answer the question with a short phrase."
CAPTION_FORMAT = "Describe what happens in the video in a few sentences."


def fmt_seconds(t: float) -> str:
    """Seconds with one decimal, as prompts and targets write them ("12.5")."""
    return f"{float(t):.1f}"


def fmt_span(span: list[float] | tuple[float, float]) -> str:
    return f"{fmt_seconds(span[0])} - {fmt_seconds(span[1])}"


def options_block(options: list[str]) -> str:
    return "\n".join(f"({LETTERS[i]}) {opt}" for i, opt in enumerate(options))


def question(record: SampleRecord, style: str = "direct", *, video_tag: bool = False) -> str:
    """The task text for one record: duration, query or question, options and answer format.

    With ``video_tag`` the text starts with ``<video>`` followed by a newline (EasyR1 and
    LLaMA-Factory place the video there).
    """
    _check_style(style)
    dur = fmt_seconds(record.view_duration)
    head = f"The video is {dur} seconds long."
    if record.task == "grounding":
        fmt = GROUNDING_FORMAT_JSON if style == "r1_json" else GROUNDING_FORMAT
        body = f'{head} Find the moment in the video described by: "{record.query.strip()}"\n{fmt}'
    elif record.task == "mcq":
        body = f"{head}\nQuestion: {record.query.strip()}\nOptions:\n{options_block(record.options)}\n{MCQ_FORMAT}"
    elif record.task == "grounded_qa":
        body = (f"{head}\nQuestion: {record.query.strip()}\nOptions:\n{options_block(record.options)}\n"
                f"{GROUNDED_QA_FORMAT}")
    elif record.task == "open_qa":
        body = f"{head}\nQuestion: {record.query.strip()}\n{OPEN_QA_FORMAT}"
    else:  # caption
        extra = f" {record.query.strip()}" if record.query.strip() else ""
        body = f"{head}{extra}\n{CAPTION_FORMAT}"
    return f"{VIDEO_TAG}\n{body}" if video_tag else body


def build_prompt(record: SampleRecord, style: str = "direct", *, video_tag: bool = False) -> str:
    """The full user prompt: :func:`question` plus the reasoning instruction for ``r1`` styles."""
    q = question(record, style, video_tag=video_tag)
    return f"{q}\n{R1_INSTRUCTION}" if style != "direct" else q


def answer_text(record: SampleRecord, style: str = "direct") -> str:
    """The correct answer in the format the prompt asks for (model clock, seconds)."""
    _check_style(style)
    spans = record.view_spans()
    if record.task == "grounding":
        span = spans[0]
        if style == "r1_json":
            return f'{{"start_time": "{fmt_seconds(span[0])}", "end_time": "{fmt_seconds(span[1])}"}}'
        return fmt_span(span)
    if record.task == "mcq":
        return str(record.answer)
    if record.task == "grounded_qa":
        return f"{record.answer}; {fmt_span(spans[0])}" if spans else str(record.answer)
    return str(record.answer or "").strip()


def target(record: SampleRecord, style: str = "direct", reasoning: str | None = None) -> str:
    """The assistant turn for SFT: the answer, wrapped in think/answer tags for ``r1`` styles.

    ``reasoning`` is the text to put inside ``<think>`` (datasets without reasoning traces get a
    short neutral sentence, so the format is learned without inventing content).
    """
    ans = answer_text(record, style)
    if style == "direct":
        return ans
    think = reasoning.strip() if reasoning else "I watch the video and locate the relevant part."
    return f"<think>{think}</think>\n<answer>{ans}</answer>"


def format_prompt_template(style: str) -> str:
    """EasyR1 ``data.format_prompt`` Jinja text. EasyR1 renders it with one variable, ``content``
    (the prompt column, which already holds :func:`question` with ``<video>``)."""
    _check_style(style)
    if style == "direct":
        return "{{ content | trim }}\n"
    return "{{ content | trim }}\n" + R1_INSTRUCTION + "\n"


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise ValueError(f"unknown prompt style {style!r}; choose one of {list(STYLES)}")


# ------------------------------------------------------------------ think variants of lmms-eval's benchmarks
# The post-prompts of the derived ``<task>_r1`` tasks (videorl/tasks/suite): the answer format in the
# kind the question asks for, then the same reasoning instruction as every other r1 prompt.
SUITE_ANSWER_FORMATS = {
    "mcq": MCQ_FORMAT,
    "numeric": "Answer with a single number.",
    "yes_no": "Answer with yes or no.",
    "open": "Answer the question with a short phrase.",
    "caption": "Describe the video in a few sentences.",
}


def suite_post_prompt(kind: str) -> str:
    """The post-prompt of a think-variant task for answers of ``kind`` (a key of
    :data:`SUITE_ANSWER_FORMATS`): the answer format followed by :data:`R1_INSTRUCTION`."""
    if kind not in SUITE_ANSWER_FORMATS:
        raise ValueError(f"unknown answer kind {kind!r}; choose one of {sorted(SUITE_ANSWER_FORMATS)}")
    return f"{SUITE_ANSWER_FORMATS[kind]} {R1_INSTRUCTION}"
