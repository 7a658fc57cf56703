"""Contact cards (连心卡), door plaques (党员户, 党员之家) and the public list (一人一牌).

A card's QR code opens a phone page for its household (``/c/<signed>/``). The URL carries a
signed value of a random key and nothing else: no household number, no name. The key names a
``CardToken`` row, which can be revoked (a lost card) and expires after ``CARD_TOKEN_DAYS``;
printing again reuses a household's valid token, so reprinting a village does not void the
cards already on its doors.

What a card shows is what the household may show its visitors: the linker's name, their phone
only with their consent (``Linker.phone_consent``), the micro-grid's party group and grid worker
by name, the five kinds of help (五个传帮带), and the household by its doorplate (address), never
its residents' names. The public list shows names only, and the linker's phone where consented.

Each printed PDF is one audit entry with its counts (households, linked, pages, tokens issued).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record
from gridgov.core.printing import Printed, qr_svg, render_pdf
from gridgov.core.rules import rule_value
from gridgov.core.services import acting_as, acting_user_check
from gridgov.grid.models import CODE_LENGTH, GridLevel, GridNode
from gridgov.orgs.models import GridPost, OrgKind, PartyOrganization
from gridgov.people.models import Household, Person

from .models import CardToken, Link, Linker, LinkerKind, VisitHelp
from .permissions import PRINT_CARDS
from .rules import CARD_TOKEN_DAYS

SIGN_SALT = "gridgov.links.card"
# A token is reused when printing again unless it expires within this many days: a new card
# should not die a month after it is handed out.
REUSE_MIN_DAYS = 30
# Printing is for a village or finer: a village (~700 households) prints in a few seconds.
PRINTABLE_LEVELS = (GridLevel.VILLAGE, GridLevel.GROUP, GridLevel.MICROGRID)
CARDS_PER_SHEET = 8
PLAQUES_PER_SHEET = 2

Reason = Literal["forged", "unknown", "revoked", "expired"]


# -- Tokens ----------------------------------------------------------------------------------


def _signer() -> signing.Signer:
    return signing.Signer(salt=SIGN_SALT)


def card_value(token: CardToken) -> str:
    """The signed value a card's URL carries (the key and its signature, nothing else)."""
    return _signer().sign(token.key)


def card_path(token: CardToken) -> str:
    return reverse("card:page", args=[card_value(token)])


def public_base() -> str:
    """Where the cards' QR codes point: ``GRIDGOV_PUBLIC_URL`` (set it in production)."""
    return str(getattr(settings, "GRIDGOV_PUBLIC_URL", "") or "")


def card_url(token: CardToken, *, site: str = "") -> str:
    return f"{(site or public_base()).rstrip('/')}{card_path(token)}"


def _valid_q(now: dt.datetime, *, margin_days: int = 0) -> dict[str, Any]:
    return {
        "revoked_at__isnull": True,
        "expires_at__gt": now + dt.timedelta(days=margin_days),
    }


@transaction.atomic
def card_tokens_issue(
    *, households: Iterable[Household], by: Any, now: dt.datetime | None = None
) -> dict[int, CardToken]:
    """The card token of each household: its valid token if it has one that does not expire
    within ``REUSE_MIN_DAYS``, else a new one (created in bulk). One audit entry for the batch."""
    acting_user_check(by)
    with acting_as(by):
        now = now or timezone.now()
        rows = {h.pk: h for h in households}
        found: dict[int, CardToken] = {}
        ids = list(rows)
        for start in range(0, len(ids), 900):  # SQLite's bound-parameter limit
            chunk = ids[start : start + 900]
            valid = CardToken.objects.filter(
                household_id__in=chunk, **_valid_q(now, margin_days=REUSE_MIN_DAYS)
            ).order_by("household_id", "-expires_at", "-id")
            for token in valid:
                found.setdefault(token.household_id, token)
        days = int(rule_value(CARD_TOKEN_DAYS))
        new = [
            CardToken(
                household=household,
                grid_path=household.grid_path,
                key=secrets.token_urlsafe(16),
                issued_at=now,
                expires_at=now + dt.timedelta(days=days),
            )
            for pk, household in rows.items()
            if pk not in found
        ]
        if new:
            CardToken.objects.bulk_create(new, batch_size=500)
            for token in new:
                found[token.household.pk] = token
            paths = sorted({t.grid_path for t in new})
            audit_record(
                action="card_token.issue",
                object_type="links.cardtoken",
                object_repr=_("连心卡二维码%(n)d个") % {"n": len(new)},
                grid_path=paths[0] if len(paths) == 1 else "",
                after={"issued": len(new), "reused": len(rows) - len(new), "days": days},
                places=paths,
            )
        return found


