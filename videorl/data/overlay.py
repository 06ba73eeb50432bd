"""Timestamp and subtitle overlay (Video-R2's timestamp-aware frames), drawn on sampled frames.

The overlay is applied to the frames :func:`videorl.video.sample_frames` returns, using each frame's
exact time from its :class:`~videorl.video.VideoMeta`, so a stamp always names the second the frame
really shows. The same function runs wherever frames are produced (frame-list exports for EasyR1 and
LLaMA-Factory, the ``videorl_qwen`` lmms-eval backend with ``overlay=``), so training and evaluation
see identical pixels for the same option.

Spec (a string, also the CLI / model_args form)::

    absolute                      HH:MM:SS of video time (seconds from the file's first frame; Video-R2)
    relative                      HH:MM:SS of model time (seconds from the first sampled frame of the clip)
    absolute+subtitles:DIR        and subtitles from DIR/<video path relative to the video folder>.srt
    subtitles:FILE.srt            subtitles only (a single .srt file, or a folder as above)

Layout and colours follow Video-R2 (``train/qwen_vl_utils/vision_process.py``):

- **stamp**: top-left, text ``HH:MM:SS`` (whole seconds, truncated), font size ``round(0.05 *
  min(H, W))`` clamped to [16, 72], margin ``max(5, size // 4)``, black stroke ``max(1, size // 12)``;
  white when the top-left 40x200 patch is dark (luminance < 80) or red-dominant, else red;
- **subtitles**: the cue active at the frame's video time (50 ms tolerance, monotonic bisect lookup),
  ``<b>/<i>/<u>`` tags stripped, wrapped to 90 % of the width, bottom-centre on a black box of alpha
  0.55, white text with a black stroke, font ``round(0.06 * min(H, W))`` clamped to [20, 96].

Where we differ, on purpose: Video-R2 draws on full-resolution frames before the processor resizes
them; we draw on the frames at the size the model receives (so the text has the same on-screen
size for every source resolution). The font is Pillow's built-in scalable font
(``ImageFont.load_default(size)``, Pillow >= 10.1) instead of DejaVuSans, which is not guaranteed to
exist. Subtitle lookups use the frame's exact video time, not ``index / average_fps``.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from videorl.record import RecordError

log = logging.getLogger(__name__)

CLOCKS = ("absolute", "relative")
SUBTITLE_TOLERANCE = 0.05
_TAG = re.compile(r"</?[biu]>", re.IGNORECASE)
_SRT_TIME = re.compile(r"^\s*(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})\s*-->\s*(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})")


# ---------------------------------------------------------------------- spec
@dataclass(frozen=True)
class OverlaySpec:
    """What to draw: a timestamp on ``clock`` (None: no stamp) and/or subtitles from ``subtitles``."""

    clock: str | None = "absolute"
    """``absolute`` (video time), ``relative`` (model time from the first sampled frame), or None."""
    subtitles: str | None = None
    """A ``.srt`` file, or a folder holding ``<video relative path>.srt`` files; None: no subtitles."""

    def __post_init__(self) -> None:
        if self.clock is not None and self.clock not in CLOCKS:
            raise ValueError(f"overlay clock must be one of {list(CLOCKS)}, got {self.clock!r}")
        if self.clock is None and not self.subtitles:
            raise ValueError("an overlay needs a timestamp clock, subtitles, or both")

    @classmethod
    def parse(cls, spec: OverlaySpec | str | None) -> OverlaySpec | None:
        """Read the string form (module docstring); ``None``, ``""`` and ``"none"`` give None."""
        if spec is None or isinstance(spec, OverlaySpec):
            return spec
        text = str(spec).strip()
        if text.lower() in ("", "none", "off", "false"):
            return None
        clock, subs = None, None
        for part in text.split("+"):
            part = part.strip()
            if part in CLOCKS:
                clock = part
            elif part.startswith("subtitles:") and part[len("subtitles:"):].strip():
                subs = part[len("subtitles:"):].strip()
            else:
                raise ValueError(f"bad overlay spec {spec!r}: {part!r} is not 'absolute', 'relative' or "
                                 "'subtitles:PATH' (parts joined with '+')")
        return cls(clock=clock, subtitles=subs)

    def __str__(self) -> str:
        parts = [self.clock] if self.clock else []
        if self.subtitles:
            parts.append(f"subtitles:{self.subtitles}")
        return "+".join(parts)

    def subtitle_file(self, video: str | os.PathLike, relative: str | None = None) -> Path | None:
        """The ``.srt`` for a video: the spec's file itself, or ``DIR/<relative>.srt`` (``relative``:
        the video path as the record gives it, else the file name); None when there is none."""
        if not self.subtitles:
            return None
        root = Path(self.subtitles).expanduser()
        if root.is_file():
            return root
        rel = Path(relative) if relative and not Path(relative).is_absolute() else Path(Path(video).name)
        cand = root / rel.with_suffix(".srt")
        return cand if cand.is_file() else None

    def key(self, video: str | os.PathLike, relative: str | None = None) -> dict[str, Any]:
        """What a cache key must include: the clock and the subtitle file's identity."""
        srt = self.subtitle_file(video, relative)
        ident = None
        if srt is not None:
            st = srt.stat()
            ident = [str(srt.resolve()), st.st_size, st.st_mtime_ns]
        return {"clock": self.clock, "subtitles": ident, "overlay_version": OVERLAY_VERSION}


