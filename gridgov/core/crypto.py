"""Personal data at rest: AES-GCM encryption, keyed lookup hashes, and masking.

Citizen IDs and phone numbers are stored as ciphertext (``encrypt``), found by a keyed hash
(``lookup_hash``: BLAKE2b keyed with a key derived from GRIDGOV_DATA_KEY, so equal values match
without decrypting any column), and shown masked. The first byte of every ciphertext is the key
id, so that a key rotation can tell old rows from new ones.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

NONCE_BYTES = 12


class DataKeyError(RuntimeError):
    pass


def _master_key(raw: str) -> bytes:
    raw = raw.strip()
    if not raw:
        # Development and tests: derived from the secret key; production sets GRIDGOV_DATA_KEY
        # (system check core.W001 says so).
        return hashlib.sha256(("gridgov-dev-data-key:" + settings.SECRET_KEY).encode()).digest()
    for decode in (bytes.fromhex, lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))):
        try:
            key = decode(raw)
        except ValueError:
            continue
        if len(key) == 32:
            return key
    raise DataKeyError("GRIDGOV_DATA_KEY must be 32 bytes as hex or urlsafe base64")


class DataCipher:
    """Encrypts and hashes personal values with keys derived from one master key."""

    def __init__(self, master: bytes) -> None:
        self.enc_key = hashlib.blake2b(master, person=b"gridgov-enc", digest_size=32).digest()
        self.hash_key = hashlib.blake2b(master, person=b"gridgov-hash", digest_size=32).digest()
        self.key_id = hashlib.sha256(self.enc_key).digest()[0]
        # Names the key without revealing it (a one-way derivation of its own, used by no
        # cipher): a backup's manifest carries it, so a restore can tell a wrong key at once.
        self.check_value = hashlib.blake2b(
            master, person=b"gridgov-check", digest_size=16
        ).hexdigest()
        self._aead = AESGCM(self.enc_key)
        self._prefix = bytes([self.key_id])

    def encrypt(self, value: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return self._prefix + nonce + self._aead.encrypt(nonce, value.encode(), None)

    def decrypt(self, blob: bytes) -> str:
        blob = bytes(blob)
        if blob[0] != self.key_id:
            raise DataKeyError("value was encrypted with another data key")
        nonce = blob[1 : 1 + NONCE_BYTES]
        return self._aead.decrypt(nonce, blob[1 + NONCE_BYTES :], None).decode()

    def lookup_hash(self, value: str) -> str:
        return hashlib.blake2b(value.encode(), key=self.hash_key, digest_size=16).hexdigest()


@functools.cache
def cipher() -> DataCipher:
    # A missing GRIDGOV_DATA_KEY is reported by `gridgov check --deploy` (core.W001).
    return DataCipher(_master_key(getattr(settings, "DATA_KEY", "")))


@functools.cache
def previous_ciphers() -> tuple[DataCipher, ...]:
    """Keys being rotated away from (GRIDGOV_DATA_KEY_PREVIOUS, comma-separated): values they
    encrypted still decrypt, and lookups also try their hashes, until ``gridgov datakey rotate``
    has re-encrypted every row under the current key."""
    raw = getattr(settings, "DATA_KEY_PREVIOUS", "") or ""
    return tuple(DataCipher(_master_key(k)) for k in raw.split(",") if k.strip())


def key_check_values() -> list[str]:
    """The check values of the current data key and of every previous one, in that order."""
    return [data.check_value for data in (cipher(), *previous_ciphers())]


def rotation_pending() -> bool:
    """A previous data key is configured: rows may still be under it."""
    return bool(previous_ciphers())


def encrypt(value: str) -> bytes:
    return cipher().encrypt(value)


def decrypt(blob: bytes) -> str:
    """Decrypt with the key the value names (its first byte): the current or a previous one."""
    blob = bytes(blob)
    for data in (cipher(), *previous_ciphers()):
        if blob[:1] == bytes([data.key_id]):
            try:
                return data.decrypt(blob)
            except InvalidTag:  # another key with the same one-byte id
                continue
    raise DataKeyError(
        "value was encrypted with a data key that is neither GRIDGOV_DATA_KEY nor listed in "
        "GRIDGOV_DATA_KEY_PREVIOUS"
    )


def lookup_hash(value: str) -> str:
    return cipher().lookup_hash(value)


def lookup_hashes(value: str) -> list[str]:
    """The value's keyed hash under the current key and every previous one: an exact search
    finds rows not yet rotated too."""
    return [data.lookup_hash(value) for data in (cipher(), *previous_ciphers())]


def mask_citizen_id(value: str) -> str:
    """``440605199001011234`` → ``440605********1234``: region kept, birth date hidden."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(value: str) -> str:
    """``陈大明`` → ``陈**``: the family name and a star for each other character."""
    return value[:1] + "*" * max(len(value) - 1, 1) if value else ""


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def new_secret(mark: str) -> str:
    """``mark`` and 43 random URL-safe characters (256 bits), the first of them not a "-".

    The characters after the mark begin the secret's visible prefix, which ``gridgov token
    revoke`` and ``gridgov open311 keys revoke`` take as an argument: one beginning with "-"
    (one secret in 64) would be read as an option there.
    """
    while True:
        body = secrets.token_urlsafe(32)
        if not body.startswith("-"):
            return mark + body
