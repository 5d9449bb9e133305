"""Webhook mode: the secret token, bad input, updates of kinds the bot ignores, /healthz.

Most tests run the real Application and the real tornado server in-process (the
Bot API side is the in-process fake); one runs `stridecoach run --webhook` as a
subprocess with the HTTP emulator delivering updates to it, as Telegram would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from stridecoach.bot.app import build_application
from stridecoach.bot.inbox import inbox_of
from stridecoach.bot.services import Services
from stridecoach.bot.settings import Settings
from stridecoach.bot.testing import FakeTelegram
from stridecoach.bot.testing.emulator import Emulator
from stridecoach.bot.testing.fake_telegram import FakeRequest, SentMessage
from stridecoach.bot.testing.harness import VirtualClock
from stridecoach.bot.testing.ports import free_port
from stridecoach.bot.ui import sessions as sessions_ui
from stridecoach.bot.webhook import SECRET_HEADER, WebhookReceiver, webhook_config_problem
from tests.test_e2e import RUNNER as E2E_RUNNER
from tests.test_e2e import SERVE, TOKEN, WAIT, BotProcess, bot_env, clean_env, say

SECRET = "s3cret-TOKEN_for_tests"
RUNNER = 4242


def webhook_settings(port: int, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "webhook_url": f"http://127.0.0.1:{port}/telegram",
        "webhook_secret_token": SECRET,
        "webhook_listen": "127.0.0.1",
        "webhook_port": port,
        **extra,
    }
    return Settings(_env_file=None, **values)


class WebhookBot:
    """The real Application receiving by webhook on a free port, the fake Bot API behind it.

    The fake and the bot's rate limiter share a `VirtualClock`, as in `BotHarness`: the
    fake's latency and the 1 message/s per chat cost no real time (with the real clock,
    ten replies in one chat took seven seconds, spent spinning in `settle`)."""

    def __init__(self, services: Services, fake: FakeTelegram, **settings: Any) -> None:
        self.port = free_port()
        self.fake = fake
        self.clock = VirtualClock()
        fake.clock = self.clock
        self.app = build_application(services, request=FakeRequest(fake), telegram_clock=self.clock)
        self.receiver = WebhookReceiver(webhook_settings(self.port, **settings))
        self.url = f"http://127.0.0.1:{self.port}/telegram"
        self.client = httpx.AsyncClient(timeout=5)

    async def __aenter__(self) -> WebhookBot:
        await self.app.initialize()
        await self.receiver.start(self.app)
        await self.app.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()
        await self.receiver.stop(self.app)
        await self.app.stop()
        await self.app.shutdown()

    async def post(
        self, body: bytes | dict[str, Any], secret: str | None = SECRET, *, answer_reaches_telegram: bool = True
    ) -> httpx.Response:
        """Deliver as Telegram does: a Bot API call in the webhook's answer is performed
        (unless the answer is lost on its way back, `answer_reaches_telegram=False`)."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = await self.client.post(self.url, content=data, headers=headers)
        if answer_reaches_telegram:
            self.fake.webhook_answer(response.status_code, response.content)
        return response

    async def press(self, label: str, *, answer_reaches_telegram: bool = True) -> tuple[str, httpx.Response]:
        """The runner presses the newest button labelled `label`; (callback query id, the webhook's answer)."""
        message = next(m for m in reversed(self.fake.chat(RUNNER)) if any(label in t for t in m.button_texts))
        data = next(d for text, d in message.buttons if label in text)
        return await self.press_data(message, data, answer_reaches_telegram=answer_reaches_telegram)

    async def press_data(
        self, message: SentMessage, data: str, *, answer_reaches_telegram: bool = True
    ) -> tuple[str, httpx.Response]:
        update = self.fake.make_callback_update(RUNNER, message, data)
        response = await self.post(update, answer_reaches_telegram=answer_reaches_telegram)
        await self.settle()
        return update["callback_query"]["id"], response

    async def settle(self) -> None:
        """Wait until every update stored by a 200 has been handled (replies sent); nothing sleeps.

        A press whose reply is recorded in its own unit of work is marked handled before
        the reply goes out, so the queue's join (its handlers returned) comes first.

        A refused delivery (403, 400) is never stored, so there is nothing to wait for.
        """
        await self.app.update_queue.join()  # every queued update's handlers have returned
        inbox = inbox_of(self.app)
        deadline = time.monotonic() + 60  # only stops a broken run
        while self.app.update_queue.qsize() or inbox.unhandled_count():
            assert time.monotonic() < deadline, "updates still unhandled"
            await asyncio.sleep(0)  # yield to the Application
            await asyncio.to_thread(lambda: None)  # and to work it runs in threads


