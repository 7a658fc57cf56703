"""The load benchmark's clients: keep-alive HTTP/1.1 over asyncio streams, and the workloads
(bench/load.py)."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from collections import Counter
from dataclasses import dataclass, field

TIMEOUT_S = 30.0
CATEGORIES = ["safety", "environment", "dispute", "livelihood", "public_order"]


# --- the HTTP/1.1 client --------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection; one request at a time."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.head = (
            f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            "Accept: application/json\r\nUser-Agent: gridgov-bench\r\n"
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        parts = [f"{method} {path} HTTP/1.1\r\n".encode(), self.head]
        if body is not None:
            parts.append(
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n".encode()
            )
        parts.append(b"\r\n")
        if body is not None:
            parts.append(body)
        self.writer.write(b"".join(parts))
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            data = b"".join(chunks)
        else:
            data = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, data


async def one_request(port: int, token: str, method: str, path: str) -> tuple[int, bytes]:
    conn = Connection(port, token)
    try:
        return await asyncio.wait_for(conn.request(method, path), 5)
    finally:
        conn.close()


# --- the workloads --------------------------------------------------------------------------


@dataclass
class Phase:
    """What one phase's clients saw."""

    latencies: dict[str, list[float]] = field(default_factory=dict)  # op → ms
    ok: Counter = field(default_factory=Counter)  # op → 2xx answers
    errors: Counter = field(default_factory=Counter)  # kind → count
    samples: dict[str, str] = field(default_factory=dict)  # kind → first body seen
    per_second: Counter = field(default_factory=Counter)  # second → 2xx answers
    # number → (status, version) its last acknowledged request gave it; and, when a later
    # request's outcome is unknown (no answer), the state it would have given.
    acked: dict[str, tuple[str, int]] = field(default_factory=dict)
    maybe: dict[str, tuple[str, int]] = field(default_factory=dict)
    started: float = 0.0
    seconds: float = 0.0

    def record(self, op: str, ms: float, status: int | None, kind: str = "", body=b"") -> None:
        self.latencies.setdefault(op, []).append(ms)
        if status is not None and 200 <= status < 300:
            self.ok[op] += 1
            self.per_second[int(time.perf_counter() - self.started)] += 1
            return
        kind = kind or f"HTTP {status}"
        self.errors[f"{op}: {kind}"] += 1
        self.samples.setdefault(kind, body[:300].decode("utf-8", "replace"))


async def call(
    conn: Connection, phase: Phase, op: str, method: str, path: str, body: bytes | None = None
) -> tuple[int | None, bytes]:
    t0 = time.perf_counter()
    try:
        status, data = await asyncio.wait_for(conn.request(method, path, body), TIMEOUT_S)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        conn.close()
        phase.record(op, (time.perf_counter() - t0) * 1000, None, type(exc).__name__)
        return None, b""
    except TimeoutError:
        conn.close()
        phase.record(op, (time.perf_counter() - t0) * 1000, None, "timeout")
        return None, b""
    phase.record(op, (time.perf_counter() - t0) * 1000, status, body=data)
    return status, data


def dumps(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


async def baseline_client(conn: Connection, phase: Phase, deadline: float, _i: int, _pts) -> None:
    while time.perf_counter() < deadline:
        await call(conn, phase, "me", "GET", "/api/v1/me")


async def writes_client(conn: Connection, phase: Phase, deadline: float, i: int, points) -> None:
    """Create, sign, then note or settle, in a loop; state of each acknowledged matter kept."""
    rng = random.Random(i)
    cycle = 0
    while time.perf_counter() < deadline:
        cycle += 1
        lat, lng = rng.choice(points)
        payload = {
            "category": rng.choice(CATEGORIES),
            "description": f"压测第{i}号客户端第{cycle}件：路灯不亮，请尽快处理。",
            "lat": lat,
            "lng": lng,
        }
        status, data = await call(conn, phase, "create", "POST", "/api/v1/matters/", dumps(payload))
        if status != 201:
            continue
        number = json.loads(data)["number"]
        phase.acked[number] = ("received", 0)
        steps = [("sign", {}, "in_progress")]
        steps.append(
            ("settle", {"answer": "已修复，群众满意。"}, "settled")
            if cycle % 2
            else ("note", {"public_note": "已到现场查看，正在联系供电所。"}, "in_progress")
        )
        for version, (action, body, after) in enumerate(steps, start=1):
            if time.perf_counter() >= deadline:
                break
            path = f"/api/v1/matters/{number}/actions/{action}"
            status, _ = await call(conn, phase, action, "POST", path, dumps(body))
            if status == 200:
                phase.acked[number] = (after, version)
                continue
            if status is None:  # no answer: it may or may not have been stored
                phase.maybe[number] = (after, version)
            break


async def run_clients(conns: list[Connection], workload, seconds: float, points, ramp: float = 0.0):
    """Every client runs ``workload`` on its connection until ``seconds`` have passed; with
    ``ramp``, client i starts i × ramp seconds after the first, opening its connection then."""
    phase = Phase()
    phase.started = time.perf_counter()
    deadline = phase.started + seconds

    async def client(i: int, conn: Connection) -> None:
        if ramp:
            await asyncio.sleep(i * ramp)
        if conn.writer is None:
            await conn.open()
        await workload(conn, phase, deadline, i, points)

    try:
        await asyncio.gather(*(client(i, c) for i, c in enumerate(conns)))
    finally:
        phase.seconds = time.perf_counter() - phase.started
    return phase
