"""Writing and verifying the audit chain.

``audit_record`` is called by services inside their transaction, so a change and its audit entry
commit or roll back together. The actor comes from ``gridgov.core.context``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, models, transaction
from django.utils import timezone

from .context import current_actor
from .models import AuditEntry, AuditHead, AuditPlace
from .scoping import collapse_paths
from .sqlwrites import WriteBatch, cast_mark, concrete_field, insert_row, joins_writes

GENESIS = "0" * 64

# The object types of entries about a user account (signing in, creation, roles): seen where
# that user holds a role (``gridgov.core.selectors.audit_list``). ``accounts.user`` is the
# label older sign-in entries were written with.
USER_OBJECT_TYPES = ("auth.user", "accounts.user")

# (user id) -> grid paths of the user's assignments, read afresh; registered by accounts
# (``core`` does not import it).
UserPlaces = Callable[[int], list[str]]
_user_places: UserPlaces | None = None


def register_user_places(provider: UserPlaces) -> None:
    global _user_places
    _user_places = provider


def user_places(user_id: Any) -> list[str]:
    if _user_places is None or not isinstance(user_id, int):
        return []
    return _user_places(user_id)


def _is_user(user: Any) -> bool:
    meta = getattr(user, "_meta", None)
    return meta is not None and meta.label_lower == settings.AUTH_USER_MODEL.lower()


def entry_places(entry: AuditEntry, actor_user: Any, extra: Iterable[str] = ()) -> list[str]:
    """Where an entry without a grid path of its own is seen (docs/security.md §3): the
    subtrees of ``extra`` (e.g. where the accounts tried from a locked address work), of the
    acting user's assignments, and of the assignments of the user the entry is about."""
    if entry.grid_path:
        return []
    paths = [p for p in extra if p]
    if _is_user(actor_user):
        paths += user_places(actor_user.pk)
    if entry.object_type in USER_OBJECT_TYPES and entry.object_id.isdigit():
        paths += user_places(int(entry.object_id))
    return collapse_paths(paths)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "<encrypted>"
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Field values of a row for the log; ciphertext never enters it (masked fields do)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.BinaryField) or field.name.endswith("_hash"):
            continue
        data[field.attname] = _jsonable(getattr(instance, field.attname))
    return data


def _entry_payload(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _digest(prev_hash: str, payload: str) -> str:
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _entry_digest(prev_hash: str, fields: dict[str, Any]) -> str:
    return _digest(prev_hash, _entry_payload(fields))


def _hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "source": entry.source,
        "request_id": entry.request_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "grid_path": entry.grid_path,
        "before": entry.before,
        "after": entry.after,
    }


