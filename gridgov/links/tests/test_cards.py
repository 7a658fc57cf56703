"""Contact cards (连心卡), plaques and the public list: what the PDFs say, what the QR codes
hold, the tokens' lifecycle at its boundaries, the public phone page, scope and audit."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import math
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from gridgov.cases.models import Category, Channel, Matter
from gridgov.core.models import AuditEntry
from gridgov.core.printing import qr_matrix, qr_svg
from gridgov.links.cards import (
    QR_MASK,
    card_path,
    card_rows,
    card_token_resolve,
    card_token_revoke,
    card_tokens_issue,
    card_value,
    cards_pdf,
    plaques_pdf,
    public_list_pdf,
)
from gridgov.links.models import Appraisal, CardToken, LinkerKind, VisitHelp
from gridgov.links.services import link_create, linker_create, linker_update
from gridgov.people.models import Household

pytestmark = pytest.mark.django_db

HELPS = ["学习政策", "化解矛盾", "解决困难", "创业致富", "遵章守法"]
PHONE = "13812345678"  # the world's 陈大明 (a 党员中心户)


@pytest.fixture
def linked(linking):
    """陈大明 (phone on record, consenting) links 5 households, 王联户 links 3; 4 unlinked."""
    world = linking.world
    chen = linker_create(
        person=world.head,
        kind=LinkerKind.CENTER_HOUSEHOLD,
        by=None,
        phone_consent=True,
    )
    for household in linking.households[:5]:
        link_create(linker=chen, household=household, by=None)
    for household in linking.households[5:8]:
        link_create(linker=linking.member, household=household, by=None)
    linking.chen = chen
    return linking


def all_text(result) -> str:
    return "\n".join(result.printed.text)


# -- The cards' PDF ----------------------------------------------------------------------------


def test_the_cards_pdf_names_the_linker_their_consented_phone_and_the_five_helps(linked):
    world = linked.world
    result = cards_pdf(node=world.tree.village, by=world.cadre, with_text=True)
    text = all_text(result)
    households = Household.objects.within(world.tree.village.code).count()
    assert result.printed.pdf.startswith(b"%PDF-")
    assert result.printed.pages == math.ceil(households / 8)
    assert "陈大明" in text and PHONE in text
    assert "王联户" in text
    for help_ in HELPS:
        assert help_ in text
    assert [str(label) for label in VisitHelp.labels] == HELPS
    # The household by its doorplate, never its residents' names (李秀英 lives with 陈大明).
    assert "平东村东街1号" in text
    assert "李秀英" not in text and "陈小华" not in text
    assert "第一党小组" in text  # the micro-grid's party group
    assert result.counts == {
        "households": households,
        "linked": 8,
        "pages": result.printed.pages,
        "tokens_issued": households,
    }


def test_without_consent_the_phone_is_left_off_every_print(linked):
    world = linked.world
    linker_update(linker=linked.chen, data={"phone_consent": False}, by=None)
    cards = all_text(cards_pdf(node=world.tree.village, by=world.cadre, with_text=True))
    board = all_text(public_list_pdf(node=world.tree.village, by=world.cadre, with_text=True))
    assert "陈大明" in cards and "陈大明" in board
    assert PHONE not in cards and PHONE not in board
    assert PHONE not in Client().get(card_path(_token_of(linked.households[0]))).content.decode()


def test_each_print_is_one_audit_entry_with_its_counts(linked):
    world = linked.world
    before = AuditEntry.objects.filter(action="print").count()
    cards_pdf(node=world.tree.microgrid, by=world.cadre)
    plaques_pdf(node=world.tree.microgrid, by=world.cadre)
    public_list_pdf(node=world.tree.microgrid, by=world.cadre)
    entries = list(AuditEntry.objects.filter(action="print").order_by("id"))[before:]
    assert [e.object_type for e in entries] == [
        "links.cards",
        "links.plaques",
        "links.public_list",
    ]
    assert all(e.grid_path == world.tree.microgrid.code for e in entries)
    assert entries[0].actor_id == world.cadre.pk
    assert entries[2].after["linkers"] == 2 and entries[2].after["linked"] == 8


def test_a_town_is_refused_printing_is_by_village_or_finer(linked):
    world = linked.world
    with pytest.raises(ValidationError) as refused:
        cards_pdf(node=world.tree.town, by=world.cadre)
    assert "node" in refused.value.message_dict


def test_a_cadre_prints_only_their_own_village(linked):
    """The outsider (平西村) printing 平东村's group gets no household of it."""
    world = linked.world
    result = cards_pdf(node=world.tree.microgrid, by=world.outsider)
    assert result.counts["households"] == 0
    assert not CardToken.objects.filter(grid_path__startswith=world.tree.village.code).exists()


