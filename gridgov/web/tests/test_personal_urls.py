"""A full citizen ID or phone number never travels in a URL: the search form posts it, and a
URL that holds one is refused without searching and without repeating it (core.urlguard)."""

from __future__ import annotations

import logging
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from gridgov.conftest import new_citizen_id
from gridgov.core.management.commands.serve import gunicorn_args
from gridgov.core.models import AuditEntry
from gridgov.core.urlguard import holds_personal_number
from gridgov.people.models import Person


def hrefs(html: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', html)


def test_the_search_box_is_a_post_form_with_the_csrf_token(cadre_client):
    html = cadre_client.get("/search/").content.decode()
    form = html.split('role="search"')[0].rsplit("<form", 1)[1]
    assert 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in html.split('role="search"')[1].split("</form>")[0]


def test_a_post_without_the_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.cadre)
    assert client.post("/search/", {"q": world.head_id_number}).status_code == 403


def test_the_posted_id_finds_the_person_and_goes_into_no_url(cadre_client, world):
    response = cadre_client.post("/search/", {"q": world.head_id_number})
    html = response.content.decode()
    assert response.status_code == 200 and "Location" not in response
    assert f'href="/persons/{world.head.pk}/"' in html
    assert not [url for url in hrefs(html) if world.head_id_number in url]
    assert response["Cache-Control"] == "no-store"


def test_an_unknown_id_is_shown_masked(cadre_client):
    number = new_citizen_id()
    html = cadre_client.post("/search/", {"q": number}).content.decode()
    assert "没有找到" in html and f"{number[:6]}********{number[-4:]}" in html
    assert number not in html.split('name="q"', 1)[1].split(">", 1)[1]


VARIANTS = [
    lambda n: n,
    lambda n: n.lower(),
    lambda n: " ".join([n[:6], n[6:14], n[14:]]),
    lambda n: "-".join([n[:6], n[6:14], n[14:]]),
    lambda n: n.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")),
    lambda n: "陈大明" + n,
    lambda n: n[:-1] + ("0" if n[-1] != "0" else "1"),  # one digit off still names someone
]


