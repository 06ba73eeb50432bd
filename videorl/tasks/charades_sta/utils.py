"""lmms-eval hooks of this task folder: thin glue over videorl's core (no work at import time)."""

from videorl.plugins.lmms_eval.docs import PreparedDocs
from videorl.plugins.lmms_eval.glue import (
    doc_to_target,
    doc_to_text,
    doc_to_visual,
    process_results,
    process_results_official,
)
from videorl.plugins.lmms_eval.hub import HubCharadesDocs

__all__ = ["doc_to_target", "doc_to_text", "doc_to_visual", "hub_docs", "process_docs", "process_results",
           "process_results_official"]

process_docs = PreparedDocs("charades_sta", "test")
hub_docs = HubCharadesDocs("test")  # temporal_grounding_charades_hf: lmms-eval/charades_sta rows