@transaction.atomic
def card_token_revoke(*, household: Household, by: Any, now: dt.datetime | None = None) -> int:
    """Revoke the household's valid card tokens (a lost or misused card): its QR code then
    opens the "no longer valid" page. The next print issues a new token. Returns how many."""
    acting_user_check(by)
    with acting_as(by):
        now = now or timezone.now()
        tokens = list(
            CardToken.objects.select_for_update().filter(household=household, **_valid_q(now))
        )
        if not tokens:
            raise ValidationError({"household": _("该户没有有效的连心卡二维码")})
        for token in tokens:
            token.revoked_at = now
            token.save(update_fields=["revoked_at"])
            audit_record(
                action="card_token.revoke",
                instance=token,
                before={"revoked_at": None},
                after={"revoked_at": now},
            )
        return len(tokens)


def card_token_resolve(value: str, *, now: dt.datetime | None = None) -> CardToken | Reason:
    """The valid token a card's URL names, or why not: ``forged`` (the signature fails),
    ``unknown`` (no such key), ``revoked`` or ``expired``."""
    try:
        key = _signer().unsign(value or "")
    except signing.BadSignature:
        return "forged"
    token = (
        CardToken.objects.select_related("household", "household__microgrid")
        .filter(key=key)
        .first()
    )
    if token is None:
        return "unknown"
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= (now or timezone.now()):
        return "expired"
    return token


# -- What a card shows -----------------------------------------------------------------------


@dataclass
class LinkerShown:
    """A linker as cards and the public page show them: name, kind, phone only if consented."""

    id: int
    name: str
    kind: str
    kind_label: str
    phone: str = ""


@dataclass
class Contacts:
    """The micro-grid's standing contacts: its party group and grid worker (by name; the grid
    worker's phone only where they consented as a linker)."""

    party_group: str = ""
    grid_worker: str = ""
    grid_worker_phone: str = ""


@dataclass
class Card:
    household_id: int
    doorplate: str
    microgrid: str
    group: str
    linker: LinkerShown | None
    contacts: Contacts
    url: str = ""
    qr: str = ""


@dataclass
class Sheet:
    cards: list[Card] = field(default_factory=list)


def helps() -> list[str]:
    """五个传帮带, in the seeds' order."""
    return [str(label) for label in VisitHelp.labels]


def linker_shown(linker: Linker) -> LinkerShown:
    phone = ""
    if linker.phone_consent:
        phone = linker.person.reveal_phone()
    return LinkerShown(
        id=linker.pk,
        name=linker.person.name,
        kind=linker.kind,
        kind_label=str(linker.get_kind_display()),
        phone=phone,
    )


