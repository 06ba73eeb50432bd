"""Turn prepared sample records into lmms-eval documents.

lmms-eval loads a task's dataset with ``datasets.load_dataset`` from the YAML, which cannot read
environment variables. Our task YAMLs therefore load a one-line placeholder file shipped beside them
(``dataset_path: json``) and name a ``process_docs`` hook from this module that replaces it with the
records under ``$VIDEORL_DATA_DIR`` (``videorl.paths.prepared_path``), read at task-build time, never at
import time.

A document is a flat dict, so that Arrow never has to unify free-form ``meta`` dicts:

- ``id``: the record id;
- ``video``: absolute path of the video file (see :func:`video_dir_for`);
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

from videorl.paths import prepared_path
from videorl.record import RecordError, SampleRecord, read_records, resolve_video

log = logging.getLogger(__name__)

# dataset name -> the command that writes prepared_path(dataset, split); {split} is filled in.
PREPARE_COMMANDS: dict[str, str] = {
    "charades_sta": ("videorl data prepare charades-sta --split {split} --annotations charades_sta_{split}.txt "
                     "--durations charades.json --video-dir <folder of Charades_v1_480 videos>"),
    "activitynet_captions": ("videorl data prepare activitynet-captions --split {split} --annotations {split}.json "
                             "--video-dir <folder of ActivityNet videos>"),
    "nextgqa": ("videorl data prepare nextgqa --split {split} --annotations gsub_{split}.json --questions {split}.csv "
                "--video-dir <folder of NExT-QA videos>"),
    "mvbench": "videorl data prepare mvbench --split {split} --root <MVBench folder with json/ and video/>",
    "synthetic": "videorl demo  (or let the videorl_synthetic_grounding task generate it on first use)",
}


class PreparedDataMissing(RuntimeError):
    """The prepared records of a task are not there; the message says how to make them."""


def prepare_command(dataset: str, split: str) -> str:
    return PREPARE_COMMANDS.get(dataset, "videorl data prepare ...").format(split=split)


def video_dir_for(records_path: Path) -> Path:
    """Folder that relative ``video`` paths are resolved against: ``$VIDEORL_VIDEO_DIR`` when set,
    else the folder of the records file (``$VIDEORL_DATA_DIR/<dataset>/``)."""
    env = os.environ.get("VIDEORL_VIDEO_DIR")
    return Path(env).expanduser() if env else records_path.parent


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
        raise PreparedDataMissing(
            f"videorl: no prepared records for {dataset}/{split} at {path}. "
            f"Prepare them with:\n    {prepare_command(dataset, split)}\n"
            "(set VIDEORL_DATA_DIR to use another data folder; see docs/lmms-eval.md)")
    vdir = video_dir_for(path)
    docs = [record_to_doc(rec, vdir) for _, rec, _ in read_records(path) if keep is None or keep(rec)]
    if not docs:
        raise PreparedDataMissing(f"videorl: {path} holds no records for this task; re-run:\n    "
                                  f"{prepare_command(dataset, split)}")
    log.info("videorl: %d documents from %s", len(docs), path)
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
