"""Webhook mode and the health endpoint: a small tornado server in the bot's event loop.

Telegram (through the operator's HTTPS proxy) POSTs each update to
``/<WEBHOOK_PATH>`` with the secret token we gave to setWebhook in the
``X-Telegram-Bot-Api-Secret-Token`` header:

* header missing or wrong  -> 403 and a log line (compared in constant time);
* body not a JSON object with an integer update_id -> 400 and a log line;
* an update PTB cannot read -> 200 (so Telegram stops retrying it) and an error line;
* otherwise                -> the update is stored in the inbox (bot/inbox.py), then
                              200, then it goes on `application.update_queue`;
                              a database failure answers 503 so Telegram retries.
* a button press, once stored -> 200 whose body is the Bot API call
                              ``{"method": "answerCallbackQuery", "callback_query_id": ...}``:
                              Telegram performs one method carried in a webhook's
                              answer (core.telegram.org/bots/api, "Making requests
                              when getting updates"), so the runner's spinner stops
                              without a call of ours, and the handler makes only its
                              edit. The answer has no text: a notice the runner must
                              read goes into a message instead (bot/handlers/common.py
                              `tell_presser`; docs/performance.md says why). Telegram
                              does not report that call's result; a redelivery means
                              it never got our answer, so a stored update redelivered
                              is answered again.

``GET /healthz`` answers 200 with a small JSON report while the bot is running
and the database answers, 503 otherwise. In polling mode the same endpoint is
served alone on HEALTH_PORT (see bot/serve.py).

Before any of that, a connection must be admitted (bot/webhook_admission.py): on the
webhook port only from WEBHOOK_ALLOWED_NETWORKS (by default Telegram's webhook ranges
and loopback), on either port at most WEBHOOK_MAX_CONNECTIONS_PER_ADDRESS at once
from one address. HEALTH_PORT admits every address, for the operator's probes.

The lifecycle (start-up retries, SIGTERM drain, closing the database) is shared
with polling and lives in bot/serve.py.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import tornado.web
from telegram import Update
from tornado.httpserver import HTTPServer

from stridecoach.bot.inbox import inbox_of
from stridecoach.bot.receivers import AnyApplication, Receiver, retrying
from stridecoach.bot.settings import Settings
from stridecoach.bot.webhook_admission import Address, Admission, RefusalLog, client_ip, parse_allowed_networks

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's rule for secret_token: 1-256 characters, A-Z a-z 0-9 _ and -.
_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MIN_SECRET_LENGTH = 16
MAX_UPDATE_BYTES = 1_000_000  # updates are a few KB; refuse anything absurd early
MAX_CONNECTIONS = 40  # Telegram's default number of parallel webhook deliveries
# A connection must send its headers, and then its body, within this long; idle
# keep-alive connections are closed after it too. Slow or idle clients cannot pile up.
READ_TIMEOUT_SECONDS = 10.0
# Open connections the server keeps at once (Telegram uses at most MAX_CONNECTIONS,
# plus health checks); more are closed on arrival, so no flood exhausts file handles.
# Only admitted connections count (bot/webhook_admission.py).
MAX_OPEN_CONNECTIONS = 200
# Connections waiting to be accepted (listen(2)'s backlog; tornado's default is 128).
# Refused connections are accepted and reset at the loop's pace; when a burst fills the
# queue the kernel drops new connections, Telegram's among them, and the client tries
# again a second later. Measured (benchmarks/slow_connections.py, 1,000 attackers from
# outside the allowlist, 30 s): with 128, 441 of 269,571 connections waited over a
# second before their reset; with 1024, none of 191,698.
LISTEN_BACKLOG = 1024
# Real updates nest a dozen levels at most; anything deeper is not an update.
MAX_JSON_DEPTH = 40


def webhook_config_problem(settings: Settings) -> str | None:
    """Why webhook mode cannot start with these settings, in words for the operator; None if it can."""
    if not settings.webhook_url:
        return (
            "set WEBHOOK_URL to the public HTTPS address Telegram should post to "
            "(your proxy forwards it to this process), e.g. https://bot.example.com/telegram"
        )
    parts = urlsplit(settings.webhook_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"WEBHOOK_URL is not an http(s) URL: {settings.webhook_url!r}"
    if settings.webhook_secret_token is None:
        return (
            "set WEBHOOK_SECRET_TOKEN (1-256 characters: letters, digits, _ and -) so that "
            "only Telegram can post updates, e.g. the output of `openssl rand -hex 32`"
        )
    secret = settings.webhook_secret_token.get_secret_value()
    if not _SECRET_PATTERN.match(secret):
        return "WEBHOOK_SECRET_TOKEN may only contain letters, digits, _ and - (1-256 characters)"
    if len(secret) < MIN_SECRET_LENGTH:
        # Short secrets can be guessed, and could not be masked in the logs without
        # masking ordinary words too (bot/logging_setup.py masks secrets of 8+ characters).
        return (f"WEBHOOK_SECRET_TOKEN is too short: use at least {MIN_SECRET_LENGTH} characters, "
                "e.g. the output of `openssl rand -hex 32`")
    try:
        parse_allowed_networks(settings.webhook_allowed_networks)
    except ValueError as exc:
        return str(exc)
    return None


def public_webhook_url(settings: Settings) -> str:
    """WEBHOOK_URL as given; when it has no path, WEBHOOK_PATH is appended."""
    if not settings.webhook_url:
        raise ValueError("WEBHOOK_URL is not set")
    parts = urlsplit(settings.webhook_url)
    if parts.path in ("", "/"):
        parts = parts._replace(path="/" + settings.webhook_path.strip("/"))
    return urlunsplit(parts)


# ---------------------------------------------------------------------- health


@dataclass
class HealthCheck:
    """What /healthz reports: is the Application running, receiving, and is the database there?"""

    application: AnyApplication
    receiver: Receiver
    started: float = field(default_factory=time.monotonic)

    async def __call__(self) -> tuple[int, dict[str, Any]]:
        problems = []
        if not self.application.running:
            problems.append("application not running")
        if not self.receiver.running:
            problems.append("not receiving updates")
        # In a worker thread: a locked or slow database never stalls the event loop.
        database = await asyncio.to_thread(_database_status, self.application)
        if database == "error":
            problems.append("database unavailable")
        status = "error" if problems else ("degraded" if database != "ok" else "ok")
        report: dict[str, Any] = {
            "status": status,
            "mode": self.receiver.name,
            "uptime_seconds": round(time.monotonic() - self.started, 1),
            "queued_updates": self.application.update_queue.qsize(),
            "database": database,
        }
        if problems:
            report["problems"] = problems
        elif database == "locked":
            report["problems"] = ["database locked: another writer holds it, updates wait"]
        return (503 if problems else 200), report


# How long the health probe waits for SQLite's write lock before calling it "locked".
PROBE_LOCK_MS = 200


def _database_status(application: AnyApplication) -> str:
    """"ok"; "locked" (it answers reads, but its write lock is held); or "error"."""
    services = application.bot_data.get("services")
    if services is None:
        return "unknown"
    try:
        # A raw DBAPI connection in autocommit: a plain read first.
        connection = services.db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            if services.db.engine.dialect.name == "sqlite":
                return _sqlite_write_lock(cursor)
            cursor.close()
        finally:
            connection.close()
    except Exception as exc:  # DBAPI errors (sqlite3, psycopg) share no base class with SQLAlchemy's
        log.warning("health check: database error: %s: %s", type(exc).__name__, exc)
        return "error"
    return "ok"


def _sqlite_write_lock(cursor: Any) -> str:
    """Take and release SQLite's write lock briefly: is a writer stuck holding it?"""
    import sqlite3

    from stridecoach.storage.db import BUSY_TIMEOUT_MS

    cursor.execute(f"PRAGMA busy_timeout={PROBE_LOCK_MS}")
    try:
        cursor.execute("BEGIN IMMEDIATE")
        cursor.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        log.warning("health check: the database is locked (%s)", exc)
        return "locked"
    finally:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()
    return "ok"


