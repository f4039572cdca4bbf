"""The desktop API: REST under /api/v1, the WebSocket hub, sign-in and the one access
policy (docs/api.md)."""