async def gets_no_answer(port: int, source: str = "127.0.0.1", request: bytes | None = None) -> bool:
    """Connect from the local address `source` and send a whole request (by default GET
    /healthz): True when the server hangs up without a byte of answer."""
    request = request or b"GET /healthz HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n\r\n"
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    except ConnectionResetError:  # reset before our side of the handshake returned
        return True
    try:
        writer.write(request)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=60)  # the deadline only stops a broken run
    except (ConnectionResetError, BrokenPipeError):
        return True
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return answer == b""


@pytest.fixture
async def webhook_bot(services: Services, fake: FakeTelegram) -> AsyncIterator[WebhookBot]:
    async with WebhookBot(services, fake) as running:
        yield running


async def test_set_webhook_carries_the_url_and_the_secret(webhook_bot: WebhookBot) -> None:
    (call,) = webhook_bot.fake.calls_to("setWebhook")
    assert call.params["url"] == webhook_bot.url
    assert call.params["secret_token"] == SECRET


async def test_an_update_with_the_right_secret_is_answered(webhook_bot: WebhookBot) -> None:
    response = await webhook_bot.post(webhook_bot.fake.make_text_update(RUNNER, "/start"))
    assert response.status_code == 200
    await webhook_bot.settle()
    assert "StrideCoach" in webhook_bot.fake.last(RUNNER).text


@pytest.mark.parametrize("secret", [None, "wrong", "", SECRET + "x"])
async def test_a_missing_or_wrong_secret_is_refused_with_a_log_line(
    webhook_bot: WebhookBot, secret: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="stridecoach.bot.webhook")
    response = await webhook_bot.post(webhook_bot.fake.make_text_update(RUNNER, "/start"), secret)
    assert response.status_code == 403
    await webhook_bot.settle()
    assert webhook_bot.fake.chat(RUNNER) == []
    assert any("refused" in r.getMessage() and "secret token" in r.getMessage() for r in caplog.records)
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe", b"[1, 2]", b'{"message": "no update id"}', b'{"update_id": "7"}'],
)
async def test_malformed_bodies_get_400_and_a_log_line(
    webhook_bot: WebhookBot, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="stridecoach.bot.webhook")
    response = await webhook_bot.post(body)
    assert response.status_code == 400
    assert any("malformed" in r.getMessage() for r in caplog.records)
    # ...and the bot is still fine afterwards.
    assert (await webhook_bot.post(webhook_bot.fake.make_text_update(RUNNER, "/help"))).status_code == 200
    await webhook_bot.settle()
    assert webhook_bot.fake.chat(RUNNER)


def _unhandled_kinds(fake: FakeTelegram) -> list[dict[str, Any]]:
    text = fake.make_text_update(RUNNER, "hello")
    edited = {"update_id": fake.next_update_id(), "edited_message": {**text["message"], "text": "edit",
                                                                      "edit_date": 1}}
    channel = {"update_id": fake.next_update_id(), "channel_post": {
        "message_id": 1, "date": 1, "chat": {"id": -100123, "type": "channel", "title": "News"},
        "text": "/start"}}
    group = fake.make_text_update(RUNNER, "/start", chat_type="group")
    inline = {"update_id": fake.next_update_id(), "inline_query": {
        "id": "iq1", "from": {"id": RUNNER, "is_bot": False, "first_name": "Runner"},
        "query": "calf", "offset": ""}}
    return [edited, channel, group, inline]


