"""`/livez`, `/readyz` and `/metrics` on HEALTH_PORT, as the Swift workers serve them
(HealthServer.swift): JSON bodies, 200 or 503 with the reason."""

from __future__ import annotations

import asyncio
import json
import time

from .pipeline import Counters


class State:
    """Ready: consuming, with the broker and the database connected. Alive: the worker's loop
    ticked recently and no delivery has been in hand longer than `stuck_after` seconds."""

    def __init__(self, stuck_after: int = 300) -> None:
        self.ready = False
        self.reason = "starting"
        self.stuck_after = stuck_after
        self.last_tick = time.time()
        self.busy_since: float | None = None

    def set_ready(self, ready: bool, reason: str = "") -> None:
        self.ready = ready
        if not ready:
            self.reason = reason or "not consuming"

    def wedged(self, tolerance: float = 30) -> str | None:
        now = time.time()
        late = now - self.last_tick
        if late > tolerance:
            return f"the worker's heartbeat is {int(late)}s old (tolerance {int(tolerance)}s): its tasks are stuck"
        if self.busy_since is not None and now - self.busy_since > self.stuck_after:
            return f"stuck in one delivery for more than {self.stuck_after}s"
        return None


def _metrics(context: str, counters: Counters, state: State) -> str:
    lines = ["# TYPE warren_deliveries_total counter"]
    for message_type, count in sorted(counters.deliveries.items()):
        lines.append(f'warren_deliveries_total{{context="{context}",type="{message_type}"}} {count}')
    lines.append("# TYPE warren_outcomes_total counter")
    for outcome, count in sorted(counters.outcomes.items()):
        lines.append(f'warren_outcomes_total{{context="{context}",outcome="{outcome}"}} {count}')
    lines.append("# TYPE warren_broker_connected gauge")
    lines.append(f'warren_broker_connected{{context="{context}"}} {1 if state.ready else 0}')
    return "\n".join(lines) + "\n"


async def serve(port: int, context: str, state: State, counters: Counters) -> asyncio.AbstractServer:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), 5)
            while (await asyncio.wait_for(reader.readline(), 5)) not in (b"\r\n", b"\n", b""):
                pass
            parts = request.decode("latin-1").split()
            path = parts[1].split("?")[0] if len(parts) > 1 else "/"
            content_type = "application/json"
            if path == "/livez":
                reason = state.wedged()
                status, body = (200, {"alive": True}) if reason is None else (503, {"alive": False, "reason": reason})
                text = json.dumps(body, ensure_ascii=False)
            elif path == "/readyz":
                status = 200 if state.ready else 503
                text = json.dumps({"ready": True} if state.ready else {"ready": False, "reason": state.reason}, ensure_ascii=False)
            elif path == "/metrics":
                status, text = 200, _metrics(context, counters, state)
                content_type = "text/plain; version=0.0.4; charset=utf-8"
            else:
                status, text = 404, json.dumps({"error": f"no route {path}"})
            data = text.encode("utf-8")
            phrase = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            writer.write(f"HTTP/1.1 {status} {phrase}\r\nContent-Type: {content_type}\r\nContent-Length: {len(data)}\r\n"
                         f"Connection: close\r\n\r\n".encode("latin-1") + data)
            await writer.drain()
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(answer, host="0.0.0.0", port=port)
