"""The customer context's part of the topology, read from topology/storage/customer.yaml with
the conventions of topology/README.md (derived names, retry and prefetch defaults), so the
worker consumes what the file declares and nothing else."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import yaml

DEFAULT_PREFETCH = 16
DEFAULT_ATTEMPTS = 4
DEFAULT_DELAY_MS = 1000
DEFAULT_BACKOFF = 5

_UNITS = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]


def parse_interval(text: str) -> int:
    """`250ms`, `5s`, `2m`, `1h`, `7d` in milliseconds."""
    for suffix, factor in sorted(_UNITS, key=lambda unit: -len(unit[0])):
        if text.endswith(suffix) and re.fullmatch(r"\d+", text[: -len(suffix)]):
            return int(text[: -len(suffix)]) * factor
    raise ValueError(f"`{text}` is not a duration like 250ms, 5s, 2m, 1h or 7d")


def interval_name(milliseconds: int) -> str:
    """The shortest exact spelling, as in derived queue names (Topology's `Interval`)."""
    for suffix, factor in reversed(_UNITS):
        if milliseconds % factor == 0 and milliseconds >= factor:
            return f"{milliseconds // factor}{suffix}"
    return f"{milliseconds}ms"


@dataclass(frozen=True)
class Queue:
    name: str
    consumes: tuple[str, ...]
    prefetch: int
    attempts: int
    """Deliveries in all, the first included; 1 means no retry."""
    retry_queue_names: tuple[str, ...] = field(default=())
    """Attempt N (from 1) that failed goes to `<context>.retry` with routing key [N-1]."""


@dataclass(frozen=True)
class ContextTopology:
    context: str
    queues: tuple[Queue, ...]
    views: dict[str, dict[str, str]]

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.context}.dead"

    @property
    def retry_exchange(self) -> str:
        return f"{self.context}.retry"

    def queue(self, name: str) -> Queue:
        return next(queue for queue in self.queues if queue.name == name)


def _retry(spec: object, context: str) -> tuple[int, tuple[str, ...]]:
    if spec == "none":
        return 1, ()
    spec = spec if isinstance(spec, dict) else {}
    attempts = int(spec.get("attempts", DEFAULT_ATTEMPTS))
    delay = parse_interval(spec["delay"]) if "delay" in spec else DEFAULT_DELAY_MS
    backoff = int(spec.get("backoff", DEFAULT_BACKOFF))
    maximum = parse_interval(spec["max_delay"]) if "max_delay" in spec else None
    if attempts <= 1:
        return 1, ()
    names, following = [], delay
    for _ in range(attempts - 1):
        capped = min(following, maximum) if maximum is not None else following
        names.append(f"{context}.retry.{interval_name(capped)}")
        following = capped * backoff
    return attempts, tuple(names)


def load(directory: str, system: str, context: str) -> ContextTopology:
    """The context file `<directory>/<system>/<context>.yaml`; `warren topology check` is what
    validates it, this only reads it."""
    path = os.path.join(directory, system, f"{context}.yaml")
    with open(path, encoding="utf-8") as file:
        document = yaml.safe_load(file)
    if not isinstance(document, dict) or document.get("context") != context:
        raise ValueError(f"{path} does not declare `context: {context}`")
    queues = []
    for name, spec in (document.get("queues") or {}).items():
        spec = spec or {}
        attempts, names = _retry(spec.get("retry"), context)
        queues.append(Queue(name=name, consumes=tuple(spec.get("consumes") or ()),
                            prefetch=int(spec.get("prefetch", DEFAULT_PREFETCH)), attempts=attempts,
                            retry_queue_names=names))
    views = {name: dict((spec or {}).get("fields") or {}) for name, spec in (document.get("views") or {}).items()}
    return ContextTopology(context=context, queues=tuple(queues), views=views)