def audit_record(
    *,
    action: str,
    instance: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    grid_path: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    batch: WriteBatch | None = None,
    places: Iterable[str] = (),
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction (and with ``batch``, in the
    statement that sends the caller's other writes: the entry's key and hashes are then set
    when the batch has run).

    An entry with no grid path is stored with the places it concerns (``entry_places``;
    ``places`` adds to them), so that the auditors of those subtrees see it."""
    actor = current_actor()
    user = actor.user
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or str(instance.pk)
        object_repr = object_repr or str(instance)[:200]
        grid_path = grid_path or getattr(
            instance, getattr(instance, "scope_path_field", "grid_path"), ""
        )
        if grid_path is None or not isinstance(grid_path, str):
            grid_path = ""
    entry = AuditEntry(
        at=timezone.now(),
        actor_id=getattr(user, "pk", None),
        actor_name=getattr(user, "username", "") or ("" if user else actor.source),
        source=actor.source,
        request_id=actor.request_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        grid_path=grid_path,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )
    # No savepoint of its own: inside the caller's transaction the change and its entry commit
    # or roll back together anyway, and a savepoint costs two more statements per write.
    seen_at = entry_places(entry, user, places)
    with transaction.atomic(savepoint=False):
        if seen_at and batch is not None:
            batch.flush()  # the entry's key is needed now; entries with a place never get here
            batch = None
        _chain_append(entry, batch)
        if seen_at:
            AuditPlace.objects.bulk_create([AuditPlace(entry=entry, path=p) for p in seen_at])
    return entry


def _chain_append(entry: AuditEntry, batch: WriteBatch | None = None) -> None:
    """Lock the head, link the entry to it, store the entry, move the head.

    Written out in SQL rather than through the ORM because every write of the system runs
    it, and compiling the queries cost more than running them (bench/load.py). PostgreSQL does
    it in one statement, or in the statement of the caller's ``batch``: the head's row lock is
    then taken and released in the fewest round trips, and it is the one lock every writer
    queues on.
    """
    # Plain SQL on both engines: bench/load.py (writes phase; every write ends here).
    connection = transaction.get_connection()
    payload = _entry_payload(_hashed_fields(entry))
    if not joins_writes(connection):
        _chain_append_stepwise(entry, connection, payload)
        return
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _plain_fields()]

    def linked(row: tuple[Any, ...]) -> None:
        if row[0] is None:  # the first entry ever: no head row to lock yet
            AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})
            _chain_append(entry)
            return
        entry.pk, entry.prev_hash, entry.entry_hash = row
        entry._state.adding, entry._state.db = False, connection.alias

    alone = batch is None
    batch = batch or WriteBatch(connection)
    prefix, parts = batch.name(), _append_pg_ctes(connection.alias)

    def build(guard: str | None) -> list[str]:
        return [part.format(p=prefix, guard=batch.guard_condition(guard)) for part in parts]

    results = [f"(SELECT {c} FROM {prefix}_entry)" for c in ("id", "prev_hash", "entry_hash")]
    # One entry per statement: two would both link to the head as it was.
    batch.add(build, [*values, payload], results, linked, tag="audit")
    if alone:
        batch.flush()


def _chain_append_stepwise(entry: AuditEntry, connection: Any, payload: str) -> None:
    """The same in three statements, for SQLite (no SHA-256 in SQL; its round trips are free)."""
    head_table = connection.ops.quote_name(AuditHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_hash, count FROM {head_table} WHERE id = 1{lock}")
        row = cursor.fetchone()
        if row is None:  # the first entry ever
            AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})
            cursor.execute(f"SELECT last_hash, count FROM {head_table} WHERE id = 1{lock}")
            row = cursor.fetchone()
        last_hash, count = row
        entry.prev_hash, entry.entry_hash = last_hash, _digest(last_hash, payload)
        insert_row(entry)
        cursor.execute(
            f"UPDATE {head_table} SET last_hash = %s, count = %s WHERE id = 1",
            [entry.entry_hash, count + 1],
        )


_LINKS = ("prev_hash", "entry_hash")


@functools.cache
def _plain_fields() -> tuple[models.Field[Any, Any], ...]:
    """The entry's columns but its links, which the database fills in from the head."""
    fields = AuditEntry._meta.concrete_fields
    return tuple(f for f in fields if not f.primary_key and f.attname not in _LINKS)


@functools.cache
def _append_pg_ctes(alias: str) -> tuple[str, ...]:
    """Lock the head, insert the entry hashed onto it, move the head: three CTEs of one
    statement, named ``{p}_head``, ``{p}_entry`` and ``{p}_moved``; ``{guard}`` is the batch's
    condition on the head's row (none, or that the write it depends on was made).

    The hash is the one ``_entry_digest`` makes (SHA-256 of the previous hash followed by the
    payload, in UTF-8, as hex), so ``audit_verify`` checks entries from either path alike.
    """
    connection = connections[alias]
    quote = connection.ops.quote_name
    head, table = quote(AuditHead._meta.db_table), quote(AuditEntry._meta.db_table)

    plain = _plain_fields()
    links = [concrete_field(AuditEntry, name) for name in _LINKS]
    columns = ", ".join(quote(f.column) for f in (*plain, *links))
    values = ", ".join(cast_mark(f, connection) for f in plain)
    digest = "encode(sha256(convert_to({p}_head.last_hash || CAST(%s AS text), 'UTF8')), 'hex')"
    return (
        f"{{p}}_head AS (SELECT last_hash, count FROM {head} WHERE id = 1{{guard}} FOR UPDATE)",
        f"{{p}}_entry AS (INSERT INTO {table} ({columns}) "
        f"SELECT {values}, {{p}}_head.last_hash, {digest} FROM {{p}}_head "
        f"RETURNING id, prev_hash, entry_hash)",
        f"{{p}}_moved AS (UPDATE {head} SET last_hash = {{p}}_entry.entry_hash, "
        f"count = {{p}}_head.count + 1 FROM {{p}}_entry, {{p}}_head WHERE {head}.id = 1 "
        f"RETURNING 1)",
    )


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def audit_verify(*, batch: int = 5000) -> VerifyResult:
    """Walk the chain in id order; name the first entry whose hash or link does not hold."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            break
        for entry in rows:
            if entry.prev_hash != prev:
                return VerifyResult(False, checked, entry.id, "链接断开：上一条记录被删除或修改")
            if _entry_digest(prev, _hashed_fields(entry)) != entry.entry_hash:
                return VerifyResult(False, checked, entry.id, "内容与哈希不符：此条记录被修改")
            prev = entry.entry_hash
            checked += 1
            last_id = entry.id
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        return VerifyResult(False, checked, None, "链尾与链头不符：最后的记录被删除")
    return VerifyResult(True, checked)
