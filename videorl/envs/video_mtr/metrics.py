"""Video-MTR evaluation metrics over episode logs (accuracy, environment success rate, MRA): defined once
in :mod:`videorl.scoring.episodes`, which ``videorl score`` uses too; re-exported here for the env's users."""

from videorl.scoring.episodes import episode_metrics  # noqa: F401
