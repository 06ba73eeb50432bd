"""lmms-eval hooks of the synthetic grounding task: the set is generated on first use."""

from videorl.plugins.lmms_eval.glue import doc_to_target, doc_to_text, doc_to_visual, process_results
from videorl.plugins.lmms_eval.synthetic import SyntheticDocs

__all__ = ["doc_to_target", "doc_to_text", "doc_to_visual", "process_docs", "process_results"]

process_docs = SyntheticDocs()
