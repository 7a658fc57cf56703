"""No personal number in a log line.

Log lines go to files, journald and log collectors that the data key does not protect, and
Django writes request paths into them ("Not Found: /open311/v2/requests/<a citizen ID>.json").
``PersonalNumberFilter`` is installed on every handler in ``settings.LOGGING``: it masks every
citizen ID, mobile and bank card number (``core.freetext``, the same detector as the public
pages) in each record's message, its arguments and its traceback, before any handler writes it.
"""

from __future__ import annotations

import logging
import traceback

from .freetext import mask_free_text

_PLAIN = (int, float, bool, type(None))


def _mask_arg(value: object) -> object:
    if isinstance(value, str):
        return mask_free_text(value)
    if isinstance(value, _PLAIN):
        return value  # keeps %d and %.2f working; a bare int is masked in the message below
    text = str(value)
    masked = mask_free_text(text)
    return masked if masked != text else value


class PersonalNumberFilter(logging.Filter):
    """Masks personal numbers in a record; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if record.args:
                if isinstance(record.args, dict):
                    record.args = {k: _mask_arg(v) for k, v in record.args.items()}
                else:
                    record.args = tuple(_mask_arg(v) for v in record.args)
            # The message as it will be written (an int argument, a number in the format
            # string itself); the record carries it pre-formatted from here on.
            record.msg = mask_free_text(record.getMessage())
            record.args = None
            if record.exc_info and not record.exc_text:
                record.exc_text = mask_free_text(
                    "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
                )
            if record.stack_info:
                record.stack_info = mask_free_text(record.stack_info)
        except Exception:  # a broken record is logging's to report, not a reason to lose it
            return True
        return True
