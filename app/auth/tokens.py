"""API tokens: generation and keyed hashing."""

import hashlib
import hmac
import secrets

from app.core.config import get_secret_key

TOKEN_PREFIX = "csi_"
"""Every token starts with this, so secret scanners and people recognise one."""

PREFIX_LENGTH = len(TOKEN_PREFIX) + 8


def new_token() -> str:
    """A fresh token: the prefix and 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """HMAC-SHA256 of the token under the server secret, as hex: what the database stores."""
    return hmac.new(get_secret_key(), token.encode(), hashlib.sha256).hexdigest()


def looks_like_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX) and 20 <= len(token) <= 200
