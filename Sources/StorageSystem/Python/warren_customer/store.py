"""The customer's PostgreSQL state: inbox and views in one transaction per delivery."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from psycopg import sql

from . import projection
from .envelope import Envelope
from .logs import Logger
from .pipeline import StoreUnavailable
from .schema import migrate, schema_name


def is_unavailable(error: BaseException) -> bool:
    """A lost or refused connection, a server shutting down, a serialization or deadlock
    failure: none is the message's fault, so the same delivery is tried again."""
    return isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError))


class _Duplicate(Exception):
    """Leaves the transaction (rolled back): the inbox has the message already."""


class PostgresStore:
    def __init__(self, url: str, context: str, logger: Logger) -> None:
        self.url, self.context, self.logger = url, context, logger
        self.schema = schema_name(context)
        self.connection: psycopg.AsyncConnection[Any] | None = None

    def _table(self, name: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(name))

    async def connect(self) -> None:
        """Connects (creating the system's database on its first start, as the Swift workers
        do) and sets the search path to the context's schema."""
        await self.close()
        try:
            connection = await psycopg.AsyncConnection.connect(self.url, autocommit=True, connect_timeout=5,
                                                               options=f"-c search_path={self.schema},public")
        except psycopg.OperationalError as error:
            if not await self._create_database_if_missing(error):
                raise StoreUnavailable(str(error)) from error
            connection = await psycopg.AsyncConnection.connect(self.url, autocommit=True, connect_timeout=5,
                                                               options=f"-c search_path={self.schema},public")
        self.connection = connection

    async def _create_database_if_missing(self, error: Exception) -> bool:
        text = str(error)
        if "database \"" not in text or "does not exist" not in text:
            return False
        info = psycopg.conninfo.conninfo_to_dict(self.url)
        name = info.get("dbname")
        if not name:
            return False
        maintenance = psycopg.conninfo.make_conninfo(self.url, dbname="postgres")
        try:
            async with await psycopg.AsyncConnection.connect(maintenance, autocommit=True, connect_timeout=5) as admin:
                try:
                    await admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    self.logger.info("database created: this system's first start", database=name)
                except psycopg.errors.DuplicateDatabase:
                    pass  # a replica made it first
            return True
        except psycopg.Error as failure:
            self.logger.warning("the database does not exist and could not be created", database=name, error=str(failure))
            return False

    async def close(self) -> None:
        if self.connection is not None:
            try:
                await self.connection.close()
            except Exception:
                pass
            self.connection = None

    async def migrate(self) -> list[str]:
        try:
            return await migrate(self._live(), self.context)
        except psycopg.Error as error:
            if is_unavailable(error):
                raise StoreUnavailable(str(error)) from error
            raise

    def _live(self) -> psycopg.AsyncConnection[Any]:
        if self.connection is None or self.connection.closed:
            raise StoreUnavailable("not connected to the database")
        return self.connection

    async def apply(self, envelope: Envelope, queue: str, fact: projection.Fact) -> bool:
        try:
            return await self._apply(self._live(), envelope, queue, fact)
        except psycopg.Error as error:
            if is_unavailable(error):
                raise StoreUnavailable(str(error)) from error
            raise

    async def _apply(self, db: psycopg.AsyncConnection[Any], envelope: Envelope, queue: str, fact: projection.Fact) -> bool:
        try:
            async with db.transaction():
                # First: the inbox. A copy handled concurrently by a replica waits on the key
                # until the first commits, then finds it.
                cursor = await db.execute(sql.SQL("""
                    INSERT INTO {} (message_id, type, queue, reply_type, reply, correlation_id, causation_id, sender)
                    VALUES (%s, %s, %s, NULL, NULL, %s, %s, %s) ON CONFLICT (message_id) DO NOTHING RETURNING 1
                    """).format(self._table("warren_inbox")),
                    [envelope.message_id, envelope.type, queue, envelope.correlation_id, envelope.causation_id, envelope.app_id])
                if await cursor.fetchone() is None:
                    raise _Duplicate()
                # One call's events take turns: each reads the row the previous one wrote.
                call = fact.page.id
                await db.execute("SELECT pg_advisory_xact_lock(hashtext('customer.storagecall'), hashtext(%s))", [str(call)])
                cursor = await db.execute(sql.SQL("SELECT id, tel, location, unit, status, rank FROM {} WHERE id = %s")
                                          .format(self._table("mypages")), [call])
                row = await cursor.fetchone()
                existing = projection.Page(*row) if row else None
                page = projection.merge(existing, fact.page)
                await db.execute(sql.SQL("""
                    INSERT INTO {} (id, tel, location, unit, status, rank) VALUES (%s, %s, %s, %s, %s, %s)
                    ON CONFLICT (id) DO UPDATE SET tel = EXCLUDED.tel, location = EXCLUDED.location, unit = EXCLUDED.unit,
                        status = EXCLUDED.status, rank = EXCLUDED.rank
                    """).format(self._table("mypages")),
                    [page.id, page.tel, page.location, page.unit, page.status, page.rank])
                note = projection.notified(fact.notification, page)
                await db.execute(sql.SQL("""
                    INSERT INTO {} (id, storagecall_id, tel, event, message) VALUES (%s, %s, %s, %s, %s)
                    ON CONFLICT (id) DO NOTHING
                    """).format(self._table("notifications")),
                    [note.id, note.storagecall_id, note.tel, note.event, note.message])
                if page.tel is not None:
                    await db.execute(sql.SQL("UPDATE {} SET tel = %s WHERE storagecall_id = %s AND tel IS NULL")
                                     .format(self._table("notifications")), [page.tel, call])
            return True
        except _Duplicate:
            return False

    async def prune_inbox(self, retention_seconds: int) -> int:
        """Deletes inbox records older than the retention, in batches, like the Swift runtime's
        InboxPruning; a message redelivered after that would be handled again."""
        db = self._live()
        total = 0
        while True:
            cursor = await db.execute(sql.SQL("""
                DELETE FROM {table} WHERE message_id IN (
                    SELECT message_id FROM {table} WHERE received_at < now() - make_interval(secs => %s) LIMIT 10000)
                """).format(table=self._table("warren_inbox")), [float(retention_seconds)])
            total += cursor.rowcount
            if cursor.rowcount < 10000:
                return total
            await asyncio.sleep(0)
