"""Model files: merging LoRA adapters into complete Hugging Face folders (:mod:`videorl.models.lora`).

Importing this package is light; torch, transformers and peft are imported by the functions.
"""
