"""The contract check: the Python worker and the fleet's declarations must agree.

- every message `customer.projection` consumes, field by field (name, type, optionality), in the
  AsyncAPI document `warren topology export --format asyncapi --system storage` writes, against
  warren_customer/contracts.py;
- the delay queues the worker publishes retries to, against the RabbitMQ definitions export;
- the inbox and the other runtime tables, against the Swift runtime's migrations.

Needs the built `warren` (WARREN_BIN, else .build/debug/warren); fails when it is missing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from conftest import REPO
from warren_customer import contracts, schema


def warren(*arguments: str) -> str:
    binary = os.environ.get("WARREN_BIN") or str(REPO / ".build" / "debug" / "warren")
    if not os.access(binary, os.X_OK):
        pytest.fail(f"the contract check needs the built warren at {binary}: run `swift build --product warren`")
    done = subprocess.run([binary, *arguments, str(REPO / "topology")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"warren {' '.join(arguments)} failed: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def asyncapi() -> dict:
    return json.loads(warren("topology", "export", "--format", "asyncapi", "--system", "storage"))


def schema_of(spelled: str) -> dict:
    """The JSON schema the AsyncAPI export writes for a topology type (AsyncAPIDocument.swift)."""
    if spelled.startswith("optional("):
        return {"anyOf": [schema_of(spelled[len("optional("):-1]), {"type": "null"}]}
    return {"string": {"type": "string"}, "int": {"type": "integer"}, "decimal": {"type": "number"},
            "bool": {"type": "boolean"}}[spelled]


def without_descriptions(value):
    if isinstance(value, dict):
        return {k: without_descriptions(v) for k, v in value.items() if k != "description"}
    if isinstance(value, list):
        return [without_descriptions(v) for v in value]
    return value


def test_the_worker_consumes_exactly_the_types_its_queue_declares(topology):
    declared = set(topology.queue("customer.projection").consumes)
    assert set(contracts.CONSUMES) == declared, (
        f"topology/storage/customer.yaml consumes {sorted(declared)}; contracts.py reads {sorted(contracts.CONSUMES)}")


@pytest.mark.parametrize("message_type", sorted(contracts.CONSUMES))
def test_every_field_of_a_consumed_message_agrees_with_the_asyncapi_export(asyncapi, message_type):
    messages = asyncapi["components"]["messages"]
    assert message_type in messages, f"the AsyncAPI export has no message {message_type}"
    payload = messages[message_type]["payload"]
    exported = {name: without_descriptions(field) for name, field in payload.get("properties", {}).items()}
    required = set(payload.get("required", []))
    ours = contracts.CONSUMES[message_type]
    problems = []
    for name in sorted(set(exported) | set(ours)):
        if name not in ours:
            problems.append(f"`{name}` ({exported[name]}) is in the topology but not in contracts.py")
        elif name not in exported:
            problems.append(f"`{name}` ({ours[name]}) is in contracts.py but not in the topology")
        else:
            if exported[name] != schema_of(ours[name]):
                problems.append(f"`{name}` is {exported[name]} in the topology, {ours[name]} in contracts.py")
            if (name in required) == ours[name].startswith("optional("):
                problems.append(f"`{name}` is {'required' if name in required else 'optional'} in the topology, "
                                f"{ours[name]} in contracts.py")
    assert not problems, f"{message_type}: the Python worker and the topology disagree:\n  " + "\n  ".join(problems)


def test_the_delay_queues_the_worker_publishes_to_are_the_exported_ones(topology):
    definitions = json.loads(warren("topology", "export", "--format", "rabbitmq-definitions", "--system", "storage"))
    exported = {q["name"] for q in definitions["queues"] if q["name"].startswith("customer.retry.")}
    assert set(topology.queue("customer.projection").retry_queue_names) == exported
    exchanges = {e["name"]: e["type"] for e in definitions["exchanges"]}
    assert (exchanges.get("customer.retry"), exchanges.get("customer.dead")) == ("direct", "fanout")


def swift_runtime_migrations() -> list[tuple[int, str, str]]:
    text = (REPO / "Sources" / "Warren" / "Storage" / "ContextSchema.swift").read_text(encoding="utf-8")
    body = text[text.index("var runtimeMigrations"):]
    found = []
    for match in re.finditer(r'Migration\((\d+), "([^"]+)", (?:"""(.*?)"""|"((?:[^"\\]|\\.)*)")\)', body, re.S):
        found.append((int(match.group(1)), match.group(2), match.group(3) if match.group(3) is not None else match.group(4)))
    return found


def normalized(sql: str) -> str:
    return " ".join(sql.split())


def test_the_runtime_tables_are_the_swift_runtimes_version_by_version():
    swift = swift_runtime_migrations()
    assert swift, "no Migration(...) found in ContextSchema.swift's runtimeMigrations: has the file changed shape?"
    ours = [(m.version, m.name, normalized(m.sql)) for m in schema.RUNTIME_MIGRATIONS]
    assert ours == [(v, n, normalized(s)) for v, n, s in swift], (
        "warren_customer/schema.py's RUNTIME_MIGRATIONS must copy ContextSchema.swift's runtimeMigrations")
