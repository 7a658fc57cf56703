"""Printed notices that can be verified on paper (可核验的印发文件).

A notice printed for the village board carries a QR code of ``/p/v/<uid>/<short>/``: ``uid``
is random (``secrets.token_urlsafe``), so the link names nothing and cannot be guessed, and
``short`` is the first 12 hex characters of the SHA-256 of the text as printed. Scanning it
re-renders the source record's current public text through the provider its app registered
(``register_verifiable``) and tells whether it still says what the paper says: one changed
character changes the hash. The paper also names the audit chain's head at printing, so the
print itself is anchored in the hash-chained log (``gridgov audit verify``).

Core knows no notice: apps register a renderer per ``kind`` (``"decisions.notice"``) from
their ``AppConfig.ready`` and check their own permissions before calling ``document_print``.
The public page shows the printed text only, never who printed or posted it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .models import AuditHead, DocumentPosting, PrintedDocument
from .printing import qr_png_uri
from .services import acting_as, acting_user_check
from .urlguard import path_holds_personal_number

logger = logging.getLogger(__name__)

# (object_ref) -> the record's current public text, or None when it is gone or withdrawn.
Render = Callable[[str], str | None]
Status = Literal["unknown", "matches", "changed", "withdrawn"]

SHORT_HASH_LENGTH = 12
# What a well-formed link holds; anything else is "unknown" without a query.
UID_RE = re.compile(r"[A-Za-z0-9_-]{16,43}")
SHORT_RE = re.compile(rf"[0-9a-f]{{{SHORT_HASH_LENGTH}}}")
UID_BYTES = 16
PHOTO_MAX_BYTES = 5 * 1024 * 1024
# File signatures: the content decides a photo's type, not its name (as cases' intake does;
# core cannot import cases).
PHOTO_SIGNATURES = {
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/webp": b"RIFF",
}

_renderers: dict[str, Render] = {}


# -- Registry and hashing ----------------------------------------------------------------------


def register_verifiable(kind: str, render: Render) -> None:
    """Say how to re-render the current public text of a ``kind`` of record from its
    ``object_ref``. Registering a kind again replaces its renderer (reloads, tests)."""
    if not kind or len(kind) > 64:
        raise ValueError(f"bad verifiable kind {kind!r}")
    _renderers[kind] = render


def renderer_of(kind: str) -> Render | None:
    return _renderers.get(kind)


def normalise(text: str) -> str:
    """The text as hashed: one kind of newline, no trailing whitespace on a line, no blank
    lines around it. Nothing inside a line is touched, so one changed character shows."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def text_digest(text: str) -> str:
    """SHA-256 (hex) of the normalised text in UTF-8."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def short_hash(digest: str) -> str:
    """The part of a digest printed on paper and carried in the link."""
    return digest[:SHORT_HASH_LENGTH]


def verify_path(doc: PrintedDocument) -> str:
    return reverse("verify:page", args=[doc.uid, short_hash(doc.text_hash)])


def verify_url(doc: PrintedDocument, base: str) -> str:
    """The link in the QR code: ``base`` is the public site (``https://gov.example.cn``)."""
    return f"{base.rstrip('/')}{verify_path(doc)}"


def verify_block_context(doc: PrintedDocument, base: str) -> dict[str, Any]:
    """The context of ``core/print/verify_block.html`` (templates cannot draw a QR code)."""
    url = verify_url(doc, base)
    return {
        "verify_url": url,
        "verify_qr": qr_png_uri(url),
        "short_hash": short_hash(doc.text_hash),
        "chain_head": doc.chain_head,
        "printed_at": doc.printed_at,
    }


def _current_text(doc: PrintedDocument) -> str | None:
    """The source record's public text now, or None when it cannot be had: no renderer for
    the kind, or the record is gone (a renderer may raise DoesNotExist or ValueError for a
    reference it no longer knows)."""
    render = _renderers.get(doc.kind)
    if render is None:
        return None
    try:
        return render(doc.object_ref)
    except (ObjectDoesNotExist, ValueError, LookupError):
        logger.info("verify: %s %s no longer renders", doc.kind, doc.object_ref)
        return None


# -- Printing ----------------------------------------------------------------------------------


def _new_uid(short: str) -> str:
    """A random uid whose link cannot be taken for a phone or ID number (the URL guard would
    refuse it; with 22 random characters that is rare, but a refused paper is lost for good)."""
    while True:
        uid = secrets.token_urlsafe(UID_BYTES)
        if not path_holds_personal_number(reverse("verify:page", args=[uid, short])):
            return uid


@transaction.atomic
def document_print(
    *,
    kind: str,
    object_ref: str,
    title: str,
    text: str,
    grid_path: str,
    by: Any,
) -> PrintedDocument:
    """Record a notice as printed now, before its PDF is made (the PDF carries its link).

    ``text`` must be what the kind's renderer gives for the record now: a paper that would
    read "changed" the moment it is printed is refused. The chain head is read under the
    head's lock, so it is the head just before this print's own audit entry. The audit entry
    names the document and its hash, not its text."""
    acting_user_check(by)
    with acting_as(by):
        render = _renderers.get(kind)
        if render is None:
            raise ValidationError({"kind": _("未登记的文件类型：%(k)s") % {"k": kind}})
        printed = normalise(text)
        if not printed:
            raise ValidationError({"text": _("印发文本不能为空")})
        current = render(str(object_ref))
        if current is None:
            raise ValidationError({"object_ref": _("来源记录不存在或已撤回")})
        if normalise(current) != printed:
            raise ValidationError({"text": _("印发文本与记录当前的公开文本不一致")})
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        digest = text_digest(printed)
        doc = PrintedDocument(
            uid=_new_uid(short_hash(digest)),
            kind=kind,
            object_ref=str(object_ref),
            title=title.strip(),
            text=printed,
            text_hash=digest,
            chain_head=head.last_hash if head is not None else "",
            chain_count=head.count if head is not None else 0,
            printed_at=timezone.now(),
            printed_by=by if by is not None and by.pk is not None else None,
            grid_path=grid_path,
        )
        doc.full_clean()
        doc.save()
        audit_record(
            action="print",
            instance=doc,
            object_repr=f"{kind} {doc.uid}",
            after={
                "uid": doc.uid,
                "kind": kind,
                "object_ref": doc.object_ref,
                "text_hash": digest,
                "chain_head": doc.chain_head,
                "chain_count": doc.chain_count,
            },
        )
        return doc


# -- Checking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyOutcome:
    """What a scanned link finds. ``unknown`` covers both an id that does not exist and one
    whose hash does not match, so the page tells nobody which ids exist."""

    status: Status
    document: PrintedDocument | None = None
    current_text: str | None = None


UNKNOWN = VerifyOutcome("unknown")


def document_check(uid: str, short: str) -> VerifyOutcome:
    """Check a scanned link against the printed record and the source's current text.

    The stored copy is checked against its own hash too: a printed text edited in the database
    reads as changed, as the source would."""
    if not (UID_RE.fullmatch(uid) and SHORT_RE.fullmatch(short)):
        return UNKNOWN
    doc = PrintedDocument.objects.filter(uid=uid).first()
    # Compared in constant time, and the same outcome as a missing id.
    if doc is None or not hmac.compare_digest(short_hash(doc.text_hash), short):
        return UNKNOWN
    current = _current_text(doc)
    if current is None:
        return VerifyOutcome("withdrawn", doc)
    intact = hmac.compare_digest(text_digest(doc.text), doc.text_hash)
    if intact and hmac.compare_digest(text_digest(current), doc.text_hash):
        return VerifyOutcome("matches", doc)
    return VerifyOutcome("changed", doc, normalise(current))


# -- Posting -----------------------------------------------------------------------------------


def photo_checked(upload: UploadedFile) -> str:
    """The content type of a posting's photo (JPEG, PNG or WebP by its first bytes, at most
    ``PHOTO_MAX_BYTES``), or a ValidationError on ``photo``."""
    size = upload.size or 0
    if size > PHOTO_MAX_BYTES:
        raise ValidationError(
            {
                "photo": _("照片有%(mb).1fMB，超过%(max).0fMB")
                % {"mb": size / 1048576, "max": PHOTO_MAX_BYTES / 1048576}
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for content_type, signature in PHOTO_SIGNATURES.items():
        if head.startswith(signature) and (content_type != "image/webp" or head[8:12] == b"WEBP"):
            return content_type
    raise ValidationError({"photo": _("照片须是JPEG、PNG或WebP图片")})


@transaction.atomic
def document_post(
    *,
    document: PrintedDocument,
    place: str,
    photo: UploadedFile | None,
    by: Any,
) -> DocumentPosting:
    """Record that a printed notice was put up (张贴), at the server's time: the caller cannot
    give one, so a posting cannot be dated back."""
    acting_user_check(by)
    with acting_as(by):
        if photo is not None:
            photo_checked(photo)
        posting = DocumentPosting(
            document=document,
            grid_path=document.grid_path,
            posted_at=timezone.now(),
            place=place.strip(),
            recorded_by=by if by is not None and by.pk is not None else None,
        )
        if photo is not None:
            posting.photo = photo
        posting.full_clean(exclude=["photo"])
        posting.save()
        audit_record(
            action="post",
            instance=posting,
            after={
                "document": document.uid,
                "place": posting.place,
                "posted_at": posting.posted_at,
                "photo": posting.photo.name or "",
            },
        )
        return posting
