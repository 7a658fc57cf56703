"""Set-based loading of organizations, party members, bodies, memberships and grid posts.

As ``gridgov.people.bulk``: one upsert per table from a staging table, rows equal to the stored
row left alone, the invariants of the services kept (``grid_path`` follows the organization,
body or node; party flags on persons and households; member and organization counters), and one
audit entry per load written by the caller.

Staging columns: party_orgs ``code, name, kind, node, parent``; bodies ``code, name, kind,
node``; party_members ``id_hash, id_masked, organization, status, joined_on, full_member_on,
is_center_household, is_mobile``; memberships ``body, id_hash, id_masked, role, term_start,
term_end``; grid_posts ``node, id_hash, id_masked, kind, start_on, end_on, target_id``.
"""

from __future__ import annotations

import datetime as dt

from gridgov.core.bulkload import (
    LoadCounts,
    analyze,
    any_differs,
    classify,
    db_now,
    differs,
    execute,
    fetch_one,
    inner,
    q,
    table,
    upsert,
)
from gridgov.grid.bulk import common_path
from gridgov.grid.models import GridNode
from gridgov.people.bulk import party_flags_set
from gridgov.people.models import Person
from gridgov.people.services import grid_counts_refresh

from .models import BodyMembership, GovernanceBody, GridPost, PartyMember, PartyOrganization
from .services import org_counts_refresh


def party_orgs_load(
    *, stage: str, present: frozenset[str], now: dt.datetime, dry_run: bool
) -> LoadCounts:
    """Upsert party organizations by code; parents may be listed anywhere in the same file."""
    org, node, st = table(PartyOrganization), table(GridNode), q(stage)
    parent = f"(SELECT p.id FROM {org} p WHERE p.code = s.parent)"
    pairs = [("name", "s.name"), ("kind", "s.kind"), ("node_id", "n.id")]
    if "parent" in present:
        pairs.append(("parent_id", parent))
    join = inner()
    source = f"{st} s {join} {node} n ON n.code = s.node"
    counts = classify(
        source=f"{source} LEFT JOIN {org} t ON t.code = s.code",
        target_id="t.id",
        diff=any_differs([(f"t.{c}", e) for c, e in pairs]),
    )
    if dry_run or not counts.written:
        return counts
    stamp = db_now(now)
    old_low, old_high = fetch_one(
        f"SELECT MIN(t.grid_path), MAX(t.grid_path) FROM {source} "
        f"{join} {org} t ON t.code = s.code WHERE t.node_id <> n.id"
    )
    upsert(
        into=org,
        values={
            "code": "s.code",
            "name": "s.name",
            "kind": "s.kind",
            "node_id": "n.id",
            "grid_path": "n.code",
            "parent_id": "NULL",
            "members_count": "0",
            "full_members_count": "0",
            "created_at": "%s",
            "updated_at": "%s",
        },
        select_from=source,
        conflict=["code"],
        update=["name", "kind", "node_id", "grid_path"],
        touch={"updated_at": "excluded.updated_at"},
        params=[stamp, stamp],
    )
    if "parent" in present:
        # A second pass, once every organization of the file exists.
        new_parent = (
            f"(SELECT p.id FROM {st} s {join} {org} p ON p.code = s.parent "
            f"WHERE s.code = {org}.code)"
        )
        execute(
            f"UPDATE {org} SET parent_id = {new_parent}, updated_at = %s "
            f"WHERE code IN (SELECT code FROM {st}) AND {differs('parent_id', new_parent)}",
            [stamp],
        )
    if old_low:
        _follow(PartyMember, "organization_id", PartyOrganization, f"SELECT code FROM {st}")
    low, high = fetch_one(f"SELECT MIN(node), MAX(node) FROM {st}")
    org_counts_refresh(under=common_path([low, high, old_low, old_high]))
    return counts


