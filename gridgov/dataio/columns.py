"""Validating a chunk of rows column by column: the fast path of the registry's big kinds.

A file of millions of residents is checked in chunks of some thousand rows. Turned into columns,
most checks become one C-level operation per chunk instead of Python code per cell: a choice
column is checked by the set of its distinct values, a length by ``max(map(len, …))``, citizen
IDs by NumPy over an ``n × 18`` byte matrix. Only a column where the quick check finds a problem
is walked cell by cell, to name each bad row with the same words as the row-by-row parsers
(``gridgov.dataio.validation``), which stay the one definition of what a valid cell is.

``Block`` holds one chunk: its Excel row numbers, its columns, the error sink, and the rows found
bad so far (a row with any error is not staged).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from gridgov.core.crypto import DataCipher, mask_phone
from gridgov.core.identity import EARLIEST_BIRTH, is_county_code

from .errors import ErrorSink
from .validation import CellError, CitizenIdChecker, check_length, check_phone

DISTINCT_SHARE = 4  # parse each distinct value once when values repeat at least this often


class Block:
    """A chunk of rows as columns (tuples of stripped strings), padded to ``width``.

    Errors are gathered per block and handed to the sink by row and then column order at the
    end (``finish``), as a row-by-row validator would have added them: the sink keeps the first
    errors it is given, which must be the first by row.
    """

    __slots__ = ("bad", "columns", "found", "n", "order", "rns")

    def __init__(
        self,
        rns: Sequence[int],
        rows: Sequence[Sequence[str]],
        width: int,
        order: dict[str, int],
    ) -> None:
        if any(len(row) < width for row in rows):
            rows = [
                row if len(row) >= width else [*row, *[""] * (width - len(row))] for row in rows
            ]
        self.rns = rns
        self.n = len(rows)
        self.columns: list[tuple[str, ...]] = list(zip(*rows, strict=False)) if rows else []
        if not self.columns:
            self.columns = [()] * width
        self.order = order
        self.found: list[tuple[int, int, str, str, str]] = []
        self.bad: set[int] = set()

    def error(self, i: int, header: str, value: str, reason: str) -> None:
        self.found.append((self.rns[i], self.order.get(header, 0), header, value, reason))
        self.bad.add(i)

    def finish(self, errors: ErrorSink) -> None:
        self.found.sort(key=lambda e: (e[0], e[1]))
        for rn, _position, header, value, reason in self.found:
            errors.add(rn, header, value, reason)

    def good(self, rows: list[tuple]) -> list[tuple]:
        """``rows`` (one per row of the block) without the rows that had an error."""
        if not self.bad:
            return rows
        bad = self.bad
        return [row for i, row in enumerate(rows) if i not in bad]


def _as_is(raw: str) -> str:
    return raw


def text(
    block: Block,
    index: int | None,
    header: str,
    limit: int,
    *,
    required: bool = False,
    shown: Callable[[str], str] = _as_is,
) -> Sequence[str]:
    """A text column of at most ``limit`` characters ('' where empty or absent)."""
    if index is None:
        return [""] * block.n
    column = block.columns[index]
    if column:
        lengths = list(map(len, column))
        if max(lengths) > limit or (required and min(lengths) == 0):
            required_reason = _("必填，不能为空")
            for i, (raw, length) in enumerate(zip(column, lengths, strict=True)):
                if not length and required:
                    block.error(i, header, "", required_reason)
                elif length > limit:
                    try:
                        check_length(raw, limit)
                    except CellError as exc:
                        block.error(i, header, shown(raw), str(exc))
    return column


def parsed(
    block: Block,
    index: int | None,
    header: str,
    parse: Callable[[str], Any],
    *,
    required: bool = False,
    empty: Any = None,
    shown: Callable[[str], str] = _as_is,
) -> list[Any]:
    """Each cell through ``parse`` (a row parser raising ``CellError``); ``empty`` for empty
    cells of an optional column, and for every row when the column is absent. Distinct values
    are parsed once when they repeat (choices, flags, dates)."""
    if index is None:
        return [empty] * block.n
    column = block.columns[index]
    distinct = set(column)
    table: dict[str, Any] = {}
    failed = False
    if len(distinct) * DISTINCT_SHARE <= block.n:
        for raw in distinct:
            if not raw:
                table[raw] = empty
                failed |= required
                continue
            try:
                table[raw] = parse(raw)
            except CellError as exc:
                table[raw] = exc
                failed = True
        values = list(map(table.__getitem__, column))
    else:
        values = []
        append = values.append
        for raw in column:
            if not raw:
                append(empty)
                failed |= required
                continue
            try:
                append(parse(raw))
            except CellError as exc:
                append(exc)
                failed = True
    if failed:
        required_reason = _("必填，不能为空")
        for i, (raw, value) in enumerate(zip(column, values, strict=True)):
            if isinstance(value, CellError):
                block.error(i, header, shown(raw), str(value))
                values[i] = empty
            elif required and not raw:
                block.error(i, header, "", required_reason)
    return values


def chosen(
    block: Block,
    index: int | None,
    header: str,
    choices: dict[str, str],
    *,
    required: bool = False,
    empty: str = "",
) -> list[str]:
    """A choice column: the stored code of each label (``empty`` for an empty optional cell)."""
    if index is None:
        return [empty] * block.n
    column = block.columns[index]
    table = dict(choices)
    if not required:
        table[""] = empty
    values = list(map(table.get, column))
    if None in values:
        reason = _("应为以下之一：%(c)s") % {"c": "、".join(k for k in choices if k) or "—"}
        required_reason = _("必填，不能为空")
        for i, (raw, value) in enumerate(zip(column, values, strict=True)):
            if value is None:
                block.error(i, header, raw, reason if raw else required_reason)
                values[i] = empty
    return values


# Mainland mobile numbers, or empty cells, one per line: the usual phone column.
_MOBILES = re.compile(r"(?:1[3-9]\d{9})?(?:\n(?:1[3-9]\d{9})?)*")


def phones(block: Block, index: int | None, header: str) -> Sequence[str]:
    """A phone column ('' where empty): a column of mobile numbers is accepted by one regular
    expression over the whole column; otherwise each cell goes through ``check_phone``, which
    also takes landlines and repairs spacing. A bad number is reported masked."""
    if index is None:
        return [""] * block.n
    column = block.columns[index]
    if _MOBILES.fullmatch("\n".join(column)):
        return column
    return parsed(block, index, header, check_phone, empty="", shown=mask_phone)


# --- citizen IDs ---------------------------------------------------------------------------

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_REGION_PLACES = 10 ** np.arange(5, -1, -1, dtype=np.int64)
_BIRTH_PLACES = 10 ** np.arange(7, -1, -1, dtype=np.int64)
_SEX = np.array(["F", "M"])


class CitizenIdColumn:
    """Checks a column of citizen IDs as ``parse_citizen_id`` does, vectorized.

    Returns per row the normalized number, the ISO birth date and the sex. Rows the fast path
    does not accept (not 18 ASCII characters, a wrong check character, an unknown region, an
    impossible or future birth date) go through ``CitizenIdChecker`` one by one, which accepts
    what normalization repairs and words the error for the rest.
    """

    def __init__(self, today: dt.date) -> None:
        self.row_checker = CitizenIdChecker(today)
        self.today = today
        self.regions: dict[int, bool] = {}
        self.seen_regions = np.zeros(0, dtype=np.int64)
        self.good_regions = np.zeros(0, dtype=np.int64)
        self.births: dict[int, str] = {}  # yyyymmdd → ISO date, or "" when not a valid birth

    def __call__(
        self, column: Sequence[str], on_error: Callable[[int, str, str], None]
    ) -> tuple[list[str], list[str], list[str]]:
        n = len(column)
        joined = "".join(column)
        if not n or len(joined) != 18 * n or not joined.isascii() or set(map(len, column)) != {18}:
            return self._rows(range(n), column, list(column), [""] * n, [""] * n, on_error)
        raw = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(n, 18)
        digits = raw[:, :17] - 48  # uint8: anything but a digit wraps above 9
        last = raw[:, 17]
        lower_x = last == ord("x")
        ok = (digits <= 9).all(axis=1)
        number17 = digits.astype(np.int64)
        ok &= _CHECK[(number17 @ _WEIGHTS) % 11] == np.where(lower_x, ord("X"), last)
        region = number17[:, :6] @ _REGION_PLACES
        unseen = ~np.isin(region, self.seen_regions)
        if unseen.any():
            self._learn_regions(region[unseen & ok])
        ok &= np.isin(region, self.good_regions)
        births = self._births((number17[:, 6:14] @ _BIRTH_PLACES).tolist())
        if "" in births:
            ok &= np.fromiter(map(bool, births), dtype=bool, count=n)
        sexes = _SEX[digits[:, 16] & 1].tolist()
        numbers = list(column)
        if lower_x.any():
            for i in np.flatnonzero(lower_x).tolist():
                numbers[i] = numbers[i].upper()
        if not ok.all():
            slow = np.flatnonzero(~ok).tolist()
            return self._rows(slow, column, numbers, births, sexes, on_error)
        return numbers, births, sexes

    def _learn_regions(self, regions: np.ndarray) -> None:
        for r in np.unique(regions).tolist():
            self.regions[r] = is_county_code(f"{r:06d}")
        self.seen_regions = np.array(list(self.regions), dtype=np.int64)
        self.good_regions = np.array([r for r, v in self.regions.items() if v], dtype=np.int64)

    def _births(self, births: list[int]) -> list[str]:
        """The ISO date of each yyyymmdd number ("" for an impossible, future or too early
        one); each distinct number is judged once."""
        known = self.births
        values = list(map(known.get, births))
        if None in values:
            for b in set(births) - known.keys():
                known[b] = self._birth_iso(b)
            values = list(map(known.__getitem__, births))
        return values

    def _birth_iso(self, yyyymmdd: int) -> str:
        try:
            day = dt.date(yyyymmdd // 10000, yyyymmdd // 100 % 100, yyyymmdd % 100)
        except ValueError:
            return ""
        if day > self.today or day < EARLIEST_BIRTH:
            return ""
        return day.isoformat()

    def _rows(self, indexes, column, numbers, births, sexes, on_error):
        check = self.row_checker
        for i in indexes:
            raw = column[i]
            try:
                numbers[i], births[i], sexes[i] = check(raw)
            except CellError as exc:
                # Nothing is derived from a bad number: no cross-check of sex or birth date.
                births[i] = sexes[i] = ""
                on_error(i, raw, str(exc))
        return numbers, births, sexes


# --- personal values -----------------------------------------------------------------------


class ColumnCipher:
    """``DataCipher.encrypt`` and ``lookup_hash`` over a column: the same keys and output, with
    one ``os.urandom`` call per column for the nonces and the keyed BLAKE2b state copied."""

    def __init__(self, data: DataCipher) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._encrypt = AESGCM(data.enc_key).encrypt
        self._prefix = bytes([data.key_id])
        self._hash = hashlib.blake2b(key=data.hash_key, digest_size=16)

    def encrypt(self, values: Sequence[str]) -> list[bytes]:
        # A fresh random nonce per value (12 bytes, as DataCipher draws them); read in one call.
        pool = os.urandom(12 * len(values))
        encrypt, prefix = self._encrypt, self._prefix
        out = []
        append = out.append
        for k, value in enumerate(values):
            nonce = pool[12 * k : 12 * k + 12]
            append(prefix + nonce + encrypt(nonce, value.encode(), None))
        return out

    def lookup_hash(self, values: Sequence[str]) -> list[str]:
        base = self._hash
        out = []
        append = out.append
        for value in values:
            state = base.copy()
            state.update(value.encode())
            append(state.hexdigest())
        return out
