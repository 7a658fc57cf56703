"""Helpers for import tests: files written in tmp_path, and a snapshot to prove nothing changed."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from gridgov.conftest import new_citizen_id
from gridgov.core.models import AuditEntry
from gridgov.dataio.schemas import SCHEMAS
from gridgov.grid.models import GridNode
from gridgov.orgs.models import (
    BodyMembership,
    GovernanceBody,
    GridPost,
    PartyMember,
    PartyOrganization,
)
from gridgov.people.models import Household, HouseholdMove, Person, PersonMove, PersonSensitive

MODELS = [
    GridNode,
    Household,
    Person,
    PersonSensitive,
    HouseholdMove,
    PersonMove,
    PartyOrganization,
    GovernanceBody,
    PartyMember,
    BodyMembership,
    GridPost,
    AuditEntry,
]


def write_csv(path: Path, rows: list[list], *, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list], *, merge: str | None = None) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("数据")
    text = book.add_format({"num_format": "@"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, c, value, text)
            else:
                sheet.write(r, c, value)
    if merge:
        first, last = merge.split(":")
        sheet.merge_range(f"{first}:{last}", rows[0][0] if rows else "")
    book.close()
    return path


def snapshot() -> dict[str, object]:
    """Row counts and last-modified stamps of every table an import may write."""
    state: dict[str, object] = {m.__name__: m.objects.count() for m in MODELS}
    state["persons"] = sorted(
        Person.objects.values_list(
            "id_hash", "name", "household_id", "relation", "phone_hash", "updated_at"
        )
    )
    state["households"] = sorted(
        Household.objects.values_list("number", "microgrid_id", "address", "updated_at")
    )
    return state


@pytest.fixture
def files(tmp_path):
    """``files.csv(kind, rows)`` / ``files.xlsx(kind, rows)``: the schema header, then rows."""

    class Files:
        counter = 0

        def _path(self, kind: str, suffix: str) -> Path:
            Files.counter += 1
            return tmp_path / f"{kind}-{Files.counter}{suffix}"

        def csv(self, kind: str, rows: list[list], *, header=None, encoding="utf-8") -> Path:
            header = header if header is not None else SCHEMAS[kind].headers
            return write_csv(self._path(kind, ".csv"), [header, *rows], encoding=encoding)

        def xlsx(self, kind: str, rows: list[list], *, header=None, merge=None) -> Path:
            header = header if header is not None else SCHEMAS[kind].headers
            return write_xlsx(self._path(kind, ".xlsx"), [header, *rows], merge=merge)

    return Files()


def person_row(
    citizen_id: str,
    household: str,
    *,
    name: str = "张三",
    sex: str = "",
    birth: str = "",
    relation: str = "子女",
    phone: str = "",
    **extra: str,
) -> list[str]:
    """A persons row in schema order; ``extra`` by column key."""
    values = {
        "citizen_id": citizen_id,
        "name": name,
        "sex": sex,
        "birth_date": birth,
        "household": household,
        "relation": relation,
        "phone": phone,
        **extra,
    }
    return [values.get(c.key, "") for c in SCHEMAS["persons"].columns]


@pytest.fixture
def households(tree, make_household):
    """Two households in the village's micro-grid and one in the other village."""
    return (
        make_household(address="东街1号"),
        make_household(address="东街2号"),
        make_household(tree.other_microgrid, address="西街1号"),
    )


def ids(n: int, *, sex: str = "M", birth: dt.date = dt.date(1980, 5, 17)) -> list[str]:
    return [new_citizen_id(sex=sex, birth=birth) for _ in range(n)]
