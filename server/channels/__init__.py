"""Real-time delivery (hub, channel names, events, WebSocket endpoints, presence)."""
