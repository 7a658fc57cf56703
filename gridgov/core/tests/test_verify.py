"""Printed notices verified on paper (core.verify): printing records the text, its hash and the
audit chain head; the public page /p/v/<uid>/<short>/ tells matches, changed, withdrawn and
unknown apart (unknown never telling which ids exist, never a 500); postings keep the server's
time and accept only image photos; the printed block carries the link and the hash."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from gridgov.core import verify
from gridgov.core.models import AuditEntry, AuditHead, DocumentPosting, PrintedDocument
from gridgov.core.printing import CJK_FONT, html_to_pdf, qr_png_uri
from gridgov.core.verify import (
    document_check,
    document_post,
    document_print,
    normalise,
    register_verifiable,
    short_hash,
    text_digest,
    verify_block_context,
    verify_path,
    verify_url,
)

pytestmark = pytest.mark.django_db

KIND = "test.notice"
PATH = "440605001201"
TEXT = "关于召开村民代表会议的公告\n\n定于12月10日上午9时在村委会召开会议，审议2026年度村集体预算。\n平东村村民委员会"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SITE = "https://gov.example.cn"


@pytest.fixture
def sources(monkeypatch):
    """A provider registered for the test only: object_ref -> current public text (a missing
    key is a withdrawn record)."""
    monkeypatch.setattr(verify, "_renderers", {})
    texts: dict[str, str] = {"n1": TEXT}
    register_verifiable(KIND, texts.get)
    return texts


@pytest.fixture
def printed(sources, make_user):
    """A notice printed by a cadre (making the account wrote the chain's first entries)."""
    return document_print(
        kind=KIND,
        object_ref="n1",
        title="村民代表会议公告",
        text=TEXT,
        grid_path=PATH,
        by=make_user(),
    )


def page(doc: PrintedDocument, client: Client | None = None):
    return (client or Client()).get(verify_path(doc))


def masked(content: bytes) -> str:
    """A page's body with what varies by request (the CSRF token, the echoed path of the
    language switch) taken out."""
    body = content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    return re.sub(r'name="next" value="[^"]*"', "", body)


# -- Hashing -----------------------------------------------------------------------------------


def test_normalising_unifies_newlines_and_trailing_spaces_only():
    assert normalise("一\r\n二  \r三\t\n\n") == "一\n二\n三"
    assert text_digest("甲\r\n乙 ") == text_digest("甲\n乙")
    assert text_digest("甲乙") != text_digest("甲 乙")
    assert text_digest("预算10万元") != text_digest("预算18万元")
    assert len(text_digest("x")) == 64 and short_hash(text_digest("x")) == text_digest("x")[:12]


# -- Printing ----------------------------------------------------------------------------------


def test_printing_records_the_text_its_hash_and_the_chain_head_before_its_own_entry(
    sources, make_user
):
    user = make_user()
    head = AuditHead.objects.get(pk=1)  # making the user wrote entries
    doc = document_print(
        kind=KIND, object_ref="n1", title=" 公告 ", text=TEXT + "  \n", grid_path=PATH, by=user
    )
    doc.refresh_from_db()
    assert (doc.chain_head, doc.chain_count) == (head.last_hash, head.count)
    assert doc.text == TEXT and doc.text_hash == text_digest(TEXT) and doc.title == "公告"
    assert doc.printed_by == user and doc.grid_path == PATH
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", doc.uid)
    entry = AuditEntry.objects.filter(action="print").get()
    assert entry.prev_hash == doc.chain_head  # its own entry comes right after the head it names
    assert entry.after["uid"] == doc.uid and entry.after["text_hash"] == doc.text_hash
    assert "村集体预算" not in str(entry.after) + entry.object_repr  # no text in the log


def test_the_chain_head_is_empty_when_the_log_is_empty(sources):
    AuditHead.objects.all().delete()
    doc = document_print(kind=KIND, object_ref="n1", title="t", text=TEXT, grid_path=PATH, by=None)
    assert (doc.chain_head, doc.chain_count) == ("", 0)


def test_each_print_gets_its_own_unguessable_uid(sources):
    uids = {
        document_print(
            kind=KIND, object_ref="n1", title="t", text=TEXT, grid_path=PATH, by=None
        ).uid
        for _ in range(5)
    }
    assert len(uids) == 5


@pytest.mark.parametrize(
    ("kind", "text", "field"),
    [
        ("test.other", TEXT, "kind"),  # no provider: it could never be verified
        (KIND, TEXT + "。", "text"),  # not what the record says now
        (KIND, "  \n ", "text"),
    ],
)
def test_printing_what_cannot_verify_is_refused(sources, kind, text, field):
    with pytest.raises(ValidationError) as refused:
        document_print(kind=kind, object_ref="n1", title="t", text=text, grid_path=PATH, by=None)
    assert field in refused.value.message_dict
    assert not PrintedDocument.objects.exists()


def test_printing_a_withdrawn_record_is_refused(sources):
    with pytest.raises(ValidationError) as refused:
        document_print(kind=KIND, object_ref="gone", title="t", text=TEXT, grid_path=PATH, by=None)
    assert "object_ref" in refused.value.message_dict


# -- The public page ---------------------------------------------------------------------------


def test_the_page_of_an_unchanged_notice_says_it_matches(printed):
    assert document_check(printed.uid, short_hash(printed.text_hash)).status == "matches"
    response = page(printed)
    body = response.content.decode()
    assert response.status_code == 200
    assert "与印发文本一致" in body and "记录在印发后已被修改" not in body
    assert "村民代表会议公告" in body and "审议2026年度村集体预算" in body
    assert short_hash(printed.text_hash) in body and printed.chain_head in body
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]


