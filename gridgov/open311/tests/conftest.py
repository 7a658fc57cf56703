"""Fixtures of the Open311 endpoint tests: the grid with boundaries, a key, a service with a
definition, and matters made through the intake (as the cases tests do)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from gridgov.cases.intake import matter_create
from gridgov.cases.models import Category, Channel

# The grid with boundaries (fixture ``grid``) and its points are the cases tests' (registered
# for every app by the root conftest).
from gridgov.cases.tests.fixtures import INSIDE_A, INSIDE_B, LAT0, LNG0, square
from gridgov.open311.services import api_key_create

__all__ = ["INSIDE_A", "INSIDE_B", "LAT0", "LNG0", "square"]

# A 1×1 grey PNG: signature, IHDR, IDAT, IEND with their CRCs.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00"
    b"\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)

BASE = "/open311/v2/"

LIGHT_ATTRIBUTES = [
    {
        "code": "kinds",
        "datatype": "multivaluelist",
        "required": False,
        "description": "问题类型",
        "order": 2,
        "values": [{"key": "dark", "name": "不亮"}, {"key": "flicker", "name": "闪烁"}],
    },
    {
        "code": "severity",
        "datatype": "singlevaluelist",
        "required": True,
        "description": "严重程度",
        "order": 1,
        "values": [{"key": "high", "name": "严重"}, {"key": "low", "name": "一般"}],
    },
    {
        "code": "pole",
        "datatype": "string",
        "required": False,
        "description": "灯杆编号",
        "order": 3,
    },
]


@pytest.fixture
def key(db) -> str:
    """The secret of an active key named 12345热线."""
    return api_key_create(name="12345热线")[1]


@pytest.fixture
def light(db) -> Category:
    """A service with a definition: a required single-value list, a multi-value list, a text."""
    return Category.objects.create(
        code="streetlight",
        name="路灯故障",
        kind="report",
        description="路灯不亮、闪烁、倒伏",
        keywords="路灯,照明",
        attributes=LIGHT_ATTRIBUTES,
        order=50,
        is_public=True,
    )


@pytest.fixture
def dispute(db) -> Category:
    """Disputes, here published by the county (``is_public``) so that lists show them; the
    default of private categories is tested in test_private.py."""
    category = Category.objects.get(code="dispute")
    category.is_public = True
    category.save()
    return category


@pytest.fixture
def make_matter(grid, dispute):
    """A matter through the intake (channel staff), inside micro-grid A unless told."""

    def make(*, days_ago: float = 0, **kw: Any):
        kw.setdefault("category", dispute)
        kw.setdefault("description", "邻居占用通道，多次协商不成")
        kw.setdefault("channel", Channel.STAFF)
        if not any(k in kw for k in ("household", "lat", "place", "address")):
            kw["lat"], kw["lng"] = INSIDE_A
        if days_ago:
            kw["now"] = timezone.now() - dt.timedelta(days=days_ago)
        return matter_create(**kw)

    return make
