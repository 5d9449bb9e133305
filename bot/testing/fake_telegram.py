"""An in-process stand-in for the Telegram Bot API.

`FakeTelegram` keeps what a real Bot API server would: the messages the bot sent
(with their inline keyboards, edited in place), the files it uploaded, and the
updates waiting for getUpdates. `FakeRequest` plugs it into python-telegram-bot
as a `BaseRequest`, so the real `Application`, `ExtBot`, rate limiter and
handlers run unchanged and nothing leaves the process.

Tests (and `stridecoach chat`) play the runner through `FakeTelegram`:
`make_text_update` / `make_callback_update` build the JSON Telegram would send.
Failures are injected per method with `fail_next`: 403, 429 with retry_after,
500, a timeout before the call takes effect (`timeout=True`), a late answer
(`late=True`: the call takes effect, the message reaches the runner, but the
answer never comes back) and a dropped connection (`dropped=True`).

As strict as Telegram: an update is confirmed (and forgotten for good) as soon
as getUpdates is called with a higher offset; a later call with a lower offset
never brings it back.

Like Telegram, the fake takes time and enforces flood limits:

- every call through `FakeRequest` takes `latency` seconds (default 100 ms,
  +-`jitter` of it, uniformly): half on the way in, half on the way back, so a
  message "arrives" at the runner in the middle of the call;
- `FloodLimits`: in one chat at most 1 message per second after a burst of 5
  (sends and edits); new messages to chats that have not written within
  `reply_window` seconds (bulk notifications, e.g. reminders) at most 30 per
  second overall. Above either, the call is answered 429 with `retry_after`,
  as Telegram documents (core.telegram.org/bots/faq). Telegram's exact bursts
  are unpublished; ours are a little looser than the bot's own budgets
  (bot/budgets.py), so a bot that keeps its budgets never sees a 429.

Time comes from `clock` (`bot.budgets.Clock`). Tests use a `VirtualClock`
(bot/testing/harness.py) shared with the bot's rate limiter: waiting advances
it, so latency and flood limits cost no real time and no test sleeps.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from stridecoach.bot.budgets import Budget, Clock, RealClock

BOT_ID = 7_000_000_001
BOT_USERNAME = "StrideCoachBot"


@dataclass
class SentMessage:
    """A message the bot sent, as the runner's app would show it."""

    chat_id: int
    message_id: int
    text: str = ""
    reply_markup: dict[str, Any] | None = None
    parse_mode: str | None = None
    document: tuple[str, bytes] | None = None  # (file name, content)
    photo: bytes | None = None
    caption: str | None = None
    deleted: bool = False

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b.get("text", ""), b.get("callback_data", "")) for row in rows for b in row]

    @property
    def button_texts(self) -> list[str]:
        return [text for text, _ in self.buttons]


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    # True for a method the bot put in its answer to a webhook delivery (see
    # `FakeTelegram.webhook_answer`): a call like any other, whose result nobody hears.
    in_webhook_answer: bool = False


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None = None
    timeout: bool = False
    chat_id: int | None = None
    # The call takes effect (the runner sees the message), then the answer is lost.
    late: bool = False
    # The connection drops before the call reaches the server: nothing happens.
    dropped: bool = False


class LateAnswer(TimedOut):
    """The Bot API applied the call but its answer never arrived (an injected `late` failure)."""


class DroppedConnection(TimedOut):
    """The connection dropped before the call arrived (an injected `dropped` failure)."""


# Calls that put something in a chat (and so count against its flood limit).
MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup",
     "editMessageCaption", "deleteMessage", "forwardMessage", "copyMessage", "sendChatAction"}
)
NEW_MESSAGE_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "forwardMessage", "copyMessage"})


@dataclass(frozen=True)
class FloodLimits:
    """What the fake enforces with 429 (see the module docstring)."""

    per_chat_rate: float = 1.0
    per_chat_burst: int = 5
    bulk_rate: float = 30.0
    bulk_burst: int = 30
    reply_window: float = 60.0  # a message within this long after the runner wrote is a reply


