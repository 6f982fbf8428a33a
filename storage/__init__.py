"""The tagged store: models, sessions, repositories and migrations."""
