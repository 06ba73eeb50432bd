"""Errors raised for bad video input. Each names the file and the problem."""

from __future__ import annotations

import os


class VideoError(ValueError):
    """A video cannot be used: ``str(err)`` is ``"<path>: <problem>"``."""

    def __init__(self, path: str | os.PathLike | None, problem: str):
        self.path = None if path is None else str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path else problem)

    def __reduce__(self):  # picklable across worker processes despite the two-argument constructor
        return (self.__class__, (self.path, self.problem))


class VideoNotFoundError(VideoError, FileNotFoundError):
    """The file does not exist (also a :class:`FileNotFoundError`)."""


class VideoDecodeError(VideoError):
    """The file is not a video, or its stream is truncated or corrupt."""


class VideoTruncatedError(VideoDecodeError):
    """The decodable stream ends well before the duration the container or the record declares."""


class VideoTimeoutError(VideoDecodeError):
    """A decoder ran past its time limit (decord is known to hang on some files)."""


class ClipError(VideoError):
    """The requested clip is empty or lies outside the video."""


def sample_errors() -> tuple[type[BaseException], ...]:
    """Errors that fail one sample (bad input), not the run: a video that cannot be used, a missing file, an
    invalid record, a frame code that does not read. Shared by the lmms-eval backends and ``videorl predict``."""
    from videorl.record import RecordError

    errs: list[type[BaseException]] = [VideoError, FileNotFoundError, RecordError]
    try:
        from videorl.synth import FrameCodeError

        errs.append(FrameCodeError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errs)
