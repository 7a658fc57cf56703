"""Set-based loading of households and persons from a staging table (bulk imports).

The same invariants as the services, for a whole file at once: a household's and a person's
``grid_path`` follow the micro-grid; moving a household to another micro-grid or a person to
another household writes a ``HouseholdMove``/``PersonMove`` row; ``is_party_household`` follows
its members; sensitive values go to
``PersonSensitive`` only when there are any; counters are recomputed for the affected subtree.
The caller holds the transaction and audits the load as one entry.

Columns absent from the file (``present``) are left as they are on existing rows and take the
model default on new ones. Ciphertext is never compared (AES-GCM differs on every encryption):
rows are compared on plain fields and keyed hashes.

Staging columns: households ``number, microgrid, address, lat, lng, is_dibao, is_tekun,
is_tuopin, monitoring_type, is_military_family``; persons ``id_hash, id_cipher, id_masked, name,
sex, birth_date, household, relation, phone_cipher, phone_hash, phone_masked, residence_type,
left_behind, lives_alone, special_group, disability_category, disability_grade,
serious_illness, health_note, has_sensitive``.
"""

from __future__ import annotations

import datetime as dt

from gridgov.core.bulkload import (
    LoadCounts,
    analyze,
    any_differs,
    classify,
    db_now,
    execute,
    fetch_one,
    indexes_rebuilt,
    inner,
    q,
    table,
    upsert,
)
from gridgov.grid.bulk import common_path
from gridgov.grid.models import GridLevel, GridNode

from .models import (
    Household,
    HouseholdMove,
    Person,
    PersonMove,
    PersonSensitive,
)
from .services import grid_counts_refresh

MICROGRID = GridLevel.MICROGRID.value

HOUSEHOLD_FIELDS = [
    "address",
    "lat",
    "lng",
    "is_dibao",
    "is_tekun",
    "is_tuopin",
    "monitoring_type",
    "is_military_family",
]
HOUSEHOLD_DEFAULTS = {
    "address": "''",
    "lat": "NULL",
    "lng": "NULL",
    "monitoring_type": "''",
}
PERSON_FIELDS = ["residence_type", "left_behind", "lives_alone"]
PERSON_DEFAULTS = {"residence_type": "'registered'", "left_behind": "''", "lives_alone": "false"}
SENSITIVE_FIELDS = [
    "special_group",
    "disability_category",
    "disability_grade",
    "serious_illness",
    "health_note",
]
SENSITIVE_DEFAULTS = {
    "special_group": "''",
    "disability_category": "''",
    "disability_grade": "NULL",
    "serious_illness": "false",
    "health_note": "''",
}


def _default(defaults: dict[str, str], name: str) -> str:
    return defaults.get(name, "false")


def households_load(
    *, stage: str, present: frozenset[str], now: dt.datetime, dry_run: bool, reason: str
) -> LoadCounts:
    """Upsert households by number; a changed micro-grid is a move (history, members follow)."""
    hh, node, st = table(Household), table(GridNode), q(stage)
    fields = [f for f in HOUSEHOLD_FIELDS if f in present]
    join = inner()
    source = f"{st} s {join} {node} n ON n.code = s.microgrid AND n.level = '{MICROGRID}'"
    counts = classify(
        source=f"{source} LEFT JOIN {hh} t ON t.number = s.number",
        target_id="t.id",
        diff=any_differs(
            [("t.microgrid_id", "n.id"), *((f"t.{q(f)}", f"s.{q(f)}") for f in fields)]
        ),
        moved="t.microgrid_id <> n.id",
        path="n.code",
    )
    if dry_run or not counts.written:
        return counts
    stamp = db_now(now)
    moved, old_low, old_high = 0, None, None
    if counts.moved:
        old = f"{source} {join} {hh} t ON t.number = s.number WHERE t.microgrid_id <> n.id"
        old_low, old_high = fetch_one(f"SELECT MIN(t.grid_path), MAX(t.grid_path) FROM {old}")
        moved = execute(
            f"INSERT INTO {table(HouseholdMove)} "
            "(household_id, from_microgrid_id, to_microgrid_id, grid_path, moved_at, reason) "
            f"SELECT t.id, t.microgrid_id, n.id, n.code, %s, %s FROM {old}",
            [stamp, reason],
        )
    values = {
        "number": "s.number",
        "microgrid_id": "n.id",
        "grid_path": "n.code",
        **{
            f: f"s.{q(f)}" if f in present else _default(HOUSEHOLD_DEFAULTS, f)
            for f in HOUSEHOLD_FIELDS
        },
        "is_party_household": "false",
        "created_at": "%s",
        "updated_at": "%s",
    }
    all_new = counts.created == counts.total
    with indexes_rebuilt(Household, counts.created, all_new=all_new):
        upsert(
            into=hh,
            values=values,
            select_from=source,
            conflict=None if all_new else ["number"],
            update=["microgrid_id", "grid_path", *fields],
            touch={"updated_at": "excluded.updated_at"},
            params=[stamp, stamp],
        )
    analyze(Household, counts.created + counts.updated)
    if moved:
        _members_follow(f"SELECT t.id FROM {st} s {join} {hh} t ON t.number = s.number")
    grid_counts_refresh(under=common_path([counts.low_path, counts.high_path, old_low, old_high]))
    return counts


