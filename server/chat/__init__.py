"""Live chat conversations (built in the live-chat issue)."""