def test_one_changed_character_shows_as_changed_with_both_texts(printed, sources):
    sources["n1"] = TEXT.replace("9时", "8时")
    outcome = document_check(printed.uid, short_hash(printed.text_hash))
    assert outcome.status == "changed" and outcome.current_text == sources["n1"]
    response = page(printed)
    body = response.content.decode()
    assert response.status_code == 200
    assert "记录在印发后已被修改" in body and "与印发文本一致" not in body
    assert "上午9时" in body and "上午8时" in body


def test_trailing_spaces_added_to_the_record_are_not_a_change(printed, sources):
    sources["n1"] = TEXT.replace("\n", "  \r\n")
    assert page(printed).status_code == 200
    assert document_check(printed.uid, short_hash(printed.text_hash)).status == "matches"


def test_a_printed_copy_edited_in_the_database_reads_as_changed(printed):
    PrintedDocument.objects.filter(pk=printed.pk).update(text=TEXT.replace("9时", "8时"))
    assert document_check(printed.uid, short_hash(printed.text_hash)).status == "changed"


def test_a_withdrawn_record_answers_410(printed, sources):
    del sources["n1"]
    response = page(printed)
    assert response.status_code == 410
    body = response.content.decode()
    assert "该文件已撤回" in body and "村集体预算" not in body


def test_a_kind_no_longer_registered_reads_as_withdrawn(printed, monkeypatch):
    monkeypatch.setattr(verify, "_renderers", {})
    assert page(printed).status_code == 410


def test_a_renderer_that_no_longer_knows_the_reference_reads_as_withdrawn(printed):
    def gone(ref: str) -> str:
        raise KeyError(ref)

    register_verifiable(KIND, gone)
    assert page(printed).status_code == 410


def test_a_wrong_hash_and_an_unknown_uid_give_the_same_404(printed):
    short = short_hash(printed.text_hash)
    wrong = ("0" if short[0] != "0" else "1") + short[1:]
    client = Client()
    known = client.get(f"/p/v/{printed.uid}/{wrong}/")
    unknown = client.get(f"/p/v/{'A' * 22}/{short}/")
    assert known.status_code == unknown.status_code == 404
    assert "无法核验：此二维码不对应任何印发文件" in known.content.decode()
    assert masked(known.content) == masked(unknown.content)
    assert "村民代表会议公告" not in known.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/p/v/" + "a" * 500 + "/abcdefabcdef/",
        "/p/v/%E6%A0%B8%E9%AA%8C%E7%BC%96%E5%8F%B7/%E4%B8%80/",
        "/p/v/abcdefghijklmnopqrstuv/ABCDEFABCDEF/",
        "/p/v/abcdefghijklmnopqrstuv/abcdefabcdef0/",
        "/p/v/abc'%3Cscript%3E/x%22/",
        "/p/v/",
        "/p/v/onlyone/",
        "/p/v/a/b/c/",
    ],
)
def test_odd_links_answer_the_unknown_page(printed, url):
    response = Client().get(url)
    assert response.status_code == 404
    assert "无法核验：此二维码不对应任何印发文件" in response.content.decode()


