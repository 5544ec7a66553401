"""Password hashing with argon2id, off the event loop: one hash takes tens of milliseconds of CPU, and every other
request of the process would wait for it."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher()
#: Verified against when the username is unknown, so that the answer takes as long as for a known one.
_DUMMY_HASH = _hasher.hash("not-a-real-password-at-all")


def hash_password_now(password: str) -> str:
    """The hash, computed in the calling thread (for commands that have no event loop to keep free)."""
    return _hasher.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(hash_password_now, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; an unknown user (no hash) takes as long and is False."""
    return await asyncio.to_thread(_verify, password_hash, password)