class _HealthHandler(tornado.web.RequestHandler):
    def initialize(self, check: HealthCheck) -> None:
        self.check = check

    async def get(self) -> None:
        status, report = await self.check()
        self.set_status(status)
        self.finish(report)


def start_health_server(check: HealthCheck, listen: str, port: int, per_address: int) -> HTTPServer:
    """Serve GET /healthz alone (polling mode, or a separate HEALTH_PORT in webhook mode).

    Every address is admitted here (a load balancer's or an orchestrator's probes come
    from anywhere), each holding at most `per_address` connections at once.
    """
    app = tornado.web.Application([(r"/healthz", _HealthHandler, {"check": check})])
    server = make_server(app, Admission.anyone(per_address))
    server.listen(port, address=listen, backlog=LISTEN_BACKLOG)
    log.info("health endpoint on http://%s:%d/healthz", listen, port)
    return server


# ---------------------------------------------------------------------- webhook


class StoreBatch:
    """Deliveries that arrive together are stored in one transaction (a group commit).

    Telegram keeps up to MAX_CONNECTIONS deliveries in flight. Each waits here until
    the transaction holding it has committed, so none is acknowledged before it is
    stored; a delivery that arrives while a transaction runs goes in the next one.
    One transaction per update cost a webhook process about twice the CPU per update
    of long polling, which stores each getUpdates batch in one (docs/performance.md).
    """

    def __init__(self, application: AnyApplication) -> None:
        self.application = application
        self._pending: dict[int, tuple[Update, str, asyncio.Future[None]]] = {}
        self._flushing = False

    async def store(self, update: Update, payload: str) -> None:
        """Return once `update` is stored in the inbox and queued (raise if it could not be)."""
        waiting = self._pending.get(update.update_id)
        if waiting is None:  # the same update delivered twice at once is stored once
            waiting = (update, payload, asyncio.get_running_loop().create_future())
            self._pending[update.update_id] = waiting
            if not self._flushing:
                self._flushing = True
                asyncio.get_running_loop().create_task(self._flush())
        await asyncio.shield(waiting[2])

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, {}
                try:
                    await inbox_of(self.application).accept_payloads(
                        self.application, [(uid, payload) for uid, (_, payload, _) in batch.items()],
                        [update for update, _, _ in batch.values()],
                    )
                except Exception as exc:
                    for _, _, done in batch.values():
                        done.set_exception(exc)
                    continue
                for _, _, done in batch.values():
                    done.set_result(None)
        finally:
            self._flushing = False


