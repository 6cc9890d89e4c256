"""The delivery worker: sends each change record to the subscriptions that want it, in change-log order,
at least once, signed per Standard Webhooks.

- **Outbox**: the change log itself. A subscription's ``position`` is the last record its receiver
  acknowledged (2xx) or that did not match its filters; the worker reads the records after it, in id
  order, and advances it one record at a time, only after a 2xx. A change committed is therefore
  deliverable, and a worker that stops at any point resends at most the record it was sending.
- **One sender per subscription**: on PostgreSQL the worker holds a session-level advisory lock
  (``pg_try_advisory_lock``) on the subscription while it delivers, on a connection of its own in
  autocommit (no transaction stays open while a receiver is slow). Another worker skips a locked
  subscription; a crashed worker's connection closes and the server releases its locks, so the
  subscription is taken over at the next poll. On SQLite one process delivers: the one holding an
  exclusive ``flock`` on ``var/webhook-delivery.lock`` (released by the kernel when it exits).
- **Position updates** are compare-and-set on (position, version): an admin who moves the position or
  changes the subscription meanwhile wins, and the worker re-reads it.
- **Failures** (a refused or unresolvable target, connection errors, timeouts, non-2xx) are logged per
  attempt and retried after ``base * 2^(n-1)`` seconds (at most ``max``), scaled by a random factor in
  [0.5, 1] (jitter); after ``INVENTORY_WEBHOOK_MAX_FAILURES`` in a row the subscription is disabled with
  the reason, through the write path (a recorded change, request id ``webhooks``).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col
from standardwebhooks import Webhook as Signer

from app.changes.models import ChangeRecord
from app.changes.writes import update_row
from app.core.config import Settings
from app.core.context import WEBHOOKS_REQUEST_ID, RequestContext, using_context
from app.core.db import format_timestamp, get_engine, sqlite_reader_engine, utcnow
from app.core.files import private_dir
from app.webhooks.models import Webhook, WebhookDelivery
from app.webhooks.targets import AllowList, TargetRefused, check_resolved

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("app.webhooks")

POLL_SECONDS = 0.25
"""How often an idle worker looks for new records and due retries."""
MAX_PAUSE_SECONDS = 5.0
"""The longest an idle or failing worker waits between rounds (after database errors it backs off to this)."""
BATCH = 100
"""Records read per query; a subscription is released after each batch so others get their turn."""
KEEP_DELIVERIES = 1000
"""Attempts kept in each subscription's delivery log."""
LOCK_CLASS = 0x77656268  # the first key of the per-subscription advisory locks ("webh")
USER_AGENT = "customs-scanner-inventory-webhooks"


