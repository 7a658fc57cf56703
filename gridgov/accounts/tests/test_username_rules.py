"""Usernames are normalized (NFKC) before the case-insensitive check, and limited to ASCII."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client

from gridgov.accounts.roles import Role
from gridgov.accounts.services import user_create
from gridgov.accounts.signin import account_lock_remaining, signin_failure_record
from gridgov.accounts.usernames import normalize_username, validate_new_username

User = get_user_model()


@pytest.fixture
def county_admin(tree, make_user):
    user = make_user(Role.COUNTY_ADMIN, tree.county)
    client = Client()
    client.force_login(user)
    return user, client


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["Ａdmin", "ＡＤＭＩＮ", "ａｄｍｉｎ", " admin ", "ADMIN"])
def test_fullwidth_username_cannot_shadow_a_superuser(county_admin, typed):
    _admin, client = county_admin
    User.objects.create_superuser("admin", password="x-Very-Long-pw-1")
    response = client.post(
        "/api/v1/users/",
        {"username": typed, "full_name": "x", "node": "440605", "role": "viewer"},
        content_type="application/json",
    )
    # No second 'admin' up to case, and the neutral words, not Django's "已存在一位使用该名字的用户".
    assert User.objects.filter(username__iexact="admin").count() == 1, response.content
    assert response.status_code == 422
    assert "已存在" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["ADMİN", "admın", "аdmin", "张三", "a b", "x+y", "a/b"])
def test_new_usernames_outside_ascii_are_refused_with_a_clear_message(county_admin, typed):
    _admin, client = county_admin
    response = client.post(
        "/api/v1/users/",
        {"username": typed, "full_name": "x", "node": "440605", "role": "viewer"},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert "英文字母、数字" in response.content.decode()
    assert not User.objects.filter(first_name="x").exists()


@pytest.mark.django_db
def test_the_page_refuses_the_same_way(county_admin):
    _admin, client = county_admin
    response = client.post(
        "/users/new/",
        {"username": "admın", "full_name": "x", "node": "440605", "role": "viewer"},
    )
    assert response.status_code == 200
    assert "英文字母、数字" in response.content.decode()
    assert not User.objects.filter(first_name="x").exists()


@pytest.mark.django_db
def test_a_fullwidth_username_is_stored_in_ascii(tree, make_user):
    manager = make_user(Role.COUNTY_ADMIN, tree.county)
    user = user_create(
        username="ｗａｎｇ.ｗｕ",
        password="x-Very-Long-pw-1",
        by=manager,
        node=tree.village,
        role=Role.VIEWER,
    )
    assert user.username == "wang.wu"


@pytest.mark.parametrize("name", ["a", "wang_wu", "li.si-2", "x@y.cn", "A" * 150])
def test_allowed_usernames(name):
    validate_new_username(normalize_username(name))


@pytest.mark.parametrize("name", ["", "A" * 151, "ADMİN", "admın", "a b", "a\x00b"])
def test_refused_usernames(name):
    with pytest.raises(ValidationError):
        validate_new_username(normalize_username(name))


@pytest.mark.django_db
def test_signin_failures_typed_fullwidth_count_for_the_account(settings):
    User.objects.create_user("admin", password="x-Very-Long-pw-1")
    for _i in range(5):
        signin_failure_record(username="ＡＤＭＩＮ", ip="198.51.100.7")
    assert account_lock_remaining("admin") is not None
