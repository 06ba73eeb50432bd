"""Coded synthetic videos shared by the video tests (import the fixture into a test module)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from videorl.synth import SynthVideo, make_video


@pytest.fixture(scope="session")
def coded(tmp_path_factory) -> dict[str, SynthVideo]:
    """3 s, 320x240 coded clips: 30 fps, 29.97 fps, a stream starting at 2.0 s, VFR, short GOP + events."""
    d = tmp_path_factory.mktemp("coded")
    return {
        "cfr30": make_video(d / "cfr30.mp4", duration=3, fps=30, events=[(0.5, 1.5), (1.0, 2.0)]),
        "ntsc": make_video(d / "ntsc.mp4", duration=3.003, fps=Fraction(30000, 1001)),
        "offset2": make_video(d / "offset2.mp4", duration=3, fps=30, start_offset=2.0),
        "vfr": make_video(d / "vfr.mp4", duration=3, fps=30, vfr=True),
        "gop5": make_video(d / "gop5.mp4", duration=4, fps=25, gop=5, size=(256, 192)),
    }
