"""The dashboard's JSON API under /api/v1: what the pages show, for programs and people."""
