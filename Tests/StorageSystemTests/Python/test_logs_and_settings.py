"""The fleet's log format (the Swift LogLineTests' expectations), the settings the Swift workers
read, and the topology conventions this worker derives."""

from __future__ import annotations

import json

import pytest

from warren_customer.config import Settings, cluster_urls, redacted
from warren_customer.logs import ConfigurationProblem, Logger, format_line, logfmt_key, logfmt_value

NOON = 1_746_100_800.25  # 2025-05-01T12:00:00.250Z


def test_logfmt_values_are_bare_when_they_can_be_and_quoted_when_they_must():
    assert logfmt_value("order.placed") == "order.placed"
    assert logfmt_value("") == '""'
    assert logfmt_value("two words") == '"two words"'
    assert logfmt_value("a=b") == '"a=b"'
    assert logfmt_value('say "hi"') == '"say \\"hi\\""'
    assert logfmt_value("C:\\temp") == '"C:\\\\temp"'
    assert logfmt_value("line\nbreak\ttab") == '"line\\nbreak\\ttab"'
    assert logfmt_value("bell\u0007") == '"bell\\u0007"'
    assert logfmt_value("naïve→ok") == "naïve→ok"
    assert logfmt_value("호출확정") == "호출확정", "Korean needs no quotes"
    assert logfmt_key('bad key="x"') == "bad_key__x_"


def test_logfmt_line_has_time_level_label_message_then_delivery_keys_in_order():
    line = format_line(NOON, "warning", "warren.worker", "handler failed; retrying later", {
        "error": "deadlock detected", "type": "PaymentApproved", "context": "billing", "message_id": "m-1",
        "correlation_id": "c-1", "causation_id": "", "queue": "billing.payments", "attempt": "2"})
    assert line == ('time=2025-05-01T12:00:00.250Z level=warning label=warren.worker msg="handler failed; retrying later" '
                    'context=billing queue=billing.payments type=PaymentApproved message_id=m-1 correlation_id=c-1 '
                    'causation_id="" attempt=2 error="deadlock detected"')


def test_nested_metadata_flattens_and_reserved_keys_move_aside():
    line = format_line(NOON, "info", "x", "m", {"http": {"status": "200", "path": "/a b"}, "ids": ["1", "2"], "level": "shadow"})
    assert line.endswith(' http.path="/a b" http.status=200 ids=[1,2] metadata.level=shadow'), line


def test_json_line_is_one_object_with_the_same_keys():
    text = format_line(NOON, "error", "warren.worker", 'message "dead"-lettered\n',
                       {"context": "billing", "message_id": "m-1", "detail": {"tries": ["1", "2"]}, "control": "\u0001"}, "json")
    assert "\n" not in text
    assert text.startswith('{"time":"2025-05-01T12:00:00.250Z","level":"error","label":"warren.worker",'
                           '"msg":"message \\"dead\\"-lettered\\n","context":"billing","message_id":"m-1"'), text
    parsed = json.loads(text)
    assert parsed["detail"] == {"tries": ["1", "2"]} and parsed["control"] == "\u0001"


def test_logger_honours_its_level_and_names_a_bad_variable():
    lines: list[str] = []
    logger = Logger.from_environment("warren.worker", {"LOG_LEVEL": "warn"}, write=lines.append).bind(context="customer")
    logger.info("not shown")
    logger.warning("shown", error="x")
    assert len(lines) == 1 and " level=warning label=warren.worker msg=shown context=customer error=x" in lines[0]
    with pytest.raises(ConfigurationProblem, match="^LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical"):
        Logger.from_environment("x", {"LOG_LEVEL": "loud"})
    with pytest.raises(ConfigurationProblem, match="^LOG_FORMAT must be logfmt or json"):
        Logger.from_environment("x", {"LOG_FORMAT": "xml"})


def test_settings_come_from_the_swift_workers_variables():
    settings = Settings.from_environment({"AMQP_URL": "amqp://u:p@h1:5672/storage,h2:5673,amqp://u:p@h3:5674/storage",
                                          "DATABASE_URL": "postgres://u:p@db/storage", "HEALTH_PORT": "9107",
                                          "PREFETCH": "8", "SHUTDOWN_GRACE_SECONDS": "3", "TOPOLOGY_DIR": "/t"})
    assert settings.amqp_urls == ("amqp://u:p@h1:5672/storage", "amqp://u:p@h2:5673/storage", "amqp://u:p@h3:5674/storage")
    assert (settings.health_port, settings.prefetch, settings.shutdown_grace, settings.topology_dir) == (9107, 8, 3, "/t")
    with pytest.raises(ConfigurationProblem, match="^AMQP_URL is not set"):
        Settings.from_environment({"DATABASE_URL": "postgres://x/y"})
    with pytest.raises(ConfigurationProblem, match="^HEALTH_PORT must be an integer in 0...65535, got `http`"):
        Settings.from_environment({"AMQP_URL": "amqp://h", "DATABASE_URL": "postgres://x/y", "HEALTH_PORT": "http"})
    assert cluster_urls("amqps://u:p@a/v?heartbeat=5,b") == ("amqps://u:p@a/v?heartbeat=5", "amqps://u:p@b:5671/v?heartbeat=5")
    assert redacted("amqp://guest:secret@h/v") == "amqp://guest:***@h/v"


def test_the_queue_and_its_retries_come_from_customer_yaml(topology):
    queue = topology.queue("customer.projection")
    assert queue.prefetch == 32
    assert queue.attempts == 4 and queue.retry_queue_names == ("customer.retry.1s", "customer.retry.5s", "customer.retry.25s")
    assert "storageassign.StorageReleased" in queue.consumes
    assert set(topology.views) == {"mypages", "notifications"}
