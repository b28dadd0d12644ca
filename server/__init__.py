"""Parley: a self-hosted real-time customer-support server."""

__version__ = "0.1.0"
