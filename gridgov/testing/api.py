"""Clients of the API for tests: a user with a personal token, calling through every middleware."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from gridgov.accounts.roles import Role

BASE = "/api/v1"


class ApiClient:
    """Calls /api/v1 with ``Authorization: Bearer <token>`` of one user."""

    def __init__(self, user: Any, token: str | None) -> None:
        self.user = user
        self.token = token
        self.client = Client()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params: Any):
        return self.client.get(BASE + path, params, headers=self._headers())

    def _send(self, method: str, path: str, data: Any):
        body = json.dumps(data, default=_json_default)
        send = getattr(self.client, method)
        return send(BASE + path, body, content_type="application/json", headers=self._headers())

    def post(self, path: str, data: Any):
        return self._send("post", path, data)

    def patch(self, path: str, data: Any):
        return self._send("patch", path, data)


def _json_default(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(value)


@pytest.fixture
def api_as():
    """``api_as(user)`` → an ApiClient holding a fresh personal token of that user."""
    from gridgov.accounts.services import api_token_create

    def make(user: Any) -> ApiClient:
        _token, raw = api_token_create(user=user, name="tests")
        return ApiClient(user, raw)

    return make


@pytest.fixture
def admin(tree, make_user, api_as) -> ApiClient:
    """A county administrator (every action in the county)."""
    return api_as(make_user(Role.COUNTY_ADMIN, tree.county))


@pytest.fixture
def cadre_a(tree, make_user, api_as) -> ApiClient:
    """A village cadre of village A (平东村): view, change, view_sensitive; no manage_grid."""
    return api_as(make_user(Role.VILLAGE_CADRE, tree.village))
