"""Organisations, agents, contacts, access tokens and API keys."""
