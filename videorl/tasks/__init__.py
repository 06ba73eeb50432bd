"""videorl's lmms-eval task folders (YAML + thin ``utils.py``), shipped as package data.

``lmms-eval --include_path "$(videorl lmms-eval tasks-dir)"`` indexes them; with videorl installed
the ``lmms_eval.models`` entry-point hook adds them automatically (``videorl.plugins.lmms_eval.hook``).
"""

from __future__ import annotations

from pathlib import Path


def tasks_dir() -> Path:
    """The folder holding the task folders (what ``videorl lmms-eval tasks-dir`` prints)."""
    return Path(__file__).resolve().parent
