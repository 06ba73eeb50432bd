"""lmms-eval hooks of the MVBench tasks: one `docs_<subtask>` per subtask (records' meta.subtask)."""

from videorl.plugins.lmms_eval.docs import PreparedDocs
from videorl.plugins.lmms_eval.glue import doc_to_target, doc_to_text, doc_to_visual, process_results

SUBTASKS = (
    "action_sequence",
    "action_prediction",
    "action_antonym",
    "fine_grained_action",
    "unexpected_action",
    "object_existence",
    "object_interaction",
    "object_shuffle",
    "moving_direction",
    "action_localization",
    "scene_transition",
    "action_count",
    "moving_count",
    "moving_attribute",
    "state_change",
    "fine_grained_pose",
    "character_order",
    "egocentric_navigation",
    "episodic_reasoning",
    "counterfactual_inference",
)

__all__ = ["SUBTASKS", "doc_to_target", "doc_to_text", "doc_to_visual", "process_results"]

for _name in SUBTASKS:
    globals()[f"docs_{_name}"] = PreparedDocs("mvbench", "test", subtask=_name)
    __all__.append(f"docs_{_name}")
