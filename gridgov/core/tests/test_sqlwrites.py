"""Plain SQL writes store what the ORM would; a batch sends them together and checks them."""

from __future__ import annotations

import contextlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import signals
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gridgov.core.audit import audit_record, audit_verify
from gridgov.core.models import AuditEntry
from gridgov.core.sqlwrites import insert_row, update_where, write_batch
from gridgov.grid.models import GridNode


@pytest.mark.django_db
def test_update_where_stores_what_the_orm_would_and_only_where_it_matches(tree):
    when = timezone.now().replace(microsecond=123456)
    values = {
        "name": "改名 ‘村’",
        "boundary": {"type": "Polygon", "coordinates": [[[113.1, 23.0], [113.2, 23.1]]]},
        "lat": 23.05,
        "parent_id": tree.town.pk,
        "updated_at": when,
        "households_count": 7,
    }
    changed = update_where(GridNode, values=values, where={"pk": tree.village.pk, "level": "x"})
    assert changed == 0  # the condition did not hold: nothing written
    assert GridNode.objects.get(pk=tree.village.pk).name == tree.village.name

    assert update_where(GridNode, values=values, where={"pk": tree.village.pk, "level": "village"})
    GridNode.objects.filter(pk=tree.other_village.pk).update(**values)  # the ORM, for comparison
    ours, orms = (
        {k: getattr(GridNode.objects.get(pk=pk), k) for k in values}
        for pk in (tree.village.pk, tree.other_village.pk)
    )
    assert ours == orms == values
    assert GridNode.objects.get(pk=tree.group.pk).name == tree.group.name  # no other row


@pytest.mark.django_db
def test_insert_row_stores_what_save_would_and_reads_its_key_back(tree):
    fields = {
        "level": "microgrid",
        "code": "440605001201001002",
        "name": "一组2号微网格",
        "parent": tree.group,
        "boundary": {"type": "Polygon", "coordinates": [[[113.1, 23.0], [113.2, 23.1]]]},
        "lat": 23.01,
    }
    ours = insert_row(GridNode(**fields))
    theirs = GridNode(**{**fields, "code": "440605001201001003"})
    theirs.save()
    assert ours.pk and not ours._state.adding
    stored, saved = GridNode.objects.get(pk=ours.pk), GridNode.objects.get(pk=theirs.pk)
    names = [f.attname for f in GridNode._meta.concrete_fields if f.attname not in ("id", "code")]
    assert {n: getattr(stored, n) for n in names if n not in ("created_at", "updated_at")} == {
        n: getattr(saved, n) for n in names if n not in ("created_at", "updated_at")
    }
    assert stored.created_at and stored.updated_at  # auto_now_add and auto_now filled in
    with pytest.raises(ValueError, match="not a new row"):
        insert_row(stored)

    def receiver(**kwargs):
        pass

    signals.post_save.connect(receiver, sender=GridNode)
    try:
        with pytest.raises(ValueError, match="receivers"):
            insert_row(GridNode(**{**fields, "code": "440605001201001004"}))
    finally:
        signals.post_save.disconnect(receiver, sender=GridNode)
    assert not GridNode.objects.filter(code="440605001201001004").exists()


def _node(tree, code: str) -> GridNode:
    return GridNode(level="microgrid", code=code, name=f"网格{code[-3:]}", parent=tree.group)


def _stale() -> Exception:
    return ValidationError("stale")


