"""The composition root (bot/app.py) routes everything the bot offers, and says so loudly
when it does not: a button prefix, an intent or a menu command with no row."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from stridecoach.bot import app, ui
from stridecoach.bot.services import Services
from stridecoach.bot.testing import FakeTelegram
from stridecoach.bot.testing.fake_telegram import SentMessage
from stridecoach.bot.testing.harness import BotHarness
from stridecoach.bot.ui.common import COMMANDS as MENU
from stridecoach.content.understanding import default_understander


def _ui_button_prefixes() -> dict[str, str]:
    """Every `..._PREFIX` string constant of the bot/ui modules: what their buttons carry."""
    found: dict[str, str] = {}
    for module_info in pkgutil.iter_modules(ui.__path__):
        module = importlib.import_module(f"{ui.__name__}.{module_info.name}")
        for name, value in vars(module).items():
            if name.endswith("PREFIX") and isinstance(value, str):
                found[f"{module_info.name}.{name}"] = value
    return found


def test_every_button_prefix_the_ui_emits_has_exactly_one_row() -> None:
    prefixes = _ui_button_prefixes()
    assert prefixes, "no button prefixes found in bot/ui"
    for where, prefix in prefixes.items():
        rows = [row for row, _ in app.BUTTONS if prefix.startswith(row)]
        assert len(rows) == 1, f"bot/ui {where} = {prefix!r} is routed by {rows} in bot/app.py BUTTONS"


def test_every_button_row_is_a_prefix_the_ui_emits() -> None:
    emitted = set(_ui_button_prefixes().values())
    for prefix, handler in app.BUTTONS:
        assert prefix in emitted, f"BUTTONS row {prefix!r} ({handler.__name__}) matches no button of bot/ui"


def test_every_intent_the_understanding_knows_has_exactly_one_row() -> None:
    known = set(default_understander().knowledge.intents)
    assert set(app.INTENTS) == known


def test_every_menu_command_has_a_row() -> None:
    routed = [name for name, _ in app.COMMANDS]
    assert len(routed) == len(set(routed))
    for name, _description in MENU:
        assert name in routed, f"/{name} is in the menu but not in bot/app.py COMMANDS"


def test_an_intent_without_a_row_stops_the_bot_at_start_up(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_forget = {name: handler for name, handler in app.INTENTS.items() if name != "forget"}
    monkeypatch.setattr(app, "INTENTS", without_forget)
    with pytest.raises(RuntimeError, match="no row for \\['forget'\\]"):
        app.build_application(services)


async def test_a_shown_button_that_no_row_routes_fails_the_test_that_shows_it(services: Services) -> None:
    fake = FakeTelegram()
    async with BotHarness(services, fake) as harness:
        harness.check_buttons_are_routed()  # nothing shown yet: fine
        fake.sent_log.append(SentMessage(
            chat_id=1, message_id=1, text="new feature",
            reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": "zz:go"}]]},
        ))
        with pytest.raises(AssertionError, match="'zz:go', which no row of BUTTONS"):
            harness.check_buttons_are_routed()
        fake.sent_log.pop()



async def test_text_goes_to_the_first_claimer_that_wants_it(bot: BotHarness) -> None:
    """TEXT_CLAIMERS' order, as a runner meets it with a session live and /schedule asking."""
    runner = 4242
    await bot.send(runner, "/session")
    await bot.press(runner, "Lower back")
    await bot.send(runner, "/schedule")
    await bot.press(runner, "Next")
    # The session's claimer sees the pending question and passes "7" on: it is the time.
    [zone_question] = await bot.send(runner, "7")
    assert "07:00" in zone_question.text and "time zone" in zone_question.text.lower()
    # Reminders in words come first of all, even while the session and the question wait
    # (nothing is saved yet, so there is nothing to pause; the zone is still asked for).
    [pause] = await bot.send(runner, "pause for a week")
    assert "no reminders yet" in pause.text.lower()
    [saved] = await bot.send(runner, "Berlin")
    assert "Berlin" in saved.text
    # Nothing pending any more: "done" is the session's again.
    [recorded] = await bot.send(runner, "done")
    assert "set 1 done" in recorded.text.lower() or "✅" in recorded.text


def test_telegram_is_reached_with_verified_tls_one_context_for_both_http_clients(services: Services) -> None:
    """Without a custom request the bot talks to Telegram through PTB's HTTPX clients: calls
    (256 connections) and getUpdates (one), which share one TLS context (one copy of the
    certificate authorities in memory) that verifies the server's certificate and name."""
    import ssl

    from telegram.request import HTTPXRequest

    application = app.build_application(services)
    calls, updates = application.bot.request, application.bot_data["raw_updates"].inner
    assert isinstance(calls, HTTPXRequest) and isinstance(updates, HTTPXRequest)
    # PTB keeps what it gives httpx.AsyncClient here.
    options = [request._client_kwargs for request in (calls, updates)]
    assert [o["limits"].max_connections for o in options] == [256, 1]  # PTB's defaults
    tls = options[0]["verify"]
    assert options[1]["verify"] is tls
    assert isinstance(tls, ssl.SSLContext) and tls.verify_mode == ssl.CERT_REQUIRED and tls.check_hostname
