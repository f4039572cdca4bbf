"""The HTTP surface: REST under /api/v1 (and, later, the WebSocket hub)."""
