"""The widget's public site key, and identity verification of the host site's users.

A site key (`pk_...`) names an organisation's widget and is public: it is in the page. The
identity secret (`ivs_...`) never leaves the organisation's servers: with it the host site
computes, server-side, `userHash = HMAC-SHA256(secret, userId)` as lower-case hex, and the
widget passes both to `POST /api/embed/session`. A matching hash proves the host site vouches
for that user id, so the visitor gets that person's contact (and history) on any device.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SITE_KEY_PREFIX = "pk_"
SECRET_PREFIX = "ivs_"
HASH_HEX_LENGTH = 64


def new_site_key() -> str:
    return SITE_KEY_PREFIX + secrets.token_hex(16)


def new_identity_secret() -> str:
    return SECRET_PREFIX + secrets.token_hex(32)


def user_hash(secret: str, user_id: str) -> str:
    """What the host site's server computes for `user_id` (documented in docs/widget.md)."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def verify(secret: str, user_id: str, given: str) -> bool:
    """Does `given` prove `user_id`? Constant time; a wrong length or case is simply False."""
    if len(given) != HASH_HEX_LENGTH:
        return False
    return hmac.compare_digest(user_hash(secret, user_id).encode(), given.encode())