async def test_updates_the_bot_does_not_handle_are_survived(
    webhook_bot: WebhookBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for update in _unhandled_kinds(webhook_bot.fake):
        assert (await webhook_bot.post(update)).status_code == 200
    await webhook_bot.settle()
    assert "unhandled error" not in caplog.text
    # The group got the one "private chats only" line.
    assert "private chats" in webhook_bot.fake.last(-RUNNER - 1_000_000).text
    response = await webhook_bot.post(webhook_bot.fake.make_text_update(RUNNER, "/help"))
    assert response.status_code == 200
    await webhook_bot.settle()
    assert webhook_bot.fake.chat(RUNNER)


async def test_an_update_ptb_cannot_read_is_acknowledged_and_logged(
    webhook_bot: WebhookBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="stridecoach.bot.webhook")
    response = await webhook_bot.post({"update_id": 77, "message": {"text": "no chat, no date"}})
    assert response.status_code == 200  # Telegram would otherwise retry it for hours
    assert any("dropped update 77" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------------- button presses


async def _started_session(bot: WebhookBot) -> None:
    assert (await bot.post(bot.fake.make_text_update(RUNNER, "/session"))).status_code == 200
    await bot.settle()
    await bot.press("Calf routine")
    assert "Set 1 of" in bot.fake.last(RUNNER).text


def _calls_since(fake: FakeTelegram, index: int) -> list[tuple[str, bool]]:
    return sorted((c.method, c.in_webhook_answer) for c in fake.calls[index:])


async def test_a_press_is_answered_in_the_webhook_answer_and_costs_one_edit(webhook_bot: WebhookBot) -> None:
    fake = webhook_bot.fake
    await _started_session(webhook_bot)
    before = len(fake.calls)
    query_id, response = await webhook_bot.press("Done")
    # The spinner stops with the webhook's own answer, once the press is stored...
    assert response.status_code == 200
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": query_id}
    assert fake.answered(query_id)
    # ...and the bot makes one call: the pressed message becomes the record and the next set.
    assert _calls_since(fake, before) == [("answerCallbackQuery", True), ("editMessageText", False)]
    shown = fake.last(RUNNER)
    assert "set 1 done" in shown.text and "Set 2 of" in shown.text and shown.buttons


async def test_a_press_on_an_earlier_sets_button_gets_a_message_and_one_answer(webhook_bot: WebhookBot) -> None:
    fake = webhook_bot.fake
    await _started_session(webhook_bot)
    message = fake.last(RUNNER)
    data = next(d for text, d in message.buttons if text.startswith("Done"))
    await webhook_bot.press_data(message, data)
    before = len(fake.calls)
    query_id, _ = await webhook_bot.press_data(message, data)  # the same set's Done again
    assert fake.answered(query_id)
    answers = [c for c in fake.calls[before:] if c.method == "answerCallbackQuery"]
    assert [c.in_webhook_answer for c in answers] == [True]  # no second answer, which Telegram refuses
    assert fake.last(RUNNER).text == sessions_ui.NOTICE_STALE.format(current=2, total=21)


async def test_junk_button_data_in_webhook_mode_gets_a_message(webhook_bot: WebhookBot) -> None:
    fake = webhook_bot.fake
    await _started_session(webhook_bot)
    query_id, _ = await webhook_bot.press_data(fake.last(RUNNER), "zz:not-ours")
    assert fake.answered(query_id)
    assert [c.in_webhook_answer for c in fake.calls_to("answerCallbackQuery") if c.params["callback_query_id"]
            == query_id] == [True]
    assert "doesn't do anything any more" in fake.last(RUNNER).text


async def test_a_press_whose_answer_was_lost_is_answered_by_the_redelivery(webhook_bot: WebhookBot) -> None:
    """Telegram redelivers when our answer did not reach it: the method in it was never performed."""
    fake = webhook_bot.fake
    await _started_session(webhook_bot)
    message = fake.last(RUNNER)
    data = next(d for text, d in message.buttons if text.startswith("Done"))
    update = fake.make_callback_update(RUNNER, message, data)
    query_id = update["callback_query"]["id"]
    await webhook_bot.post(update, answer_reaches_telegram=False)
    await webhook_bot.settle()
    assert not fake.answered(query_id)
    response = await webhook_bot.post(update)  # the same update again
    await webhook_bot.settle()
    assert response.json()["method"] == "answerCallbackQuery" and fake.answered(query_id)
    assert len(fake.calls_to("editMessageText")) == 2  # the chooser, then this one set: counted once
    assert "Set 2 of" in fake.last(RUNNER).text


async def test_deliveries_at_once_are_each_stored_before_their_answer_and_handled_once(
    webhook_bot: WebhookBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram keeps many deliveries in flight: they share a transaction (a group commit),
    each answered once it is stored; the same update twice at once is handled once."""
    inbox = inbox_of(webhook_bot.app)
    batches: list[list[int]] = []
    store = inbox._store

    def counting(payloads: Any) -> list[int]:
        batches.append([uid for uid, _ in payloads])
        return store(payloads)

    monkeypatch.setattr(inbox, "_store", counting)
    fake = webhook_bot.fake
    updates = [fake.make_text_update(RUNNER + i, "/help") for i in range(5)]
    responses = await asyncio.gather(*(webhook_bot.post(u) for u in [*updates, updates[0]]))
    assert [r.status_code for r in responses] == [200] * 6
    await webhook_bot.settle()
    assert sorted(uid for batch in batches for uid in batch) == sorted(u["update_id"] for u in updates)
    assert len(batches) < len(updates)  # shared transactions, not one per delivery
    assert [len(fake.chat(RUNNER + i)) for i in range(5)] == [1] * 5  # each answered once


async def test_a_batch_that_cannot_be_stored_is_refused_for_telegram_to_deliver_again(
    webhook_bot: WebhookBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = inbox_of(webhook_bot.app)

    def broken(payloads: Any) -> list[int]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(inbox, "_store", broken)
    fake = webhook_bot.fake
    updates = [fake.make_text_update(RUNNER + i, "/help") for i in range(3)]
    responses = await asyncio.gather(*(webhook_bot.post(u) for u in updates))
    assert [r.status_code for r in responses] == [503] * 3
    monkeypatch.undo()
    responses = await asyncio.gather(*(webhook_bot.post(u) for u in updates))  # Telegram again
    assert [r.status_code for r in responses] == [200] * 3
    await webhook_bot.settle()
    assert [len(fake.chat(RUNNER + i)) for i in range(3)] == [1] * 3


def test_the_fake_refuses_a_second_answer_to_one_press(fake: FakeTelegram) -> None:
    """As Telegram does: one answer per callback query, whichever way it comes."""
    message = SentMessage(chat_id=RUNNER, message_id=1, text="x")
    query_id = fake.make_callback_update(RUNNER, message, "s:x")["callback_query"]["id"]
    fake.webhook_answer(200, json.dumps({"method": "answerCallbackQuery", "callback_query_id": query_id}))
    assert fake.answered(query_id)
    status, body = fake.handle("answerCallbackQuery", {"callback_query_id": query_id})
    assert status == 400 and "query is too old" in body["description"]
    assert fake.methods["answerCallbackQuery"] == 2 and fake.webhook_answer_methods["answerCallbackQuery"] == 1


async def test_healthz_reports_ok(webhook_bot: WebhookBot) -> None:
    response = await webhook_bot.client.get(f"http://127.0.0.1:{webhook_bot.port}/healthz")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok" and report["mode"] == "webhook" and report["database"] == "ok"


async def test_only_post_reaches_the_webhook(webhook_bot: WebhookBot) -> None:
    response = await webhook_bot.client.get(webhook_bot.url)
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("values", "expected"),
    [({}, "WEBHOOK_URL"), ({"webhook_url": "https://x.example/t"}, "WEBHOOK_SECRET_TOKEN"),
     ({"webhook_url": "https://x.example/t", "webhook_secret_token": "has space"}, "only contain"),
     ({"webhook_url": "x.example", "webhook_secret_token": "ok"}, "not an http")],
)
def test_webhook_settings_are_checked_before_start(values: dict[str, str], expected: str) -> None:
    problem = webhook_config_problem(Settings(_env_file=None, **values))
    assert problem is not None and expected in problem


# ---------------------------------------------------------------------- the real process


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(token=TOKEN) as emu:
        yield emu


@pytest.mark.e2e
def test_run_webhook_process_end_to_end(emulator: Emulator, tmp_path: Path) -> None:
    port = free_port()
    env = bot_env(
        emulator, tmp_path / "hook.db", WEBHOOK_URL=f"http://127.0.0.1:{port}", WEBHOOK_PORT=str(port),
        WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_SECRET_TOKEN=SECRET,
    )
    bot = BotProcess([*SERVE, "--webhook"], env, tmp_path)  # as deploy/compose.yaml runs it
    bot.start()
    try:
        emulator.wait_for(lambda: emulator.telegram.webhook_url, 20, "setWebhook")
        assert emulator.webhook_secret == SECRET
        # The emulator delivers updates to the webhook with the secret, as Telegram does.
        say(emulator, "/start", "StrideCoach")
        say(emulator, "how do I do a hollow body hold", "hollow body hold")
        # A press: the webhook's answer stops the spinner, the bot makes one edit.
        say(emulator, "/session", "Calf routine")
        mark = emulator.mark()
        emulator.press(E2E_RUNNER, "Calf routine")
        emulator.wait_for_text(E2E_RUNNER, "Set 1 of", since=mark, timeout=WAIT)
        emulator.wait_for_call("answerCallbackQuery", timeout=WAIT)
        before = len(emulator.calls())
        mark = emulator.mark()
        emulator.press(E2E_RUNNER, "Done")
        emulator.wait_for_text(E2E_RUNNER, "Set 2 of", since=mark, timeout=WAIT)
        emulator.wait_for_call("answerCallbackQuery", count=2, timeout=WAIT)
        press = emulator.calls()[before:]
        assert sorted((c["method"], c["in_webhook_answer"]) for c in press) == [
            ("answerCallbackQuery", True), ("editMessageText", False)]
        # Someone else posting without the secret is refused and nothing happens.
        forged = emulator.telegram.make_text_update(999, "/start")
        url = f"http://127.0.0.1:{port}/telegram"
        assert httpx.post(url, json=forged, timeout=5).status_code == 403
        assert httpx.post(url, json=forged, headers={SECRET_HEADER: "nope"}, timeout=5).status_code == 403
        assert httpx.post(url, content=b"{oops", headers={SECRET_HEADER: SECRET}, timeout=5).status_code == 400
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert bot.terminate() == 0
    finally:
        bot.kill()
    assert emulator.messages(999) == []
    log = bot.log()
    assert "secret token" in log and "malformed" in log and "stopped cleanly" in log
    assert TOKEN not in log and SECRET not in log


@pytest.mark.slow
def test_run_webhook_without_url_or_secret_explains_and_exits(tmp_path: Path) -> None:
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "stridecoach", "run", "--webhook"],
        env=clean_env(TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"),
        cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert "WEBHOOK_URL" in result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
