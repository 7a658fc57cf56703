"""Search: exact household number, exact citizen ID through the keyed hash, or a name."""

from __future__ import annotations

import datetime as dt

from gridgov.conftest import new_citizen_id
from gridgov.core import crypto
from gridgov.core.identity import make_citizen_id
from gridgov.people.selectors import person_search


def test_exact_citizen_id_finds_the_person(cadre_client, world):
    html = cadre_client.post("/search/", {"q": world.head_id_number}).content.decode()
    assert "陈大明" in html and f'href="/persons/{world.head.pk}/"' in html
    assert "按身份证号" in html
    # Only that person: not his household members, whose names share nothing with the query.
    assert "李秀英" not in html
    assert world.head_id_number not in html.split('name="q"')[1].split(">", 1)[1]


def test_lowercase_x_and_spaces_are_normalized(cadre_client, world, make_person, make_household):
    # The first female sequence number whose ID ends in X (deterministic, unlike a random draw).
    number = next(
        n
        for seq in range(0, 1000, 2)
        if (n := make_citizen_id("440605", dt.date(1991, 6, 1), seq)).endswith("X")
    )
    make_person(make_household(), name="王小丫", sex="F", citizen_id=number)
    html = cadre_client.post("/search/", {"q": " " + number.lower() + " "}).content.decode()
    assert "王小丫" in html


def test_a_wrong_citizen_id_finds_nothing(cadre_client, world):
    unknown = new_citizen_id()
    html = cadre_client.post("/search/", {"q": unknown}).content.decode()
    assert "没有找到" in html and "陈大明" not in html
    # One digit off fails the check character: still nothing, and no error.
    typo = world.head_id_number[:-2] + str((int(world.head_id_number[-2]) + 1) % 10) + "0"
    response = cadre_client.post("/search/", {"q": typo})
    assert response.status_code == 200 and "陈大明" not in response.content.decode()


def test_search_never_decrypts(cadre_client, world, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("search must not decrypt any column")

    monkeypatch.setattr(crypto.DataCipher, "decrypt", refuse)
    html = cadre_client.post("/search/", {"q": world.head_id_number}).content.decode()
    assert "陈大明" in html
    html = cadre_client.get("/search/", {"q": "陈"}).content.decode()
    assert "陈大明" in html and "陈小华" in html


def test_the_id_query_filters_on_the_keyed_hash(world):
    sql = str(person_search(world.cadre, world.head_id_number).query)
    assert "id_hash" in sql and crypto.lookup_hash(world.head_id_number) in sql
    assert world.head_id_number not in sql


def test_search_is_scoped(client, world):
    client.force_login(world.outsider)
    html = client.post("/search/", {"q": world.head_id_number}).content.decode()
    assert "陈大明" not in html and "没有找到" in html
    html = client.get("/search/", {"q": world.household.number}).content.decode()
    assert "没有找到" in html
    assert f'href="/households/{world.household.number}/"' not in html
    html = client.get("/search/", {"q": "赵秘密"}).content.decode()
    assert f'href="/persons/{world.other_person.pk}/"' in html


def test_household_number_grid_and_org_results_are_grouped(cadre_client, world):
    html = cadre_client.get("/search/", {"q": world.household.number}).content.decode()
    assert f'href="/households/{world.household.number}/"' in html
    html = cadre_client.get("/search/", {"q": "平东"}).content.decode()
    assert f'href="/grid/{world.tree.village.code}/"' in html
    assert f'href="/orgs/{world.branch.code}/"' in html
    assert "<h2>网格</h2>" in html and "<h2>党组织</h2>" in html
    html = cadre_client.get("/search/", {"q": ""}).content.decode()
    assert "没有找到" not in html
