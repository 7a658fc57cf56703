"""Open311 API keys: issued once, checked in constant time, revoked; the command and admin."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from gridgov.core.context import Source, actor_context
from gridgov.core.models import AuditEntry
from gridgov.open311.models import ApiKey
from gridgov.open311.services import api_key_check, api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db


def test_create_stores_only_the_digest_and_check_finds_the_key(make_user):
    user = make_user()
    with actor_context(user=user, source=Source.WEB):
        key, raw = api_key_create(name="12345热线")
    assert raw.startswith("o311_") and len(raw) > 40
    assert key.prefix == raw[5:13] and key.created_by == user
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw not in {stored.digest, stored.prefix, stored.name}
    assert stored.digest == ApiKey.digest_of(raw)
    entry = AuditEntry.objects.get(object_type="open311.apikey", action="create")
    assert entry.after == {"name": "12345热线", "prefix": key.prefix}
    assert raw not in str(entry.after) and stored.digest not in str(entry.after)

    assert api_key_check(raw=raw) == key
    assert api_key_check(raw=f"  {raw}\n") == key


@pytest.mark.parametrize("raw", ["", "xyz", "o311_", "o311_short", "gg_" + "a" * 43])
def test_check_refuses_malformed_and_unknown_keys(raw):
    api_key_create(name="热线")
    assert api_key_check(raw=raw) is None


def test_check_refuses_a_key_that_differs_after_the_prefix():
    _key, raw = api_key_create(name="热线")
    forged = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    assert api_key_check(raw=forged) is None


def test_last_used_is_written_at_most_once_a_minute(django_assert_num_queries):
    key, raw = api_key_create(name="热线")
    with django_assert_num_queries(2):  # lookup + touch
        first = api_key_check(raw=raw)
    assert first.last_used_at is not None
    with django_assert_num_queries(1):  # lookup only
        api_key_check(raw=raw)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    with django_assert_num_queries(2):
        again = api_key_check(raw=raw)
    assert again.last_used_at > first.last_used_at - dt.timedelta(seconds=1)


def test_revoked_key_is_refused_and_revoke_is_audited_once():
    key, raw = api_key_create(name="热线")
    api_key_revoke(key=key)
    api_key_revoke(key=key)
    assert api_key_check(raw=raw) is None
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert AuditEntry.objects.filter(object_type="open311.apikey", action="revoke").count() == 1


def test_names_are_unique_among_keys_in_use():
    key, _raw = api_key_create(name="热线")
    with pytest.raises(ValidationError, match="已有同名的有效密钥"):
        api_key_create(name="热线")
    with pytest.raises(ValidationError):
        api_key_create(name="  ")
    api_key_revoke(key=key)
    replacement, raw = api_key_create(name="热线")
    assert api_key_check(raw=raw) == replacement


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("open311", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_create_list_revoke():
    out, err = run("keys", "create", "12345热线")
    raw = out.strip()
    key = api_key_check(raw=raw)
    assert key is not None and key.name == "12345热线"
    assert "只显示这一次" in err and raw not in err
    entry = AuditEntry.objects.get(object_type="open311.apikey", action="create")
    assert entry.source == Source.CLI

    run("keys", "create", "福建随手拍")
    out, _err = run("keys", "list")
    lines = out.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith(key.prefix)
    assert "12345热线" in lines[1] and "有效" in lines[1]
    assert raw not in out and key.digest not in out

    out, _err = run("keys", "revoke", "12345热线")
    assert "已吊销" in out and api_key_check(raw=raw) is None
    out, _err = run("keys", "list")
    assert "12345热线" not in out
    out, _err = run("keys", "list", "--all")
    assert "已吊销" in out and "12345热线" in out

    other = ApiKey.objects.get(name="福建随手拍")
    out, _err = run("keys", "revoke", other.prefix)
    assert "福建随手拍" in out and ApiKey.objects.get(pk=other.pk).revoked_at is not None


def test_command_errors():
    run("keys", "create", "热线")
    with pytest.raises(CommandError, match="已有同名的有效密钥"):
        run("keys", "create", "热线")
    with pytest.raises(CommandError, match="没有名称或前缀为 不存在"):
        run("keys", "revoke", "不存在")
    run("keys", "revoke", "热线")
    with pytest.raises(CommandError, match="已吊销"):
        run("keys", "revoke", "热线")


def test_admin_issues_shows_once_and_revokes(make_user):
    admin_user = make_user(superuser=True)
    client = Client()
    client.force_login(admin_user)
    response = client.post("/admin/open311/apikey/add/", {"name": "12345热线"}, follow=True)
    assert response.status_code == 200
    key = ApiKey.objects.get(name="12345热线")
    assert key.created_by == admin_user
    shown = [str(m) for m in response.context["messages"]]
    secret = re.search(r"o311_[A-Za-z0-9_-]+", " ".join(shown)).group()
    assert api_key_check(raw=secret) == key

    page = client.get(f"/admin/open311/apikey/{key.pk}/change/")
    assert page.status_code == 200
    assert key.digest not in page.content.decode() and secret not in page.content.decode()
    listing = client.get("/admin/open311/apikey/")
    assert key.digest not in listing.content.decode()

    response = client.post(
        "/admin/open311/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert api_key_check(raw=secret) is None
    entry = AuditEntry.objects.get(object_type="open311.apikey", action="revoke")
    assert entry.source == Source.WEB and entry.actor_id == admin_user.pk
