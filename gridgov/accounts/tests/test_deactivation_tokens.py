"""Deactivating a user revokes their API tokens and ends their sessions, for good."""

from __future__ import annotations

import pytest
from django.test import Client

from gridgov.accounts.models import ApiToken
from gridgov.accounts.roles import Role
from gridgov.accounts.services import (
    api_token_authenticate,
    api_token_create,
    user_deactivate,
    user_reactivate,
)
from gridgov.core.models import AuditEntry


@pytest.mark.django_db
def test_reactivation_does_not_revive_old_tokens(tree, make_user):
    manager = make_user(Role.COUNTY_ADMIN, tree.county)
    user = make_user(Role.VIEWER, tree.village)
    tokens = [api_token_create(user=user, name=f"t{i}") for i in range(2)]
    for _token, raw in tokens:
        assert api_token_authenticate(raw) is not None
    user_deactivate(by=manager, user=user)
    for _token, raw in tokens:
        assert api_token_authenticate(raw) is None
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    revoked = AuditEntry.objects.filter(action="revoke", object_type="accounts.apitoken")
    assert {e.object_id for e in revoked} == {str(t.pk) for t, _raw in tokens}
    user_reactivate(by=manager, user=user)
    for _token, raw in tokens:
        assert api_token_authenticate(raw) is None  # a new token is needed
    _new, raw = api_token_create(user=user, name="new")
    assert api_token_authenticate(raw) is not None


@pytest.mark.django_db
def test_reactivation_does_not_revive_old_sessions(tree, make_user):
    manager = make_user(Role.COUNTY_ADMIN, tree.county)
    user = make_user(Role.VIEWER, tree.village)
    other = make_user(Role.VIEWER, tree.village)
    client, bystander = Client(), Client()
    client.force_login(user)
    bystander.force_login(other)
    assert client.get("/inbox/").status_code == 200
    user_deactivate(by=manager, user=user)
    user_reactivate(by=manager, user=user)
    assert client.get("/inbox/").status_code == 302  # back to the sign-in page
    assert bystander.get("/inbox/").status_code == 200  # others stay signed in
