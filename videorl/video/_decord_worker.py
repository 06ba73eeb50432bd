"""Child process for decord (see :mod:`videorl.video.other_backends`). Argument: a JSON job."""

from __future__ import annotations

import json
import sys

import numpy as np


def main(job_json: str) -> int:
    job = json.loads(job_json)
    import decord

    vr = decord.VideoReader(job["path"], ctx=decord.cpu(0), width=job["width"], height=job["height"])
    if len(vr) != job["total_frames"]:
        print(f"decord counts {len(vr)} frames, the container has {job['total_frames']}", file=sys.stderr)
        return 3
    frames = vr.get_batch(job["indices"]).asnumpy()
    np.save(job["out"], np.ascontiguousarray(frames, dtype=np.uint8))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