class _UpdateHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot_application: AnyApplication, secret: str, batch: StoreBatch) -> None:
        self.bot_application = bot_application
        self.secret = secret
        self.batch = batch

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning(
                "webhook: refused a request from %s: %s secret token",
                self.request.remote_ip, "missing" if given is None else "wrong",
            )
            self._answer(403, "Forbidden")
            return
        try:
            data = self._parse_body()
        except ValueError as exc:
            log.warning("webhook: refused a malformed update from %s: %s", self.request.remote_ip, exc)
            self._answer(400, "Bad Request")
            return
        try:
            update = Update.de_json(data, self.bot_application.bot)
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            # It came with our secret, so it is Telegram's, in a shape this PTB cannot read.
            # Telegram retries any non-2xx for hours: acknowledge it so the next ones flow.
            log.error("webhook: dropped update %s that could not be read: %s: %s",
                      data["update_id"], type(exc).__name__, exc)
            self._answer(200, "OK")
            return
        # 200 only once the update is stored in the inbox: a crash after this loses nothing.
        inbox = inbox_of(self.bot_application)
        query = update.callback_query
        if query is not None:  # noted before the update is queued: its handler must know
            inbox.answering_in_webhook(query.id)
        try:
            await self.batch.store(update, self._payload(data))
        except Exception:
            if query is not None:
                inbox.not_answering_in_webhook(query.id)
            log.exception("webhook: could not store update %s; Telegram will deliver it again",
                          data["update_id"])
            self._answer(503, "Service Unavailable")
            return
        if query is not None:
            # Stored: stop the button's spinner in this very answer (see the module docstring).
            self.set_status(200)
            self.finish({"method": "answerCallbackQuery", "callback_query_id": query.id})
            return
        self._answer(200, "OK")

    def _payload(self, data: dict[str, Any]) -> str:
        """The update's JSON to store: the body as Telegram sent it (read above as one JSON
        object), so it is not serialised again; `data` re-serialised if it was not UTF-8."""
        try:
            return self.request.body.decode("utf-8")
        except UnicodeDecodeError:
            return json.dumps(data)

    def _parse_body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not JSON ({exc})") from None
        except RecursionError:
            raise ValueError("nested too deeply") from None
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            raise ValueError("not a Telegram update (no integer update_id)")
        if not 0 <= data["update_id"] < 2**63:
            raise ValueError("update_id out of range")
        wrong = [key for key, value in data.items() if key != "update_id" and not isinstance(value, dict)]
        if wrong:  # every field of an Update other than its id is an object
            raise ValueError(f"not a Telegram update (field {wrong[0][:40]!r} is not an object)")
        if _too_deep(data, MAX_JSON_DEPTH):
            raise ValueError("nested too deeply")
        return data

    def _answer(self, status: int, text: str) -> None:
        self.set_status(status)
        self.finish({"ok": 200 <= status < 300, "description": text})


