"""What the archive holds and how a value is written into it, shared by ``dump`` and ``load``."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from importlib import metadata
from typing import Any

from django.apps import apps
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils.duration import duration_iso_string

FORMAT = "gridgov-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA_DIR = "data/"
MEDIA_DIR = "media/"

# Sign-ins are not data: after a restore everyone signs in again.
NOT_CARRIED = frozenset({"sessions.session"})

# Tables that ``migrate`` itself fills on an empty database (Django's content types and
# permissions, cases' default categories). A target holding rows in these only is still empty;
# restore replaces them with the archive's rows, whose ids the other rows point to.
MIGRATE_WRITES = frozenset({"contenttypes.contenttype", "auth.permission", "cases.category"})


def gridgov_version() -> str:
    try:
        return metadata.version("gridgov")
    except metadata.PackageNotFoundError:  # run from a tree that was not installed
        return "unknown"


def carried_models() -> list[type[models.Model]]:
    """Every table the archive carries, each after the tables its foreign keys point to.

    A cycle (a self-reference such as a grid node's parent) is no obstacle: both engines check
    Django's foreign keys at commit, and restore loads in one transaction.
    """
    found = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in NOT_CARRIED
    ]
    labels = {m._meta.label_lower: m for m in found}
    needs = {
        label: {
            f.related_model._meta.label_lower
            for f in model._meta.concrete_fields
            # resolved once the apps are loaded: a model class, no longer "self"
            if f.is_relation and isinstance(f.related_model, type)
        }
        & labels.keys() - {label}
        for label, model in labels.items()
    }
    ordered: list[str] = []
    placed: set[str] = set()
    pending = sorted(labels)
    while pending:
        ready = [label for label in pending if needs[label] <= placed] or pending[:1]
        for label in ready:
            ordered.append(label)
            placed.add(label)
        pending = [label for label in pending if label not in placed]
    return [labels[label] for label in ordered]


def columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return list(model._meta.concrete_fields)


def _iso(value: dt.date | dt.time) -> str:
    return value.isoformat()


def encoder(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a value read by the ORM becomes JSON (``None``: it already is)."""
    internal = field.get_internal_type()
    if internal == "JSONField":
        return None
    if internal == "BinaryField":
        # Ciphertext as stored, never decrypted: base64 of its bytes.
        return lambda v: base64.b64encode(bytes(v)).decode("ascii")
    if internal == "DurationField":
        return duration_iso_string
    if isinstance(field, models.DateTimeField | models.DateField | models.TimeField):
        return _iso
    if isinstance(field, models.DecimalField | models.UUIDField) or internal == "UUIDField":
        return str
    return None


def encode_row(row: tuple[Any, ...], encoders: list[Callable[[Any], Any] | None]) -> list[Any]:
    return [
        value if value is None or enc is None else enc(value)
        for value, enc in zip(row, encoders, strict=True)
    ]


def decoder(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """The inverse of ``encoder``: the field's own parsing (``to_python``) but for JSON."""
    if field.get_internal_type() == "JSONField":
        return lambda v: v
    return field.to_python


def applied_migrations(connection: BaseDatabaseWrapper) -> list[list[str]]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    return sorted([app, name] for app, name in recorder.applied_migrations())


def code_migrations() -> list[list[str]]:
    """Every migration this version of gridgov has (the state a full ``migrate`` reaches)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted([app, name] for app, name in loader.graph.nodes)
