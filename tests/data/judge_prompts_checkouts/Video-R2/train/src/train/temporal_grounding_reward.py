# placeholder fixture in Video-R2's layout (not its text)


def calculate_grounding_reward(prediction_text, temporal_grnd, sentence_model, oai_client, served_model):
    SYSTEM = """
PLACEHOLDER extraction system: list times as JSON.
"""

    USER_PROMPT = """
PLACEHOLDER extraction user, braces {{}} kept.
TEXT>>{text}<<
"""
    return SYSTEM, USER_PROMPT
