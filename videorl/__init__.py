"""videorl: video temporal grounding and video reasoning for the tools video-LLM researchers run.

``import videorl`` is light on purpose: it loads only the standard library (numpy and pyyaml are
imported by the submodules that need them). Decoders, torch, transformers and lmms-eval are imported
only by the parts that use them.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
