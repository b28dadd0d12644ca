"""Standard Webhooks secrets and signatures (https://www.standardwebhooks.com).

Signatures come from the `standardwebhooks` package, the specification's own reference
library, so what Parley sends is what every receiver's verifier expects: `v1,` + base64 of an
HMAC-SHA256 over `id.timestamp.body`. While a rotated secret's overlap lasts, the
`webhook-signature` header carries one signature per secret, space-separated, and a receiver
holding either secret verifies the message.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Sequence
from datetime import datetime
from math import floor

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
# The specification asks for 24 to 64 random bytes; Parley makes 32.
SECRET_BYTES = 32
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_problem(secret: str) -> str | None:
    """Why `secret` is not a usable Standard Webhooks secret, or None."""
    if not secret.startswith(SECRET_PREFIX):
        return f"Must start with `{SECRET_PREFIX}`."
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return f"Must be `{SECRET_PREFIX}` followed by base64."
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        return f"Must hold {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes (base64-encoded)."
    return None


def signature_headers(
    message_id: str, timestamp: datetime, body: str, secrets_: Sequence[str]
) -> dict[str, str]:
    """The three Standard Webhooks headers for `body`, signed with each of `secrets_`."""
    signatures = " ".join(Webhook(secret).sign(message_id, timestamp, body) for secret in secrets_)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(floor(timestamp.timestamp())),
        "webhook-signature": signatures,
    }
