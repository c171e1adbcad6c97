"""The customer worker process: consumes `customer.projection` with manual acks and the
declared prefetch, one delivery at a time through the Pipeline, and keeps going through lost
connections. On SIGTERM it cancels its consumer, finishes the delivery in hand (and those
already buffered, within SHUTDOWN_GRACE_SECONDS), closes its connections and exits 0."""

from __future__ import annotations

import asyncio
import datetime
import random
import signal
import time
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from . import CONTEXT, SYSTEM
from .config import Settings, redacted
from .health import State, serve
from .logs import Logger
from .pipeline import Counters, Delivery, Pipeline, StoreUnavailable
from .store import PostgresStore
from .topology import ContextTopology, load

_PROPERTIES = ["content_type", "content_encoding", "delivery_mode", "priority", "correlation_id", "reply_to",
               "message_id", "timestamp", "type", "app_id"]


class Backoff:
    """Exponential backoff with full jitter, like the Swift runtime's: 100 ms doubling to `maximum`."""

    def __init__(self, maximum: float = 5.0) -> None:
        self.attempt, self.maximum = 0, maximum

    def next(self) -> float:
        self.attempt += 1
        ceiling = min(self.maximum, 0.1 * (2 ** min(self.attempt, 16)))
        return random.uniform(ceiling / 2, ceiling)


class AMQPTransport:
    """Acks on the consuming channel; publishes (persistent, mandatory, confirmed) on a channel
    of the separate publishing connection."""

    def __init__(self, channel: aio_pika.abc.AbstractChannel) -> None:
        self.channel = channel

    async def ack(self, delivery: Delivery) -> None:
        await delivery.raw.ack()

    async def publish(self, exchange: str, routing_key: str, body: bytes, properties: dict[str, Any],
                      headers: dict[str, Any]) -> None:
        fields = {key: properties.get(key) for key in _PROPERTIES if properties.get(key) is not None}
        fields["delivery_mode"] = aio_pika.DeliveryMode.PERSISTENT  # kept across a broker restart
        message = aio_pika.Message(body=body, headers=headers, **fields)
        target = await self.channel.get_exchange(exchange, ensure=False)
        await target.publish(message, routing_key=routing_key, mandatory=True)


def delivery_of(message: AbstractIncomingMessage) -> Delivery:
    properties = {key: getattr(message, key, None) for key in _PROPERTIES}
    if isinstance(properties.get("timestamp"), datetime.datetime):
        properties["timestamp"] = properties["timestamp"].replace(tzinfo=properties["timestamp"].tzinfo or datetime.timezone.utc)
    return Delivery(body=message.body, exchange=message.exchange or "", routing_key=message.routing_key or "",
                    properties=properties, headers=dict(message.headers or {}), raw=message)


