"""Citizen ID numbers for demo persons: valid (GB 11643), unique, sex parity right, vectorised.

The 3-digit sequence of an ID is drawn so that no two persons share a number: for each
(region, birth date, sex) the n-th person gets ``2·((h + 173·n) mod 500) + sex`` (173 is prime
to 500, so n = 0…499 give 500 different odd or even sequences; ``h`` varies the start by key).
Counters are kept across villages, so a whole district gets unique numbers.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from gridgov.core.identity import ID_CHECK_CHARS, ID_WEIGHTS

EPOCH = dt.date(1900, 1, 1)
_EPOCH64 = np.datetime64("1900-01-01", "D")
_CHECK = np.array(list(ID_CHECK_CHARS), dtype=object)
_WEIGHTS = np.array(ID_WEIGHTS, dtype=np.int64)
PER_KEY = 500  # odd (or even) sequences per region, date and sex


def iso_dates(days: np.ndarray) -> np.ndarray:
    """Day numbers since 1900-01-01 → 'YYYY-MM-DD' strings."""
    return np.datetime_as_string(_EPOCH64 + days.astype("timedelta64[D]"), unit="D").astype(object)


def day_number(date: dt.date) -> int:
    return (date - EPOCH).days


class IdAllocator:
    """Hands out unique citizen IDs for the given regions up to ``as_of``."""

    def __init__(self, regions: list[str], as_of: dt.date) -> None:
        self.regions = list(regions)
        self.index = {r: i for i, r in enumerate(self.regions)}
        self.days = day_number(as_of) + 1
        self.counts = np.zeros(len(self.regions) * self.days * 2, dtype=np.int32)

    def allocate(self, region: np.ndarray, day: np.ndarray, male: np.ndarray) -> np.ndarray:
        """IDs for persons given region index, birth day number and sex (True = male)."""
        n = len(day)
        if n == 0:
            return np.empty(0, dtype=object)
        key = (region.astype(np.int64) * self.days + day.astype(np.int64)) * 2 + male
        order = np.argsort(key, kind="stable")
        sorted_keys = key[order]
        first = np.ones(n, dtype=bool)
        first[1:] = sorted_keys[1:] != sorted_keys[:-1]
        starts = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n) - starts
        number = self.counts[key] + rank
        np.add.at(self.counts, key, 1)
        if (number >= PER_KEY).any():
            raise OverflowError("more than 500 persons of one sex born on one day in one region")
        start = (key * 2654435761) % PER_KEY
        seq = ((start + number * 173) % PER_KEY) * 2 + male
        regions = np.array(self.regions, dtype=object)[region]
        ymd = np.char.replace(iso_dates(day).astype(str), "-", "")
        first17 = [f"{r}{d}{s:03d}" for r, d, s in zip(regions, ymd, seq.tolist(), strict=True)]
        digits = np.frombuffer("".join(first17).encode(), dtype=np.uint8).reshape(n, 17) - 48
        check = _CHECK[(digits.astype(np.int64) @ _WEIGHTS) % 11]
        return np.array(first17, dtype=object) + check