def _members_follow(household_ids_sql: str) -> None:
    """Members (and their sensitive records) take their household's grid path."""
    pp, hh = table(Person), table(Household)
    path = f"(SELECT h.grid_path FROM {hh} h WHERE h.id = {pp}.household_id)"
    execute(
        f"UPDATE {pp} SET grid_path = {path} "
        f"WHERE household_id IN ({household_ids_sql}) AND grid_path <> {path}"
    )
    ps = table(PersonSensitive)
    ppath = f"(SELECT p.grid_path FROM {pp} p WHERE p.id = {ps}.person_id)"
    execute(
        f"UPDATE {ps} SET grid_path = {ppath} WHERE person_id IN "
        f"(SELECT p.id FROM {pp} p WHERE p.household_id IN ({household_ids_sql})) "
        f"AND grid_path <> {ppath}"
    )


def persons_load(
    *, stage: str, present: frozenset[str], now: dt.datetime, dry_run: bool, reason: str
) -> LoadCounts:
    """Upsert persons by citizen ID (keyed hash); moves, heads, sensitive data and counters."""
    pp, hh, ps, st = table(Person), table(Household), table(PersonSensitive), q(stage)
    fields = [f for f in PERSON_FIELDS if f in present]
    sensitive = [f for f in SENSITIVE_FIELDS if f in present]
    compared = ["household_id", "grid_path", "name", "relation", *fields]
    if "phone" in present:
        compared += ["phone_hash", "phone_masked"]
    join = inner()
    source = f"{st} s {join} {hh} h ON h.number = s.household"
    new_values = {
        "household_id": "h.id",
        "grid_path": "h.grid_path",
        "name": "s.name",
        "id_cipher": "s.id_cipher",
        "id_hash": "s.id_hash",
        "id_masked": "s.id_masked",
        "sex": "s.sex",
        "birth_date": "s.birth_date",
        "phone_cipher": "s.phone_cipher" if "phone" in present else "NULL",
        "phone_hash": "s.phone_hash" if "phone" in present else "''",
        "phone_masked": "s.phone_masked" if "phone" in present else "''",
        "relation": "s.relation",
        **{f: f"s.{q(f)}" if f in present else PERSON_DEFAULTS[f] for f in PERSON_FIELDS},
        "is_party_member": "false",
        "created_at": "%s",
        "updated_at": "%s",
    }
    diff = any_differs([(f"t.{q(c)}", new_values[c]) for c in compared])
    if sensitive:
        sdiff = any_differs([(f"x.{q(f)}", f"s.{q(f)}") for f in sensitive])
        diff = (
            f"{diff} OR (x.person_id IS NULL AND s.has_sensitive) "
            f"OR (x.person_id IS NOT NULL AND ({sdiff}))"
        )
    counts = classify(
        source=f"{source} LEFT JOIN {pp} t ON t.id_hash = s.id_hash"
        + (f" LEFT JOIN {ps} x ON x.person_id = t.id" if sensitive else ""),
        target_id="t.id",
        diff=diff,
        moved="t.household_id <> h.id",
        path="h.grid_path",
    )
    if dry_run or not counts.written:
        return counts
    stamp = db_now(now)
    # Moves, emptied sensitive records and old households concern stored rows that change: a
    # first load of a registry skips those statements.
    affected = f"{stage}_households"  # households that persons leave or join, when any move
    moved, old_low, old_high = 0, None, None
    if counts.moved:
        old = f"{source} {join} {pp} t ON t.id_hash = s.id_hash WHERE t.household_id <> h.id"
        old_low, old_high = fetch_one(f"SELECT MIN(t.grid_path), MAX(t.grid_path) FROM {old}")
        execute(f"DROP TABLE IF EXISTS {q(affected)}")
        execute(
            f"CREATE TEMPORARY TABLE {q(affected)} AS SELECT t.household_id AS id FROM {old} "
            f"UNION SELECT h.id FROM {old}"
        )
        moved = execute(
            f"INSERT INTO {table(PersonMove)} "
            "(person_id, from_household_id, to_household_id, grid_path, moved_at, reason) "
            f"SELECT t.id, t.household_id, h.id, h.grid_path, %s, %s FROM {old}",
            [stamp, reason],
        )
    all_new = counts.created == counts.total
    with indexes_rebuilt(Person, counts.created, all_new=all_new):
        upsert(
            into=pp,
            values=new_values,
            select_from=source,
            conflict=None if all_new else ["id_hash"],
            update=[*compared, "sex", "birth_date", "id_masked"],
            touch={"updated_at": "excluded.updated_at"}
            | ({"phone_cipher": "excluded.phone_cipher"} if "phone" in present else {}),
            params=[stamp, stamp],
        )
    analyze(Person, counts.created + counts.updated)
    if sensitive:
        _sensitive_load(stage, sensitive, stamp, all_new=all_new)
    if moved:
        _members_follow(f"SELECT id FROM {q(affected)}")
        _party_flags_follow(affected)
        execute(f"DROP TABLE IF EXISTS {q(affected)}")
    grid_counts_refresh(under=common_path([counts.low_path, counts.high_path, old_low, old_high]))
    return counts


