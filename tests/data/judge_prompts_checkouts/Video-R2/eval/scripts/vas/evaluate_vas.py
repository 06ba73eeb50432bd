# placeholder fixture in Video-R2's layout (not its text)
SYSTEM_PROMPT = """PLACEHOLDER VAS system."""

USER_TEMPLATE = """
IN>>{input_text}<< RESP>>{response_text}<< JSON like {{\"score\": 1}}
"""


def batch_generate(llm, tok, messages_list, batch_size, SamplingParams):
    prompts = [tok.apply_chat_template(m, tokenize=False, add_generation_prompt=True, enable_thinking=False)
               for m in messages_list]
    sp = SamplingParams(temperature=0.5, top_p=0.9, top_k=3, max_tokens=11)
    return prompts, sp


def main(prompt_msgs):
    return {"role": "user", "content": prompt_msgs[-1]["content"] + " PLACEHOLDER again."}
