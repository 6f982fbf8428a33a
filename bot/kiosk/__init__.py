"""The tablet kiosk: a web page for one service, reached by a URL with its own token."""
