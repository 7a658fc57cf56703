"""``gridgov decisions``: important-matters decisions from the command line (重要事项决策).

    gridgov decisions tally < meetings.jsonl   # quorum and majority, one JSON object a line

``tally`` reads one JSON object per line on standard input, e.g.
``{"body": "party_assembly", "voting_members": 10, "present": 6, "yes": 6}``, and writes one
per line: ``{"quorum": true, "passed": true, "rule": ..., "version": ..., "citation": ...}``, or
``{"error": ...}`` for a line that cannot be tallied. Blank lines are skipped. The exit status
is 1 when any line had an error, 0 otherwise; no traceback is ever printed. It reads no
database (docs/decisions.md, "The tally interface").
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.decisions.tally import RuleError, TallyError, parse_line

INTERNAL_ERROR = "internal error"


def _line_text(raw: str | bytes, first: bool) -> str:
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise TallyError("line is not valid UTF-8") from None
    else:
        text = raw
    return text.removeprefix("\ufeff") if first else text


def _encoded(answer: dict[str, Any]) -> str:
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":"))


class Command(BaseCommand):
    help = "重要事项决策：tally 按各会议的规则计算到会和表决结果（标准输入每行一个JSON对象）。"
    # Tallying reads neither the database nor anything the system checks look at.
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "tally",
            help="计算到会和表决结果：每行一个JSON对象，输出每行一个JSON对象；有错误的行退出码为1",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"_{action}")(**options)

    def _tally(self, *, stdin: Any = None, **_options: Any) -> None:
        source = stdin if stdin is not None else sys.stdin
        if source is None:
            raise CommandError("no standard input to read", returncode=1)
        # Bytes where there are (a line that is not UTF-8 is that line's error, not the end).
        lines: Iterable[str | bytes] = getattr(source, "buffer", None) or source
        total = errors = 0
        try:
            for number, raw in enumerate(lines, start=1):
                answer = self._answer(raw, number)
                if answer is None:
                    continue
                total += 1
                errors += "error" in answer
                try:
                    text = _encoded(answer)
                    self.stdout.write(text)
                except UnicodeEncodeError:  # a terminal that cannot show Chinese
                    self.stdout.write(json.dumps(answer, separators=(",", ":")))
                self.stdout.flush()
        except BrokenPipeError:  # the reader went away (``| head``): stop quietly
            _silence_stdout()
            raise SystemExit(1) from None
        except KeyboardInterrupt:
            raise SystemExit(130) from None
        except Exception as exc:  # reading or writing failed: said in one line, no traceback
            raise CommandError(
                f"stopped after {total} lines: {type(exc).__name__}: {exc}", returncode=1
            ) from None
        if errors:
            raise CommandError(f"{errors} of {total} lines had errors", returncode=1)

    def _answer(self, raw: str | bytes, number: int) -> dict[str, Any] | None:
        """The answer to one line; None for a blank line."""
        try:
            line = _line_text(raw, number == 1)
            if not line.strip():
                return None
            return dict(parse_line(line).as_public())
        except (TallyError, RuleError) as exc:
            return {"error": str(exc)}
        except Exception as exc:  # whatever it is, one line's error and never a traceback
            self.stderr.write(f"line {number}: {INTERNAL_ERROR} ({type(exc).__name__})")
            return {"error": INTERNAL_ERROR}


def _silence_stdout() -> None:
    """Point the closed pipe at /dev/null, so that flushing at exit raises nothing more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
