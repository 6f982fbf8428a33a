"""Channel-neutral prompts, read from what the Rasa server answers."""

from __future__ import annotations

from typing import Any

from checkin.wire import Prompt, notice, prompt_from_wire


def prompts_from_rasa(messages: list[dict[str, Any]]) -> list[Prompt]:
    """Map the REST channel's answer to prompts; plain Rasa texts are kept as notices."""
    prompts = []
    for message in messages:
        prompt = prompt_from_wire(message.get("custom"))
        if prompt is not None:
            prompts.append(prompt)
        elif message.get("text"):
            prompts.append(notice(str(message["text"]), str(message["text"])))
    return prompts