def _follow(model, fk: str, parent_model, codes_sql: str) -> None:
    """Rows of ``model`` take the grid path of their organization or body (after a move)."""
    rows, parents = table(model), table(parent_model)
    path = f"(SELECT o.grid_path FROM {parents} o WHERE o.id = {rows}.{fk})"
    execute(
        f"UPDATE {rows} SET grid_path = {path} WHERE {fk} IN "
        f"(SELECT o.id FROM {parents} o WHERE o.code IN ({codes_sql})) AND grid_path <> {path}"
    )


def bodies_load(
    *, stage: str, present: frozenset[str], now: dt.datetime, dry_run: bool
) -> LoadCounts:
    """Upsert self-governance bodies by code; memberships follow a body that moves."""
    body, node, st = table(GovernanceBody), table(GridNode), q(stage)
    join = inner()
    source = f"{st} s {join} {node} n ON n.code = s.node"
    counts = classify(
        source=f"{source} LEFT JOIN {body} t ON t.code = s.code",
        target_id="t.id",
        diff=any_differs([("t.name", "s.name"), ("t.kind", "s.kind"), ("t.node_id", "n.id")]),
    )
    if dry_run or not counts.written:
        return counts
    (moved,) = fetch_one(
        f"SELECT COUNT(*) FROM {source} {join} {body} t ON t.code = s.code WHERE t.node_id <> n.id"
    )
    upsert(
        into=body,
        values={
            "code": "s.code",
            "name": "s.name",
            "kind": "s.kind",
            "node_id": "n.id",
            "grid_path": "n.code",
            "created_at": "%s",
        },
        select_from=source,
        conflict=["code"],
        update=["name", "kind", "node_id", "grid_path"],
        params=[db_now(now)],
    )
    if moved:
        _follow(BodyMembership, "body_id", GovernanceBody, f"SELECT code FROM {st}")
    return counts


MEMBER_FIELDS = ["full_member_on", "is_center_household", "is_mobile"]


def party_members_load(
    *, stage: str, present: frozenset[str], now: dt.datetime, dry_run: bool
) -> LoadCounts:
    """Upsert party member records by person; flags on persons and households; counters."""
    pm, org, pp, st = table(PartyMember), table(PartyOrganization), table(Person), q(stage)
    fields = [f for f in MEMBER_FIELDS if f in present]
    join = inner()
    source = (
        f"{st} s {join} {pp} p ON p.id_hash = s.id_hash {join} {org} o ON o.code = s.organization"
    )
    compared = [
        ("organization_id", "o.id"),
        ("grid_path", "o.grid_path"),
        ("status", "s.status"),
        ("joined_on", "s.joined_on"),
        *((f, f"s.{f}") for f in fields),
    ]
    counts = classify(
        source=f"{source} LEFT JOIN {pm} t ON t.person_id = p.id",
        target_id="t.id",
        diff=any_differs([(f"t.{c}", e) for c, e in compared]),
    )
    if dry_run or not counts.written:
        return counts
    stamp = db_now(now)
    old_low, old_high = fetch_one(
        f"SELECT MIN(t.grid_path), MAX(t.grid_path) FROM {source} "
        f"{join} {pm} t ON t.person_id = p.id WHERE t.organization_id <> o.id"
    )
    upsert(
        into=pm,
        values={
            "person_id": "p.id",
            "organization_id": "o.id",
            "grid_path": "o.grid_path",
            "status": "s.status",
            "joined_on": "s.joined_on",
            "full_member_on": "s.full_member_on" if "full_member_on" in present else "NULL",
            "is_center_household": "s.is_center_household"
            if "is_center_household" in present
            else "false",
            "is_mobile": "s.is_mobile" if "is_mobile" in present else "false",
            "lost_contact": "false",
            "created_at": "%s",
            "updated_at": "%s",
        },
        select_from=source,
        conflict=["person_id"],
        update=[c for c, _ in compared],
        touch={"updated_at": "excluded.updated_at"},
        params=[stamp, stamp],
    )
    analyze(PartyMember, counts.created + counts.updated)
    party_flags_set(
        person_ids_sql=f"SELECT p.id FROM {st} s {join} {pp} p ON p.id_hash = s.id_hash"
    )
    low, high = fetch_one(f"SELECT MIN(o.grid_path), MAX(o.grid_path) FROM {source}")
    org_counts_refresh(under=common_path([low, high, old_low, old_high]))
    plow, phigh = fetch_one(f"SELECT MIN(p.grid_path), MAX(p.grid_path) FROM {source}")
    grid_counts_refresh(under=common_path([plow, phigh]))
    return counts


