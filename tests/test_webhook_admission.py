"""Who may connect to the webhook: only the allowed networks (by default Telegram's webhook
ranges and loopback), at most a few connections per address, checked before a connection
counts against the server's cap. The real tornado server and Application in-process;
"other hosts" are other loopback addresses (Linux routes all of 127.0.0.0/8 to lo)."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from collections.abc import AsyncIterator
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import httpx
import pytest

from stridecoach.bot import webhook
from stridecoach.bot.services import Services
from stridecoach.bot.testing import FakeTelegram
from stridecoach.bot.testing.ports import free_port
from stridecoach.bot.webhook import HealthCheck, start_health_server, webhook_config_problem
from stridecoach.bot.webhook_admission import Admission, client_ip, parse_allowed_networks
from tests.test_e2e import TOKEN, clean_env
from tests.test_webhook import SECRET, WebhookBot, gets_no_answer, webhook_settings

TELEGRAM = "127.0.0.1"  # plays Telegram: the address the allowlist names
STRANGER = "127.0.0.2"  # another host
RUNNER = 4242
OTHER_RUNNER = 4343
CAP = 5


def _update_request(fake: FakeTelegram, runner: int, text: str) -> bytes:
    import json

    body = json.dumps(fake.make_text_update(runner, text)).encode()
    head = (f"POST /telegram HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            f"{webhook.SECRET_HEADER}: {SECRET}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


async def _hold(port: int, source: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """An idle connection from `source` (sends nothing yet)."""
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))


async def _ask_health(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> bytes:
    reader, writer = connection
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=60)  # the deadline only stops a broken run
    writer.close()
    await writer.wait_closed()
    return answer


@pytest.fixture
async def only_telegram(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[WebhookBot]:
    """The webhook admitting only 127.0.0.1, as production admits only Telegram's ranges."""
    monkeypatch.setattr(webhook._CappedHTTPServer, "max_open", CAP)
    async with WebhookBot(services, fake, webhook_allowed_networks=f"{TELEGRAM}/32") as running:
        yield running


@pytest.fixture
async def two_per_address(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[WebhookBot]:
    """Both addresses admitted, each holding at most two connections; five in all."""
    monkeypatch.setattr(webhook._CappedHTTPServer, "max_open", CAP)
    async with WebhookBot(services, fake, webhook_allowed_networks=f"{TELEGRAM}/32,{STRANGER}/32",
                          webhook_max_connections_per_address=2) as running:
        yield running


async def test_a_stranger_gets_no_service_even_with_the_secret_and_telegram_is_still_answered(
    only_telegram: WebhookBot, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="stridecoach.bot.webhook")
    # Four times the cap, each a whole update with the right secret: none is served...
    for _ in range(4 * CAP):
        assert await gets_no_answer(only_telegram.port, STRANGER, _update_request(fake, OTHER_RUNNER, "/start"))
    # ...nor held: Telegram's update still finds a place, and the runner is answered.
    response = await only_telegram.post(fake.make_text_update(RUNNER, "/start"))
    assert response.status_code == 200
    await only_telegram.settle()
    assert "StrideCoach" in fake.last(RUNNER).text
    assert fake.chat(OTHER_RUNNER) == []
    assert any("outside WEBHOOK_ALLOWED_NETWORKS" in r.getMessage() and STRANGER in r.getMessage()
               for r in caplog.records)


async def test_refused_strangers_never_count_against_the_cap(only_telegram: WebhookBot, fake: FakeTelegram) -> None:
    held = [await _hold(only_telegram.port, TELEGRAM) for _ in range(CAP - 1)]  # one place left
    for _ in range(4 * CAP):
        assert await gets_no_answer(only_telegram.port, STRANGER)
    response = await only_telegram.post(fake.make_text_update(RUNNER, "/help"))  # takes the last place
    assert response.status_code == 200
    for connection in held:
        assert b"200 OK" in await _ask_health(connection)


async def test_one_address_holds_at_most_its_share_and_the_others_are_answered(
    two_per_address: WebhookBot, fake: FakeTelegram
) -> None:
    held = [await _hold(two_per_address.port, STRANGER) for _ in range(2)]
    for _ in range(CAP):  # more from the same address: refused, whatever they send
        assert await gets_no_answer(two_per_address.port, STRANGER, _update_request(fake, OTHER_RUNNER, "/start"))
    response = await two_per_address.post(fake.make_text_update(RUNNER, "/start"))
    assert response.status_code == 200
    await two_per_address.settle()
    assert "StrideCoach" in fake.last(RUNNER).text
    assert fake.chat(OTHER_RUNNER) == []
    for connection in held:  # the two it was allowed are served
        assert b"200 OK" in await _ask_health(connection)


async def test_an_address_gets_its_places_back_as_its_connections_close(
    two_per_address: WebhookBot, fake: FakeTelegram
) -> None:
    # Telegram opens a connection per delivery, over and over: far more than its share in total.
    no_reuse = httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_keepalive_connections=0))
    try:
        for n in range(10):
            update = fake.make_text_update(RUNNER, "/help" if n else "/start")
            response = await no_reuse.post(two_per_address.url, json=update, headers={webhook.SECRET_HEADER: SECRET})
            assert response.status_code == 200
    finally:
        await no_reuse.aclose()
    await two_per_address.settle()
    assert len(fake.chat(RUNNER)) >= 10