def _sensitive_load(stage: str, sensitive: list[str], stamp: object, *, all_new: bool) -> None:
    """Sensitive values of the file's persons; a record emptied by the file is removed."""
    pp, ps, st = table(Person), table(PersonSensitive), q(stage)
    values = {
        "person_id": "t.id",
        "grid_path": "t.grid_path",
        **{f: f"s.{q(f)}" if f in sensitive else SENSITIVE_DEFAULTS[f] for f in SENSITIVE_FIELDS},
        "updated_at": "%s",
    }
    source = f"{st} s {inner()} {pp} t ON t.id_hash = s.id_hash"
    if all_new:  # every person is new, so is every record
        (rows,) = fetch_one(f"SELECT COUNT(*) FROM {st} s WHERE s.has_sensitive")
        with indexes_rebuilt(PersonSensitive, rows, all_new=True):
            upsert(
                into=ps,
                values=values,
                select_from=source,
                where="s.has_sensitive",
                conflict=None,
                params=[stamp],
            )
        return
    stored = f"EXISTS (SELECT 1 FROM {ps} x WHERE x.person_id = t.id)"
    for where in ["s.has_sensitive", f"NOT s.has_sensitive AND {stored}"]:
        upsert(
            into=ps,
            values=values,
            select_from=source,
            where=where,
            conflict=["person_id"],
            update=["grid_path", *sensitive],
            touch={"updated_at": "excluded.updated_at"},
            params=[stamp],
        )
    # Only real tags are stored: a record whose values are all empty now goes.
    execute(
        f"DELETE FROM {ps} WHERE special_group = '' AND disability_category = '' "
        "AND disability_grade IS NULL AND NOT serious_illness AND health_note = '' "
        f"AND person_id IN (SELECT t.id FROM {source} WHERE NOT s.has_sensitive)"
    )


def _party_flags_follow(affected: str) -> None:
    """After moves, whether a household is a party household follows its members."""
    pp, hh, ids = table(Person), table(Household), q(affected)
    flag = f"EXISTS (SELECT 1 FROM {pp} p WHERE p.household_id = {hh}.id AND p.is_party_member)"
    execute(
        f"UPDATE {hh} SET is_party_household = {flag} WHERE id IN (SELECT id FROM {ids}) "
        f"AND is_party_household <> {flag}"
    )


def party_flags_set(*, person_ids_sql: str) -> None:
    """Mark persons (a subquery of ids) as party members and their households as party households."""
    pp, hh = table(Person), table(Household)
    execute(
        f"UPDATE {pp} SET is_party_member = true WHERE id IN ({person_ids_sql}) "
        "AND NOT is_party_member"
    )
    execute(
        f"UPDATE {hh} SET is_party_household = true WHERE id IN "
        f"(SELECT household_id FROM {pp} WHERE id IN ({person_ids_sql})) "
        "AND NOT is_party_household"
    )
