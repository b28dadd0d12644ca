"""Fixtures of the attachment tests: the email tests' inbound secret (email-in attachments)."""

from tests.notify.conftest import secret  # noqa: F401
