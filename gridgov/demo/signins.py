"""Demo sign-ins (演示账号): one user per role, assigned at a fitting node of the demo area.

Created only by the explicit ``gridgov demo_signins`` command, never by migrations or the
generator: the passwords are public.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts.roles import Role
from gridgov.accounts.services import assignment_create, user_create
from gridgov.core.audit import audit_record
from gridgov.core.models import AuditEntry
from gridgov.grid.models import GridLevel, GridNode

ADMIN_USERNAME = "admin"
YEAR_TAG = "2026"
# The audit entry ``gridgov demo`` writes with the area it loaded: what tells a demo database
# from one holding a real grid, where public passwords must never be created by ``make run``.
DEMO_LOADED_ACTION = "demo_load"


class NoDemoArea(Exception):
    """There is no grid to assign demo users to."""


@dataclass
class SignIn:
    username: str
    password: str
    role: str  # label
    node: GridNode | None
    created: bool


def demo_loaded() -> bool:
    """Whether this database's grid was loaded by ``gridgov demo``, or its demo sign-ins were
    made already (by hand, or by a ``make run`` from before the mark)."""
    if AuditEntry.objects.filter(action=DEMO_LOADED_ACTION).exists():
        return True
    return get_user_model().objects.filter(username__in=[username_for(r) for r in Role]).exists()


def demo_load_record(*, scale: str, seed: int, as_of: str, county: str) -> None:
    """Mark the database as a demo's, in the audit chain (in the load's transaction)."""
    audit_record(
        action=DEMO_LOADED_ACTION,
        object_type="demo.area",
        object_id=f"{scale}-{seed}",
        object_repr=f"{scale}-{seed}",
        grid_path=county,
        after={"scale": scale, "seed": seed, "as_of": as_of},
    )


def username_for(role: str) -> str:
    return f"demo_{role}"


def password_for(role: str) -> str:
    return f"demo-{role.replace('_', '-')}-{YEAR_TAG}"


def _first(level: str, under: GridNode | None = None) -> GridNode | None:
    qs = GridNode.objects.filter(level=level)
    if under is not None:
        qs = qs.within(under.code)
    return qs.order_by("code").first()


def demo_nodes() -> dict[str, GridNode]:
    """Where each role sits: the first county and town, a village committee (村, code 2xx)
    with groups and micro-grids if there is one, its first group and micro-grid."""
    county = _first(GridLevel.COUNTY)
    if county is None:
        raise NoDemoArea
    town = _first(GridLevel.TOWN, county) or county
    villages = GridNode.objects.within(town.code).filter(level=GridLevel.VILLAGE)
    village = (
        villages.filter(code__startswith=town.code + "2").order_by("code").first()
        or villages.order_by("code").first()
        or town
    )
    group = _first(GridLevel.GROUP, village) or village
    micro = _first(GridLevel.MICROGRID, group) or group
    return {
        Role.COUNTY_ADMIN: county,
        Role.TOWN_CADRE: town,
        Role.VILLAGE_CADRE: village,
        Role.SUPERVISOR: village,
        Role.GROUP_LEADER: group,
        Role.GRID_WORKER: micro,
        Role.LINKED_MEMBER: micro,
        Role.VIEWER: village,
    }


@transaction.atomic
def ensure_demo_signins() -> list[SignIn]:
    """Create the demo users that are missing and their assignments; idempotent."""
    nodes = demo_nodes()
    users = get_user_model().objects
    out: list[SignIn] = []
    admin = users.filter(username=ADMIN_USERNAME).first()
    password = f"demo-admin-{YEAR_TAG}"
    if admin is None:
        user_create(username=ADMIN_USERNAME, password=password, is_superuser=True)
    out.append(SignIn(ADMIN_USERNAME, password, _("超级管理员"), None, admin is None))
    for role in Role:
        username = username_for(role)
        user = users.filter(username=username).first()
        created = user is None
        if created:
            user = user_create(
                username=username,
                password=password_for(role),
                full_name=_("演示·%(role)s") % {"role": role.label},
            )
        assignment_create(user=user, node=nodes[role], role=role)
        out.append(SignIn(username, password_for(role), str(role.label), nodes[role], created))
    return out
