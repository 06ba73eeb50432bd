"""Prompts and SFT targets: the exact words every host receives (written out by hand here)."""

from __future__ import annotations

import jinja2
import pytest

from videorl import prompts
from videorl.record import SampleRecord


def rec(**kw) -> SampleRecord:
    base = {"id": "x", "video": "v.mp4", "duration": 30.96, "task": "grounding", "query": " person turns a light on. ",
            "spans": [[24.3, 30.4]]}
    base.update(kw)
    return SampleRecord.from_dict(base)


def test_grounding_direct_prompt_and_target():
    r = rec()
    assert prompts.build_prompt(r) == (
        'The video is 31.0 seconds long. Find the moment in the video described by: "person turns a light on."\n'
        'Answer with the start and end time of the moment in seconds, in the form "start - end", '
        'for example "12.5 - 17.0".'
    )
    assert prompts.target(r) == "24.3 - 30.4"


def test_grounding_r1_json_target_matches_temporal_r1_form():
    r = rec()
    assert prompts.target(r, "r1_json", reasoning="The light goes on near the end.") == (
        '<think>The light goes on near the end.</think>\n<answer>{"start_time": "24.3", "end_time": "30.4"}</answer>'
    )
    assert "start_time" in prompts.question(r, "r1_json")


def test_clip_moves_the_model_clock():
    # clip [20, 30.96]: the model sees 10.96 s and the span 24.3-30.4 becomes 4.3-10.4
    r = rec(clip=[20.0, 30.96])
    assert prompts.question(r).startswith("The video is 11.0 seconds long.")
    assert prompts.answer_text(r) == "4.3 - 10.4"


def test_mcq_prompt_lists_lettered_options_and_video_tag():
    r = rec(task="mcq", query="What does the person do?", spans=[], options=["sit", "stand up"], answer="B")
    q = prompts.question(r, video_tag=True)
    assert q.splitlines()[:5] == ["<video>", "The video is 31.0 seconds long.", "Question: What does the person do?",
                                  "Options:", "(A) sit"]
    assert prompts.target(r, "r1").endswith("<answer>B</answer>")
    assert prompts.target(r) == "B"


def test_grounded_qa_target():
    r = rec(task="grounded_qa", query="why", options=["a", "b", "c"], answer="C", spans=[[1.0, 2.25], [5, 6]])
    assert prompts.answer_text(r) == "C; 1.0 - 2.2"  # one decimal, round-half-even of 2.25 -> "2.2"


def test_format_prompt_template_renders_like_easyr1():
    # EasyR1 renders the stripped template with the single variable `content`.
    tmpl = jinja2.Template(prompts.format_prompt_template("r1").strip())
    out = tmpl.render(content="<video>\nWhen?")
    assert out.startswith("<video>\nWhen?\nFirst think")
    assert jinja2.Template(prompts.format_prompt_template("direct").strip()).render(content=" <video>Q ") == "<video>Q"


def test_unknown_style_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown prompt style 'cot'"):
        prompts.build_prompt(rec(), "cot")
