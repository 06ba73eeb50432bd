"""Pictures (the ``plot`` extra, matplotlib): one module per kind.

- :mod:`videorl.plots.timeline`: sampled frames on the time axis with ground truth and predictions;
- :mod:`videorl.plots.report`: an evaluation report (R@IoU curve, IoU histogram, mIoU by duration,
  parse failures) from ``videorl score --per-sample`` output.

Figures use matplotlib's object API (``Figure``, no ``pyplot`` state, no display needed) and are
written atomically.
"""
