"""The worker's settings, from the environment only, with the Swift workers' variable names
(WorkerConfiguration.swift); a missing or malformed value stops the worker at start with a
message naming the variable."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit, urlunsplit

from .logs import ConfigurationProblem


@dataclass(frozen=True)
class Settings:
    amqp_urls: tuple[str, ...]
    """Every node to try, in order: AMQP_URL may list a cluster, `url,host:port,...`."""
    database_url: str
    prefetch: int | None = None
    health_port: int = 8080
    shutdown_grace: float = 20.0
    topology_dir: str = "topology"
    inbox_retention_hours: int = 7 * 24
    handler_stuck_seconds: int = 300

    @classmethod
    def from_environment(cls, environment: Mapping[str, str] = os.environ) -> "Settings":
        def integer(name: str, low: int, high: int) -> int | None:
            text = environment.get(name) or ""
            if not text:
                return None
            try:
                value = int(text)
            except ValueError:
                value = low - 1
            if not low <= value <= high:
                raise ConfigurationProblem(f"{name} must be an integer in {low}...{high}, got `{text}`")
            return value

        amqp = environment.get("AMQP_URL") or ""
        if not amqp:
            raise ConfigurationProblem("AMQP_URL is not set: the broker, e.g. amqp://user:password@127.0.0.1:5672/%2f")
        if not amqp.startswith(("amqp://", "amqps://")):
            raise ConfigurationProblem(f"AMQP_URL must start with amqp:// or amqps://, got `{amqp[:8]}...`")
        database = environment.get("DATABASE_URL") or ""
        if not database:
            raise ConfigurationProblem("DATABASE_URL is not set: the database, e.g. postgres://user:password@127.0.0.1:5432/warren")
        if not database.startswith(("postgres://", "postgresql://")):
            raise ConfigurationProblem("DATABASE_URL must start with postgres:// or postgresql://")
        values = dict(amqp_urls=cluster_urls(amqp), database_url=database,
                      prefetch=integer("PREFETCH", 1, 65535), topology_dir=environment.get("TOPOLOGY_DIR") or "topology")
        for name, key, low, high in [("HEALTH_PORT", "health_port", 0, 65535),
                                     ("SHUTDOWN_GRACE_SECONDS", "shutdown_grace", 0, 3600),
                                     ("INBOX_RETENTION_HOURS", "inbox_retention_hours", 1, 87_600),
                                     ("HANDLER_STUCK_SECONDS", "handler_stuck_seconds", 1, 86_400)]:
            value = integer(name, low, high)
            if value is not None:
                values[key] = value
        return cls(**values)


def cluster_urls(text: str) -> tuple[str, ...]:
    """`amqp://u:p@h1:5672/v,h2:5673,amqp://u:p@h3/v` → one full URL per node: a bare
    `host[:port]` takes the first URL's scheme, credentials, vhost and query."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    first = urlsplit(parts[0])
    urls = [parts[0]]
    for part in parts[1:]:
        if "://" in part:
            urls.append(part)
            continue
        host, _, port = part.partition(":")
        if port and not (port.isdigit() and 1 <= int(port) <= 65535):
            raise ConfigurationProblem(f"`{part}` in AMQP_URL's cluster list is not host:port with a port in 1-65535")
        port = port or ("5671" if first.scheme == "amqps" else "5672")
        credentials = first.netloc.rpartition("@")[0]
        netloc = (credentials + "@" if credentials else "") + f"{host}:{port}"
        urls.append(urlunsplit((first.scheme, netloc, first.path, first.query, "")))
    return tuple(urls)


def redacted(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