def printable_node(user: Any, code: str) -> GridNode | None:
    """The node with ``code`` if ``user`` may print cards there (else None: the caller answers
    404, never telling out of scope apart from absent)."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in CODE_LENGTH.values():
        return None
    return GridNode.objects.restrict(user, PRINT_CARDS).filter(code=code).first()


def _level_check(node: GridNode) -> None:
    if node.level not in PRINTABLE_LEVELS:
        raise ValidationError({"node": _("请按村（社区）、村民小组或微网格打印")})


def node_households(node: GridNode, by: Any) -> QuerySet[Household]:
    """The households under ``node`` that ``by`` may print cards for, in doorplate order."""
    return (
        Household.objects.restrict(by, PRINT_CARDS)
        .within(node.code)
        .select_related("microgrid", "microgrid__parent")
        .order_by("grid_path", "number")
    )


def _links_by_household(households: QuerySet[Household]) -> dict[int, Linker]:
    links = (
        Link.objects.filter(household__in=households.values("pk"), end_on__isnull=True)
        .select_related("linker__person")
        .only(
            "household_id",
            "linker__kind",
            "linker__phone_consent",
            "linker__person__name",
            "linker__person__phone_cipher",
        )
    )
    return {link.household_id: link.linker for link in links}


def microgrid_contacts(node: GridNode, on: dt.date) -> dict[str, Contacts]:
    """Contacts per micro-grid code under ``node``: the party group on the micro-grid or its
    villager group, and the grid post (专职网格员 first, else 网格长) in force on it."""
    out: dict[str, Contacts] = {}
    groups: dict[str, str] = {}
    for org_path, name in (
        PartyOrganization.objects.within(node.code[: CODE_LENGTH[GridLevel.VILLAGE]])
        .filter(kind__in=[OrgKind.PARTY_GROUP, OrgKind.SERVICE_TEAM])
        .order_by("kind", "code")
        .values_list("node__code", "name")
    ):
        groups.setdefault(org_path, name)
    consenting = {
        linker.person_id: linker
        for linker in Linker.objects.within(node.code[: CODE_LENGTH[GridLevel.VILLAGE]])
        .filter(phone_consent=True)
        .select_related("person")
    }
    posts = (
        GridPost.objects.within(node.code)
        .filter(start_on__lte=on)
        .exclude(end_on__lt=on)
        .select_related("person", "node")
        .order_by("-kind")  # "worker" before "head"
    )
    workers: dict[str, tuple[str, str]] = {}
    for post in posts:
        if post.node.code in workers:
            continue
        linker = consenting.get(post.person_id)
        workers[post.node.code] = (post.person.name, linker.person.reveal_phone() if linker else "")
    for mg in GridNode.objects.within(node.code).filter(level=GridLevel.MICROGRID):
        group_code = mg.code[: CODE_LENGTH[GridLevel.GROUP]]
        worker = workers.get(mg.code, ("", ""))
        out[mg.code] = Contacts(
            party_group=groups.get(mg.code) or groups.get(group_code, ""),
            grid_worker=worker[0],
            grid_worker_phone=worker[1],
        )
    return out


def card_rows(*, node: GridNode, by: Any, site: str = "", qr: bool = True) -> list[Card]:
    """One card per household under ``node`` in ``by``'s scope, with a token issued (or
    reused) for each. ``qr=False`` leaves the QR code out (the benchmark's baseline)."""
    households = node_households(node, by)
    linkers = _links_by_household(households)
    shown: dict[int, LinkerShown] = {}
    contacts = microgrid_contacts(node, timezone.localdate())
    rows = list(households)
    tokens = card_tokens_issue(households=rows, by=by)
    cards = []
    for household in rows:
        linker = linkers.get(household.pk)
        if linker is not None and linker.pk not in shown:
            shown[linker.pk] = linker_shown(linker)
        mg = household.microgrid
        url = card_url(tokens[household.pk], site=site)
        cards.append(
            Card(
                household_id=household.pk,
                doorplate=household.address or household.number,
                microgrid=mg.name,
                group=mg.parent.name if mg.parent else "",
                linker=shown[linker.pk] if linker is not None else None,
                contacts=contacts.get(mg.code, Contacts()),
                url=url,
                qr=qr_svg(url) if qr else "",
            )
        )
    return cards


def _sheets(items: list[Any], per: int) -> list[list[Any]]:
    return [items[i : i + per] for i in range(0, len(items), per)]


def _village_name(node: GridNode) -> str:
    if node.level == GridLevel.VILLAGE:
        return node.name
    code = node.code[: CODE_LENGTH[GridLevel.VILLAGE]]
    return GridNode.objects.filter(code=code).values_list("name", flat=True).first() or ""


@dataclass
class PrintResult:
    printed: Printed
    kind: str
    counts: dict[str, int]
    filename: str


def _audit_print(node: GridNode, kind: str, counts: dict[str, int]) -> None:
    audit_record(
        action="print",
        object_type=f"links.{kind}",
        object_id=node.code,
        object_repr=node.name,
        grid_path=node.code,
        after={"kind": kind, **counts},
    )


@transaction.atomic
def cards_pdf(
    *, node: GridNode, by: Any, site: str = "", qr: bool = True, with_text: bool = False
) -> PrintResult:
    """A4 sheets of contact cards (8 a sheet, 85×54 mm, with cut marks) for every household
    under ``node`` (a village, villager group or micro-grid) in ``by``'s scope."""
    acting_user_check(by)
    _level_check(node)
    with acting_as(by):
        before = CardToken.objects.within(node.code).count()
        cards = card_rows(node=node, by=by, site=site, qr=qr)
        issued = CardToken.objects.within(node.code).count() - before
        positions = [
            (col * 85, row * 54) for row in range(CARDS_PER_SHEET // 2) for col in range(2)
        ]
        sheets = [
            [(card, *positions[i]) for i, card in enumerate(sheet)]
            for sheet in _sheets(cards, CARDS_PER_SHEET)
        ]
        printed = render_pdf(
            "links/cards/print_cards.html",
            {
                "sheets": sheets,
                "helps": helps(),
                "village": _village_name(node),
                "node": node,
                "cut_x": [0, 85, 170],
                "cut_y": [0, 54, 108, 162, 216],
            },
            with_text=with_text,
        )
        counts = {
            "households": len(cards),
            "linked": sum(1 for c in cards if c.linker is not None),
            "pages": printed.pages,
            "tokens_issued": issued,
        }
        _audit_print(node, "cards", counts)
        return PrintResult(printed, "cards", counts, f"连心卡-{node.name}")


@dataclass
class Plaque:
    kind: str  # "home" (党员之家) or "member" (党员户)
    title: str
    doorplate: str
    microgrid: str
    party_group: str


@transaction.atomic
def plaques_pdf(*, node: GridNode, by: Any, with_text: bool = False) -> PrintResult:
    """Door plaques: 党员之家 for the homes of 党员中心户 (linkers of kind center), 党员户 for
    the other households with a party member; two plaques a sheet."""
    acting_user_check(by)
    _level_check(node)
    with acting_as(by):
        households = node_households(node, by)
        members = Person.objects.filter(household=OuterRef("pk"), is_party_member=True)
        centers = Linker.objects.filter(
            person__household=OuterRef("pk"), kind=LinkerKind.CENTER_HOUSEHOLD
        )
        rows = households.annotate(has_member=Exists(members), is_center=Exists(centers)).filter(
            Q(has_member=True) | Q(is_center=True)
        )
        contacts = microgrid_contacts(node, timezone.localdate())
        plaques = []
        for household in rows.order_by("grid_path", "number"):
            center = bool(household.is_center)
            mg = household.microgrid
            plaques.append(
                Plaque(
                    kind="home" if center else "member",
                    title=_("党员之家") if center else _("党员户"),
                    doorplate=household.address or household.number,
                    microgrid=mg.name,
                    party_group=contacts.get(mg.code, Contacts()).party_group,
                )
            )
        printed = render_pdf(
            "links/cards/print_plaques.html",
            {
                "sheets": _sheets(plaques, PLAQUES_PER_SHEET),
                "village": _village_name(node),
                "node": node,
            },
            with_text=with_text,
        )
        counts = {
            "plaques": len(plaques),
            "homes": sum(1 for p in plaques if p.kind == "home"),
            "members": sum(1 for p in plaques if p.kind == "member"),
            "pages": printed.pages,
        }
        _audit_print(node, "plaques", counts)
        return PrintResult(printed, "plaques", counts, f"党员户门牌-{node.name}")


@dataclass
class ListRow:
    linker: LinkerShown
    microgrid: str
    households: list[str] = field(default_factory=list)


@transaction.atomic
def public_list_pdf(*, node: GridNode, by: Any, with_text: bool = False) -> PrintResult:
    """一人一牌: who links whom, for the village board. Each linker by name (and phone where
    they consented), with the households they link by the name of the head of household only:
    no ID numbers, no residents' phones, no addresses."""
    acting_user_check(by)
    _level_check(node)
    with acting_as(by):
        households = node_households(node, by)
        links = (
            Link.objects.filter(household__in=households.values("pk"), end_on__isnull=True)
            .select_related("linker__person", "linker__person__household__microgrid")
            .order_by("linker__grid_path", "linker_id", "household__number")
        )
        heads = dict(
            Household.objects.filter(pk__in=households.values("pk"))
            .with_head()
            .values_list("pk", "head_name")
        )
        rows: dict[int, ListRow] = {}
        for link in links:
            linker = link.linker
            if linker.pk not in rows:
                rows[linker.pk] = ListRow(
                    linker=linker_shown(linker),
                    microgrid=linker.person.household.microgrid.name,
                )
            rows[linker.pk].households.append(heads.get(link.household_id) or _("（户主未登记）"))
        total = households.count()
        linked = sum(len(r.households) for r in rows.values())
        printed = render_pdf(
            "links/cards/print_list.html",
            {
                "rows": list(rows.values()),
                "village": _village_name(node),
                "node": node,
                "helps": helps(),
                "total": total,
                "linked": linked,
                "today": timezone.localdate(),
            },
            with_text=with_text,
        )
        counts = {
            "linkers": len(rows),
            "households": total,
            "linked": linked,
            "pages": printed.pages,
        }
        _audit_print(node, "public_list", counts)
        return PrintResult(printed, "public_list", counts, f"一人一牌-{node.name}")


PRINT_KINDS = ("cards", "plaques", "list")


def print_kind(kind: str, *, node: GridNode, by: Any, site: str = "") -> PrintResult:
    """Print ``kind`` (one of ``PRINT_KINDS``) for ``node``: the pages' and the API's one entry."""
    if kind == "cards":
        return cards_pdf(node=node, by=by, site=site)
    if kind == "plaques":
        return plaques_pdf(node=node, by=by)
    if kind == "list":
        return public_list_pdf(node=node, by=by)
    raise ValidationError({"kind": _("未知的打印类型%(k)s") % {"k": kind}})


def print_counts(node: GridNode, by: Any) -> dict[str, int]:
    """What the print page shows before printing: households, linked, with a valid token,
    plaques to print."""
    households = node_households(node, by)
    now = timezone.now()
    valid = CardToken.objects.filter(household=OuterRef("pk"), **_valid_q(now))
    linked = Link.objects.filter(household=OuterRef("pk"), end_on__isnull=True)
    members = Person.objects.filter(household=OuterRef("pk"), is_party_member=True)
    return households.annotate(
        has_token=Exists(valid), has_link=Exists(linked), has_member=Exists(members)
    ).aggregate(
        households=Count("id"),
        linked=Count("id", filter=Q(has_link=True)),
        tokens=Count("id", filter=Q(has_token=True)),
        member_households=Count("id", filter=Q(has_member=True)),
    )
