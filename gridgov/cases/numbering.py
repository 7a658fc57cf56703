"""Matter numbers: the day received and a serial that does not count.

A number is ``YYYYMMDD`` and a serial of six digits (seven after the millionth matter, and so
on). The serial is the row id put through a keyed permutation of the numbers of its width, not
the row id itself: with consecutive serials, the numbers Open311 lists would show by their gaps
how many matters of private categories came in between, and when (docs/security.md, "Private
matters are not enumerable"). A permutation keeps every number unique without a counter table
or a lookup, at the cost of a few keyed hashes (BLAKE2b), microseconds.

The key is derived from ``GRIDGOV_SECRET_KEY``. Numbers already given keep their value when it
changes; a new key could, once in a million matters of the same day, give a number that day
already has, and that intake would be refused.
"""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings

SERIAL_WIDTH = 6  # serials below a million are written with six digits
ROUNDS = 4


@functools.cache
def _key(secret: str) -> bytes:
    return hashlib.blake2b(secret.encode(), person=b"gridgov-number", digest_size=32).digest()


def permute(index: int, size: int, *, key: bytes) -> int:
    """``index`` in ``range(size)`` → another, the same for the same key, each taken once.

    A balanced Feistel network over the smallest even number of bits that holds ``size``,
    applied again while the result falls outside ``range(size)`` (cycle walking): a
    permutation of ``range(size)`` for any size.
    """
    if not 0 <= index < size:
        raise ValueError(f"index {index} outside range({size})")
    half = max(1, ((size - 1).bit_length() + 1) // 2)
    mask = (1 << half) - 1
    value = index
    while True:
        left, right = value >> half, value & mask
        for round_ in range(ROUNDS):
            data = f"{round_}:{half}:{right}".encode()
            digest = hashlib.blake2b(data, key=key, digest_size=8).digest()
            left, right = right, left ^ (int.from_bytes(digest, "big") & mask)
        value = (left << half) | right
        if value < size:
            return value


def matter_serial(row_id: int, *, secret: str | None = None) -> str:
    """The serial of the matter with ``row_id``: as many digits as the id has (at least six),
    unique among the serials of all row ids."""
    width = max(SERIAL_WIDTH, len(str(row_id)))
    base = 0 if width == SERIAL_WIDTH else 10 ** (width - 1)
    size = 10**width - base
    key = _key(settings.SECRET_KEY if secret is None else secret)
    return f"{base + permute(row_id - base, size, key=key):0{width}d}"
