"""``gridgov permissions``: the role × action table, collected from every app's permissions.py.

``--markdown`` prints it as the table of docs/security.md, which a test keeps equal to this
output, so the documented table cannot drift from the one the checks use."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from gridgov.accounts.roles import ROLE_ACTIONS, Role
from gridgov.core.permissions import registered_actions


def permissions_markdown() -> str:
    """The table in Markdown: one row per role, one column per action (with its key)."""
    with translation.override("zh-hans"):
        actions = registered_actions()
        head = "| 角色 | " + " | ".join(f"{spec.label} `{spec.key}`" for spec in actions) + " |"
        rule = "|---" * (len(actions) + 1) + "|"
        rows = [
            f"| {Role(role).label} | "
            + " | ".join("✓" if spec.key in ROLE_ACTIONS[role] else "" for spec in actions)
            + " |"
            for role in Role
        ]
    return "\n".join([head, rule, *rows]) + "\n"


class Command(BaseCommand):
    help = "Print which role holds which action, as every app declares it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--markdown", action="store_true", help="as a Markdown table")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["markdown"]:
            self.stdout.write(permissions_markdown(), ending="")
            return
        for spec in registered_actions():
            holders = ", ".join(str(Role(role).label) for role in Role if role in spec.held_by)
            self.stdout.write(f"{spec.key} ({spec.app}) {spec.label}: {holders}")
