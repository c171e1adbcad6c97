"""The fleet's log format (Sources/Warren/Logging/LogLine.swift): one line per event on stderr,
logfmt unless LOG_FORMAT=json, `time level label msg` first, then a delivery's keys in a fixed
order, then the other keys sorted."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import unicodedata
from typing import Any, Callable, Mapping

LEVELS = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
LEADING_KEYS = ["context", "queue", "type", "message_id", "correlation_id", "causation_id"]
RESERVED_KEYS = {"time", "level", "label", "msg"}


def timestamp(seconds: float) -> str:
    """RFC 3339 in UTC with milliseconds, e.g. `2025-05-01T09:30:00.250Z`."""
    whole = int(seconds // 1)
    milliseconds = min(999, int((seconds - whole) * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{milliseconds:03d}Z"


def _is_control(character: str) -> bool:
    return unicodedata.category(character) == "Cc"


def _needs_quoting(character: str) -> bool:
    return character in '="\\' or character.isspace() or _is_control(character)


def _quoted(text: str, escaped: Callable[[str], bool]) -> str:
    out = ['"']
    for character in text:
        if character == '"':
            out.append('\\"')
        elif character == "\\":
            out.append("\\\\")
        elif character == "\n":
            out.append("\\n")
        elif character == "\r":
            out.append("\\r")
        elif character == "\t":
            out.append("\\t")
        elif escaped(character) or character in "\u2028\u2029":
            out.append(f"\\u{ord(character):04x}")
        else:
            out.append(character)
    out.append('"')
    return "".join(out)


def logfmt_value(value: str) -> str:
    if value == "":
        return '""'
    if not any(_needs_quoting(character) for character in value):
        return value
    return _quoted(value, _is_control)


def logfmt_key(key: str) -> str:
    return "".join("_" if _needs_quoting(character) else character for character in key) or "_"


def json_string(text: str) -> str:
    return _quoted(text, lambda character: ord(character) < 0x20)


def _ordered(metadata: Mapping[str, Any]) -> list[tuple[str, Any]]:
    remaining = dict(metadata)
    ordered = [(key, remaining.pop(key)) for key in LEADING_KEYS if key in remaining]
    for key in sorted(remaining):
        ordered.append((f"metadata.{key}" if key in RESERVED_KEYS else key, remaining[key]))
    return ordered


def _flat(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_flat(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{key}:{_flat(value[key])}" for key in sorted(value)) + "}"
    return str(value)


def _append_logfmt(key: str, value: Any, out: list[str]) -> None:
    if isinstance(value, dict) and value:
        for subkey in sorted(value):
            _append_logfmt(f"{key}.{subkey}", value[subkey], out)
        return
    out.append(f"{logfmt_key(key)}={logfmt_value(_flat(value))}")


def _json_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json_string(str(key))}:{_json_value(value[key])}" for key in sorted(value)) + "}"
    return json_string(str(value))


def format_line(when: float, level: str, label: str, message: str, metadata: Mapping[str, Any], fmt: str = "logfmt") -> str:
    if fmt == "json":
        head = f'{{"time":"{timestamp(when)}","level":"{level}","label":{json_string(label)},"msg":{json_string(message)}'
        return head + "".join(f",{json_string(key)}:{_json_value(value)}" for key, value in _ordered(metadata)) + "}"
    parts = [f"time={timestamp(when)}", f"level={level}", f"label={logfmt_value(label)}", f"msg={logfmt_value(message)}"]
    for key, value in _ordered(metadata):
        _append_logfmt(key, value, parts)
    return " ".join(parts)


class ConfigurationProblem(Exception):
    """A malformed or missing environment variable: the worker stops at start, naming it."""


class Logger:
    """A label, a level, a format and metadata every line carries; `bind` adds metadata for a
    delivery without touching the worker's own logger."""

    _lock = threading.Lock()

    def __init__(self, label: str, level: str = "info", fmt: str = "logfmt", metadata: Mapping[str, Any] | None = None,
                 write: Callable[[str], None] | None = None) -> None:
        self.label, self.level, self.fmt = label, level, fmt
        self.metadata = dict(metadata or {})
        self._write = write or self._stderr

    @classmethod
    def from_environment(cls, label: str, environment: Mapping[str, str] = os.environ, **kwargs: Any) -> "Logger":
        fmt = (environment.get("LOG_FORMAT") or "logfmt").lower()
        if fmt not in ("logfmt", "json"):
            raise ConfigurationProblem(f"LOG_FORMAT must be logfmt or json, got `{environment.get('LOG_FORMAT')}`")
        level = (environment.get("LOG_LEVEL") or "info").lower()
        level = "warning" if level == "warn" else level
        if level not in LEVELS:
            raise ConfigurationProblem(f"LOG_LEVEL must be one of {', '.join(LEVELS)}, got `{environment.get('LOG_LEVEL')}`")
        return cls(label, level=level, fmt=fmt, **kwargs)

    @classmethod
    def _stderr(cls, line: str) -> None:
        data = (line + "\n").encode("utf-8")
        with cls._lock:
            try:
                os.write(2, data)
            except OSError:
                pass  # stderr is gone: nothing sensible is left to do with a log line

    def bind(self, **metadata: Any) -> "Logger":
        return Logger(self.label, self.level, self.fmt, {**self.metadata, **metadata}, self._write)

    def log(self, level: str, message: str, **metadata: Any) -> None:
        if LEVELS.index(level) < LEVELS.index(self.level):
            return
        self._write(format_line(time.time(), level, self.label, message, {**self.metadata, **metadata}, self.fmt))

    def debug(self, message: str, **metadata: Any) -> None:
        self.log("debug", message, **metadata)

    def info(self, message: str, **metadata: Any) -> None:
        self.log("info", message, **metadata)

    def warning(self, message: str, **metadata: Any) -> None:
        self.log("warning", message, **metadata)

    def error(self, message: str, **metadata: Any) -> None:
        self.log("error", message, **metadata)
