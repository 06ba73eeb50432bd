# placeholder fixture in Video-R2's layout (not its text)


def build_answer_parsing_message(options: list[str] | None, content_text: str,
                                 is_mcq_task: bool = True) -> list[dict[str, str]]:
    user = "OPTS|" + "|".join(f"{chr(ord('A') + i)}={o}" for i, o in enumerate(options or [])) + "|ANS|" + content_text
    return [{"role": "system", "content": "PLACEHOLDER parser"}, {"role": "user", "content": user}]


def build_thinking_extraction_message(options: list[str] | None, thinking: str,
                                      is_mcq_task: bool = True) -> list[dict[str, str]]:
    user = "OPTS|" + "|".join(options or []) + "|THINK|" + (thinking.strip() if thinking else "")
    return [{"role": "system", "content": "PLACEHOLDER extractor"}, {"role": "user", "content": user}]
