"""A stand-in for the ingress while a build has none (`--via amqp`): the same three routes sent
as commands with direct reply-to, the `warren.Outcome` mapped to the status the ingress would
answer (shared contract: created 201, done 200/204, refused invalid 400, declined 402,
notFound 404, conflict 409, unavailable 503; no outcome within the wait 202)."""

import json
import time

import pika

ROUTES = {
    ("POST", "/cleaningReservations"): ("reservation.RequestCleaning", "reservation.commands", "/cleaningReservations"),
    ("DELETE", "/cleaningReservations/"): ("reservation.CancelCleaning", "reservation.commands", None),
    ("POST", "/paymethods"): ("paymethod.RegisterPayMethod", "paymethod.commands", "/paymethods"),
}
REFUSALS = {"invalid": 400, "declined": 402, "notFound": 404, "conflict": 409, "unavailable": 503}


class AMQPClient:
    def __init__(self, url, wait=3.0):
        self.url = url
        self.wait = wait
        self.connection = None
        self.replies = {}

    def _connect(self):
        self.connection = pika.BlockingConnection(pika.URLParameters(self.url))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        self.channel.basic_consume("amq.rabbitmq.reply-to", self._reply, auto_ack=True)

    def _reply(self, channel, method, properties, body):
        key = (properties.headers or {}).get("in-reply-to")
        self.replies[key] = (properties.type, body)

    def request(self, method, path, body=None, headers=None):
        headers = headers or {}
        if method == "DELETE" and path.startswith("/cleaningReservations/"):
            type_, exchange, collection = ROUTES[("DELETE", "/cleaningReservations/")]
            body = {"id": int(path.rsplit("/", 1)[1])}
        elif (method, path) in ROUTES:
            type_, exchange, collection = ROUTES[(method, path)]
        else:
            return 404, {}, b'{"error":"no route"}'
        if self.connection is None or self.connection.is_closed:
            self._connect()
        message_id = headers.get("Idempotency-Key") or str(time.time_ns())
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.channel.basic_publish(exchange, type_, data, pika.BasicProperties(
                message_id=message_id, correlation_id=message_id, type=type_, content_type="application/json",
                delivery_mode=2, app_id="chaos", reply_to="amq.rabbitmq.reply-to"), mandatory=True)
            deadline = time.monotonic() + self.wait
            while message_id not in self.replies and time.monotonic() < deadline:
                self.connection.process_data_events(time_limit=min(0.05, max(0.0, deadline - time.monotonic())))
        except Exception:
            self.close()
            raise
        if message_id not in self.replies:
            return 202, {}, b""
        reply_type, payload = self.replies.pop(message_id)
        if reply_type != "warren.Outcome":
            return 500, {}, payload
        outcome = json.loads(payload)
        if outcome["result"] == "created":
            return 201, {"Location": f"{collection}/{outcome['id']}"}, json.dumps(outcome.get("resource")).encode()
        if outcome["result"] == "done":
            return (200 if outcome.get("resource") is not None else 204), {}, payload
        return REFUSALS.get(outcome["refusal"]["kind"], 500), {}, payload

    def close(self):
        try:
            if self.connection is not None and self.connection.is_open:
                self.connection.close()
        except Exception:
            pass
        self.connection = None
        self.replies.clear()
