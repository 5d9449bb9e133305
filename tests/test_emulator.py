"""The HTTP Bot API emulator, spoken to by PTB's real network layer and by plain HTTP."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from stridecoach.bot.testing.emulator import SECRET_HEADER, Emulator
from stridecoach.bot.testing.ports import free_port
from tests.test_e2e import ROOT, TOKEN, clean_env

USER = 4242


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(token=TOKEN, max_poll_seconds=5, hang_seconds=3) as emu:
        yield emu


@pytest.fixture
async def bot(emulator: Emulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emulator.base_url) as real_bot:  # initialize() calls getMe
        yield real_bot


async def test_ptb_talks_to_it_over_http(bot: Bot, emulator: Emulator) -> None:
    assert bot.username == "StrideCoachBot"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Back routine", callback_data="r:back")]])
    sent = await bot.send_message(USER, "<b>hi</b>", parse_mode="HTML", reply_markup=keyboard)
    await bot.edit_message_text("edited", chat_id=USER, message_id=sent.message_id)
    (message,) = emulator.messages(USER)
    assert message.text == "edited"
    assert [e.text for e in emulator.events_since(0, USER)] == ["<b>hi</b>", "edited"]


async def test_multipart_uploads_arrive_as_files(bot: Bot, emulator: Emulator) -> None:
    await bot.send_document(USER, document=b"a,b\n1,2\n", filename="progress.csv", caption="your data")
    (message,) = emulator.messages(USER)
    assert message.document == ("progress.csv", b"a,b\n1,2\n")
    assert message.caption == "your data"


async def test_get_updates_returns_as_soon_as_an_update_is_queued(bot: Bot, emulator: Emulator) -> None:
    # A long poll of 30 s is already waiting when the update arrives; it must answer
    # well before its own timeout (the 10 s bound only stops a broken emulator).
    poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=40))
    await asyncio.to_thread(emulator.wait_until_polling)
    emulator.send_text(USER, "/start")
    updates = await asyncio.wait_for(poll, 10)
    assert [u.message.text for u in updates if u.message] == ["/start"]
    # The next call with a higher offset confirms it: it is gone, as on the real server.
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    assert emulator.pending_update_ids() == []


async def test_get_updates_honours_its_timeout_and_the_cap(bot: Bot, emulator: Emulator) -> None:
    assert await bot.get_updates(timeout=0.2) == ()  # nothing came: an empty answer at the timeout
    emulator.max_poll_seconds = 0.3
    assert await bot.get_updates(timeout=60, read_timeout=70) == ()  # capped at max_poll_seconds
    assert emulator.poll_timeouts == [0.2, 0.3]


async def test_a_button_press_reaches_the_bot_as_a_callback_query(bot: Bot, emulator: Emulator) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Back routine", callback_data="r:back")]])
    await bot.send_message(USER, "Pick one", reply_markup=keyboard)
    emulator.press(USER, "back")
    (update,) = await bot.get_updates(timeout=0)
    assert update.callback_query is not None and update.callback_query.data == "r:back"
    with pytest.raises(LookupError):
        emulator.press(USER, "calf")


@pytest.mark.slow  # waits out the bot's read timeout on a hung call
async def test_failures_and_hangs_can_be_injected(bot: Bot, emulator: Emulator) -> None:
    emulator.fail_next("sendMessage", status=500)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "x")
    emulator.fail_next("sendMessage", timeout=True)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "x", read_timeout=1)
    await bot.send_message(USER, "fine again")
    assert [m.text for m in emulator.messages(USER)] == ["fine again"]


async def test_a_wrong_token_gets_401(emulator: Emulator) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("111:wrong", base_url=emulator.base_url):
            pass


def test_control_endpoints_play_the_runner_over_http(emulator: Emulator) -> None:
    control = f"{emulator.url}/control"
    with httpx.Client(timeout=10) as http:
        update = http.post(f"{control}/text", json={"user_id": USER, "text": "hello"}).json()["result"]
        assert update["message"]["text"] == "hello"
        # The bot's side, form-encoded as PTB sends it.
        sent = http.post(f"{emulator.base_url}{TOKEN}/sendMessage", data={
            "chat_id": str(USER), "text": "Pick",
            "reply_markup": json.dumps({"inline_keyboard": [[{"text": "Done ✅", "callback_data": "d:1"}]]}),
        })
        assert sent.json()["ok"] is True
        messages = http.get(f"{control}/messages", params={"chat_id": USER}).json()["result"]
        assert messages[0]["buttons"] == [["Done ✅", "d:1"]]
        pressed = http.post(f"{control}/press", json={"user_id": USER, "label": "done"}).json()["result"]
        assert pressed["callback_query"]["data"] == "d:1"
        waited = http.get(f"{control}/wait", params={"chat_id": USER, "contains": "pick", "timeout": 2})
        assert waited.json()["result"]["text"] == "Pick"
        assert http.get(f"{control}/wait", params={"chat_id": USER, "contains": "nope",
                                                    "timeout": 0.5}).status_code == 400
        assert http.post(f"{control}/fail", json={"method": "getMe", "status": 502}).json()["ok"]
        assert http.get(f"{emulator.base_url}{TOKEN}/getMe").status_code == 502
        assert http.get(f"{control}/nothing").status_code == 404
        assert http.post(f"{emulator.base_url}{TOKEN}/sendMessage", content=b"{bad",
                         headers={"Content-Type": "application/json"}).status_code == 400


def test_it_delivers_to_a_webhook_with_the_secret(emulator: Emulator) -> None:
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received: list[tuple[str | None, dict[str, object]]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers.get(SECRET_HEADER), json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        assert httpx.post(f"{emulator.base_url}{TOKEN}/setWebhook",
                          data={"url": url, "secret_token": "abc"}).json()["ok"]
        # While a webhook is set, getUpdates is refused, as on the real server.
        assert httpx.get(f"{emulator.base_url}{TOKEN}/getUpdates").status_code == 409
        emulator.send_text(USER, "via webhook")
        emulator.wait_for(lambda: received, 5, "a webhook delivery")
        secret, update = received[0]
        assert secret == "abc" and update["message"]["text"] == "via webhook"  # type: ignore[index]
        emulator.wait_for(lambda: not emulator.pending_update_ids(), 5, "the update to be confirmed")
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_it_runs_standalone(tmp_path: object) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "stridecoach.bot.testing.emulator", "--port", str(port)],
        env=clean_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert proc.stdout is not None
        assert f"http://127.0.0.1:{port}/bot" in proc.stdout.readline()
        me = httpx.get(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe", timeout=5).json()
        assert me["result"]["is_bot"] is True
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()


async def test_confirmed_updates_are_gone_for_good(bot: Bot, emulator: Emulator) -> None:
    first = emulator.send_text(USER, "one")["update_id"]
    # A long poll that confirms "one" on arrival, abandoned after half a second (a bot killed mid-poll)...
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{emulator.base_url}{TOKEN}/getUpdates", json={"offset": first + 1, "timeout": 4},
                   timeout=0.5)
    # ...and a restarted bot that polls from the beginning never sees "one" again.
    assert await bot.get_updates(offset=0, timeout=0) == ()
    emulator.send_text(USER, "two")
    again = await bot.get_updates(offset=0, timeout=0)
    assert [u.message.text for u in again if u.message] == ["two"]


@pytest.mark.slow  # waits out the bot's read timeout on a hung call
async def test_a_late_answer_delivers_the_message_but_the_bot_times_out(
    bot: Bot, emulator: Emulator
) -> None:
    emulator.fail_next("sendMessage", late=True)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "set 2 of 3", read_timeout=1)
    assert [m.text for m in emulator.messages(USER)] == ["set 2 of 3"]  # the runner has it


async def test_a_dropped_connection_delivers_nothing(bot: Bot, emulator: Emulator) -> None:
    emulator.fail_next("sendMessage", dropped=True)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "lost")
    emulator.fail_next("sendMessage", status=429, retry_after=3, description="Too Many Requests")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "limited")
    emulator.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
    with pytest.raises(Forbidden):
        await bot.send_message(USER, "blocked")
    assert emulator.messages(USER) == []