def memberships_load(
    *, stage: str, present: frozenset[str], now: dt.datetime, dry_run: bool
) -> LoadCounts:
    """Upsert seats in bodies by (body, person, term start)."""
    ms, body, pp, st = table(BodyMembership), table(GovernanceBody), table(Person), q(stage)
    join = inner()
    source = f"{st} s {join} {body} b ON b.code = s.body {join} {pp} p ON p.id_hash = s.id_hash"
    compared = [("role", "s.role"), ("grid_path", "b.grid_path")]
    if "term_end" in present:
        compared.append(("term_end", "s.term_end"))
    counts = classify(
        source=f"{source} LEFT JOIN {ms} t ON t.body_id = b.id AND t.person_id = p.id "
        "AND t.term_start = s.term_start",
        target_id="t.id",
        diff=any_differs([(f"t.{c}", e) for c, e in compared]),
    )
    if dry_run or not counts.written:
        return counts
    upsert(
        into=ms,
        values={
            "body_id": "b.id",
            "person_id": "p.id",
            "grid_path": "b.grid_path",
            "role": "s.role",
            "term_start": "s.term_start",
            "term_end": "s.term_end" if "term_end" in present else "NULL",
        },
        select_from=source,
        conflict=["body_id", "person_id", "term_start"],
        update=[c for c, _ in compared],
    )
    return counts


def grid_posts_load(
    *, stage: str, present: frozenset[str], now: dt.datetime, dry_run: bool
) -> LoadCounts:
    """Upsert grid posts by (node, person, kind). The table has no unique key on these, so the
    stored row is found first (``target_id``) and then updated or inserted."""
    post, node, pp, st = table(GridPost), table(GridNode), table(Person), q(stage)
    execute(
        f"UPDATE {st} SET target_id = (SELECT MIN(x.id) FROM {post} x "
        f"WHERE x.node_id = (SELECT n.id FROM {node} n WHERE n.code = {st}.node) "
        f"AND x.person_id = (SELECT p.id FROM {pp} p WHERE p.id_hash = {st}.id_hash) "
        f"AND x.kind = {st}.kind)"
    )
    compared = [("start_on", "s.start_on")]
    if "end_on" in present:
        compared.append(("end_on", "s.end_on"))
    counts = classify(
        source=f"{st} s LEFT JOIN {post} t ON t.id = s.target_id",
        target_id="t.id",
        diff=any_differs([(f"t.{c}", e) for c, e in compared]),
    )
    if dry_run or not counts.written:
        return counts
    sets = ", ".join(
        f"{c} = (SELECT {e} FROM {st} s WHERE s.target_id = {post}.id)" for c, e in compared
    )
    changed = any_differs([(f"t.{c}", e) for c, e in compared])
    execute(
        f"UPDATE {post} SET {sets} WHERE id IN (SELECT t.id FROM {st} s "
        f"JOIN {post} t ON t.id = s.target_id WHERE {changed})"
    )
    execute(
        f"INSERT INTO {post} (node_id, grid_path, person_id, kind, start_on, end_on) "
        f"SELECT n.id, n.code, p.id, s.kind, s.start_on, "
        f"{'s.end_on' if 'end_on' in present else 'NULL'} FROM {st} s "
        f"{inner()} {node} n ON n.code = s.node {inner()} {pp} p ON p.id_hash = s.id_hash "
        "WHERE s.target_id IS NULL"
    )
    return counts