@dataclass
class FakeTelegram:
    """The state of a fake Bot API server."""

    bot_id: int = BOT_ID
    bot_username: str = BOT_USERNAME
    calls: list[ApiCall] = field(default_factory=list)
    messages: dict[tuple[int, int], SentMessage] = field(default_factory=dict)
    commands: list[dict[str, str]] = field(default_factory=list)
    pending_updates: list[dict[str, Any]] = field(default_factory=list)
    webhook_url: str = ""
    # Called with every message the bot sends or edits (used by `stridecoach chat`).
    on_message: Callable[[SentMessage], None] | None = None
    clock: Clock = field(default_factory=RealClock)
    latency: float = 0.1  # seconds per call through FakeRequest
    jitter: float = 0.3  # +- this share of `latency`
    limits: FloodLimits | None = field(default_factory=FloodLimits)
    # Lean mode for benchmarks: keep no call log and only each chat's latest messages.
    keep_history: bool = True

    def __post_init__(self) -> None:
        # Every message the bot sent, in order (edits change these objects in place).
        self.sent_log: list[SentMessage] = []
        # Every message sent, and every message whose text or caption was edited, in order:
        # what the runner sees change (a bare button removal is not in it).
        self.activity: list[SentMessage] = []
        self._by_chat: dict[int, list[SentMessage]] = {}
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._failures: dict[str, list[_Failure]] = {}
        # Every update id below this was confirmed by a getUpdates offset: gone for good.
        self.confirmed_below = 0
        self._chat_budgets: dict[int, Budget] = {}
        self._bulk_budget: Budget | None = None
        self._last_wrote: dict[int, float] = {}
        self.flood_429s = 0  # calls answered 429 by the flood limits (not by fail_next)
        # Chats whose calls wait at "Telegram" until the event is set (see `hold`).
        self.gates: dict[int, asyncio.Event] = {}
        self.held_calls: dict[int, int] = {}  # calls waiting at a gate, per chat
        self.call_count = 0
        self.methods: Counter[str] = Counter()  # calls per Bot API method
        # Of those, the calls made in answers to webhook deliveries, per method.
        self.webhook_answer_methods: Counter[str] = Counter()
        # Callback queries: answered or not, by id; and each chat's ids (for `forget_chat`).
        self._queries: dict[str, bool] = {}
        self._queries_of_chat: dict[int, list[str]] = {}
        self._rng = random.Random(0)

    def call_delay(self) -> float:
        """How long the next call takes (latency with jitter)."""
        if self.latency <= 0:
            return 0.0
        return self.latency * (1 + self.jitter * (2 * self._rng.random() - 1))

    def hold(self, chat_id: int) -> asyncio.Event:
        """Calls about `chat_id` wait until the returned event is set (a slow chat, for tests)."""
        gate = self.gates[chat_id] = asyncio.Event()
        return gate

    def forget_chat(self, chat_id: int) -> None:
        """Drop what the fake keeps about a chat (benchmarks with many runners)."""
        for message in self._by_chat.pop(chat_id, []):
            self.messages.pop((message.chat_id, message.message_id), None)
        self._message_ids.pop(chat_id, None)
        self._chat_budgets.pop(chat_id, None)
        self._last_wrote.pop(chat_id, None)
        for query_id in self._queries_of_chat.pop(chat_id, []):
            self._queries.pop(query_id, None)

    # ------------------------------------------------------------------ the runner's side

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def _new_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def make_text_update(
        self, user_id: int, text: str, *, first_name: str = "Runner", chat_type: str = "private"
    ) -> dict[str, Any]:
        """The update Telegram sends when the runner types `text` in the bot's chat."""
        message = self._incoming_message(user_id, first_name, chat_type)
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": self.next_update_id(), "message": message}

    def make_message_update(
        self, user_id: int, content: dict[str, Any], *, first_name: str = "Runner"
    ) -> dict[str, Any]:
        """A message with no text: pass e.g. {"sticker": {...}} or {"location": {...}}."""
        message = self._incoming_message(user_id, first_name, "private")
        message.update(content)
        return {"update_id": self.next_update_id(), "message": message}

    def make_callback_update(
        self, user_id: int, message: SentMessage, data: str, *, first_name: str = "Runner"
    ) -> dict[str, Any]:
        """The update Telegram sends when the runner presses an inline button."""
        self._last_wrote[message.chat_id] = self.clock.monotonic()
        update_id = self.next_update_id()
        query_id = f"cb{self.next_update_id()}"
        self._queries[query_id] = False
        self._queries_of_chat.setdefault(message.chat_id, []).append(query_id)
        return {
            "update_id": update_id,
            "callback_query": {
                "id": query_id,
                "from": self._user(user_id, first_name),
                "chat_instance": str(user_id),
                "data": data,
                "message": {
                    "message_id": message.message_id,
                    "date": int(time.time()),
                    "chat": {"id": message.chat_id, "type": "private"},
                    "from": self._user(self.bot_id, "StrideCoach", is_bot=True),
                    "text": message.text or message.caption or "",
                },
            },
        }

    def _incoming_message(self, user_id: int, first_name: str, chat_type: str) -> dict[str, Any]:
        chat_id = user_id if chat_type == "private" else -abs(user_id) - 1_000_000
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
        else:
            chat["title"] = "Running club"
        self._last_wrote[chat_id] = self.clock.monotonic()
        return {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
            "from": self._user(user_id, first_name),
        }

    def _user(self, user_id: int, first_name: str, *, is_bot: bool = False) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
        if is_bot:
            user["username"] = self.bot_username
        return user

    # ------------------------------------------------------------------ what the bot sent

    def chat(self, chat_id: int) -> list[SentMessage]:
        """Messages the bot sent to a chat, oldest first (deleted ones left out)."""
        return [m for m in self._by_chat.get(chat_id, []) if not m.deleted]

    def last(self, chat_id: int) -> SentMessage:
        sent = self.chat(chat_id)
        if not sent:
            raise AssertionError(f"the bot sent nothing to chat {chat_id}")
        return sent[-1]

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
        timeout: bool = False,
        chat_id: int | None = None,
        times: int = 1,
        late: bool = False,
        dropped: bool = False,
    ) -> None:
        """Make the next `times` calls of `method` fail (only for `chat_id`, if given).

        `timeout`: no answer and no effect; `late`: the call takes effect, then no
        answer (the runner has the message, the bot does not know); `dropped`: the
        connection breaks first, nothing happens.
        """
        failure = _Failure(status, description, retry_after, timeout, chat_id, late, dropped)
        self._failures.setdefault(method, []).extend([failure] * times)

    def block(self, chat_id: int, method: str = "sendMessage", times: int = 1_000_000) -> None:
        """The runner blocked the bot: every send to them answers 403."""
        self.fail_next(
            method,
            status=403,
            description="Forbidden: bot was blocked by the user",
            chat_id=chat_id,
            times=times,
        )

    def _take_failure(self, method: str, params: dict[str, Any]) -> _Failure | None:
        queue = self._failures.get(method) or []
        for index, failure in enumerate(queue):
            if failure.chat_id is None or failure.chat_id == _as_int(params.get("chat_id")):
                return queue.pop(index)
        return None

    # ------------------------------------------------------------------ the Bot API itself

    def handle(
        self, method: str, params: dict[str, Any], *, in_webhook_answer: bool = False
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: (HTTP status, JSON body)."""
        params = _normalise(params)
        self.call_count += 1
        self.methods[method] += 1
        if self.keep_history:
            self.calls.append(ApiCall(method, params, in_webhook_answer))
        failure = self._take_failure(method, params) or self._flood_failure(method, params)
        if failure is not None and failure.late:
            self._answer(method, params)  # it took effect; only the answer is lost
            raise LateAnswer("fake Bot API: the answer never came back")
        if failure is not None:
            if failure.dropped:
                raise DroppedConnection("fake Bot API: connection dropped")
            if failure.timeout:
                raise TimedOut("fake Bot API: timed out")
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return failure.status, body
        try:
            return self._answer(method, params)
        except _BadRequest as exc:
            return 400, {"ok": False, "error_code": 400, "description": str(exc)}

    def webhook_answer(self, status: int, body: bytes | str) -> None:
        """The bot answered a webhook delivery with `status` and `body`.

        Telegram lets a webhook's answer carry one Bot API call: a JSON object with
        "method" and its parameters (core.telegram.org/bots/api, "Making requests when
        getting updates"). It is performed like any call, counted as one and recorded
        with `in_webhook_answer`, and its result (or failure) is reported to nobody.
        """
        if not 200 <= status < 300:
            return
        try:
            data = json.loads(body)
        except ValueError:
            return
        if not isinstance(data, dict) or not isinstance(data.get("method"), str):
            return
        params = {key: value for key, value in data.items() if key != "method"}
        method = data["method"]
        self.webhook_answer_methods[method] += 1
        try:
            self.handle(method, params, in_webhook_answer=True)  # its answer goes nowhere
        except TimedOut:  # an injected failure: Telegram tells nobody either
            pass

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 200, {"ok": True, "result": True}
        return 200, {"ok": True, "result": handler(params)}

    def _flood_failure(self, method: str, params: dict[str, Any]) -> _Failure | None:
        """429 when the call would break Telegram's documented flood limits."""
        limits = self.limits
        if limits is None or method not in MESSAGE_METHODS or "chat_id" not in params:
            return None
        chat_id = _as_int(params["chat_id"])
        now = self.clock.monotonic()
        rate = limits.per_chat_rate if chat_id > 0 else 20 / 60
        chat = self._chat_budgets.get(chat_id)
        if chat is None:
            chat = self._chat_budgets[chat_id] = Budget(rate, limits.per_chat_burst)
        wait = chat.try_take(now)
        if not wait and method in NEW_MESSAGE_METHODS:
            wrote = self._last_wrote.get(chat_id)
            if wrote is None or now - wrote > limits.reply_window:
                if self._bulk_budget is None:
                    self._bulk_budget = Budget(limits.bulk_rate, limits.bulk_burst)
                wait = self._bulk_budget.try_take(now)
                if wait:
                    chat.tat -= chat.interval  # this call did not happen in the chat either
        if not wait:
            return None
        self.flood_429s += 1
        seconds = max(1, math.ceil(wait))
        return _Failure(429, f"Too Many Requests: retry after {seconds}", seconds, chat_id=chat_id)

    def _api_getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._user(self.bot_id, "StrideCoach", is_bot=True),
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands = list(params.get("commands", []))
        return True

    def _api_getMyCommands(self, _params: dict[str, Any]) -> list[dict[str, str]]:
        return self.commands

    def confirm_below(self, offset: int) -> None:
        """getUpdates with `offset` confirms every update below it, as Telegram does on arrival."""
        if offset > self.confirmed_below:
            self.confirmed_below = offset
        self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= self.confirmed_below]

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        # Updates below the offset are confirmed and forgotten for good, as on the real server.
        self.confirm_below(_as_int(params.get("offset")) or 0)
        limit = _as_int(params.get("limit")) or 100
        return self.pending_updates[:limit]

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        """A callback query is answered once; Telegram refuses a second answer."""
        query_id = str(params.get("callback_query_id", ""))
        if not query_id or self._queries.get(query_id):
            raise _BadRequest("Bad Request: query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _BadRequest("Bad Request: MESSAGE_TOO_LONG")
        self._queries[query_id] = True
        return True

    def answered(self, query_id: str) -> bool:
        """Has the callback query `query_id` been answered (its spinner stopped)?"""
        return bool(self._queries.get(query_id))

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = str(params.get("url", ""))
        return True

    def _api_deleteWebhook(self, _params: dict[str, Any]) -> bool:
        self.webhook_url = ""
        return True

    def _api_getWebhookInfo(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": 0}

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _as_int(params["chat_id"])
        text = str(params.get("text", ""))
        if not text.strip():
            raise _BadRequest("Bad Request: message text is empty")
        _require_utf8(text)
        if len(text) > 4096:
            raise _BadRequest("Bad Request: message is too long")
        message = SentMessage(
            chat_id=chat_id,
            message_id=self._new_message_id(chat_id),
            text=text,
            reply_markup=params.get("reply_markup"),
            parse_mode=params.get("parse_mode"),
        )
        return self._store(message)

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _as_int(params["chat_id"])
        upload = params.get("document")
        name, content = upload if isinstance(upload, tuple) else ("file", b"")
        message = SentMessage(
            chat_id=chat_id,
            message_id=self._new_message_id(chat_id),
            document=(name, content),
            caption=params.get("caption"),
            reply_markup=params.get("reply_markup"),
        )
        result = self._store(message)
        result["document"] = {"file_id": f"doc{message.message_id}", "file_unique_id": "u",
                              "file_name": name}
        return result

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _as_int(params["chat_id"])
        upload = params.get("photo")
        content = upload[1] if isinstance(upload, tuple) else b""
        message = SentMessage(
            chat_id=chat_id,
            message_id=self._new_message_id(chat_id),
            photo=content,
            caption=params.get("caption"),
            reply_markup=params.get("reply_markup"),
        )
        result = self._store(message)
        result["photo"] = [{"file_id": f"ph{message.message_id}", "file_unique_id": "u",
                            "width": 1, "height": 1}]
        return result

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._existing(params)
        text = str(params.get("text", ""))
        if text == message.text and params.get("reply_markup") == message.reply_markup:
            raise _BadRequest("Bad Request: message is not modified")
        message.text = text
        message.reply_markup = params.get("reply_markup")
        message.parse_mode = params.get("parse_mode")
        if self.keep_history:
            self.activity.append(message)
        return self._store(message)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._existing(params)
        if (params.get("reply_markup") or None) == (message.reply_markup or None):
            raise _BadRequest("Bad Request: message is not modified")
        message.reply_markup = params.get("reply_markup")
        return self._store(message)

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        self._existing(params).deleted = True
        return True

    def _existing(self, params: dict[str, Any]) -> SentMessage:
        key = (_as_int(params.get("chat_id")), _as_int(params.get("message_id")))
        message = self.messages.get(key)
        if message is None:
            raise _BadRequest("Bad Request: message to edit not found")
        return message

    def _store(self, message: SentMessage) -> dict[str, Any]:
        key = (message.chat_id, message.message_id)
        if key not in self.messages:
            if self.keep_history:
                self.sent_log.append(message)
                self.activity.append(message)
            in_chat = self._by_chat.setdefault(message.chat_id, [])
            in_chat.append(message)
            if not self.keep_history and len(in_chat) > 2:
                old = in_chat.pop(0)
                self.messages.pop((old.chat_id, old.message_id), None)
        self.messages[key] = message
        if self.on_message is not None:
            self.on_message(message)
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": message.chat_id, "type": "private"},
            "from": self._user(self.bot_id, "StrideCoach", is_bot=True),
        }
        if message.text:
            result["text"] = message.text
        if message.caption:
            result["caption"] = message.caption
        if message.reply_markup:
            result["reply_markup"] = message.reply_markup
        return result


class _BadRequest(Exception):
    """Raised inside a fake API method; answered as HTTP 400."""


def _require_utf8(text: str) -> None:
    """Telegram refuses text that is not valid UTF-8 (a lone surrogate, for instance)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _BadRequest("Bad Request: strings must be encoded in UTF-8") from None


class FakeRequest(BaseRequest):
    """python-telegram-bot's network layer, answered by a `FakeTelegram`."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = _request_params(request_data)
        gate = self.telegram.gates.get(_as_int(params.get("chat_id"))) if self.telegram.gates else None
        if gate is not None and not gate.is_set():
            chat_id = _as_int(params.get("chat_id"))
            self.telegram.held_calls[chat_id] = self.telegram.held_calls.get(chat_id, 0) + 1
            try:
                await gate.wait()
            finally:
                self.telegram.held_calls[chat_id] -= 1
        delay = self.telegram.call_delay()
        if delay:
            await self.telegram.clock.sleep(delay / 2)  # on the way to Telegram
        try:
            status, body = self.telegram.handle(api_method, params)
        except _BadRequest as exc:
            status, body = 400, {"ok": False, "error_code": 400, "description": str(exc)}
        if delay:
            await self.telegram.clock.sleep(delay / 2)  # and back
        return status, json.dumps(body).encode()


def _request_params(request_data: RequestData | None) -> dict[str, Any]:
    if request_data is None:
        return {}
    params: dict[str, Any] = dict(request_data.parameters)
    if request_data.contains_files:
        # Uploaded files arrive as InputFile objects; keep (file name, bytes).
        for name, (filename, content, _mime) in request_data.multipart_data.items():
            field_name = name if name in ("document", "photo") else None
            if field_name:
                params[field_name] = (filename, content)
            elif isinstance(params.get(name), str) and params[name].startswith("attach://"):
                params[name] = (filename, content)
        for key in ("document", "photo"):
            value = params.get(key)
            if isinstance(value, str) and value.startswith("attach://"):
                attached = request_data.multipart_data.get(value.removeprefix("attach://"))
                if attached:
                    params[key] = (attached[0], attached[1])
    return params


def _normalise(params: dict[str, Any]) -> dict[str, Any]:
    """Accept both in-process values and form/JSON-encoded ones (the HTTP emulator's)."""
    out = dict(params)
    for key in ("reply_markup", "commands", "entities", "allowed_updates"):
        value = out.get(key)
        if isinstance(value, str):
            try:
                out[key] = json.loads(value)
            except ValueError:
                pass
    return out


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0
