"""Files and blobs sealed at rest: chunked AES-256-GCM under a key derived from the data key.

Personal data that must outlive a request outside the encrypted columns (an import file kept
for "import it now", an error report) is sealed with this. The format streams, so a 200 MB
upload is never held in memory twice:

    b"GGS1" | key id (1 byte) | nonce prefix (8 random bytes) | records…
    record = length of ciphertext (4 bytes, big-endian) | AES-GCM(chunk)

Each chunk's nonce is the prefix and its index; the additional data says whether it is the last
chunk, so a file cut at a record boundary, reordered or spliced does not open.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .crypto import DataCipher, DataKeyError, cipher, previous_ciphers

MAGIC = b"GGS1"
CHUNK = 1 << 20
_HEAD = len(MAGIC) + 1 + 8


class SealError(ValueError):
    """The blob is not sealed by this format, was cut or changed, or its key is not known."""


def _file_key(data: DataCipher) -> AESGCM:
    # A key of its own, so that file chunks and column values never share a key's nonce space.
    return AESGCM(hashlib.blake2b(data.enc_key, person=b"gridgov-seal", digest_size=32).digest())


def _aad(last: bool) -> bytes:
    return MAGIC + (b"\x01" if last else b"\x00")


def seal_stream(source: BinaryIO, out: BinaryIO) -> None:
    data = cipher()
    aead, prefix = _file_key(data), os.urandom(8)
    out.write(MAGIC + bytes([data.key_id]) + prefix)
    index, chunk = 0, source.read(CHUNK)
    while True:
        following = source.read(CHUNK) if chunk else b""
        last = not following
        sealed = aead.encrypt(prefix + index.to_bytes(4, "big"), chunk, _aad(last))
        out.write(len(sealed).to_bytes(4, "big") + sealed)
        if last:
            return
        index, chunk = index + 1, following


def _opened(source: BinaryIO) -> Iterator[bytes]:
    head = source.read(_HEAD)
    if len(head) != _HEAD or not head.startswith(MAGIC):
        raise SealError("not a sealed blob")
    key_id, prefix = head[len(MAGIC)], head[len(MAGIC) + 1 :]
    keys = [_file_key(d) for d in (cipher(), *previous_ciphers()) if d.key_id == key_id]
    if not keys:
        raise SealError("sealed with a data key that is not configured")
    index, record = 0, _record(source)
    while record is not None:
        following = _record(source)
        nonce, aad = prefix + index.to_bytes(4, "big"), _aad(following is None)
        for aead in keys:
            try:
                yield aead.decrypt(nonce, record, aad)
                break
            except InvalidTag:
                continue
        else:
            raise SealError("sealed blob was cut or changed, or its key is not known")
        index, record = index + 1, following
    if index == 0:
        raise SealError("sealed blob is empty")


def _record(source: BinaryIO) -> bytes | None:
    size = source.read(4)
    if not size:
        return None
    body = source.read(int.from_bytes(size, "big")) if len(size) == 4 else b""
    if len(size) != 4 or len(body) != int.from_bytes(size, "big"):
        raise SealError("sealed blob was cut")
    return body


def seal(value: bytes) -> bytes:
    out = io.BytesIO()
    seal_stream(io.BytesIO(value), out)
    return out.getvalue()


def unseal(blob: bytes) -> bytes:
    try:
        return b"".join(_opened(io.BytesIO(bytes(blob))))
    except DataKeyError as exc:
        raise SealError(str(exc)) from exc


def seal_file(source: Path, target: Path) -> None:
    """Seal ``source`` into ``target`` (written beside it and renamed: never half a file)."""
    partial = target.with_name(target.name + ".part")
    with source.open("rb") as src, _private(partial) as out:
        seal_stream(src, out)
    os.replace(partial, target)


def unseal_file(source: Path, target: Path) -> None:
    """Open ``source`` into ``target``; on any error nothing is left at ``target``."""
    try:
        with source.open("rb") as src, _private(target) as out:
            for chunk in _opened(src):
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _private(path: Path) -> BinaryIO:
    """A new file only its owner may read."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