def test_a_nul_in_the_link_is_refused_not_a_500(printed):
    assert Client().get("/p/v/%00/x/").status_code in (400, 404)


def test_a_link_without_its_last_slash_is_redirected(printed):
    response = Client().get(verify_path(printed).rstrip("/"))
    assert response.status_code == 301 and response["Location"].endswith(verify_path(printed))


def test_the_page_needs_no_sign_in_and_takes_no_post(printed):
    response = page(printed)
    assert response.status_code == 200 and not response.has_header("Location")
    assert "/login" not in response.content.decode()
    assert Client().post(verify_path(printed)).status_code == 405


def test_the_page_shows_nobody_who_printed_or_posted(sources, make_user):
    user = make_user()
    doc = document_print(kind=KIND, object_ref="n1", title="t", text=TEXT, grid_path=PATH, by=user)
    document_post(document=doc, place="村委会公开栏", photo=None, by=user)
    body = page(doc).content.decode()
    assert user.username not in body and "村委会公开栏" not in body


def test_the_page_reads_a_bounded_number_of_rows(printed, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert page(printed).status_code == 200


# -- Posting -----------------------------------------------------------------------------------


def test_posting_keeps_the_servers_time_and_the_photo(printed, make_user):
    user = make_user()
    before = timezone.now()
    posting = document_post(
        document=printed,
        place=" 村委会公开栏 ",
        photo=SimpleUploadedFile("board.png", PNG, content_type="image/png"),
        by=user,
    )
    posting.refresh_from_db()
    assert before <= posting.posted_at <= timezone.now()
    assert posting.place == "村委会公开栏" and posting.recorded_by == user
    assert posting.grid_path == printed.grid_path
    assert posting.photo.name.startswith("postings/")
    entry = AuditEntry.objects.filter(action="post").get()
    assert entry.after["document"] == printed.uid


def test_a_client_cannot_date_a_posting(printed):
    with pytest.raises(TypeError):
        document_post(document=printed, place="x", photo=None, by=None, posted_at=timezone.now())


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.7 not a photo", b"RIFF\x00\x00\x00\x00WAVEfmt ", b"GIF89a" + b"\x00" * 20],
)
def test_a_posting_photo_must_be_an_image(printed, content):
    upload = SimpleUploadedFile("board.jpg", content, content_type="image/jpeg")
    with pytest.raises(ValidationError) as refused:
        document_post(document=printed, place="x", photo=upload, by=None)
    assert "photo" in refused.value.message_dict
    assert not DocumentPosting.objects.exists()


def test_a_posting_photo_over_5mb_is_refused(printed):
    upload = SimpleUploadedFile("big.png", PNG + b"\x00" * (5 * 1024 * 1024), "image/png")
    with pytest.raises(ValidationError) as refused:
        document_post(document=printed, place="x", photo=upload, by=None)
    assert "photo" in refused.value.message_dict


# -- The printed block -------------------------------------------------------------------------


def test_the_printed_block_carries_the_link_the_hash_and_the_chain_head(printed):
    context = verify_block_context(printed, SITE + "/")
    assert context["verify_url"] == verify_url(printed, SITE) == SITE + verify_path(printed)
    assert context["verify_qr"] == qr_png_uri(context["verify_url"])
    html = render_to_string("core/print/verify_block.html", context)
    result = html_to_pdf(
        f"<html><style>body {{ font-family: {CJK_FONT}; }}</style><body><p>{TEXT}</p>"
        f"{html}</body></html>",
        with_text=True,
    )
    text = "".join(result.text)
    assert result.pages == 1
    assert "扫码核验" in text and short_hash(printed.text_hash) in text
    assert printed.chain_head[:16] in text
