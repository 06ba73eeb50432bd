"""Decode once: a folder of sampled frames keyed by the file's identity and every sampling setting.

Layout: ``<root>/<key[:2]>/<key>/`` holds ``meta.json`` (the sidecar: :class:`VideoMeta`, the
key's inputs, the format and the array shape) and either ``frames.npy`` (uint8 ``[T, H, W, 3]``,
memory-mappable) or ``000000.jpg``, ``000001.jpg``, ... (one JPEG per frame, what LLaMA-Factory
and EasyR1 accept as a frame list; lossy).

Key: SHA-256 of the resolved path, file size, ``mtime_ns`` (and, with ``content_hash=True``, a
SHA-256 of the file's bytes), every sampling argument, the format and :data:`SAMPLER_VERSION`.
Touching or replacing the video therefore gives a new key; old entries stay until removed.

Atomicity: an entry is built in a hidden temporary folder beside its final place and renamed
into place only when complete (``meta.json`` written last), so an interrupted build leaves no
visible entry, only a ``.tmp-*`` folder that :meth:`FrameCache.stale_temp_dirs` lists. When two
processes build the same entry, the second rename fails because the folder exists; that process
discards its copy and reads the winner's. Entries are never modified in place.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from videorl.video.errors import VideoNotFoundError
from videorl.video.meta import SAMPLER_VERSION, VideoMeta

logger = logging.getLogger(__name__)

FORMATS = ("npy", "jpeg")
SETTINGS = ("fps", "nframes", "clip", "min_pixels", "max_pixels", "total_pixels", "patch_size", "merge_size",
            "backend", "size")
_DEFAULTS: dict[str, Any] = {"fps": None, "nframes": None, "clip": None, "min_pixels": None, "max_pixels": None,
                             "total_pixels": None, "patch_size": 14, "merge_size": 2, "backend": "pyav", "size": None}


@dataclass
class CacheProblem:
    """One problem found by :meth:`FrameCache.verify`."""

    entry: str
    problem: str


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def normalize_settings(**sampling: Any) -> dict[str, Any]:
    """All sampling settings with defaults filled in (``fps`` 2.0 when neither fps nor nframes)."""
    unknown = set(sampling) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown sampling settings: {sorted(unknown)}")
    s = {**_DEFAULTS, **sampling}
    if s["fps"] is None and s["nframes"] is None:
        s["fps"] = 2.0
    s["fps"] = None if s["fps"] is None else float(s["fps"])
    s["clip"] = None if s["clip"] is None else [float(s["clip"][0]), float(s["clip"][1])]
    s["size"] = None if s["size"] is None else [int(s["size"][0]), int(s["size"][1])]
    return s


def _check_cached(path: str | os.PathLike, meta: VideoMeta, expected_duration: float | None,
                  on_truncated: str) -> None:
    """A cache hit is checked against the caller's expected duration like a fresh decode."""
    if expected_duration is None:
        return
    from videorl.video.exact import check_complete
    from videorl.video.meta import VideoInfo

    info = VideoInfo(path=str(path), fps=meta.native_fps, frames=meta.total_frames, duration=meta.duration,
                     width=meta.width, height=meta.height, stream_start=0.0, vfr=meta.vfr, codec="")
    check_complete(info, expected_duration, on_truncated=on_truncated)


