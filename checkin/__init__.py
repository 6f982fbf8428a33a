"""The check-in engine: question sets, the bot's wording, the flow and its service."""
