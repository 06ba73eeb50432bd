# placeholder fixture in Video-R2's layout (not its text)


def temporal_grounding_sentence_embedding_consistency_reward(completions, **kwargs):
    question, reasoninig, answer = "", "", ""
    llm_score_instructions = (
        "PLACEHOLDER gate system. "
        "Second sentence."
    )
    user_msg = (
        "Q=\n"
        f"{question.strip() if question else '(no q)'}\n"
        "T=\n"
        f"{reasoninig.strip() if reasoninig else '(no t)'}\n"
        "A=\n"
        f"{answer.strip() if answer else '(no a)'}\n"
        "PLACEHOLDER: say TRUE or FALSE."
    )
    return llm_score_instructions, user_msg
