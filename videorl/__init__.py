"""videorl: video temporal grounding and video reasoning for the tools video-LLM researchers run.

``import videorl`` is light on purpose: it loads only the standard library (numpy and pyyaml are
imported by the submodules that need them). Decoders, torch, transformers and lmms-eval are imported
only by the parts that use them.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "predict"]


def __getattr__(name: str):
    if name == "predict":  # ``videorl.predict(...)``: the package is callable (videorl/predict/__init__.py)
        import importlib

        return importlib.import_module("videorl.predict")
    raise AttributeError(f"module 'videorl' has no attribute {name!r}")
