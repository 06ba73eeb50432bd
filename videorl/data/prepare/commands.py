"""The command that prepares each dataset our lmms-eval tasks read (``videorl data prepare ...``).

The data room owns these facts: the lmms-eval glue names the command in its missing-data message, and
``videorl doctor`` in its data check; both read them here.
"""

from __future__ import annotations

# dataset name -> the command that writes prepared_path(dataset, split); {split} is filled in. Each one
# parses with the real `videorl data` parser (tests/test_lmms_eval_prepare.py), so they cannot drift.
# Upper-case words are placeholders for the user's paths.
PREPARE_COMMANDS: dict[str, str] = {
    "charades_sta": ("videorl data prepare charades-sta --split {split} --annotations charades_sta_{split}.txt "
                     "--durations charades.json --video-dir CHARADES_VIDEO_DIR"),
    "activitynet_captions": ("videorl data prepare activitynet-captions --split {split} --annotations {split}.json "
                             "--video-dir ACTIVITYNET_VIDEO_DIR"),
    "nextgqa": ("videorl data prepare nextgqa --split {split} --csv {split}.csv --gsub gsub_{split}.json "
                "--map map_vid_vidorID.json --video-dir NEXTQA_VIDEO_DIR"),
    "mvbench": "videorl data prepare mvbench --split {split} --root MVBENCH_DIR",
    "synthetic": "videorl demo",
}
SYNTHETIC_NOTE = "(or let the videorl_synthetic_grounding task generate it on first use)"


def prepare_command(dataset: str, split: str) -> str:
    """The command that writes the prepared records of ``dataset``/``split`` (a generic hint for an unknown
    dataset)."""
    cmd = PREPARE_COMMANDS.get(dataset, "videorl data prepare ...").format(split=split)
    return f"{cmd}  {SYNTHETIC_NOTE}" if dataset == "synthetic" else cmd