async def test_the_health_port_answers_probes_from_anywhere(only_telegram: WebhookBot) -> None:
    port = free_port()
    check = HealthCheck(only_telegram.app, only_telegram.receiver)
    health = start_health_server(check, "127.0.0.1", port, per_address=2)
    try:
        assert await gets_no_answer(only_telegram.port, STRANGER)  # /healthz on the webhook port: refused
        answer = await _ask_health(await _hold(port, STRANGER))
        assert b"200 OK" in answer and b'"status": "ok"' in answer
    finally:
        health.stop()
        await health.close_all_connections()


def _admitted(networks: str | None, address: str) -> bool:
    return Admission(parse_allowed_networks(networks), 50).refusal(client_ip((address, 0))) is None


@pytest.mark.parametrize(
    ("address", "admitted"),
    [("149.154.160.1", True), ("149.154.167.220", True), ("149.154.175.255", True), ("91.108.4.1", True),
     ("91.108.7.254", True), ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
     ("::ffff:149.154.167.220", True),  # Telegram reaching a dual-stack listener
     ("149.154.176.1", False), ("91.108.8.1", False), ("8.8.8.8", False), ("10.0.0.5", False),
     ("192.168.1.10", False), ("2001:db8::1", False)],
)
def test_by_default_telegram_and_loopback_are_admitted_and_no_one_else(address: str, admitted: bool) -> None:
    assert _admitted(None, address) is admitted
    assert _admitted("", address) is admitted  # a blank setting is the default


def test_the_setting_replaces_the_default_and_any_admits_everyone() -> None:
    assert _admitted("10.0.0.0/8", "10.1.2.3") and not _admitted("10.0.0.0/8", "127.0.0.1")
    assert not _admitted("10.0.0.0/8", "149.154.167.220")
    assert _admitted("10.0.0.7", "10.0.0.7") and not _admitted("10.0.0.7", "10.0.0.8")  # a bare address
    assert _admitted(" 10.0.0.0/8 , 2001:db8::/32 ", "2001:db8::1")
    for address in ("8.8.8.8", "10.1.2.3", "2001:db8::1", "::1"):
        assert _admitted("any", address) and _admitted("ANY", address)
    assert webhook_config_problem(webhook_settings(8443, webhook_allowed_networks="any")) is None