@pytest.mark.django_db
def test_a_batch_stores_every_write_and_hands_back_keys_and_hashes(tree):
    first, second = _node(tree, "440605001201001011"), _node(tree, "440605001201001012")
    rename = {"values": {"name": "改名"}, "where": {"pk": tree.group.pk}}
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), write_batch() as batch:
        batch.insert(first)
        batch.update(GridNode, **rename, expect=1, otherwise=_stale)
        batch.insert(second)
        entry = audit_record(action="test", object_type="t", object_id="1", batch=batch)
    writes = [q for q in queries.captured_queries if not q["sql"].startswith(_TRANSACTION)]
    # One statement on PostgreSQL; one per write elsewhere (the audit chain's three on SQLite).
    assert len(writes) == (1 if connection.vendor == "postgresql" else 6)
    assert GridNode.objects.get(pk=first.pk).code == "440605001201001011"
    assert GridNode.objects.get(pk=second.pk).code == "440605001201001012"
    assert not first._state.adding and first.pk != second.pk
    assert GridNode.objects.get(pk=tree.group.pk).name == "改名"
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.prev_hash, entry.entry_hash) == (stored.prev_hash, stored.entry_hash)
    assert audit_verify().ok


_TRANSACTION = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


@pytest.mark.django_db
def test_an_update_that_finds_no_row_raises_and_the_transaction_keeps_nothing(tree):
    unchanged = {"values": {"name": "改名"}, "where": {"pk": tree.group.pk, "name": "别的名字"}}
    with (
        pytest.raises(ValidationError, match="stale"),
        transaction.atomic(),
        write_batch() as batch,
    ):
        batch.insert(_node(tree, "440605001201001021"))
        batch.update(GridNode, **unchanged, expect=1, otherwise=_stale)
        audit_record(action="test", object_type="t", object_id="1", batch=batch)
    assert not GridNode.objects.filter(code="440605001201001021").exists()
    assert GridNode.objects.get(pk=tree.group.pk).name == tree.group.name
    assert not AuditEntry.objects.filter(action="test").exists()


@pytest.mark.django_db
def test_two_audit_entries_in_one_batch_are_chained_one_after_the_other(tree):
    with transaction.atomic(), write_batch() as batch:
        entries = [
            audit_record(action="test", object_type="t", object_id=str(i), batch=batch)
            for i in range(3)
        ]
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].prev_hash == entries[1].entry_hash
    assert audit_verify().ok


# Committed rows and no transaction around the batch: on PostgreSQL the batch's statement is
# then the whole of the write, and its guard what keeps it whole.
@pytest.mark.django_db(transaction=True)
def test_a_guarded_batch_whose_guard_finds_no_row_writes_nothing(tree):
    rename = {"values": {"name": "改名"}, "where": {"pk": tree.group.pk, "name": "别的名字"}}
    entries = AuditEntry.objects.count()
    # On PostgreSQL no transaction: the guard alone keeps the statement whole. Elsewhere the
    # writes run as they come, and a batch belongs in a transaction.
    vendor = connection.vendor
    around = contextlib.nullcontext() if vendor == "postgresql" else transaction.atomic()
    with pytest.raises(ValidationError, match="stale"), around, write_batch() as batch:
        batch.insert(_node(tree, "440605001201001031"))  # added before the guard
        batch.update(GridNode, **rename, expect=1, otherwise=_stale, guard=True)
        batch.insert(_node(tree, "440605001201001032"))
        audit_record(action="test", object_type="t", object_id="1", batch=batch)
    assert not GridNode.objects.filter(code__in=["440605001201001031", "440605001201001032"])
    assert AuditEntry.objects.count() == entries
    with write_batch() as batch:  # and with the guard holding, everything is written
        batch.insert(_node(tree, "440605001201001033"))
        batch.update(
            GridNode,
            values={"name": "改名"},
            where={"pk": tree.group.pk},
            expect=1,
            otherwise=_stale,
            guard=True,
        )
        entry = audit_record(action="test", object_type="t", object_id="2", batch=batch)
    assert GridNode.objects.filter(code="440605001201001033").exists()
    assert AuditEntry.objects.filter(pk=entry.pk).exists() and audit_verify().ok
    town = {"where": {"pk": tree.town.pk}, "expect": 1, "otherwise": _stale, "guard": True}
    with pytest.raises(ValueError, match="one guard"), write_batch() as batch:
        batch.update(GridNode, values={"lat": 1.0}, **town)
        batch.update(GridNode, values={"lat": 2.0}, **town)
