"""Attachments: files on tickets, replies, chat messages and email (docs/attachments.md)."""