def retry_delay(failures: int, settings: Settings, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after ``failures`` failures in a row: exponential, capped, jittered."""
    delay = min(settings.webhook_retry_max_seconds, settings.webhook_retry_base_seconds * 2 ** (failures - 1))
    return delay * (rng or random).uniform(0.5, 1.0)


def _json(value: str | None) -> Any:
    return None if value is None else orjson.loads(value)


def change_payload(record: Any) -> dict[str, Any]:
    """The change record as the API shows it (``GET /api/v1/changes/{id}``)."""
    return {
        "id": record.id,
        "recorded_at": format_timestamp(record.recorded_at),
        "api_key_id": record.api_key_id,
        "request_id": record.request_id,
        "action": getattr(record.action, "value", record.action),
        "object_type": record.object_type,
        "object_id": record.object_id,
        "before": _json(record.before),
        "after": _json(record.after),
        "reason": record.reason,
        "change_request_id": record.change_request_id,
        "approved_by": record.approved_by,
        "emergency": bool(record.emergency),
        "previous_hash": record.previous_hash,
        "hash": record.hash,
    }


def message_body(record: Any) -> bytes:
    """A delivery's body: Standard Webhooks' ``type``/``timestamp``/``data``, with the change record and the
    object's state (after the change; for a deletion, its last state)."""
    change = change_payload(record)
    state = change["after"] if change["after"] is not None else change["before"]
    return orjson.dumps(
        {
            "type": f"{record.object_type}.{change['action']}",
            "timestamp": change["recorded_at"],
            "data": {"change": change, "object": state},
        }
    )


def message_id(change_id: int) -> str:
    """``webhook-id``: the same for every attempt at one change, so a receiver can drop duplicates."""
    return f"change-{change_id}"


@dataclass
class Outcome:
    succeeded: bool
    status_code: int | None
    duration_ms: float
    error: str | None


class DeliveryWorker:
    """Delivers pending change records to every active, due subscription; run by ``run`` until stopped."""

    def __init__(self, settings: Settings, *, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or get_engine(settings.database_url)
        self.postgres = self.engine.dialect.name == "postgresql"
        # Polls and reads: on SQLite without taking the write lock (every write-engine transaction does).
        self.reader = self.engine if self.postgres else sqlite_reader_engine(settings.database_url)
        self.allow = AllowList.parse(settings.webhook_allowed_networks)
        self._http: httpx.Client | None = None
        self._file_lock: int | None = None

    @property
    def http(self) -> httpx.Client:
        """The HTTP client, made at the first delivery: a service with no subscriptions never loads httpx
        (with its command-line extras, several megabytes in every serving process)."""
        if self._http is None:
            import httpx

            timeout = httpx.Timeout(
                self.settings.webhook_read_timeout,
                connect=self.settings.webhook_connect_timeout,
                pool=self.settings.webhook_connect_timeout,
            )
            self._http = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
        if self.reader is not self.engine:
            self.reader.dispose()
        if self._file_lock is not None:
            os.close(self._file_lock)
            self._file_lock = None

    # The loop.

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set; an unexpected error is logged and the loop goes on."""
        pause = POLL_SECONDS
        while not stop.is_set():
            try:
                busy = self.run_once()
                pause = POLL_SECONDS
            except sa.exc.SQLAlchemyError as error:  # the database is away: try again, less often
                logger.warning("webhook delivery paused: database error", extra={"error": type(error).__name__})
                busy, pause = False, min(pause * 2, MAX_PAUSE_SECONDS)
            except Exception:
                logger.exception("webhook delivery round failed")
                busy, pause = False, min(pause * 2, MAX_PAUSE_SECONDS)
            if not busy:
                stop.wait(pause)

    def run_once(self) -> bool:
        """One round over the due subscriptions; whether anything was attempted."""
        if not self.postgres and not self._hold_file_lock():
            return False
        busy = False
        for webhook_id in self._due():
            with self._claim(webhook_id) as mine:
                if mine:
                    busy = self._deliver_batch(webhook_id) or busy
        return busy

    def _due(self) -> list[int]:
        now = utcnow()
        with self.reader.connect() as connection:
            head = connection.execute(sa.select(sa.func.max(ChangeRecord.id))).scalar_one() or 0
            table = Webhook.__table__
            return list(
                connection.execute(
                    sa.select(table.c.id)
                    .where(
                        table.c.active.is_(True),
                        table.c.position < head,
                        sa.or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
                    )
                    .order_by(table.c.id)
                ).scalars()
            )

    # Who may deliver.

    def _hold_file_lock(self) -> bool:
        if self._file_lock is not None:
            return True
        private_dir(self.settings.var_dir)
        descriptor = os.open(self.settings.var_dir / "webhook-delivery.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            return False
        self._file_lock = descriptor
        return True

    @contextlib.contextmanager
    def _claim(self, webhook_id: int) -> Iterator[bool]:
        if not self.postgres:
            yield True
            return
        with self.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            locked = connection.execute(
                sa.text("SELECT pg_try_advisory_lock(:class, :id)"), {"class": LOCK_CLASS, "id": webhook_id}
            ).scalar_one()
            try:
                yield bool(locked)
            finally:
                if locked:
                    _unlock(connection, webhook_id)

    # Delivering.

    def _deliver_batch(self, webhook_id: int) -> bool:
        with Session(self.reader) as session:
            webhook = session.get(Webhook, webhook_id)
            if webhook is None or not webhook.active:
                return False
            if webhook.next_attempt_at is not None and webhook.next_attempt_at > utcnow():
                return False
            session.expunge(webhook)
            head = session.execute(sa.select(sa.func.max(ChangeRecord.id))).scalar_one() or 0
            query = (
                sa.select(ChangeRecord)
                .where(col(ChangeRecord.id) > webhook.position, col(ChangeRecord.id) <= head)
                .order_by(col(ChangeRecord.id))
                .limit(BATCH)
            )
            if webhook.object_types:
                query = query.where(col(ChangeRecord.object_type).in_(webhook.object_types))
            if webhook.actions:
                query = query.where(col(ChangeRecord.action).in_(webhook.actions))
            records = session.execute(query).scalars().all()
            for record in records:
                session.expunge(record)
        signer = Signer(webhook.secret)
        position, version = webhook.position, webhook.version
        for record in records:
            outcome = self._send(webhook, signer, record)
            self._log(webhook_id, record.id, webhook.failure_count + 1, outcome)
            if not outcome.succeeded:
                self._failed(webhook, outcome)
                return True
            if not self._advance(webhook_id, position, version, record.id):
                return True  # changed meanwhile (an admin moved it): read it again next round
            position, webhook.failure_count = record.id, 0
        if len(records) < BATCH and head > position:
            self._advance(webhook_id, position, version, head)  # nothing else matches up to the head
        self._prune(webhook_id)
        return bool(records)

    def _send(self, webhook: Webhook, signer: Signer, record: Any) -> Outcome:
        body = message_body(record)
        msg_id = message_id(record.id)
        now = utcnow()
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signer.sign(msg_id, now, body.decode()),
        }
        import httpx

        started = time.perf_counter()
        status, error = None, None
        try:
            check_resolved(webhook.url, self.allow)
            with self.http.stream("POST", webhook.url, content=body, headers=headers) as response:
                status = response.status_code
            if not 200 <= status < 300:
                error = f"the receiver answered {status}"
        except TargetRefused as refused:
            error = f"target refused: {refused}"
        except httpx.TimeoutException as timeout:
            error = f"timed out ({type(timeout).__name__})"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
        duration = (time.perf_counter() - started) * 1000
        return Outcome(error is None, status, round(duration, 3), error and error[:500])

    def _log(self, webhook_id: int, change_id: int, attempt: int, outcome: Outcome) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                sa.insert(WebhookDelivery.__table__).values(
                    webhook_id=webhook_id,
                    change_id=change_id,
                    attempt=attempt,
                    attempted_at=utcnow(),
                    succeeded=outcome.succeeded,
                    status_code=outcome.status_code,
                    duration_ms=outcome.duration_ms,
                    error=outcome.error,
                )
            )

    def _advance(self, webhook_id: int, position: int, version: int, to: int) -> bool:
        table = Webhook.__table__
        with self.engine.begin() as connection:
            result = connection.execute(
                sa.update(table)
                .where(table.c.id == webhook_id, table.c.position == position, table.c.version == version)
                .values(position=to, failure_count=0, next_attempt_at=None)
            )
        return result.rowcount == 1

    def _failed(self, webhook: Webhook, outcome: Outcome) -> None:
        failures = webhook.failure_count + 1
        table = Webhook.__table__
        if failures < self.settings.webhook_max_failures:
            due = utcnow() + timedelta(seconds=retry_delay(failures, self.settings))
            with self.engine.begin() as connection:
                connection.execute(
                    sa.update(table)
                    .where(table.c.id == webhook.id, table.c.version == webhook.version)
                    .values(failure_count=failures, next_attempt_at=due)
                )
            return
        assert webhook.id is not None  # loaded from the database
        reason = f"disabled after {failures} failed attempts in a row; the last: {outcome.error}"[:500]
        logger.warning("webhook disabled", extra={"webhook_id": webhook.id, "failures": failures})
        with using_context(RequestContext(request_id=WEBHOOKS_REQUEST_ID)), Session(self.engine) as session:
            try:
                update_row(
                    session,
                    Webhook,
                    webhook.id,
                    webhook.version,
                    {"active": False, "disabled_reason": reason, "failure_count": failures, "next_attempt_at": None},
                )
                session.commit()
            except Exception:  # changed meanwhile (412): the admin's change stands
                session.rollback()

    def _prune(self, webhook_id: int) -> None:
        table = WebhookDelivery.__table__
        with self.engine.begin() as connection:
            cutoff = connection.execute(
                sa.select(table.c.id)
                .where(table.c.webhook_id == webhook_id)
                .order_by(table.c.id.desc())
                .offset(KEEP_DELIVERIES)
                .limit(1)
            ).scalar_one_or_none()
            if cutoff is not None:
                connection.execute(sa.delete(table).where(table.c.webhook_id == webhook_id, table.c.id <= cutoff))


def _unlock(connection: Connection, webhook_id: int) -> None:
    with contextlib.suppress(sa.exc.DBAPIError):
        connection.execute(sa.text("SELECT pg_advisory_unlock(:class, :id)"), {"class": LOCK_CLASS, "id": webhook_id})


@contextlib.contextmanager
def background_worker(settings: Settings) -> Iterator[None]:
    """Run a delivery worker on a thread of its own while the block runs (``inventory serve``)."""
    if not settings.webhook_worker:
        yield
        return
    stop = threading.Event()
    worker = DeliveryWorker(settings)
    thread = threading.Thread(target=worker.run, args=(stop,), name="webhook-delivery", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=settings.webhook_read_timeout + settings.webhook_connect_timeout + 5)
        worker.close()


def deliver_forever(settings: Settings, stop: threading.Event) -> None:
    """``inventory deliver``: run a worker in this thread until ``stop`` is set."""
    worker = DeliveryWorker(settings)
    try:
        worker.run(stop)
    finally:
        worker.close()
