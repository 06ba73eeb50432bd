"""videorl's lmms-eval task folders (YAML + thin ``utils.py``), shipped as package data.

``lmms-eval --include_path "$(videorl lmms-eval tasks-dir)"`` indexes them; with videorl installed
the ``lmms_eval.models`` entry-point hook adds them automatically (``videorl.plugins.lmms_eval.hook``).
"""

from __future__ import annotations

from videorl.paths import tasks_dir  # noqa: F401  (re-exported: where the task folders are)