def _too_deep(value: Any, limit: int) -> bool:
    """True when `value` nests deeper than `limit` (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


class _CappedHTTPServer(HTTPServer):
    """tornado's HTTPServer that admits a connection only from an allowed address, at most
    `admission.per_address` at once from one address and `max_open` in all.

    The check runs on the accepted socket, before tornado reads a byte: a refused
    connection costs an accept and a reset, and never counts against the cap.
    """

    max_open = MAX_OPEN_CONNECTIONS
    admission: Admission

    def initialize(self, *args: Any, **kwargs: Any) -> None:
        super().initialize(*args, **kwargs)
        self.refusals = RefusalLog()
        self._address_of: dict[Any, Address] = {}  # each admitted connection's stream -> its address

    def handle_stream(self, stream: Any, address: Any) -> None:
        ip = client_ip(address)
        reason = self.admission.refusal(ip)
        if reason is None and len(self._connections) >= self.max_open:
            reason = f"over the cap of {self.max_open} open connections"
        if reason is not None:
            self.refusals.note(reason, ip)
            _reset(stream)
            return
        assert ip is not None
        self.admission.opened(ip)
        self._address_of[stream] = ip
        super().handle_stream(stream, address)

    def on_close(self, server_conn: object) -> None:
        super().on_close(server_conn)
        ip = self._address_of.pop(getattr(server_conn, "stream", None), None)
        if ip is not None:
            self.admission.closed(ip)


def _reset(stream: Any) -> None:
    """Close with a reset (SO_LINGER 0): no FIN handshake, no TIME_WAIT left on our side."""
    try:
        stream.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except (OSError, AttributeError):  # already gone
        pass
    stream.close()


def make_server(app: tornado.web.Application, admission: Admission) -> HTTPServer:
    """The HTTP server for the webhook and /healthz: admission, read timeouts and a connection cap."""
    server = _CappedHTTPServer(
        app,
        max_body_size=MAX_UPDATE_BYTES,
        idle_connection_timeout=READ_TIMEOUT_SECONDS,  # also the time allowed to send the headers
        body_timeout=READ_TIMEOUT_SECONDS,
    )
    server.admission = admission
    return server


class WebhookReceiver:
    """Receives updates over HTTP; see the module docstring."""

    name = "webhook"

    def __init__(self, settings: Settings) -> None:
        problem = webhook_config_problem(settings)
        if problem:
            raise ValueError(problem)
        assert settings.webhook_secret_token is not None
        self.settings = settings
        self.url = public_webhook_url(settings)
        self.secret = settings.webhook_secret_token.get_secret_value()
        self.path = "/" + settings.webhook_path.strip("/")
        self.allowed_networks = parse_allowed_networks(settings.webhook_allowed_networks)
        self.running = False
        self._server: HTTPServer | None = None

    def serves_health_on(self, port: int) -> bool:
        return port == self.settings.webhook_port

    def make_app(self, application: AnyApplication) -> tornado.web.Application:
        check = HealthCheck(application, self)
        return tornado.web.Application([
            (re.escape(self.path), _UpdateHandler,
             {"bot_application": application, "secret": self.secret, "batch": StoreBatch(application)}),
            (r"/healthz", _HealthHandler, {"check": check}),
        ])

    async def start(self, application: AnyApplication) -> None:
        # Listen first, so that Telegram's first delivery after setWebhook finds us.
        admission = Admission(self.allowed_networks, self.settings.webhook_max_connections_per_address)
        self._server = make_server(self.make_app(application), admission)
        self._server.listen(self.settings.webhook_port, address=self.settings.webhook_listen,
                            backlog=LISTEN_BACKLOG)
        self.running = True
        await retrying(
            lambda: application.bot.set_webhook(
                url=self.url,
                secret_token=self.secret,
                allowed_updates=Update.ALL_TYPES,
                max_connections=MAX_CONNECTIONS,
            ),
            "set the webhook",
        )
        log.info(
            "webhook set to %s; listening on %s:%d%s, admitting connections from %s, at most %d per address",
            self.url, self.settings.webhook_listen, self.settings.webhook_port, self.path,
            ", ".join(str(network) for network in self.allowed_networks),
            self.settings.webhook_max_connections_per_address,
        )

    async def stop(self, application: AnyApplication) -> None:
        """Stop accepting deliveries; the webhook stays set, so Telegram keeps updates for us."""
        self.running = False
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None