@pytest.mark.parametrize(
    ("value", "named"),
    [("10.0.0.300/8", "10.0.0.300/8"), ("10.0.0.1/8", "host bits"), ("10.0.0.0/33", "10.0.0.0/33"),
     ("telegram", "telegram"), ("149.154.160.0/20,,127.0.0.1", "empty entry"), ("10.0.0.0/8;127.0.0.1", ";")],
)
def test_a_malformed_allowlist_is_a_clear_start_up_problem(value: str, named: str) -> None:
    problem = webhook_config_problem(webhook_settings(8443, webhook_allowed_networks=value))
    assert problem is not None
    assert "WEBHOOK_ALLOWED_NETWORKS" in problem and named in problem


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setting", "named"),
    [({"WEBHOOK_ALLOWED_NETWORKS": "149.154.160.0/20, 91.108.4.0/222"}, "91.108.4.0/222"),
     ({"WEBHOOK_MAX_CONNECTIONS_PER_ADDRESS": "0"}, "WEBHOOK_MAX_CONNECTIONS_PER_ADDRESS"),
     ({"WEBHOOK_MAX_CONNECTIONS_PER_ADDRESS": "lots"}, "WEBHOOK_MAX_CONNECTIONS_PER_ADDRESS")],
)
def test_the_real_process_explains_a_bad_admission_setting_and_exits(
    tmp_path: Path, setting: dict[str, str], named: str
) -> None:
    env: dict[str, Any] = clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
        WEBHOOK_URL="https://bot.example.com/telegram", WEBHOOK_SECRET_TOKEN=SECRET, **setting,
    )
    result = subprocess.run([sys.executable, "-m", "stridecoach", "run", "--webhook"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr and SECRET not in result.stderr
    assert not (tmp_path / "x.db").exists()  # refused before touching anything


def test_client_ip_reads_what_sockets_report() -> None:
    assert client_ip(("::ffff:91.108.4.9", 443, 0, 0)) == ip_address("91.108.4.9")
    assert client_ip(("fe80::1%lo", 443, 0, 1)) is not None
    assert client_ip("") is None and client_ip(("not an address", 1)) is None


# ---------------------------------------------------------------------- the real process


@pytest.mark.e2e
def test_the_real_process_admits_only_its_allowlist(tmp_path: Path) -> None:
    """`stridecoach run --webhook` with WEBHOOK_ALLOWED_NETWORKS=127.0.0.1/32: the emulator
    (Telegram, on 127.0.0.1) is answered; a stranger on 127.0.0.2 posting an update with
    the right secret gets no answer and the bot does nothing with it."""
    import socket as sockets

    from stridecoach.bot.testing.emulator import Emulator
    from tests.test_e2e import BotProcess, bot_env, say

    port = free_port()
    with Emulator(token=TOKEN) as emulator:
        env = bot_env(emulator, tmp_path / "hook.db", WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
                      WEBHOOK_PORT=str(port), WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_SECRET_TOKEN=SECRET,
                      WEBHOOK_ALLOWED_NETWORKS=f"{TELEGRAM}/32")
        bot = BotProcess([sys.executable, "-m", "stridecoach", "run", "--webhook"], env, tmp_path)
        bot.start()
        try:
            # The deadlines only stop a broken run: under load a start once took over 30 s.
            emulator.wait_for(lambda: emulator.telegram.webhook_url, 90, "setWebhook")
            forged = _update_request(emulator.telegram, OTHER_RUNNER, "/start")
            for _ in range(3):
                try:
                    # The reset may come before connect() returns (a loaded machine): the same refusal.
                    with sockets.create_connection(("127.0.0.1", port), timeout=60, source_address=(STRANGER, 0)) as s:
                        s.sendall(forged)
                        assert s.recv(1024) == b""  # closed without a byte of answer
                except (ConnectionResetError, BrokenPipeError):
                    pass  # or reset
            say(emulator, "/start", "StrideCoach", user=RUNNER)
            assert bot.terminate() == 0
        finally:
            bot.kill()
        assert emulator.messages(OTHER_RUNNER) == []
    log = bot.log()
    assert "outside WEBHOOK_ALLOWED_NETWORKS (the last from 127.0.0.2)" in log
