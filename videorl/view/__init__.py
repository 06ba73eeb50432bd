"""``videorl view``: a static HTML viewer of one or more runs, opened from disk (no server, no CDN).

:func:`videorl.view.page.build_viewer` writes one folder:

- ``index.html``: Bokeh's own JavaScript inlined (``bokeh.resources.INLINE``), its ``DataTable``
  (SlickGrid: a virtualised, sortable table that stays fast at 20,000 rows) and the page logic of
  ``page.html.jinja`` (filters, the sample panel);
- ``data.js``: every sample's details (model texts, spans, media), loaded by a ``<script>`` tag (so
  it works from ``file://``);
- ``frames/``: JPEG thumbnails from the frame cache for samples whose video is not reachable.

Imports Bokeh on use (the ``view`` extra); ``import videorl.view`` stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_viewer"]


def build_viewer(*args: Any, **kwargs: Any) -> Any:
    """See :func:`videorl.view.page.build_viewer`."""
    from videorl.view.page import build_viewer as _build

    return _build(*args, **kwargs)
