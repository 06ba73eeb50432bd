"""Datasets to sample records, and sample records to host training data.

- :mod:`videorl.data.prepare`: public annotation files (Charades-STA, ActivityNet Captions,
  NExT-GQA, MVBench) to validated sample records plus a validation report;
- :mod:`videorl.data.export_easyr1`: records to EasyR1's parquet/jsonl (GRPO);
- :mod:`videorl.data.export_llamafactory`: records to LLaMA-Factory's sharegpt JSON (SFT);
- :mod:`videorl.data.mix`: weighted, de-duplicated, seeded training mixtures.

Nothing heavy is imported here: pyarrow, datasets and PyAV are imported inside the functions that
need them.
"""
