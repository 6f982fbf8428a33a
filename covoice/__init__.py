"""CoVoice: hear the voices of people who use adult social care."""
