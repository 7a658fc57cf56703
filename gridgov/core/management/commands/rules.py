"""``gridgov rules``: every named rule, its value in force, default and source."""

from typing import Any

from django.core.management.base import BaseCommand

from gridgov.core.rules import all_rules, rule_value


class Command(BaseCommand):
    help = "List the rules with a legal or policy source and the values in force."

    def handle(self, *args: Any, **options: Any) -> None:
        for rule in all_rules():
            value = rule_value(rule)
            marker = "" if value == rule.default else f"  (默认 {rule.default!r}，已覆盖)"
            self.stdout.write(
                f"{rule.key} = {value!r}{marker}\n    {rule.description}\n    来源：{rule.source}"
            )
