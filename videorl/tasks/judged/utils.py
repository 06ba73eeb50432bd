"""lmms-eval hooks of the judged tasks: thin glue (videorl.plugins.lmms_eval.judged; no work at import time)."""

from videorl.plugins.lmms_eval.docs import PreparedDocs
from videorl.plugins.lmms_eval.glue import doc_to_target, doc_to_text, doc_to_visual
from videorl.plugins.lmms_eval.judged import (
    process_results_judged,
    tac_aggregate,
    tac_strict_aggregate,
    vas_aggregate,
)

__all__ = ["doc_to_target", "doc_to_text", "doc_to_visual", "process_docs", "process_results_judged",
           "tac_aggregate", "tac_strict_aggregate", "vas_aggregate"]

process_docs = PreparedDocs("mvbench", "test")
