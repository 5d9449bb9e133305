"""The webhook server under abuse: junk JSON, slow and idle connections, too many connections."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from stridecoach.bot import webhook
from stridecoach.bot.services import Services
from stridecoach.bot.testing import FakeTelegram
from tests.test_webhook import WebhookBot, gets_no_answer


@pytest.fixture
async def hook(services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[WebhookBot]:
    monkeypatch.setattr(webhook, "READ_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(webhook._CappedHTTPServer, "max_open", 5)
    async with WebhookBot(services, fake) as running:
        yield running


JUNK = {
    "deeply nested lists": b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "deeply nested objects": json.dumps(
        {"update_id": 1, "message": json.loads('{"a":' * 60 + "1" + "}" * 60)}
    ).encode(),
    "a string message": b'{"update_id": 1, "message": "hello"}',
    "a string update id": b'{"update_id": "1"}',
    "a boolean update id": b'{"update_id": true}',
    "a huge update id": b'{"update_id": 123456789012345678901234567890}',
    "a list": b"[1, 2]",
}


@pytest.mark.parametrize("body", JUNK.values(), ids=list(JUNK))
async def test_junk_updates_get_400(hook: WebhookBot, body: bytes, fake: FakeTelegram) -> None:
    response = await hook.post(body)
    assert response.status_code == 400
    assert fake.sent_log == []


async def _open(hook: WebhookBot) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", hook.port)


async def test_a_client_that_never_finishes_its_headers_is_cut_off(hook: WebhookBot) -> None:
    reader, writer = await _open(hook)
    writer.write(b"POST /telegram HTTP/1.1\r\nHost: x\r\n")  # ...and nothing more
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), timeout=10) == b""  # closed by the server
    writer.close()


async def test_a_client_that_never_sends_its_body_is_cut_off(hook: WebhookBot) -> None:
    reader, writer = await _open(hook)
    writer.write(b"POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{")
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), timeout=10) == b""
    writer.close()
    await writer.wait_closed()


async def test_connections_over_the_cap_are_refused_and_the_server_recovers(hook: WebhookBot) -> None:
    idle = [await _open(hook) for _ in range(5)]
    await asyncio.sleep(0)
    assert await gets_no_answer(hook.port)  # the sixth
    for r, _ in idle:  # the idle ones are closed by the server after the read timeout
        assert await asyncio.wait_for(r.read(), timeout=10) == b""
    for _, w in idle:
        w.close()
        await w.wait_closed()
    health = await hook.client.get(f"http://127.0.0.1:{hook.port}/healthz")
    assert health.status_code in (200, 503) and "database" in health.json()


def test_a_short_webhook_secret_is_refused_before_it_can_reach_a_log() -> None:
    from stridecoach.bot.webhook import webhook_config_problem
    from tests.test_webhook import webhook_settings

    problem = webhook_config_problem(webhook_settings(8443, webhook_secret_token="abc123"))
    assert problem is not None and "at least 16" in problem and "abc123" not in problem


async def test_healthz_answers_and_reports_degraded_while_the_database_is_locked(
    hook: WebhookBot, database_url: str, database_kind: str
) -> None:
    import sqlite3

    if database_kind != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL has no database-wide write lock")

    url = f"http://127.0.0.1:{hook.port}/healthz"
    holder = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds SQLite's write lock
    try:
        locked = await hook.client.get(url)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert locked.status_code == 200
    assert locked.json()["status"] == "degraded" and locked.json()["database"] == "locked"
    fine = await hook.client.get(url)
    assert fine.json()["status"] == "ok" and fine.json()["database"] == "ok"