class FrameCache:
    """A frame cache folder (see the module docstring)."""

    def __init__(self, root: str | os.PathLike, *, format: str = "npy", jpeg_quality: int = 90,
                 content_hash: bool = False, mmap: bool = False):
        if format not in FORMATS:
            raise ValueError(f"unknown cache format {format!r}; choose one of {', '.join(FORMATS)}")
        self.root = Path(root)
        self.format = format
        self.jpeg_quality = jpeg_quality
        self.content_hash = content_hash
        self.mmap = mmap

    # ------------------------------------------------------------------ keys
    def key_inputs(self, path: str | os.PathLike, format: str | None = None, **sampling: Any) -> dict[str, Any]:
        """What the key is made of: file identity, settings, format, sampler version."""
        p = Path(path).resolve()
        try:
            st = p.stat()
        except FileNotFoundError as err:
            raise VideoNotFoundError(p, "no such file") from err
        ident: dict[str, Any] = {"path": str(p), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
        if self.content_hash:
            ident["sha256"] = _file_sha256(p)
        settings = normalize_settings(**sampling)
        if settings["size"] is None:  # keys made before ``size`` existed stay valid
            del settings["size"]
        return {"file": ident, "settings": settings, "format": format or self.format,
                "sampler_version": SAMPLER_VERSION}

    def key(self, path: str | os.PathLike, format: str | None = None, **sampling: Any) -> str:
        blob = json.dumps(self.key_inputs(path, format, **sampling), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def entry_dir(self, key: str) -> Path:
        return self.root / key[:2] / key

    def has(self, path: str | os.PathLike, format: str | None = None, **sampling: Any) -> bool:
        """True when a complete entry exists for this file and these settings."""
        return (self.entry_dir(self.key(path, format, **sampling)) / "meta.json").is_file()

    def check_entry(self, path: str | os.PathLike, format: str | None = None, *,
                    expected_duration: float | None = None, **sampling: Any) -> bool:
        """True when a complete entry exists; it is then checked against ``expected_duration`` from
        its sidecar alone (no frames loaded), raising :class:`VideoTruncatedError` when short."""
        side = self.entry_dir(self.key(path, format, **sampling)) / "meta.json"
        if not side.is_file():
            return False
        _check_cached(path, VideoMeta.from_dict(json.loads(side.read_text())["meta"]), expected_duration, "error")
        return True

    # ------------------------------------------------------------------ read / build
    def get_or_build(self, path: str | os.PathLike, format: str | None = None, *,
                     expected_duration: float | None = None, on_truncated: str = "error",
                     **sampling: Any) -> tuple[np.ndarray, VideoMeta]:
        """Cached frames and metadata, decoding (once) on a miss with :func:`videorl.video.exact.decode_frames`
        (the sampling rule of :func:`sample_frames`, uncached).

        ``expected_duration`` (a record's duration) is checked on a miss by the sampler and on a hit
        against the cached file duration, so a truncated video is refused either way; it is not part
        of the key."""
        fmt = format or self.format
        entry = self.entry_dir(self.key(path, fmt, **sampling))
        if not (entry / "meta.json").is_file():
            self._build(path, entry, fmt, expected_duration=expected_duration, on_truncated=on_truncated, **sampling)
        frames, meta = self._load(entry)
        _check_cached(path, meta, expected_duration, on_truncated)
        return frames, meta

    def frame_paths(self, path: str | os.PathLike, *, expected_duration: float | None = None,
                    on_truncated: str = "error", **sampling: Any) -> tuple[list[Path], VideoMeta]:
        """JPEG files of the sampled frames (built on a miss) and their metadata."""
        entry = self.entry_dir(self.key(path, "jpeg", **sampling))
        if not (entry / "meta.json").is_file():
            self._build(path, entry, "jpeg", expected_duration=expected_duration, on_truncated=on_truncated,
                        **sampling)
        side = json.loads((entry / "meta.json").read_text())
        meta = VideoMeta.from_dict(side["meta"])
        _check_cached(path, meta, expected_duration, on_truncated)
        return [entry / name for name in side["files"]], meta

    def _build(self, path: str | os.PathLike, entry: Path, fmt: str, *, expected_duration: float | None = None,
               on_truncated: str = "error", **sampling: Any) -> None:
        from videorl.video import exact

        inputs = self.key_inputs(path, fmt, **sampling)
        frames, meta = exact.decode_frames(path, **normalize_settings(**sampling),
                                           expected_duration=expected_duration, on_truncated=on_truncated)
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{entry.name}-", dir=entry.parent))
        try:
            if fmt == "npy":
                np.save(tmp / "frames.npy", frames)
                files = ["frames.npy"]
            else:
                from PIL import Image

                files = [f"{k:06d}.jpg" for k in range(len(frames))]
                for name, fr in zip(files, frames, strict=True):
                    Image.fromarray(fr).save(tmp / name, quality=self.jpeg_quality)
            side = {"key_inputs": inputs, "format": fmt, "shape": list(frames.shape), "files": files,
                    "meta": meta.to_dict()}
            with open(tmp / "meta.json", "w", encoding="utf-8") as fh:
                json.dump(side, fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.rename(tmp, entry)
            except OSError:
                if not (entry / "meta.json").is_file():
                    raise
                logger.debug("%s: built concurrently by another process; keeping theirs", entry)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def _load(self, entry: Path) -> tuple[np.ndarray, VideoMeta]:
        side = json.loads((entry / "meta.json").read_text())
        meta = VideoMeta.from_dict(side["meta"])
        if side["format"] == "npy":
            frames = np.load(entry / "frames.npy", mmap_mode="r" if self.mmap else None)
        else:
            from PIL import Image

            frames = np.stack([np.asarray(Image.open(entry / name).convert("RGB")) for name in side["files"]])
        return frames, meta

    # ------------------------------------------------------------------ maintenance
    def entries(self) -> list[Path]:
        """Every complete entry folder."""
        if not self.root.is_dir():
            return []
        return sorted(p.parent for p in self.root.glob("*/*/meta.json") if not p.parent.name.startswith("."))

    def stale_temp_dirs(self) -> list[Path]:
        """Leftovers of interrupted builds (safe to delete when no build is running)."""
        return sorted(self.root.glob("*/.tmp-*")) if self.root.is_dir() else []

    def verify_entry(self, entry: Path) -> list[CacheProblem]:
        """Sidecar present and parseable, array shape as the metadata says, every file readable."""
        name = str(entry)
        try:
            side = json.loads((entry / "meta.json").read_text())
            meta = VideoMeta.from_dict(side["meta"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            return [CacheProblem(name, f"unreadable sidecar meta.json: {err}")]
        expect = [len(meta.frame_indices), meta.height, meta.width, 3]
        if side.get("shape") != expect:
            return [CacheProblem(name, f"sidecar shape {side.get('shape')} != metadata {expect}")]
        problems = []
        try:
            if side["format"] == "npy":
                arr = np.load(entry / "frames.npy", mmap_mode="r")
                if list(arr.shape) != expect or arr.dtype != np.uint8:
                    problems.append(CacheProblem(name, f"frames.npy is {arr.dtype}{list(arr.shape)}, expected uint8{expect}"))
            else:
                from PIL import Image

                if len(side["files"]) != expect[0]:
                    problems.append(CacheProblem(name, f"{len(side['files'])} JPEG files for {expect[0]} frames"))
                for fname in side["files"]:
                    with Image.open(entry / fname) as im:
                        im.load()
                        if im.size != (meta.width, meta.height):
                            problems.append(CacheProblem(name, f"{fname} is {im.size}, expected "
                                                               f"{(meta.width, meta.height)}"))
        except (OSError, ValueError) as err:
            problems.append(CacheProblem(name, f"unreadable frames: {err}"))
        return problems
