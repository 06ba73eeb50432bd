"""Helpers for tests: tiny offline Qwen checkpoints (:mod:`videorl.testing.tiny_qwen`)."""
