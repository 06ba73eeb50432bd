"""The EasyR1 frame-list sizes (arithmetic only; tests/test_host_easyr1.py checks them through EasyR1's code)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from videorl.data.export_easyr1 import _through_easyr1, easyr1_frame_size


@pytest.mark.parametrize(("hw", "model", "expect"), [
    ((720, 1280), "qwen2_5_vl", (168, 280)),  # 56-multiples: 168x336 is over 50176 px, 112x224 further from 16:9
    ((720, 1280), "qwen3_vl", (160, 288)),  # 160 -> 168 -> 160 and 288 -> 280 -> 288 through the 56 grid
    ((240, 320), "qwen2_5_vl", (168, 224)),  # 4:3 exactly
])
def test_recipe_budget_sizes(hw, model, expect):
    assert easyr1_frame_size(*hw, model, min_pixels=3136, max_pixels=50176) == expect


@settings(max_examples=60, deadline=None)
@given(h=st.integers(64, 2160), w=st.integers(64, 3840), model=st.sampled_from(["qwen2_5_vl", "qwen3_vl"]),
       max_pixels=st.sampled_from([50176, 87808, 100352, 200704]))
def test_sizes_survive_every_easyr1_resize(h, w, model, max_pixels):
    if max(h, w) / min(h, w) > 20:
        return
    eh, ew = easyr1_frame_size(h, w, model, min_pixels=3136, max_pixels=max_pixels)
    factor = 28 if model == "qwen2_5_vl" else 32
    assert eh % factor == 0 and ew % factor == 0 and 3136 <= eh * ew <= max_pixels
    assert _through_easyr1(eh, ew, model, 3136, max_pixels) == (eh, ew)
    if model == "qwen2_5_vl":
        assert eh % 56 == 0 and ew % 56 == 0  # qwen-vl-utils' frame-list grid
