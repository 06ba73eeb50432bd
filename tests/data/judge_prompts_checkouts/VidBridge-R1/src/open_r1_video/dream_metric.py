# placeholder fixture in VidBridge-R1's layout (not its text)


def call_azure_gpt_api(events, reference, prediction, model):
    messages = [{"role": "user", "content": f"PLACEHOLDER entail: D={prediction} E={events}"}]
    return messages


def call_azure_gpt_api_for_events(caption, model):
    messages = [{"role": "user", "content": "PLACEHOLDER events: " f"C={caption}"}]
    return messages
