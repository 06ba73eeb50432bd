"""``videorl compare --plot``: the per-sample deltas of each task's headline metric, sorted.

One panel per comparison and task: the shared samples sorted by ``B - A`` of the headline metric
(:data:`videorl.scoring.compare.HEADLINE`: mIoU, accuracy, Acc@GQA), bars above zero where B is better
(green) and below where A is (red); the mean delta and its confidence interval as a line and a band.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from videorl.plots.common import new_figure

BETTER, WORSE = "#2ca02c", "#d62728"


def delta_figure(comparisons: Sequence[Any]) -> Any:
    """A figure of the comparisons' per-sample deltas (module docstring)."""
    from videorl.scoring.compare import HEADLINE

    panels = [(c, task) for c in comparisons for task in c.deltas]
    n = max(len(panels), 1)
    height = 2.6
    fig = new_figure(8.0, height * n)
    for k, (cmp, task) in enumerate(panels):
        bottom = 1 - (k + 1) / n
        ax = fig.add_axes((0.1, bottom + 0.2 / n, 0.86, 0.62 / n))
        d = sorted(cmp.deltas[task]["delta"])
        colours = [BETTER if v > 0 else WORSE for v in d]
        ax.bar(range(len(d)), d, width=1.0, color=colours, linewidth=0)
        metric = HEADLINE[task]
        m = next(x for x in cmp.groups[task] if x.metric == metric)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.axhline(m.delta, color="#1f77b4", linewidth=1.2)
        if m.ci_low is not None:
            ax.axhspan(m.ci_low, m.ci_high, color="#1f77b4", alpha=0.15, linewidth=0)
        ci = "" if m.ci_low is None else f", {int(round(100 * cmp.confidence))}% CI [{m.ci_low:+.2f}, {m.ci_high:+.2f}]"
        ax.set_title(f"{task}: {metric} of {cmp.b} - {cmp.a}, mean {m.delta:+.2f}{ci}", fontsize=8, loc="left")
        ax.set_xlim(-0.5, max(len(d), 1) - 0.5)
        ax.set_xlabel(f"{len(d)} shared samples, sorted by delta", fontsize=7)
        ax.set_ylabel(f"delta {metric} (points)", fontsize=7)
        ax.tick_params(labelsize=7)
    return fig
