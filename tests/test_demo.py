"""`videorl demo` end to end: synthetic set -> lmms-eval -> oracle at mIoU 100, tiny Qwen runs."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("lmms_eval")
pytest.importorskip("av")

pytestmark = [pytest.mark.lmms_eval, pytest.mark.slow]


def test_demo_cli(tmp_path, monkeypatch, capsys):
    from videorl.cli import main

    monkeypatch.setenv("VIDEORL_DATA_DIR", str(tmp_path / "data"))
    rc = main(["demo", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert rc == 0, out
    # the oracle row: mIoU, R1@0.3, R1@0.5, R1@0.7 all 100, parse_fail 0
    assert out.splitlines()[1].split() == ["videorl_oracle", "100.00", "100.00", "100.00", "100.00", "0.00"]
    assert "videorl_qwen" in out
    for model in ("videorl_oracle", "videorl_qwen"):
        res = json.loads((tmp_path / "out" / model / "results.json").read_text())
        assert res["n-samples"]["videorl_synthetic_grounding"]["effective"] == 6  # 3 videos x 2 events
        assert len((tmp_path / "out" / model / "samples.jsonl").read_text().splitlines()) == 6
        assert str(tmp_path / "out" / model / "results.json") in out  # the printed path is the real file
