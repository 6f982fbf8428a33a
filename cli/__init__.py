"""Entry points: the `covoice` command line and the process supervisor."""
