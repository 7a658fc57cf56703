"""The registry of kinds, and the tie between a choice column and its model's choices."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from gridgov.dataio.exports import export_headers
from gridgov.dataio.kinds import KINDS
from gridgov.dataio.registry import EXPORTS
from gridgov.dataio.schemas import LOAD_ORDER, SCHEMAS, choices_of
from gridgov.dataio.validation import parse_choice
from gridgov.links.models import LinkerKind
from gridgov.orgs.models import BodyKind, BodyRole, GridPostKind, MemberStatus, OrgKind
from gridgov.people.dataio import SEX
from gridgov.people.models import (
    DisabilityCategory,
    LeftBehind,
    MonitoringType,
    Relation,
    ResidenceType,
    Sex,
    SpecialGroup,
)

ORDER = [
    "grid",
    "party_orgs",
    "bodies",
    "households",
    "persons",
    "party_members",
    "memberships",
    "grid_posts",
    "linkers",
    "links",
]

# Every choice column of every kind, with the model choices it stores.
CHOICE_COLUMNS = {
    ("party_orgs", "kind"): OrgKind,
    ("bodies", "kind"): BodyKind,
    ("households", "monitoring_type"): MonitoringType,
    ("persons", "sex"): Sex,
    ("persons", "relation"): Relation,
    ("persons", "residence_type"): ResidenceType,
    ("persons", "left_behind"): LeftBehind,
    ("persons", "special_group"): SpecialGroup,
    ("persons", "disability_category"): DisabilityCategory,
    ("party_members", "status"): MemberStatus,
    ("memberships", "role"): BodyRole,
    ("grid_posts", "kind"): GridPostKind,
    ("linkers", "kind"): LinkerKind,
}


def test_the_apps_register_every_kind_in_load_order():
    assert list(SCHEMAS) == ORDER
    assert LOAD_ORDER == ORDER
    assert list(KINDS) == ORDER and list(EXPORTS) == ORDER
    assert all(KINDS[k].schema is SCHEMAS[k] for k in ORDER)
    assert all(export_headers(k) for k in ORDER)


def test_every_choice_column_is_tied_to_model_choices():
    columns = {
        (kind, c.key) for kind, s in SCHEMAS.items() for c in s.columns if c.kind == "choice"
    }
    assert columns == set(CHOICE_COLUMNS)


@pytest.mark.parametrize(("kind", "key"), list(CHOICE_COLUMNS))
def test_every_model_choice_is_accepted_by_its_column(kind, key):
    column = SCHEMAS[kind].column(key)
    with translation.override(None):
        choices = [(value, str(label)) for value, label in CHOICE_COLUMNS[kind, key].choices]
    for value, label in choices:
        cell = "" if value == "" else label
        assert parse_choice(cell, column.choices) == value
    assert set(column.choices.values()) == {value for value, _label in choices}


def test_a_new_model_choice_is_accepted_without_touching_the_schema():
    class Widened(models.TextChoices):
        NONE = "", "否"
        MALE = "M", "男"
        OTHER = "X", "其他性别"

    cells = choices_of(Widened)
    assert cells == {"": "", "男": "M", "其他性别": "X"}


def test_cell_values_are_the_chinese_labels_in_any_language():
    with translation.override("en"):
        assert choices_of(Sex) == SEX == {"男": "M", "女": "F"}


def test_a_chair_is_also_named_by_its_own_title():
    roles = SCHEMAS["memberships"].column("role").choices
    assert [label for label, code in roles.items() if code == "chair"] == [
        "主任/组长/理事长",
        "主任",
        "组长",
        "理事长",
    ]