class Worker:
    def __init__(self, settings: Settings, logger: Logger) -> None:
        self.settings = settings
        self.logger = logger.bind(context=CONTEXT)
        self.state = State(settings.handler_stuck_seconds)
        self.counters = Counters()
        self.stopping = asyncio.Event()
        self.topology: ContextTopology = load(settings.topology_dir, SYSTEM, CONTEXT)
        self.store = PostgresStore(settings.database_url, CONTEXT, self.logger)
        self._good_node = 0
        self._last_prune = time.monotonic()

    def stop(self) -> None:
        if not self.stopping.is_set():
            self.logger.info("stopping: cancelling the consumer and finishing in-flight deliveries")
            self.stopping.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, self.stop)
        server = await serve(self.settings.health_port, CONTEXT, self.state, self.counters) if self.settings.health_port else None
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            if not await self._database_ready():
                return
            backoff = Backoff(maximum=10)
            while not self.stopping.is_set():
                try:
                    await self._session()
                    backoff = Backoff(maximum=10)
                except Exception as error:
                    self.state.set_ready(False, f"broker session lost ({error}); reconnecting")
                    if self.stopping.is_set():
                        break
                    delay = backoff.next()
                    self.logger.warning("broker session ended; reconnecting", error=str(error) or type(error).__name__,
                                        retry_in=f"{delay:.2f}s")
                    await self._sleep(delay)
        finally:
            heartbeat.cancel()
            await self.store.close()
            if server is not None:
                server.close()
            self.logger.info("worker stopped")

    async def _heartbeat(self) -> None:
        while True:
            self.state.last_tick = time.time()
            await asyncio.sleep(1)

    async def _prune(self) -> None:
        """The inbox forgets after INBOX_RETENTION_HOURS; run between deliveries, on the one
        database connection, at most once a minute."""
        if time.monotonic() - self._last_prune < 60:
            return
        self._last_prune = time.monotonic()
        try:
            pruned = await self.store.prune_inbox(self.settings.inbox_retention_hours * 3600)
            if pruned:
                self.logger.info("inbox pruned", rows=pruned)
        except Exception as error:
            self.logger.debug("inbox not pruned", error=str(error))

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    async def _database_ready(self) -> bool:
        """Connects and migrates, waiting for the database as long as it takes; False on stop."""
        backoff = Backoff(maximum=10)
        while not self.stopping.is_set():
            try:
                await self.store.connect()
                applied = await self.store.migrate()
                if applied:
                    self.logger.info("schema migrated", applied=", ".join(applied))
                return True
            except StoreUnavailable as error:
                self.state.set_ready(False, f"database unavailable ({error}); retrying")
                delay = backoff.next()
                self.logger.warning("database unavailable; retrying", error=str(error), retry_in=f"{delay:.2f}s")
                await self._sleep(delay)
        return False

    async def _connect(self, name: str) -> aio_pika.abc.AbstractConnection:
        """The node that worked last first, then the others in the list's order."""
        urls = self.settings.amqp_urls
        failures = []
        for offset in range(len(urls)):
            index = (self._good_node + offset) % len(urls)
            try:
                connection = await aio_pika.connect(urls[index], client_properties={"connection_name": name}, timeout=10)
                self._good_node = index
                return connection
            except Exception as error:
                failures.append(f"{redacted(urls[index])}: {error or type(error).__name__}")
        raise ConnectionError("no broker node answered: " + "; ".join(failures))

    async def _session(self) -> None:
        consuming = await self._connect(f"{CONTEXT} consume")
        try:
            publishing = await self._connect(f"{CONTEXT} publish")
        except Exception:
            await consuming.close()
            raise
        buffered: asyncio.Queue[AbstractIncomingMessage | None] = asyncio.Queue()
        try:
            transport = AMQPTransport(await publishing.channel(publisher_confirms=True, on_return_raises=True))
            pipeline = Pipeline(self.topology, self.store, transport, self.logger, self.counters)
            channel = await consuming.channel()
            consumers = []
            for spec in (queue for queue in self.topology.queues if queue.consumes):
                await channel.set_qos(prefetch_count=self.settings.prefetch or spec.prefetch)
                try:
                    queue = await channel.declare_queue(spec.name, passive=True)
                except aio_pika.exceptions.ChannelNotFoundEntity as error:
                    raise RuntimeError(f"queue {spec.name} does not exist on the broker: run `warren topology apply` first") from error

                async def on_message(message: AbstractIncomingMessage, spec=spec) -> None:
                    buffered.put_nowait((message, spec))

                consumers.append((queue, await queue.consume(on_message, no_ack=False)))
            handling = asyncio.create_task(self._handle(buffered, pipeline))
            self.state.set_ready(True)
            self.logger.info("worker ready", queues=",".join(q.name for q, _ in consumers),
                             prefetch=str(self.settings.prefetch or self.topology.queues[0].prefetch))
            stop = asyncio.create_task(self.stopping.wait())
            lost = [asyncio.ensure_future(connection.closed()) for connection in (consuming, publishing)]
            done, _ = await asyncio.wait([stop, handling, *lost], return_when=asyncio.FIRST_COMPLETED)
            if stop in done:
                self.state.set_ready(False, "consumers stopped; finishing in-flight deliveries")
                for queue, tag in consumers:
                    try:
                        await queue.cancel(tag)
                    except Exception as error:
                        self.logger.debug("consumer not cancelled", error=str(error))
                buffered.put_nowait(None)  # after what is buffered
                try:
                    await asyncio.wait_for(asyncio.shield(handling), timeout=self.settings.shutdown_grace)
                    self.logger.info("consumers cancelled and in-flight deliveries finished")
                except asyncio.TimeoutError:
                    self.logger.warning("in-flight deliveries did not finish within the grace period; the broker redelivers them",
                                        grace=f"{self.settings.shutdown_grace}s")
                    handling.cancel()
                return
            handling.cancel()
            stop.cancel()
            if handling in done and handling.exception() is not None:
                raise handling.exception()
            raise ConnectionError("a broker connection was closed")
        finally:
            for connection in (consuming, publishing):
                try:
                    await connection.close()
                except Exception:
                    pass

    async def _handle(self, buffered: asyncio.Queue, pipeline: Pipeline) -> None:
        while True:
            try:
                item = await asyncio.wait_for(buffered.get(), timeout=60)
            except asyncio.TimeoutError:
                await self._prune()
                continue
            if item is None:
                return
            message, queue = item
            self.state.busy_since = time.time()
            try:
                await self._process(pipeline, delivery_of(message), queue)
            finally:
                self.state.busy_since = None
            await self._prune()

    async def _process(self, pipeline: Pipeline, delivery: Delivery, queue) -> None:
        """A lost database is reconnected and the same delivery tried again: its attempts are
        for the handler's failures, not ours. A lost broker ends the session; the broker
        redelivers, and the inbox recognizes what was committed."""
        backoff = Backoff()
        while True:
            try:
                await pipeline.process(delivery, queue)
                return
            except StoreUnavailable as error:
                self.state.set_ready(False, f"database unavailable ({error}); retrying the delivery")
                delay = backoff.next()
                self.logger.warning("database unavailable; retrying the delivery after reconnecting",
                                    error=str(error), retry_in=f"{delay:.2f}s", message_id=delivery.properties.get("message_id") or "")
                await asyncio.sleep(delay)
                try:
                    await self.store.connect()
                    self.state.set_ready(True)
                except StoreUnavailable as still:
                    self.logger.warning("database still unavailable", error=str(still))
            except aio_pika.exceptions.CONNECTION_EXCEPTIONS as error:
                # The session ends and restarts; the broker delivers the message again.
                self.logger.debug("delivery abandoned with its connection", error=str(error) or type(error).__name__)
                raise
