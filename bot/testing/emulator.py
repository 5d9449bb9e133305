"""A local Telegram Bot API over real HTTP, for end-to-end tests of the real process.

`FakeTelegram` (the in-process fake) keeps the state; this module puts it behind
a small threaded HTTP server on 127.0.0.1 so that `stridecoach run`, started as a
subprocess (or inside a container on the host network) with

    TELEGRAM_API_BASE_URL=http://127.0.0.1:<port>/bot

talks to it exactly as it would talk to api.telegram.org:

* ``/bot<token>/<method>`` (GET or POST; query string, form-encoded, JSON or
  multipart bodies) is answered by ``FakeTelegram.handle``;
* ``getUpdates`` long-polls: it returns as soon as an update is queued, or after
  its ``timeout`` (capped at ``max_poll_seconds`` so nothing waits unbounded);
* after ``setWebhook`` the emulator delivers queued updates to the webhook URL
  itself, with the secret token header, as Telegram does (and refuses
  getUpdates with 409 meanwhile); a Bot API call in the webhook's answer
  (``{"method": "answerCallbackQuery", ...}``) is performed and recorded like
  any call (``in_webhook_answer``), its result reported to nobody;
* an injected timeout (``fail_next(..., timeout=True)``) makes the emulator hang
  for ``hang_seconds`` and then drop the connection: a Bot API that hangs;
  ``late=True`` applies the call first (the runner gets the message) and then
  hangs: an answer that comes too late; ``dropped=True`` closes the connection
  at once without applying anything;
* as strict as Telegram: a getUpdates call confirms every update below its
  offset the moment it arrives (not when it answers), and a confirmed update
  never comes back, whatever offset a restarted bot asks for.

Tests play the runner either in-process (``Emulator.send_text``, ``press``,
``wait_for_text``...) or over HTTP through the control endpoints, which is how
a test drives a standalone emulator (``python -m stridecoach.bot.testing.emulator --port N``):

    POST /control/text     {"user_id": 1, "text": "/start"}       queue a text message
    POST /control/press    {"user_id": 1, "label": "back"}        press a button
    POST /control/update   {...raw update...}                     queue any update
    POST /control/fail     {"method": "sendMessage", "status": 500, "times": 1}
                           (or "retry_after": 5, "timeout": true, "late": true, "dropped": true)
    GET  /control/messages?chat_id=1                              what the bot sent
    GET  /control/events?since=0                                  sends and edits, in order
    GET  /control/wait?chat_id=1&contains=done&since=0&timeout=10 wait for a text
    GET  /control/calls?method=sendMessage                        Bot API calls received
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from telegram.error import TimedOut

from stridecoach.bot.testing.fake_telegram import DroppedConnection, FakeTelegram, SentMessage, _BadRequest

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Event:
    """One message the bot sent or edited, as the runner saw it at that moment."""

    seq: int
    chat_id: int
    message_id: int
    text: str
    buttons: list[tuple[str, str]]

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "text": self.text,
            "buttons": [list(b) for b in self.buttons],
        }


class Emulator:
    """A FakeTelegram served over HTTP from a background thread.

    Every access to the FakeTelegram goes through one condition variable: the
    HTTP threads, the webhook deliverer and the test thread all share it.
    """

    def __init__(
        self,
        telegram: FakeTelegram | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        max_poll_seconds: float = 30.0,
        hang_seconds: float = 30.0,
    ) -> None:
        self.telegram = telegram or FakeTelegram()
        self.telegram.on_message = self._record_event
        self.token = token  # when set, other tokens get 401 Unauthorized
        self.max_poll_seconds = max_poll_seconds
        self.hang_seconds = hang_seconds
        self.events: list[Event] = []
        self.tokens_seen: set[str] = set()
        self.webhook_secret: str | None = None
        self.polls_started = 0  # getUpdates requests received (counted on arrival, not answer)
        self.poll_timeouts: list[float] = []  # the long-poll wait applied to each, after the cap
        self._cond = threading.Condition(threading.RLock())
        self._stopping = threading.Event()
        self._server = _Server((host, port), _make_handler(self))
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._server.server_address[0]!s}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to put in TELEGRAM_API_BASE_URL (PTB appends the token)."""
        return f"{self.url}/bot"

    def start(self) -> Emulator:
        for target, name in ((self._server.serve_forever, "emulator-http"),
                             (self._deliver_webhooks, "emulator-webhook")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()  # wake long polls so their threads finish
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ the runner's side

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (an update_id is assigned when missing)."""
        with self._cond:
            if "update_id" not in update:
                update = {"update_id": self.telegram.next_update_id(), **update}
            self.telegram.pending_updates.append(update)
            self._cond.notify_all()
        return update

    def send_text(self, user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        """The runner types `text` (kwargs: first_name, chat_type)."""
        with self._cond:
            return self.push_update(self.telegram.make_text_update(user_id, text, **kwargs))

    def press(self, user_id: int, label: str) -> dict[str, Any]:
        """The runner presses the newest button whose text contains `label` (any case)."""
        with self._cond:
            message, data = self._find_button(user_id, label)
            return self.push_update(self.telegram.make_callback_update(user_id, message, data))

    def _find_button(self, chat_id: int, label: str) -> tuple[SentMessage, str]:
        for message in reversed(self.telegram.chat(chat_id)):
            for text, data in message.buttons:
                if label.lower() in text.lower():
                    return message, data
        shown = [m.button_texts for m in self.telegram.chat(chat_id) if m.buttons]
        raise LookupError(f"no button {label!r} in chat {chat_id}; buttons shown: {shown}")

    def fail_next(self, method: str, **kwargs: Any) -> None:
        """See FakeTelegram.fail_next; timeout=True makes the emulator hang."""
        with self._cond:
            self.telegram.fail_next(method, **kwargs)

    # ------------------------------------------------------------------ what the bot did

    def mark(self) -> int:
        """A position in the event log: pass it as `since` to wait for what comes next."""
        with self._cond:
            return len(self.events)

    def events_since(self, since: int = 0, chat_id: int | None = None) -> list[Event]:
        with self._cond:
            return [e for e in self.events[since:] if chat_id is None or e.chat_id == chat_id]

    def messages(self, chat_id: int) -> list[SentMessage]:
        with self._cond:
            return list(self.telegram.chat(chat_id))

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        with self._cond:
            return [
                {"method": c.method, "params": _jsonable(c.params), "in_webhook_answer": c.in_webhook_answer}
                for c in self.telegram.calls
                if method is None or c.method == method
            ]

    def pending_update_ids(self) -> list[int]:
        with self._cond:
            return [u["update_id"] for u in self.telegram.pending_updates]

    def wait_for(self, predicate: Callable[[], Any], timeout: float, what: str = "condition") -> Any:
        """Wait (bounded) until predicate() is truthy; returns its value or raises TimeoutError."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
                self._cond.wait(min(remaining, 0.5))

    def wait_for_text(
        self, chat_id: int, contains: str, *, since: int = 0, timeout: float = 15.0
    ) -> Event:
        """The first send or edit to `chat_id` after `since` whose text contains `contains`."""
        needle = contains.lower()

        def found() -> Event | None:
            for event in self.events[since:]:
                if event.chat_id == chat_id and needle in event.text.lower():
                    return event
            return None

        try:
            return self.wait_for(found, timeout, f"a message containing {contains!r}")
        except TimeoutError as exc:
            recent = [e.text[:120] for e in self.events_since(since, chat_id)][-5:]
            raise TimeoutError(f"{exc}; the bot sent meanwhile: {recent}") from None

    def wait_until_polling(self, *, polls: int = 1, timeout: float = 15.0) -> None:
        """Wait until the bot has sent `polls` getUpdates requests in total (it is up and polling)."""
        self.wait_for(lambda: self.polls_started >= polls, timeout, f"getUpdates request #{polls}")

    def wait_for_call(self, method: str, *, count: int = 1, timeout: float = 15.0) -> None:
        self.wait_for(
            lambda: len(self.telegram.calls_to(method)) >= count, timeout, f"{count} {method} call(s)"
        )

    def _record_event(self, message: SentMessage) -> None:
        # Called by FakeTelegram under our lock, for every send and every edit.
        self.events.append(
            Event(len(self.events), message.chat_id, message.message_id,
                  message.text or message.caption or "", list(message.buttons))
        )
        self._cond.notify_all()

    # ------------------------------------------------------------------ the Bot API

    def api_call(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API request; raises TimedOut when a hang was injected."""
        self.tokens_seen.add(token)
        if self.token is not None and token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if method == "getUpdates":
            return self._get_updates(params)
        with self._cond:
            if method == "setWebhook":
                self.webhook_secret = params.get("secret_token") or None
            try:
                status, body = self.telegram.handle(method, params)
            except _BadRequest as exc:
                status, body = 400, {"ok": False, "error_code": 400, "description": str(exc)}
            self._cond.notify_all()
            return status, body

    def _get_updates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        offset = _as_int(params.get("offset"))
        timeout = min(max(_as_float(params.get("timeout")), 0.0), self.max_poll_seconds)
        deadline = time.monotonic() + timeout
        with self._cond:
            self.polls_started += 1
            self.poll_timeouts.append(timeout)
            # Confirmation happens on arrival: a bot killed during this long poll
            # must not see these updates again.
            self.telegram.confirm_below(offset)
            self._cond.notify_all()
            while not self._stopping.is_set():
                if self.telegram.webhook_url:
                    return 409, {"ok": False, "error_code": 409, "description":
                                 "Conflict: can't use getUpdates method while webhook is active; "
                                 "use deleteWebhook to delete the webhook first"}
                if any(u["update_id"] >= offset for u in self.telegram.pending_updates):
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            status, body = self.telegram.handle("getUpdates", params)
            self._cond.notify_all()  # confirmed updates disappeared: waiters may care
            return status, body

    # ------------------------------------------------------------------ webhook delivery

    def _deliver_webhooks(self) -> None:
        """While a webhook is set, POST each queued update to it, oldest first, until 2xx.

        A Bot API call carried in the answer (a JSON body with "method") is performed as
        Telegram performs it: like any call, its result reported to nobody.
        """
        while not self._stopping.is_set():
            with self._cond:
                url, secret = self.telegram.webhook_url, self.webhook_secret
                update = self.telegram.pending_updates[0] if url and self.telegram.pending_updates else None
                if update is None:
                    self._cond.wait(0.5)
                    continue
            answer = _post_update(url, secret, update)
            if answer is not None:
                with self._cond:
                    if self.telegram.pending_updates and self.telegram.pending_updates[0] is update:
                        self.telegram.pending_updates.pop(0)
                    self.telegram.webhook_answer(*answer)
                    self._cond.notify_all()
            else:
                # Telegram backs off too; a short fixed pause keeps tests quick.
                self._stopping.wait(0.5)


def _post_update(url: str, secret: str | None, update: dict[str, Any]) -> tuple[int, bytes] | None:
    """POST one update; (status, body) of a 2xx answer, None when it was not delivered."""
    request = urllib.request.Request(
        url, data=json.dumps(update).encode(), method="POST",
        headers={"Content-Type": "application/json", **({SECRET_HEADER: secret} if secret else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            if not 200 <= response.status < 300:
                return None
            return response.status, response.read()
    except (urllib.error.URLError, OSError) as exc:
        log.debug("webhook delivery to %s failed: %s", url, exc)
        return None


# ---------------------------------------------------------------------- HTTP plumbing


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The bot hanging up mid-answer (a cancelled long poll at shutdown) is normal here.
        log.debug("emulator: connection from %s ended abruptly", client_address, exc_info=True)


def _make_handler(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    class Handler(_RequestHandler):
        pass

    Handler.emulator = emulator
    return Handler


class _RequestHandler(BaseHTTPRequestHandler):
    emulator: Emulator
    protocol_version = "HTTP/1.1"
    server_version = "StrideCoachEmulator/1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("emulator: " + format, *args)

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        try:
            params = dict(parse_qsl(parts.query))
            params.update(self._body_params())
        except ValueError as exc:
            self._reply(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"})
            return
        segments = parts.path.strip("/").split("/")
        if len(segments) == 2 and segments[0].startswith("bot"):
            self._api(segments[0][3:], segments[1], params)
        elif len(segments) == 2 and segments[0] == "control":
            self._control(segments[1], params)
        else:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def _api(self, token: str, method: str, params: dict[str, Any]) -> None:
        try:
            status, body = self.emulator.api_call(token, method, params)
        except DroppedConnection:
            self.close_connection = True
            return
        except TimedOut:  # also LateAnswer: the call took effect, the answer is lost
            # A Bot API that hangs: answer nothing for a while, then drop the connection.
            self.emulator._stopping.wait(self.emulator.hang_seconds)
            self.close_connection = True
            return
        self._reply(status, body)

    def _control(self, action: str, params: dict[str, Any]) -> None:
        emulator = self.emulator
        try:
            result = _control_action(emulator, action, params)
        except (LookupError, TimeoutError, TypeError, ValueError) as exc:
            self._reply(400, {"ok": False, "description": str(exc)})
            return
        if result is None:
            self._reply(404, {"ok": False, "description": f"no control action {action!r}"})
            return
        self._reply(200, {"ok": True, "result": result})

    def _body_params(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0:
            return {}
        body = self.rfile.read(length)
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("the JSON body must be an object")
            return data
        if content_type.startswith("multipart/form-data"):
            return _multipart_params(content_type, body)
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. a cancelled long poll)


def _control_action(emulator: Emulator, action: str, params: dict[str, Any]) -> Any:
    """The control endpoints: JSON in, JSON out. None means no such action."""
    if action == "text":
        return emulator.send_text(
            _as_int(params["user_id"]), str(params["text"]),
            **{k: params[k] for k in ("first_name", "chat_type") if k in params},
        )
    if action == "press":
        return emulator.press(_as_int(params["user_id"]), str(params["label"]))
    if action == "update":
        return emulator.push_update(dict(params))
    if action == "fail":
        method = str(params.pop("method"))
        allowed = {"status", "description", "retry_after", "timeout", "chat_id", "times", "late", "dropped"}
        emulator.fail_next(method, **{k: v for k, v in params.items() if k in allowed})
        return True
    if action == "messages":
        return [
            {"message_id": m.message_id, "text": m.text or m.caption or "",
             "buttons": [list(b) for b in m.buttons]}
            for m in emulator.messages(_as_int(params["chat_id"]))
        ]
    if action == "events":
        chat = params.get("chat_id")
        return [e.as_json() for e in emulator.events_since(
            _as_int(params.get("since")), _as_int(chat) if chat is not None else None)]
    if action == "wait":
        timeout = min(_as_float(params.get("timeout")) or 10.0, emulator.max_poll_seconds)
        event = emulator.wait_for_text(
            _as_int(params["chat_id"]), str(params["contains"]),
            since=_as_int(params.get("since")), timeout=timeout,
        )
        return event.as_json()
    if action == "calls":
        return emulator.calls(params.get("method"))
    if action == "mark":
        return emulator.mark()
    return None


def _multipart_params(content_type: str, body: bytes) -> dict[str, Any]:
    """Form fields as strings, uploads as (file name, bytes); `attach://x` references resolved."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, payload)
            params[name] = (filename, payload)
        else:
            params[name] = payload.decode("utf-8")
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            attached = files.get(value.removeprefix("attach://"))
            if attached is not None:
                params[key] = attached
    return params


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (f"<file {v[0]}, {len(v[1])} bytes>" if isinstance(v, tuple) else v)
            for k, v in params.items()}


def _as_int(value: Any) -> int:
    try:
        return int(str(value)) if value is not None and value != "" else 0
    except ValueError:
        return 0


def _as_float(value: Any) -> float:
    try:
        return float(str(value)) if value is not None and value != "" else 0.0
    except ValueError:
        return 0.0


# ---------------------------------------------------------------------- standalone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m stridecoach.bot.testing.emulator",
        description="A local Telegram Bot API emulator (for end-to-end tests; not for production).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", help="answer 401 to any other token")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    emulator = Emulator(host=args.host, port=args.port, token=args.token).start()
    print(f"emulator listening; TELEGRAM_API_BASE_URL={emulator.base_url}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
