"""lmms-eval task folder (YAML + utils.py); see docs/lmms-eval.md."""
