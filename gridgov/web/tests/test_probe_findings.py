"""Defects found by the hostile-tester probe on the merged issue-12 work (each test fails until
fixed). See the probe report for the live reproductions."""

from __future__ import annotations

import pytest
from django.test import Client

from gridgov.accounts.roles import Role


@pytest.fixture
def county_admin(tree, make_user):
    user = make_user(Role.COUNTY_ADMIN, tree.county)
    client = Client()
    client.force_login(user)
    return user, client


# --- No 500 on any input: the audit page's filters -------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"since": "0001-01-01"},  # OverflowError on SQLite (PostgreSQL passes)
        {"until": "9999-12-31"},  # OverflowError on SQLite and PostgreSQL
        {"actor": "99999999999999999999"},  # int too large (SQLite only; PostgreSQL passes)
    ],
)
def test_probe_audit_page_odd_filters_no_500(county_admin, query):
    _user, client = county_admin
    client.raise_request_exception = False
    response = client.get("/audit/", query)
    assert response.status_code < 500, (query, response.status_code)


# --- Usernames: the case-insensitive uniqueness must hold for full-width letters too ----------


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["Ａdmin", "ＡＤＭＩＮ", "ａｄｍｉｎ"])
def test_probe_fullwidth_username_cannot_shadow_a_superuser(county_admin, make_user, typed):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    _admin, client = county_admin
    User.objects.create_superuser("admin", password="x-Very-Long-pw-1")
    response = client.post(
        "/api/v1/users/",
        {"username": typed, "full_name": "x", "node": "440605", "role": "viewer"},
        content_type="application/json",
    )
    # No second account whose name is 'admin' up to case, and the neutral words (not Django's
    # "已存在一位使用该名字的用户", which says the account exists) when refused.
    assert User.objects.filter(username__iexact="admin").count() == 1, response.content
    assert response.status_code == 422
    assert "已存在" not in response.content.decode()


# --- Deactivation: a reactivated account must not bring back the tokens of before ------------


@pytest.mark.django_db
def test_probe_reactivation_does_not_revive_old_tokens(tree, make_user):
    from gridgov.accounts.services import (
        api_token_authenticate,
        api_token_create,
        user_deactivate,
        user_reactivate,
    )

    manager = make_user(Role.COUNTY_ADMIN, tree.county)
    user = make_user(Role.VIEWER, tree.village)
    _token, raw = api_token_create(user=user, name="t")
    assert api_token_authenticate(raw) is not None
    user_deactivate(by=manager, user=user)
    assert api_token_authenticate(raw) is None
    user_reactivate(by=manager, user=user)
    # The token of a departed user (perhaps leaked) should stay dead after reactivation.
    assert api_token_authenticate(raw) is None