@pytest.mark.parametrize("variant", range(len(VARIANTS)))
def test_a_get_with_an_id_is_refused_without_searching_or_echoing(
    cadre_client, world, variant, caplog
):
    value = VARIANTS[variant](world.head_id_number)
    caplog.set_level(logging.DEBUG)
    with CaptureQueriesContext(connection) as ctx:
        response = cadre_client.get("/search/", {"q": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert "表单" in html and 'href="/search/"' in html
    assert value not in html and world.head_id_number not in html and "陈大明" not in html
    assert not [q for q in ctx.captured_queries if Person._meta.db_table in q["sql"]]
    assert world.head_id_number not in "\n".join(r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "url",
    [
        "/persons/?q={id}",
        "/persons/?q={id}&format=csv",
        "/households/?q={phone}",
        "/members/?q={id}",
        "/audit/?object_id={phone}",
        "/matters/?q={phone}",
        "/?citizen_id={id}",
        "/persons/?{id}=1",
        "/p/?q={phone}",
    ],
)
def test_every_page_refuses_a_personal_number_in_its_query(cadre_client, world, url):
    before = AuditEntry.objects.count()
    url = url.format(id=world.head_id_number, phone="13812345678")
    response = cadre_client.get(url)
    assert response.status_code == 400, url
    html = response.content.decode()
    assert world.head_id_number not in html and "13812345678" not in html
    assert AuditEntry.objects.count() == before  # no export, nothing logged with the value


def test_grid_codes_names_and_household_numbers_still_pass(cadre_client, world):
    t = world.tree
    for url in [
        f"/persons/?under={t.microgrid.code}",
        f"/households/?q={world.household.number}",
        "/persons/?q=陈",
        f"/search/?q={t.microgrid.code}",
        f"/search/?q={world.household.number}",
        f"/matters/?under={t.village.code}&q=2024-01-01",
    ]:
        assert cadre_client.get(url).status_code == 200, url
    assert f'href="/households/{world.household.number}/"' in (
        cadre_client.get("/search/", {"q": world.household.number}).content.decode()
    )


def test_the_page_refuses_on_its_own_too(cadre_client, world):
    """Without the middleware, the search page itself refuses an ID in a GET."""
    chain = [m for m in settings.MIDDLEWARE if "urlguard.PersonalNumber" not in m]
    with override_settings(MIDDLEWARE=chain):
        response = cadre_client.get("/search/", {"q": world.head_id_number})
    html = response.content.decode()
    assert response.status_code == 400 and "陈大明" not in html
    assert world.head_id_number not in html


def test_a_name_search_with_many_results_links_to_the_list(cadre_client, world, make_person):
    for i in range(21):
        make_person(world.household, name=f"陈{i:02d}")
    html = cadre_client.post("/search/", {"q": "陈"}).content.decode()
    assert "/persons/?q=" in html


def test_the_access_log_holds_the_path_without_the_query():
    args = gunicorn_args(bind="127.0.0.1:8000", workers=1, threads=1)
    fmt = args[args.index("--access-logformat") + 1]
    assert "%(U)s" in fmt
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%({"):
        assert atom not in fmt, atom


@pytest.mark.parametrize(
    ("value", "personal"),
    [
        ("440605197003080011", True),
        ("13812345678", True),
        ("010-12345678", True),
        ("440605001201001001", False),  # a micro-grid code
        ("4406050012010010010001", False),  # a household number
        ("20241204000123", False),  # a matter number
        ("2024-01-01", False),
        ("a1b2c3d413812345678e", False),  # inside a hex request id
        ("陈大明", False),
    ],
)
def test_what_counts_as_a_personal_number(value, personal):
    assert holds_personal_number(value) is personal


# --- Probe: personal numbers in grid-code parameters, in paths and in log lines ---------------


def test_a_citizen_id_in_a_grid_code_parameter_is_refused(cadre_client, world):
    """Grid-code parameters are exempt only for values that are not valid citizen IDs."""
    for url in [
        f"/persons/?under={world.head_id_number}",
        f"/persons/?node={world.head_id_number}",
        f"/matters/?place={new_citizen_id()}",
    ]:
        response = cadre_client.get(url)
        assert response.status_code == 400, url
        assert world.head_id_number not in response.content.decode()
    # …while the micro-grid's own 18-digit code still passes
    assert cadre_client.get(f"/persons/?under={world.tree.microgrid.code}").status_code == 200


@pytest.mark.parametrize("scale", ["village", "county"])
def test_no_demo_grid_code_is_a_citizen_id(scale):
    import numpy as np

    from gridgov.core.freetext import is_citizen_id
    from gridgov.core.urlguard import path_holds_personal_number
    from gridgov.demo.scales import SCALES
    from gridgov.demo.tree import build_tree

    codes = [n.code for n in build_tree(SCALES[scale], np.random.default_rng([1, 0])).walk()]
    assert any(len(code) == 18 for code in codes) and any(len(code) == 15 for code in codes)
    assert not [code for code in codes if len(code) == 18 and is_citizen_id(code)]
    assert not [code for code in codes if path_holds_personal_number(f"/grid/{code}/")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/open311/v2/requests/{id}.json",
        "/matters/{id}/",
        "/grid/{id}/",
        "/households/138-1234-5678/",
        "/api/v1/persons/{id}",
        "/matters/4406\u200b05199001011236/",
    ],
)
def test_a_personal_number_in_the_path_is_refused(path):
    citizen_id = new_citizen_id()
    url = path.format(id=citizen_id)
    client = Client()
    response = client.get(url)
    assert response.status_code in (400, 422), url
    body = response.content.decode()
    assert citizen_id not in body and "1234-5678" not in body and "1990010112" not in body


@pytest.mark.django_db
def test_static_paths_and_codes_in_paths_are_not_refused(cadre_client, world):
    assert cadre_client.get(f"/grid/{world.tree.microgrid.code}/").status_code == 200
    assert cadre_client.get(f"/grid/{world.tree.group.code}/").status_code == 200
    assert cadre_client.get(f"/persons/?under={world.tree.group.code}").status_code == 200
    assert cadre_client.get(f"/households/{world.household.number}/").status_code == 200
    response = Client().get(f"/static/{new_citizen_id()}.js")
    assert response.status_code == 404


def _settings_handlers() -> list[logging.Handler]:
    names = set(settings.LOGGING["handlers"])
    return [h for h in logging.getLogger().handlers if h.get_name() in names]


def test_every_configured_log_handler_masks_personal_numbers():
    from gridgov.core.logfilter import PersonalNumberFilter

    for name, handler in settings.LOGGING["handlers"].items():
        assert "personal_numbers" in handler.get("filters", []), name
    handlers = _settings_handlers()
    assert handlers
    for handler in handlers:
        assert any(isinstance(f, PersonalNumberFilter) for f in handler.filters)
    # Django's own loggers write through root, not through default handlers that would not mask
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django.server").handlers == []


@pytest.mark.django_db
def test_a_not_found_log_line_holds_no_citizen_id():
    """The probe's case: Django logs the path of a 404 ("Not Found: /open311/…/<ID>.json"). The
    URL guard now answers 400 first, and Django logs that path too: the line is masked."""
    import io

    citizen_id = new_citizen_id()
    (handler,) = _settings_handlers()
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        Client().get(f"/open311/v2/requests/{citizen_id}.json")
        Client().get("/open311/v2/requests/no-such-{}.json".format("138-1234-5678"))
        logging.getLogger("django.request").warning(
            "Not Found: %s", f"/open311/v2/requests/{citizen_id}.json"
        )
        logging.getLogger("gridgov").error("id %s card %s", citizen_id, "6222021234567890128")
        try:
            raise ValueError(citizen_id)
        except ValueError:
            logging.getLogger("django.request").exception("failed for %d", 13812345678)
    finally:
        handler.setStream(old)
    written = stream.getvalue()
    assert "Not Found" in written or "Bad Request" in written
    assert citizen_id[:6] + "********" + citizen_id[-4:] in written
    for secret in (citizen_id, "1234-5678", "13812345678", "6222021234567890128"):
        assert secret not in written, written
    assert "ValueError" in written


@pytest.mark.parametrize(
    "value",
    [
        "138_1234_5678",
        "138/1234/5678",
        "4406\u200b05199001011236",
        "139-123-45678",
        "(138) 1234 5678",
    ],
)
def test_numbers_with_other_joiners_in_a_query_are_personal(value):
    assert holds_personal_number(value)


def test_a_mobile_in_a_path_counts_unless_glued_into_a_code():
    from gridgov.core.urlguard import path_holds_personal_number

    assert path_holds_personal_number("/households/138-1234-5678/")
    assert path_holds_personal_number("/p/电话13812345678/")
    assert not path_holds_personal_number("/import/jobs/a13812345678b/")
    assert not path_holds_personal_number("/grid/44060500113812345678/")
