"""Where a prediction run's time went: the idle and frame-wait fractions from hand-made spans."""

from __future__ import annotations

import pytest

from videorl.predict.run import Timings


def test_frame_wait_after_the_first_batch_is_the_decode_not_hidden():
    # 2 s waiting for the first videos, then batch 1 (processor 1 s, generate 4 s), a 0.5 s wait,
    # batch 2 (processor 1 s, generate 4 s): wall 12.5 s
    t = Timings(wall=12.5, wait=2.5, processor=2.0, generate=8.0, events=[
        ("wait", 0.0, 2.0), ("processor", 2.0, 3.0), ("generate", 3.0, 7.0),
        ("wait", 7.0, 7.5), ("processor", 7.5, 8.5), ("generate", 8.5, 12.5)])
    assert t.first_wait == pytest.approx(2.0)
    assert t.wait_fraction == pytest.approx(0.5 / 10.5)  # after the first batch started: 10.5 s, 0.5 s waiting
    assert t.idle_fraction == pytest.approx(1 - 8.0 / 12.5)  # waiting + processor
    d = t.to_dict()
    assert d["first_wait_s"] == pytest.approx(2.0) and d["wait_fraction"] == pytest.approx(0.5 / 10.5)


def test_no_batch_no_wait():
    assert Timings().first_wait == 0.0 and Timings().wait_fraction == 0.0
    only_wait = Timings(wall=1.0, wait=1.0, events=[("wait", 0.0, 1.0)])  # every video failed to decode
    assert only_wait.first_wait == 0.0 and only_wait.wait_fraction == pytest.approx(1.0)
