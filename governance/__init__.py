"""Consumers of the store: queries, exports and reports."""
