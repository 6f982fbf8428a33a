"""Channels and the app process: every channel hands its messages to bot.chat_service."""