OVERLAY_VERSION = 1
"""Bumped whenever the pixels drawn for the same spec may change (part of cache keys)."""


# ---------------------------------------------------------------------- text helpers
def format_hhmmss(seconds: float) -> str:
    """``HH:MM:SS`` of whole seconds, truncated (Video-R2); ``1e-6`` s of float noise is absorbed."""
    total = int(max(0.0, float(seconds)) + 1e-6)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


@functools.lru_cache(maxsize=64)
def font(size: int) -> Any:
    """Pillow's built-in scalable font at ``size`` pixels (needs Pillow >= 10.1 with FreeType)."""
    from PIL import ImageFont

    f = ImageFont.load_default(size)
    if not hasattr(f, "size"):  # pragma: no cover - Pillow without FreeType gives a fixed bitmap font
        raise RuntimeError("the overlay needs Pillow >= 10.1 built with FreeType (ImageFont.load_default(size))")
    return f


def stamp_metrics(height: int, width: int) -> tuple[int, int, int]:
    """``(font size, margin, stroke width)`` of the timestamp for a frame of this size."""
    size = max(16, min(72, int(round(min(height, width) * 0.05))))
    return size, max(5, size // 4), max(1, size // 12)


def subtitle_metrics(height: int, width: int) -> tuple[int, int, int]:
    """``(font size, margin, stroke width)`` of subtitles for a frame of this size."""
    size = max(20, min(96, int(round(min(height, width) * 0.06))))
    return size, max(6, int(size * 0.25)), max(1, size // 12)


def stamp_colour(frame: np.ndarray) -> tuple[int, int, int]:
    """White on a dark (luminance < 80) or red-dominant top-left 40x200 patch, else red."""
    patch = frame[:40, :200].reshape(-1, 3).astype(np.float32)
    r, g, b = patch.mean(axis=0)
    dark = 0.2126 * r + 0.7152 * g + 0.0722 * b < 80.0
    reddish = r > 120.0 and r - max(g, b) > 40.0
    return (255, 255, 255) if dark or reddish else (255, 0, 0)


@functools.lru_cache(maxsize=512)
def text_layer(lines: tuple[tuple[int, int, str], ...], width: int, height: int, size: int, stroke: int,
               colour: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Text drawn once, as a layer to lay over any background: ``(ink, keep)`` float32 arrays with
    ``result = ink + background * keep``.

    Pillow draws the black stroke (mask ``s``) then the text (mask ``t``) over a background ``b``:
    ``(b (1 - s)) (1 - t) + colour t``. Drawing the same on a transparent canvas gives alpha
    ``a = s + (1 - s) t`` and colour ``colour t``, and ``1 - a = (1 - s)(1 - t)``: so ``ink`` is the
    canvas colour and ``keep = 1 - a``, the same pixels as drawing on each frame, computed once per
    text (a stamp changes once a second, a cue lasts seconds).
    """
    from PIL import Image, ImageDraw

    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    fnt = font(size)
    for x, y, text in lines:
        draw.text((x, y), text, fill=(*colour, 255), font=fnt, stroke_width=stroke, stroke_fill=(0, 0, 0, 255))
    arr = np.asarray(canvas, dtype=np.float32)
    return arr[..., :3], 1.0 - arr[..., 3:] / 255.0


def _lay(region: np.ndarray, layer: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    ink, keep = layer
    return np.clip(ink + region.astype(np.float32) * keep + 0.5, 0, 255).astype(np.uint8)


@functools.lru_cache(maxsize=512)
def _stamp_box(text: str, h: int, w: int) -> tuple[int, int, int, int, int]:
    """``(size, margin, stroke, corner width, corner height)``: drawing is local, only the corner changes."""
    size, margin, stroke = stamp_metrics(h, w)
    _, _, x1, y1 = font(size).getbbox(text, stroke_width=stroke)
    return size, margin, stroke, min(w, margin + x1 + 2), min(h, margin + y1 + 2)


def draw_timestamp(frame: np.ndarray, text: str) -> np.ndarray:
    """``frame`` (uint8 ``[H, W, 3]``) with ``text`` drawn top-left; a new array."""
    h, w = frame.shape[:2]
    size, margin, stroke, cw, ch = _stamp_box(text, h, w)
    out = np.array(frame, copy=True)
    layer = text_layer(((margin, margin, text),), cw, ch, size, stroke, stamp_colour(frame))
    out[:ch, :cw] = _lay(out[:ch, :cw], layer)
    return out


def wrap_text(text: str, fnt: Any, max_width: int) -> list[str]:
    """Greedy word wrap to ``max_width`` pixels, keeping explicit line breaks."""
    lines: list[str] = []
    for para in text.split("\n"):
        words = para.split()
        if not words:
            lines.append("")
            continue
        cur = words[0]
        for word in words[1:]:
            cand = f"{cur} {word}"
            if fnt.getlength(cand) <= max_width:
                cur = cand
            else:
                lines.append(cur)
                cur = word
        lines.append(cur)
    return lines


def draw_subtitle(frame: np.ndarray, text: str) -> np.ndarray:
    """``frame`` with ``text`` bottom-centre on a translucent black box; a new array."""
    out = np.array(frame, copy=True)
    if not text.strip():
        return out
    h, w = frame.shape[:2]
    top, bottom, left, right, placed, size, stroke = _subtitle_layout(text, h, w)
    # box: black at alpha int(255 * 0.55) = 140 over the frame: pixel * (255 - 140) / 255, rounded
    alpha = int(255 * 0.55)
    region = out[top:bottom + 1, left:right + 1].astype(np.uint16)
    out[top:bottom + 1, left:right + 1] = ((region * (255 - alpha) + 127) // 255).astype(np.uint8)
    layer = text_layer(placed, w, h - top, size, stroke, (255, 255, 255))
    out[top:] = _lay(out[top:], layer)
    return out


@functools.lru_cache(maxsize=256)
def _subtitle_layout(text: str, h: int, w: int) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...], int, int]:
    """Box ``(top, bottom, left, right)``, the placed lines (x, y from the box top), font size, stroke."""
    size, margin, stroke = subtitle_metrics(h, w)
    fnt = font(size)
    lines = wrap_text(text, fnt, int(w * 0.9))
    boxes = [fnt.getbbox(ln or " ") for ln in lines]
    heights = [b[3] - b[1] for b in boxes]
    widths = [b[2] - b[0] for b in boxes]
    gap = int(0.2 * size)
    text_h = sum(heights) + gap * (len(lines) - 1)
    left = max(0, (w - max(widths)) // 2 - margin)
    right = min(w, left + max(widths) + 2 * margin)
    bottom = h - margin
    top = max(0, bottom - text_h - 2 * margin)
    placed, y = [], margin
    for ln, lw, lh in zip(lines, widths, heights, strict=True):
        placed.append(((w - lw) // 2, y, ln))
        y += lh + gap
    return top, bottom, left, right, tuple(placed), size, stroke


# ---------------------------------------------------------------------- SRT
@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def parse_srt(path: str | os.PathLike) -> list[Cue]:
    """Cues of an ``.srt`` file, sorted by start. Tags ``<b> <i> <u>`` are stripped. A malformed
    timing line raises :class:`RecordError` naming the file and line."""
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RecordError("subtitle file not found", path=p) from None
    except UnicodeDecodeError as exc:
        raise RecordError(f"not UTF-8 text ({exc.reason})", path=p) from None
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cues: list[Cue] = []
    i = 0
    while i < len(lines):
        if "-->" not in lines[i]:
            i += 1
            continue
        m = _SRT_TIME.match(lines[i])
        if not m:
            raise RecordError(f"malformed cue timing {lines[i].strip()!r} (expected HH:MM:SS,mmm --> HH:MM:SS,mmm)",
                              path=p, line=i + 1)
        g = [int(x) for x in m.groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + int(m.group(4).ljust(3, "0")) / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + int(m.group(8).ljust(3, "0")) / 1000
        if end < start:
            raise RecordError(f"cue ends before it starts ({lines[i].strip()!r})", path=p, line=i + 1)
        i += 1
        text = []
        while i < len(lines) and lines[i].strip():
            text.append(_TAG.sub("", lines[i].strip()))
            i += 1
        if text:
            cues.append(Cue(start, end, "\n".join(text)))
    cues.sort(key=lambda c: c.start)
    return cues


@functools.lru_cache(maxsize=256)
def _cached_cues(path: str, mtime_ns: int) -> tuple[Cue, ...]:
    return tuple(parse_srt(path))


class SubtitleTrack:
    """Cue lookup by time. :meth:`at` is a bisect; pass the previous index as ``hint`` when times
    increase (sampled frames) to search only forward."""

    def __init__(self, cues: Sequence[Cue], tolerance: float = SUBTITLE_TOLERANCE):
        self.cues = list(cues)
        self.starts = [c.start for c in self.cues]
        self.tol = tolerance

    @classmethod
    def load(cls, path: str | os.PathLike) -> SubtitleTrack:
        p = Path(path)
        return cls(_cached_cues(str(p.resolve()), p.stat().st_mtime_ns))

    def at(self, t: float, hint: int = 0) -> tuple[str | None, int]:
        """``(text, index)`` of the cue shown at ``t`` (``start - tol <= t < end + tol``; of two
        overlapping cues the later-starting one), or ``(None, index to pass as the next hint)``."""
        lo = min(max(hint, 0), len(self.cues))
        if lo < len(self.starts) and self.starts[lo] > t + self.tol:
            lo = 0  # times went back before the hinted cue: search everything
        i = bisect_right(self.starts, t + self.tol, lo=lo) - 1
        for j in (i, i - 1):
            if 0 <= j < len(self.cues) and self.cues[j].start - self.tol <= t < self.cues[j].end + self.tol:
                return self.cues[j].text, j
        return None, max(i, 0)


# ---------------------------------------------------------------------- frames
def apply_overlay(frames: np.ndarray, meta: Any, spec: OverlaySpec | str | None, *,
                  subtitle_file: str | os.PathLike | None = None) -> np.ndarray:
    """The overlay of ``spec`` on sampled ``frames`` (uint8 ``[T, H, W, 3]``) placed in time by
    ``meta`` (their :class:`~videorl.video.VideoMeta`). Returns a new array (``frames`` is untouched).

    ``subtitle_file`` is the ``.srt`` to use (see :meth:`OverlaySpec.subtitle_file`); a spec with
    subtitles but no file for this video draws timestamps only and logs it.
    """
    sp = OverlaySpec.parse(spec)
    if sp is None:
        return frames
    times = [float(t) for t in meta.timestamps]
    if len(times) != len(frames):
        raise ValueError(f"{len(frames)} frames but {len(times)} timestamps in the metadata")
    clock = times if sp.clock == "absolute" else [float(t) for t in meta.model_times()]
    track = None
    if sp.subtitles:
        if subtitle_file is None:
            log.info("overlay: no subtitle file for %s; drawing timestamps only", getattr(meta, "path", "?"))
        else:
            track = SubtitleTrack.load(subtitle_file)
    out = np.empty_like(frames)
    hint = 0
    for k in range(len(frames)):
        fr = frames[k]
        if sp.clock is not None:
            fr = draw_timestamp(fr, format_hhmmss(clock[k]))
        if track is not None:
            text, hint = track.at(times[k], hint)
            if text:
                fr = draw_subtitle(fr, text)
        out[k] = fr
    return out


def overlay_for(frames: np.ndarray, meta: Any, spec: OverlaySpec | str | None, video: str | os.PathLike,
                relative: str | None = None) -> np.ndarray:
    """:func:`apply_overlay` with the subtitle file of ``video`` looked up (``relative``: the video
    path as the record gives it): what every frame producer calls on its sampled frames."""
    sp = OverlaySpec.parse(spec)
    if sp is None:
        return frames
    return apply_overlay(frames, meta, sp, subtitle_file=sp.subtitle_file(video, relative))


def sample_with_overlay(path: str | os.PathLike, spec: OverlaySpec | str | None, *, relative: str | None = None,
                        cache: Any = None, **sampling: Any) -> tuple[np.ndarray, Any]:
    """:func:`videorl.video.sample_frames` (``sampling`` and ``cache`` passed through), then
    :func:`overlay_for`."""
    from videorl.video import sample_frames

    frames, meta = sample_frames(path, cache=cache, **sampling)
    return overlay_for(frames, meta, spec, path, relative), meta


def overlay_frame_paths(cache: Any, path: str | os.PathLike, spec: OverlaySpec | str, *,
                        relative: str | None = None, **sampling: Any) -> tuple[list[Path], Any]:
    """JPEG frame files with the overlay drawn, stored in ``cache`` (a
    :class:`~videorl.video.FrameCache`) under ``overlay/``, keyed by the frame cache's key plus the
    overlay (clock, subtitle file identity, :data:`OVERLAY_VERSION`). Built once, atomically (a
    temporary folder renamed into place), like the frame cache's own entries."""
    import hashlib
    import json
    import shutil
    import tempfile

    from PIL import Image

    from videorl.video.meta import VideoMeta

    sp = OverlaySpec.parse(spec)
    if sp is None:
        return cache.frame_paths(path, **sampling)
    inputs = {"frames": cache.key_inputs(path, "jpeg", **sampling), "overlay": sp.key(path, relative)}
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:32]
    entry = Path(cache.root) / "overlay" / key[:2] / key
    if not (entry / "meta.json").is_file():
        frames, meta = sample_with_overlay(path, sp, relative=relative, **sampling)
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{key}-", dir=entry.parent))
        try:
            files = [f"{k:06d}.jpg" for k in range(len(frames))]
            for name, fr in zip(files, frames, strict=True):
                Image.fromarray(fr).save(tmp / name, quality=cache.jpeg_quality)
            side = {"key_inputs": inputs, "files": files, "meta": meta.to_dict()}
            (tmp / "meta.json").write_text(json.dumps(side, indent=1), encoding="utf-8")
            try:
                os.rename(tmp, entry)
            except OSError:
                if not (entry / "meta.json").is_file():
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    side = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    return [entry / name for name in side["files"]], VideoMeta.from_dict(side["meta"])
