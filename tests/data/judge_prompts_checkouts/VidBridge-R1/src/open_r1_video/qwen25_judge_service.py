# placeholder fixture in VidBridge-R1's layout (not its text)


def critic_model(content, sol, problem_type, question=None, model=None, tokenizer=None):
    Res, GT = content, sol
    if problem_type == 'DarkEventInfer':
        prompt = f'''PLACEHOLDER dark: R={Res} G={GT}
'''
    elif problem_type == 'MixVidQA':
        prompt = f"""PLACEHOLDER mix: Q={question} G={GT} R={Res}
"""
    else:
        raise ValueError()
    messages = [
        {"role": "system", "content": "PLACEHOLDER system."},
        {"role": "user", "content": prompt}
    ]
    return model.generate(messages, max_new_tokens=33)
