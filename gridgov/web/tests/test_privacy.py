"""Personal data in the web UI: masked everywhere, revealed only on purpose (reason, audit),
exported in full only by roles that may reveal, and the security headers of every page."""

from __future__ import annotations

import csv
import io

import pytest

from gridgov.accounts.roles import Role
from gridgov.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_revealing_an_id_needs_a_reason_and_is_audited_without_the_value(cadre_client, world):
    url = f"/persons/{world.head.pk}/reveal/"
    page = cadre_client.get(f"/persons/{world.head.pk}/").content.decode()
    assert world.head_id_number not in page and world.head.id_masked in page
    refused = cadre_client.post(url, {"field": "citizen_id", "reason": "看看"[:1]})
    assert refused.status_code == 400 and "事由" in refused.content.decode()
    assert world.head_id_number not in refused.content.decode()
    response = cadre_client.post(url, {"field": "citizen_id", "reason": "核实低保申请人身份"})
    assert response.status_code == 200
    assert world.head_id_number in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.actor_id == world.cadre.pk and entry.object_id == str(world.head.pk)
    assert entry.after == {"field": "citizen_id", "reason": "核实低保申请人身份"}
    assert world.head_id_number not in str(entry.before) + str(entry.after)


def test_a_phone_is_revealed_the_same_way(cadre_client, world):
    response = cadre_client.post(
        f"/persons/{world.head.pk}/reveal/", {"field": "phone", "reason": "电话通知开会"}
    )
    assert "13812345678" in response.content.decode()


def test_roles_that_may_not_reveal_get_404_and_no_entry(client, world, make_user):
    viewer = make_user(Role.VIEWER, world.tree.village)
    client.force_login(viewer)
    page = client.get(f"/persons/{world.head.pk}/").content.decode()
    assert "查看完整身份证号或电话" not in page
    response = client.post(
        f"/persons/{world.head.pk}/reveal/", {"field": "citizen_id", "reason": "想看一下号码"}
    )
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="reveal").exists()


def _export(client, path: str, **data):
    response = client.post(path, data) if data else client.get(path)
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_exports_are_masked_unless_revealed_with_a_reason(cadre_client, world):
    rows = _export(cadre_client, "/persons/?format=csv")
    assert rows[0][0].startswith("注：身份证号和电话已脱敏")
    text = str(rows)
    assert world.head_id_number not in text and world.head.id_masked in text
    assert "13812345678" not in text

    refused = cadre_client.post("/persons/?q=", {"format": "csv", "reveal": "1", "reason": ""})
    assert refused.status_code == 302
    full = _export(cadre_client, "/persons/", format="csv", reveal="1", reason="核对低保发放名单")
    assert full[0][0].startswith("注：本文件含完整身份证号和电话")
    assert world.head_id_number in str(full) and "13812345678" in str(full)
    assert "赵秘密" not in str(full)  # village B stays out
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.after["full"] is True and entry.after["reason"] == "核对低保发放名单"
    assert entry.after["rows"] == 3


def test_a_role_that_may_export_but_not_reveal_gets_no_full_export(client, world, make_user):
    supervisor = make_user(Role.SUPERVISOR, world.tree.village)
    client.force_login(supervisor)
    assert "导出完整证件号和电话" not in client.get("/persons/").content.decode()
    response = client.post(
        "/persons/", {"format": "csv", "reveal": "1", "reason": "核对低保发放名单"}
    )
    assert response.status_code == 404
    masked = _export(client, "/persons/?format=csv")
    assert world.head_id_number not in str(masked)


def test_pages_carry_a_content_security_policy_and_no_inline_script(cadre_client, world):
    response = cadre_client.get(f"/grid/{world.tree.village.code}/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    html = response.content.decode()
    for chunk in html.split("<script")[1:]:
        attributes = chunk.split(">", 1)[0]
        # Scripts come from files; inline blocks hold data (JSON), which the browser never runs.
        assert "src=" in attributes or 'type="application/json"' in attributes, chunk[:80]
    login = cadre_client.get("/login/")
    assert "Content-Security-Policy" in login


def test_the_roles_page_shows_the_one_table(cadre_client):
    html = cadre_client.get("/roles/").content.decode()
    assert "村务监督委员" in html and "查看审计记录" in html and "村干部（村两委）" in html


def test_audit_pages_per_object_and_per_user(client, world, make_user):
    supervisor = make_user(Role.SUPERVISOR, world.tree.village)
    client.force_login(supervisor)
    page = client.get(f"/audit/?object_type=people.person&object_id={world.head.pk}")
    html = page.content.decode()
    assert page.status_code == 200 and "陈大明" in html
    assert "赵秘密" not in client.get("/audit/").content.decode()  # B's entries stay hidden
    outsider_entries = client.get(
        f"/audit/?object_type=people.person&object_id={world.other_person.pk}"
    )
    assert "赵秘密" not in outsider_entries.content.decode()
    cadre = world.cadre
    client.force_login(cadre)
    assert client.get("/audit/").status_code == 404  # village cadres are audited, not auditors
