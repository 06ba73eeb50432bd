"""Atomic output: interrupted writes leave nothing behind; finished files get ordinary permissions."""

from __future__ import annotations

import json
import os

import pytest

from videorl.io import atomic_write, write_json, write_jsonl


def test_interrupted_write_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write("half a line")
        raise RuntimeError("killed")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_write_jsonl_and_json(tmp_path):
    n = write_jsonl(tmp_path / "a" / "b.jsonl", [{"x": 1}, {"y": "é"}])
    assert n == 2
    assert [json.loads(x) for x in (tmp_path / "a" / "b.jsonl").read_text(encoding="utf-8").splitlines()] == [
        {"x": 1}, {"y": "é"}]
    write_json(tmp_path / "c.json", {"k": [1, 2]})
    assert json.loads((tmp_path / "c.json").read_text()) == {"k": [1, 2]}


def test_mode_follows_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_json(tmp_path / "m.json", {})
    finally:
        os.umask(old)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o644
