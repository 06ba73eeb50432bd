# placeholder fixture in Video-R2's layout (not its text)


def batch_apply_chat_template(tokenizer, list_of_messages):
    return [tokenizer.apply_chat_template(m, tokenize=False, add_generation_prompt=True, enable_thinking=False)
            for m in list_of_messages]


def build_prompts_and_outputs(SamplingParams):
    return SamplingParams(temperature=0.0, top_p=1.0, top_k=-1, max_tokens=7)