# -- QR codes ----------------------------------------------------------------------------------


def svg_matrix(svg: str) -> set[tuple[int, int]]:
    """The dark modules an SVG drawn by segno paints: its path is rows of horizontal strokes
    (``M x y`` / ``m dx dy`` moves, ``h n`` runs), each stroke at row y - 0.5."""
    path = re.search(r'<path stroke="#000" d="([^"]+)"', svg)
    assert path is not None
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for op, args in re.findall(r"([MmHh])([-\d. ]+)", path.group(1)):
        nums = [float(n) for n in args.split()]
        if op == "M":
            x, y = nums
        elif op == "m":
            x, y = x + nums[0], y + nums[1]
        else:
            run = nums[0] if op == "h" else nums[0] - x
            for i in range(int(run)):
                dark.add((int(y - 0.5), int(x) + i))
            x += run
    return dark


def png_modules(uri: str) -> set[tuple[int, int]]:
    """The dark pixels of a one-pixel-per-module PNG ``data:`` URL."""
    from PIL import Image

    head, data = uri.split(",", 1)
    assert head == "data:image/png;base64"
    image = Image.open(io.BytesIO(base64.b64decode(data))).convert("L")
    width = image.size[0]
    pixels = list(image.tobytes())  # one byte a pixel ("L"), row by row
    return {(i // width, i % width) for i, value in enumerate(pixels) if value < 128}


def dark_modules(url: str, *, border: int = 2, mask: int | None = None) -> set[tuple[int, int]]:
    """The dark modules of a fresh encoding of ``url``, offset by the quiet zone."""
    return {
        (r + border, c + border)
        for r, row in enumerate(qr_matrix(url, mask=mask))
        for c, on in enumerate(row)
        if on
    }


def test_each_card_qr_code_holds_its_household_public_url(linked):
    world = linked.world
    site = "https://gov.example.cn"
    cards = card_rows(node=world.tree.village, by=world.cadre, site=site)
    assert cards
    for card in cards:
        assert card.url.startswith(site + "/c/")
        # The printed image decodes to the same modules as a fresh encoding of the URL.
        assert png_modules(card.qr) == dark_modules(card.url, mask=QR_MASK)
        value = card.url.removeprefix(site + "/c/").rstrip("/")
        token = card_token_resolve(value)
        assert isinstance(token, CardToken) and token.household_id == card.household_id
        # No personal data in the URL: no number, no name, no phone.
        household = Household.objects.get(pk=card.household_id)
        assert household.number not in card.url and "陈" not in card.url
        assert not re.search(r"\d{11}", card.url.removeprefix(site))


def test_qr_svg_draws_the_same_modules():
    url = "https://gov.example.cn/c/abc:def/"
    assert svg_matrix(qr_svg(url)) == dark_modules(url)


def test_qr_svg_is_inline_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    svg = qr_svg("https://gov.example.cn/c/x/")
    assert svg.startswith("<svg") and "<?xml" not in svg
    assert list(tmp_path.iterdir()) == []


# -- Tokens ------------------------------------------------------------------------------------


def _token_of(household) -> CardToken:
    return card_tokens_issue(households=[household], by=None)[household.pk]


def test_printing_again_reuses_valid_tokens_and_replaces_revoked_ones(linked):
    world = linked.world
    first = {c.household_id: c.url for c in card_rows(node=world.tree.microgrid, by=world.cadre)}
    again = {c.household_id: c.url for c in card_rows(node=world.tree.microgrid, by=world.cadre)}
    assert first == again
    household = linked.households[0]
    assert card_token_revoke(household=household, by=world.cadre) == 1
    third = {c.household_id: c.url for c in card_rows(node=world.tree.microgrid, by=world.cadre)}
    assert third[household.pk] != first[household.pk]
    assert {k: v for k, v in third.items() if k != household.pk} == {
        k: v for k, v in first.items() if k != household.pk
    }


def test_revoking_a_household_without_a_valid_token_is_refused(linked):
    with pytest.raises(ValidationError) as refused:
        card_token_revoke(household=linked.households[0], by=None)
    assert "household" in refused.value.message_dict


def test_a_token_expiring_within_the_reuse_margin_is_replaced(linked, settings):
    household = linked.households[0]
    now = timezone.now()
    token = card_tokens_issue(households=[household], by=None, now=now)[household.pk]
    days = (token.expires_at - now).days
    # 31 days before expiry: reused; 30 days before: a new one.
    later = now + dt.timedelta(days=days - 31)
    assert card_tokens_issue(households=[household], by=None, now=later)[household.pk] == token
    later = now + dt.timedelta(days=days - 30)
    assert card_tokens_issue(households=[household], by=None, now=later)[household.pk] != token


def test_resolve_tells_forged_unknown_revoked_and_expired_apart(linked):
    household = linked.households[0]
    token = _token_of(household)
    value = card_value(token)
    assert card_token_resolve(value) == token
    key, signature = value.split(":")
    assert card_token_resolve(f"{key}:{signature[:-1]}x") == "forged"
    assert card_token_resolve(key) == "forged"
    assert card_token_resolve("") == "forged"
    assert card_token_resolve("x" * 5000) == "forged"
    # Expiry at its boundary: valid one second before, expired at the instant.
    assert card_token_resolve(value, now=token.expires_at - dt.timedelta(seconds=1)) == token
    assert card_token_resolve(value, now=token.expires_at) == "expired"
    CardToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert card_token_resolve(value) == "revoked"
    CardToken.objects.filter(pk=token.pk).delete()
    assert card_token_resolve(value) == "unknown"


# -- The public phone page ---------------------------------------------------------------------


def test_the_phone_page_offers_call_and_message_and_the_five_helps(linked):
    household = linked.households[0]  # linked to 陈大明
    response = Client().get(card_path(_token_of(household)))
    assert response.status_code == 200
    page = response.content.decode()
    assert "陈大明" in page
    assert f'href="tel:{PHONE}"' in page and f'href="sms:{PHONE}"' in page
    for help_ in HELPS:
        assert help_ in page
    assert household.number not in page and "李秀英" not in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize(
    ("spoil", "status", "words"),
    [
        ("forge", 404, "二维码无法识别"),
        ("revoke", 410, "已停用"),
        ("expire", 410, "已过期"),
        ("delete", 404, "二维码无法识别"),
    ],
)
def test_a_spoiled_card_opens_a_clear_page_never_an_error(linked, spoil, status, words):
    household = linked.households[0]
    token = _token_of(household)
    path = card_path(token)
    if spoil == "forge":
        path = path.replace(token.key, token.key[::-1])
    elif spoil == "revoke":
        card_token_revoke(household=household, by=None)
    elif spoil == "expire":
        CardToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    else:
        token.delete()
    for method in ("get", "post"):
        response = getattr(Client(), method)(path)
        assert response.status_code == status
        assert words in response.content.decode()
    assert not Matter.objects.exists()


def test_a_report_from_a_card_goes_to_the_households_micro_grid(linked):
    household = linked.households[0]
    category = Category.objects.get(code="dispute")
    response = Client().post(
        card_path(_token_of(household)),
        {"category": category.code, "description": "邻居占用通道", "reporter_phone": ""},
    )
    assert response.status_code == 302
    matter = Matter.objects.get()
    assert matter.household_id == household.pk
    assert matter.grid_path == household.microgrid.code
    assert matter.channel == Channel.PUBLIC
    assert response["Location"].startswith(f"/p/m/{matter.tracking_token}/")


def test_a_bad_report_is_shown_again_with_the_reason_and_nothing_stored(linked):
    response = Client().post(card_path(_token_of(linked.households[0])), {"category": "nope"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "未知的事项类别" in page and "请写下要反映的问题" in page
    assert not Matter.objects.exists()


def test_reports_from_cards_share_the_public_forms_hourly_limit(linked, settings):
    settings.GRIDGOV_RULES = {"cases.public_reports_per_hour": 2}
    path = card_path(_token_of(linked.households[0]))
    data = {"category": "dispute", "description": "路灯不亮"}
    client = Client()
    assert [client.post(path, data).status_code for _ in range(3)] == [302, 302, 429]
    assert Matter.objects.count() == 2


# -- Staff pages and the API -------------------------------------------------------------------


def test_the_print_page_counts_and_prints(linked, client, django_assert_max_num_queries):
    world = linked.world
    client.force_login(world.cadre)
    with django_assert_max_num_queries(25):
        response = client.get("/links/cards/", {"node": world.tree.village.code})
    assert response.status_code == 200
    assert response.context["counts"]["linked"] == 8
    response = client.post(f"/links/cards/{world.tree.village.code}/cards.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    for kind in ("plaques", "list"):
        response = client.post(f"/links/cards/{world.tree.village.code}/{kind}.pdf")
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")


def test_the_print_page_revokes_a_households_card(linked, client):
    world = linked.world
    household = linked.households[0]
    token = _token_of(household)
    client.force_login(world.cadre)
    response = client.post(
        f"/links/cards/{world.tree.microgrid.code}/revoke/", {"household": household.number}
    )
    assert response.status_code == 302
    assert card_token_resolve(card_value(token)) == "revoked"


def test_out_of_scope_is_404_on_pages_and_api(linked, client, api_as):
    world = linked.world
    code = world.tree.village.code
    client.force_login(world.outsider)
    assert client.get("/links/cards/", {"node": code}).status_code == 404
    assert client.post(f"/links/cards/{code}/cards.pdf").status_code == 404
    household = linked.households[0]
    _token_of(household)
    response = client.post(f"/links/cards/{code}/revoke/", {"household": household.number})
    assert response.status_code == 404
    api = api_as(world.outsider)
    assert api.get("/link-cards", under=code, kind="cards").status_code == 404
    assert api.post("/link-cards/revoke", {"household": household.number}).status_code == 404
    assert card_token_resolve(card_value(_token_of(household))) != "revoked"


def test_the_api_prints_each_kind_and_revokes(linked, api_as):
    world = linked.world
    api = api_as(world.cadre)
    for kind in ("cards", "plaques", "list"):
        response = api.get("/link-cards", under=world.tree.microgrid.code, kind=kind)
        assert response.status_code == 200, response.content[:200]
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
    assert api.get("/link-cards", under=world.tree.microgrid.code, kind="x").status_code == 422
    household = linked.households[0]
    response = api.post("/link-cards/revoke", {"household": household.number})
    assert response.status_code == 200 and response.json()["revoked"] == 1
    assert api.post("/link-cards/revoke", {"household": household.number}).status_code == 422


# -- Plaques and the public list ---------------------------------------------------------------


def test_plaques_mark_center_households_as_homes_and_other_members_households(linked):
    world = linked.world
    result = plaques_pdf(node=world.tree.village, by=world.cadre, with_text=True)
    text = all_text(result)
    # 陈大明 (linker of kind center): 党员之家; 王联户 and 林中心 (members, 林中心 a linker of
    # kind center): 林中心's household is a home too, 王联户's a 党员户.
    assert result.counts == {"plaques": 3, "homes": 2, "members": 1, "pages": 2}
    assert "党员之家" in text and "党员户" in text
    assert "平东村东街1号" in text


def test_the_public_list_names_who_links_whom_and_nothing_more(linked):
    world = linked.world
    result = public_list_pdf(node=world.tree.village, by=world.cadre, with_text=True)
    text = all_text(result)
    assert "陈大明" in text and "王联户" in text and PHONE in text
    assert world.head_id_number not in text
    assert world.head.id_masked not in text
    for help_ in HELPS:
        assert help_ in text
    assert result.counts["linkers"] == 2 and result.counts["linked"] == 8


def test_the_phone_page_reads_a_bounded_number_of_queries(linked, django_assert_max_num_queries):
    path = card_path(_token_of(linked.households[0]))
    with django_assert_max_num_queries(12):
        assert Client().get(path).status_code == 200


def test_the_phone_page_form_needs_the_csrf_token(linked):
    path = card_path(_token_of(linked.households[0]))
    client = Client(enforce_csrf_checks=True)
    data = {"category": "dispute", "description": "路灯不亮"}
    assert client.post(path, data).status_code == 403
    assert not Matter.objects.exists()


def test_revoking_by_a_doorplate_two_households_share_is_refused(linked, client, make_household):
    world = linked.world
    first = make_household(address="平东村南街2号")
    second = make_household(address="平东村南街2号")
    tokens = card_tokens_issue(households=[first, second], by=None)
    client.force_login(world.cadre)
    path = f"/links/cards/{world.tree.village.code}/revoke/"
    response = client.post(path, {"household": "平东村南街2号"}, follow=True)
    assert "对应多户" in response.content.decode()
    assert all(isinstance(card_token_resolve(card_value(t)), CardToken) for t in tokens.values())
    client.post(path, {"household": first.number})
    assert card_token_resolve(card_value(tokens[first.pk])) == "revoked"
    assert isinstance(card_token_resolve(card_value(tokens[second.pk])), CardToken)


def test_a_household_scores_its_linker_once_a_period_from_its_card(linked):
    household = linked.households[0]  # linked to 陈大明
    token = _token_of(household)
    client = Client()
    page = client.get(card_path(token)).content.decode()
    assert "评议联户人" in page and 'name="score"' in page
    appraise = card_path(token) + "appraise/"
    too_high = client.post(appraise, {"score": "6"}, follow=True).content.decode()
    assert "评分须在1到5之间" in too_high and not Appraisal.objects.exists()
    assert "谢谢您的评议" in client.post(appraise, {"score": "5"}, follow=True).content.decode()
    appraisal = Appraisal.objects.get()
    assert (appraisal.household, appraisal.linker, appraisal.score) == (household, linked.chen, 5)
    again = client.post(appraise, {"score": "1"}, follow=True).content.decode()
    assert "该户本评议期已评议" in again and Appraisal.objects.get().score == 5
    assert 'name="score"' not in client.get(card_path(token)).content.decode()
    # The score itself stays out of the audit log.
    entry = AuditEntry.objects.filter(object_type="links.appraisal").get()
    assert "score" not in json.dumps(entry.after)


def test_a_spoiled_card_cannot_score(linked):
    household = linked.households[0]
    token = _token_of(household)
    card_token_revoke(household=household, by=linked.world.cadre)
    response = Client().post(card_path(token) + "appraise/", {"score": "4"})
    assert response.status_code == 410 and not Appraisal.objects.exists()
