"""Shared figure helpers: a display-free :class:`~matplotlib.figure.Figure` and an atomic PNG write."""

from __future__ import annotations

import os
from typing import Any


def new_figure(width_inches: float, height_inches: float, dpi: int = 100) -> Any:
    """A matplotlib Figure on the Agg canvas (no pyplot, no display)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:  # pragma: no cover - depends on the install
        raise ImportError("plots need matplotlib: pip install 'videorl[plot]'") from err
    fig = Figure(figsize=(width_inches, height_inches), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Any, path: str | os.PathLike) -> None:
    """Write ``fig`` as PNG at its own dpi (pixel size = inches x dpi), atomically."""
    from videorl.io import atomic_write

    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format="png", dpi=fig.dpi)
