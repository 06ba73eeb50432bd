"""Turn prepared sample records into lmms-eval documents.

lmms-eval loads a task's dataset with ``datasets.load_dataset`` from the YAML, which cannot read
environment variables. Our task YAMLs therefore load a one-line placeholder file shipped beside them
(``dataset_path: json``) and name a ``process_docs`` hook from this module that replaces it with the
records under ``$VIDEORL_DATA_DIR`` (``videorl.paths.prepared_path``), read at task-build time, never at
import time.

A document is a flat dict, so that Arrow never has to unify free-form ``meta`` dicts:

- ``id``: the record id;
- ``video``: absolute path of the video file (relative record paths are joined to the folder
  :func:`video_dir_for` picks: ``$VIDEORL_VIDEO_DIR``, else the ``--video-dir`` recorded in the
  preparation report, else the records folder);
- ``record``: the whole record as a JSON string (``SampleRecord.to_json``).

Missing records stop the run at start-up with one :class:`PreparedDataMissing` message naming the
``videorl data prepare`` command to run. Invalid records raise ``RecordError`` (file, line, field).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from videorl.data.prepare.commands import PREPARE_COMMANDS, SYNTHETIC_NOTE, prepare_command  # noqa: F401 (re-exported)
from videorl.paths import prepared_path
from videorl.record import RecordError, SampleRecord, read_records, resolve_video

log = logging.getLogger(__name__)

class PreparedDataMissing(SystemExit):
    """The prepared records of a task are not there; the message says how to make them.

    A :class:`SystemExit` on purpose: lmms-eval 0.7.3 retries a failing ``process_docs`` five
    times, wraps the error in a ``tenacity.RetryError``, prints a 60-line traceback and exits 0.
    A ``SystemExit`` is not retried (tenacity retries ``Exception`` only), passes lmms-eval's
    ``except Exception`` and ends the process with status 1, the interpreter printing only this
    message, so plain ``lmms-eval --tasks ...`` fails at once with the prepare command on its last
    line. Python callers catch it by name (``except PreparedDataMissing``).
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def missing_message(dataset: str, split: str) -> str:
    """What to tell a user whose prepared records are missing; the prepare command is the last line."""
    return (f"videorl: no prepared records for {dataset}/{split} at {prepared_path(dataset, split)} "
            "(VIDEORL_DATA_DIR sets the data folder; see docs/lmms-eval.md). Prepare them with:\n"
            f"    {prepare_command(dataset, split)}")


def records_report(records_path: Path) -> Path:
    """The report ``videorl data prepare`` writes beside ``records_path`` (``<split>.report.json``)."""
    return records_path.with_name(records_path.name.removesuffix(".jsonl") + ".report.json")


def recorded_video_dir(records_path: Path) -> Path | None:
    """The ``video_dir`` recorded in the preparation report of ``records_path``, if usable.

    None when there is no report, the report holds no ``video_dir`` (prepared without
    ``--video-dir``), or it cannot be read. A relative folder is taken relative to the current
    directory (the report keeps it as given). A recorded folder that does not exist is logged as a
    warning and ignored (None)."""
    report = records_report(records_path)
    if not report.is_file():
        return None
    try:
        recorded = json.loads(report.read_text(encoding="utf-8")).get("video_dir")
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("videorl: cannot read the video folder from %s (%s); relative video paths are resolved "
                    "against %s", report, exc, records_path.parent)
        return None
    if not isinstance(recorded, str) or not recorded:
        return None
    folder = Path(recorded).expanduser().absolute()
    if not folder.is_dir():
        log.warning("videorl: the video folder recorded in %s does not exist: %s; set VIDEORL_VIDEO_DIR "
                    "(relative video paths are resolved against %s)", report, folder, records_path.parent)
        return None
    return folder


def video_dir_for(records_path: Path) -> Path:
    """Folder that relative ``video`` paths are resolved against, first found of:

    1. ``$VIDEORL_VIDEO_DIR`` when set (one folder for every dataset);
    2. the ``video_dir`` recorded in the split's preparation report (``--video-dir`` of
       ``videorl data prepare``; MVBench: ``<root>/video``), see :func:`recorded_video_dir`;
    3. the folder of the records file (``$VIDEORL_DATA_DIR/<dataset>/``).
    """
    env = os.environ.get("VIDEORL_VIDEO_DIR")
    if env:
        return Path(env).expanduser()
    return recorded_video_dir(records_path) or records_path.parent


def record_to_doc(record: SampleRecord, video_dir: Path | None) -> dict[str, str]:
    return {"id": record.id, "video": str(resolve_video(record, video_dir)), "record": record.to_json()}


def doc_record(doc: dict[str, Any]) -> SampleRecord:
    """The record carried by a document (validated again: a doc is data we did not write)."""
    raw = doc.get("record")
    if not isinstance(raw, str):
        raise RecordError("document has no 'record' JSON string; is this a videorl task?", field="record")
    return SampleRecord.from_dict(json.loads(raw))


def load_docs(dataset: str, split: str, *, keep: Callable[[SampleRecord], bool] | None = None) -> list[dict]:
    """Documents of the prepared records ``prepared_path(dataset, split)``, optionally filtered."""
    path = prepared_path(dataset, split)
    if not path.is_file():
        raise PreparedDataMissing(missing_message(dataset, split))
    vdir = video_dir_for(path)
    docs = [record_to_doc(rec, vdir) for _, rec, _ in read_records(path) if keep is None or keep(rec)]
    if not docs:
        raise PreparedDataMissing(f"videorl: {path} holds no records for this task; re-run:\n    "
                                  f"{prepare_command(dataset, split)}")
    log.info("videorl: %d documents from %s (videos under %s)", len(docs), path, vdir)
    return docs


def to_dataset(docs: Iterable[dict]) -> Any:
    """A ``datasets.Dataset`` of documents (what lmms-eval's ``process_docs`` must return)."""
    import datasets

    return datasets.Dataset.from_list(list(docs))


class PreparedDocs:
    """A ``process_docs`` hook: ignore the placeholder dataset, return the prepared records.

    A picklable callable with a stable ``__name__`` (lmms-eval prints and may copy configs), built
    once per task in the task folder's ``utils.py``. ``subtask`` keeps only records whose
    ``meta.subtask`` equals it (MVBench).
    """

    def __init__(self, dataset: str, split: str, subtask: str | None = None):
        self.dataset, self.split, self.subtask = dataset, split, subtask
        self.__name__ = f"prepared_docs_{dataset}_{split}" + (f"_{subtask}" if subtask else "")

    def keep(self, record: SampleRecord) -> bool:
        return self.subtask is None or record.meta.get("subtask") == self.subtask

    def __call__(self, _placeholder: Any) -> Any:
        return to_dataset(load_docs(self.dataset, self.split, keep=self.keep))

    def __repr__(self) -> str:
        return f"PreparedDocs({self.dataset!r}, {self.split!r}, subtask={self.subtask!r})"
