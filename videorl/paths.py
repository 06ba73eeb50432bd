"""Where prepared data lives.

``videorl data prepare`` writes, and the lmms-eval tasks read, this layout::

    $VIDEORL_DATA_DIR/                 (default ~/.cache/videorl)
        <dataset>/<split>.jsonl        sample records (videorl.record)
        <dataset>/<split>.report.json  the validation report of that preparation

Dataset names: ``charades_sta`` (split ``test``, ``train``), ``activitynet_captions`` (``val_1``,
``val_2``, ``train``), ``nextgqa`` (``test``, ``val``), ``mvbench`` (``test``; one file holding the
20 subtasks, ``meta.subtask`` names each record's subtask), ``synthetic`` (made by ``videorl demo``).
"""

from __future__ import annotations

import os
from pathlib import Path

DATASETS = ("charades_sta", "activitynet_captions", "nextgqa", "mvbench", "synthetic")


def data_dir() -> Path:
    """The root of prepared data: ``$VIDEORL_DATA_DIR`` or ``~/.cache/videorl``."""
    root = os.environ.get("VIDEORL_DATA_DIR")
    return Path(root).expanduser() if root else Path.home() / ".cache" / "videorl"


def prepared_path(dataset: str, split: str) -> Path:
    """Path of the prepared records of one dataset split."""
    return data_dir() / dataset / f"{split}.jsonl"


def report_path(dataset: str, split: str) -> Path:
    """Path of the validation report written beside :func:`prepared_path`."""
    return data_dir() / dataset / f"{split}.report.json"


def tasks_dir() -> Path:
    """The folder holding videorl's lmms-eval task folders (package data; what ``videorl lmms-eval
    tasks-dir`` prints). Here, at the bottom, so the lmms-eval hook finds it without importing the tasks."""
    return Path(__file__).resolve().parent / "tasks"
