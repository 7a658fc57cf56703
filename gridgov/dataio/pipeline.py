"""Reading and validating a file in chunks, in this process or in a worker process.

Parsing, validating and encrypting rows is pure Python and takes about as long as loading them
into the database. For big files a forked worker process reads and validates chunk k+1 while
this process loads chunk k, so the two halves overlap on two cores (when one is free: see
``use_worker``). The worker never touches
the database connection it inherits (it leaves with ``os._exit``, as multiprocessing's fork
start does). It is used only from the main thread of a process without other threads: forking
a threaded web server is not safe.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .errors import ErrorSink
from .readers import ReadError, Sheet, open_sheet
from .validation import Layout

CHUNK_ROWS = 10_000
WORKER_MIN_ROWS = 40_000  # below this the worker's start-up and pickling do not pay


@dataclass
class Chunk:
    rows: list[tuple]
    errors: ErrorSink
    seen: int  # data rows read so far, valid or not


def validated_chunks(sheet: Sheet, validate, size: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Chunks of staged tuples and the errors of their rows; the last one may be empty.
    ``validate`` is a kind's chunk validator."""
    seen = 0
    for numbers, rows in sheet.blocks(size):
        seen += len(rows)
        errors = ErrorSink()
        yield Chunk(validate(numbers, rows, errors), errors, seen)
    yield Chunk([], ErrorSink(), seen)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is read and validated.

    Validation allocates millions of short-lived containers (rows, tuples) and no reference
    cycles; the collector would rescan them again and again (measured: a third of the time on
    a county's persons file). Only on a process's single main thread (command line, the worker,
    the benchmark): in a threaded web server the pause would reach every request.
    """
    pause = threading.current_thread() is threading.main_thread() and gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause:
            gc.enable()


def use_worker(total: int | None) -> bool:
    """A worker only pays with a core to spare: on a busy machine it competes with this process
    and the pickling costs more than the overlap gains (measured: 20-40 % slower)."""
    return (
        getattr(settings, "GRIDGOV_IMPORT_WORKER", True)
        and (total or 0) >= WORKER_MIN_ROWS
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.current_thread() is threading.main_thread()
        and threading.active_count() == 1
        and _spare_core()
    )


def _spare_core() -> bool:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        load = os.getloadavg()[0]
    except OSError:
        return False
    return (cores or 1) >= 2 and load < (cores or 1) - 0.5


def worker_chunks(path: Path, kind: str, layout: Layout, today: dt.date) -> Iterator[Chunk]:
    """``validated_chunks`` computed by a forked worker process, one chunk ahead."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_work, args=(send, path, kind, layout, today), name="gridgov-import", daemon=True
    )
    process.start()
    send.close()
    try:
        while True:
            try:
                message = receive.recv()
            except EOFError:
                raise RuntimeError("import worker ended without an answer") from None
            tag, payload = message
            if tag == "chunk":
                yield payload
            elif tag == "done":
                break
            elif tag == "read-error":
                raise ReadError(payload)
            else:
                raise RuntimeError(f"import worker failed:\n{payload}")
    finally:
        receive.close()
        if process.is_alive():
            process.terminate()
        process.join()


def _work(send, path: Path, kind: str, layout: Layout, today: dt.date) -> None:
    from .kinds import KINDS

    try:
        sheet = open_sheet(path)
        try:
            validate = KINDS[kind].chunk_validator(layout, today)
            with collector_paused():
                for chunk in validated_chunks(sheet, validate):
                    send.send(("chunk", chunk))
        finally:
            sheet.close()
        send.send(("done", None))
    except ReadError as exc:
        send.send(("read-error", str(exc)))
    except BaseException:
        send.send(("crash", traceback.format_exc()))
    finally:
        send.close()
