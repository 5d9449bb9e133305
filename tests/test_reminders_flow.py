"""/schedule, /reminders, /pause, /resume, off, and the reminder's buttons, through the real bot."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from sqlmodel import select

from bot.handlers import reminders as handlers
from bot.reminder_delivery import Pacer, TickReport
from bot.testing import FakeTelegram
from bot.testing.harness import BotHarness, FakeClock
from bot.ui import reminders as ui
from storage.models import Runner, Schedule, WorkoutSession
from tests.conftest import RUNNER

if TYPE_CHECKING:
    from bot.services import Services

UTC = timezone.utc
# The clock starts on Monday 2 March 2026, 09:00 UTC (10:00 in Berlin, 04:00 in New York).


async def _no_wait(_seconds: float) -> None:
    return None


async def tick(services: Services) -> TickReport:
    delivery = handlers.delivery_of(services)
    delivery.sleep = _no_wait
    delivery.pacer = Pacer(1e9, sleep=_no_wait)
    return await delivery.tick()


def stored(services: Services, runner: int = RUNNER) -> Schedule | None:
    with services.db.session() as session:
        return session.get(Schedule, runner)


def pending_input(services: Services, runner: int = RUNNER) -> str | None:
    with services.db.session() as session:
        row = session.get(Runner, runner)
        return row.pending_input if row else None


def reminders_in(fake: FakeTelegram, chat: int = RUNNER) -> list[Any]:
    return [m for m in fake.chat(chat) if "Snooze 1 h" in m.button_texts]


async def schedule(bot: BotHarness, *, time: str = "18:00", zone: str = "Berlin") -> str:
    """Run /schedule with the suggested days; returns the last reply."""
    await bot.send(RUNNER, "/schedule")
    await bot.press(RUNNER, "Next")
    if ":" in time and len(time) == 5 and time in ui.TIME_CHOICES:
        await bot.press(RUNNER, time)
    else:
        await bot.send(RUNNER, time)
    [reply] = await bot.send(RUNNER, zone)
    return reply.text


# ------------------------------------------------------------------ /schedule


async def test_full_schedule_flow(bot: BotHarness, services: Services) -> None:
    [days] = await bot.send(RUNNER, "/schedule")
    # Three days suggested, as the article recommends 2-3 a week.
    assert [t for t in days.button_texts if t.startswith("✅")] == ["✅ Mon", "✅ Wed", "✅ Fri"]
    await bot.press(RUNNER, "Fri")
    await bot.press(RUNNER, "Sat")
    assert [t for t in bot.fake.last(RUNNER).button_texts if t.startswith("✅")] == ["✅ Mon", "✅ Wed", "✅ Sat"]
    [ask_time] = await bot.press(RUNNER, "Next")
    assert "Mon, Wed, Sat" in ask_time.text and "18:00" in ask_time.button_texts
    assert bot.fake.chat(RUNNER)[0].buttons == []  # the day buttons are gone
    [ask_zone] = await bot.press(RUNNER, "18:00")
    assert "city" in ask_zone.text
    [saved] = await bot.send(RUNNER, "Berlin")
    assert "Berlin → <b>Europe/Berlin</b> (now 10:00 there)" in saved.text
    assert "Next one: <b>Mon 2 Mar, 18:00</b>" in saved.text
    schedule = stored(services)
    assert schedule is not None
    assert (schedule.days_mask, schedule.local_time, schedule.zone) == (0b0100101, "18:00", "Europe/Berlin")
    assert schedule.next_reminder_at == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    assert pending_input(services) is None


@pytest.mark.parametrize(
    ("typed", "zone", "local_now"),
    [("Berlin", "Europe/Berlin", "10:00"), ("new york", "America/New_York", "04:00"), ("UTC+2", "Etc/GMT-2", "11:00")],
)
async def test_zone_is_matched_and_confirmed(
    bot: BotHarness, services: Services, typed: str, zone: str, local_now: str
) -> None:
    text = await schedule(bot, zone=typed)
    assert f"→ <b>{zone}</b> (now {local_now} there)" in text
    schedule_row = stored(services)
    assert schedule_row is not None and schedule_row.zone == zone


async def test_unknown_zone_keeps_the_old_schedule(bot: BotHarness, services: Services) -> None:
    await schedule(bot, time="07:00", zone="Berlin")
    await bot.send(RUNNER, "/schedule")
    await bot.press(RUNNER, "Tue")
    await bot.press(RUNNER, "Next")
    await bot.press(RUNNER, "20:00")
    [reply] = await bot.send(RUNNER, "Narnia")
    assert "I don't know a time zone called <i>Narnia</i>" in reply.text
    assert "unchanged" in reply.text
    kept = stored(services)
    assert kept is not None
    assert (kept.days_mask, kept.local_time, kept.zone) == (0b10101, "07:00", "Europe/Berlin")
    # Still waiting for the zone: a good answer now completes the new schedule.
    [done] = await bot.send(RUNNER, "Berlin")
    assert "Mon, Tue, Wed, Fri" in done.text
    assert stored(services).local_time == "20:00"  # type: ignore[union-attr]


async def test_keep_the_zone_on_file(bot: BotHarness, services: Services) -> None:
    await schedule(bot, zone="new york")
    await bot.send(RUNNER, "/schedule")
    await bot.press(RUNNER, "Next")
    await bot.press(RUNNER, "06:30")
    [saved] = await bot.press(RUNNER, "Keep America/New_York")
    assert "06:30" in saved.text
    assert stored(services).zone == "America/New_York"  # type: ignore[union-attr]


async def test_typed_times(bot: BotHarness, services: Services) -> None:
    await bot.send(RUNNER, "/schedule")
    await bot.press(RUNNER, "Next")
    [bad] = await bot.send(RUNNER, "25:61")
    assert "couldn't read <i>25:61</i> as a time" in bad.text
    assert stored(services) is None
    [ask_zone] = await bot.send(RUNNER, "7pm-ish")
    assert "at 19:00 your time" in ask_zone.text
    await bot.send(RUNNER, "Berlin")
    assert stored(services).local_time == "19:00"  # type: ignore[union-attr]


async def test_typed_days_work_too(bot: BotHarness, services: Services) -> None:
    await bot.send(RUNNER, "/schedule")
    [ask_time] = await bot.send(RUNNER, "tue thu")
    assert "Tue, Thu" in ask_time.text
    await bot.press(RUNNER, "07:00")
    await bot.send(RUNNER, "Berlin")
    assert stored(services).days_mask == 0b0001010  # type: ignore[union-attr]


async def test_no_days_picked(bot: BotHarness, services: Services) -> None:
    await schedule(bot, zone="Berlin")
    await bot.send(RUNNER, "/schedule")
    for day in ("Mon", "Wed", "Fri"):
        await bot.press(RUNNER, day)
    [reply] = await bot.press(RUNNER, "Next")
    assert reply.text == ui.NO_DAYS
    assert stored(services).days_mask == 0b10101  # type: ignore[union-attr]
    # Picking one then works.
    await bot.press(RUNNER, "Sun")
    [ask_time] = await bot.press(RUNNER, "Next")
    assert "Sun" in ask_time.text


async def test_stale_schedule_buttons_change_nothing(bot: BotHarness, services: Services) -> None:
    [old_days] = await bot.send(RUNNER, "/schedule")
    [new_days] = await bot.send(RUNNER, "/schedule")
    [reply] = await bot.press(RUNNER, "Sun", message=old_days)
    assert reply.text == ui.STALE_BUTTON
    assert [t for t in new_days.button_texts if t.startswith("✅")] == ["✅ Mon", "✅ Wed", "✅ Fri"]
    await bot.press(RUNNER, "Next", message=new_days)
    [ask_time] = [m for m in bot.fake.chat(RUNNER) if "Reminder time" in m.text]
    # Buttons the runner may still see (on another device, or an unedited message).
    old_buttons = [(old_days, dict(old_days.buttons)[label]) for label in ("Tue", "Next →")]
    old_buttons.append((ask_time, dict(ask_time.buttons)["06:30"]))
    await bot.press(RUNNER, "18:00")
    await bot.send(RUNNER, "Berlin")
    before = stored(services)
    # After saving, every button of the finished flow is stale.
    for message, data in old_buttons:
        [reply] = await bot.feed(bot.fake.make_callback_update(RUNNER, message, data))
        assert reply.text == ui.STALE_BUTTON
    after = stored(services)
    assert before is not None and after is not None
    assert (after.days_mask, after.local_time, after.zone) == (before.days_mask, before.local_time, before.zone)


async def test_cancel_and_questions_mid_flow(bot: BotHarness, services: Services) -> None:
    await schedule(bot, zone="Berlin")
    await bot.send(RUNNER, "/schedule")
    await bot.press(RUNNER, "Next")
    # A question is answered by the coach; the time question stays open.
    [answer] = await bot.send(RUNNER, "how do I do a hollow body hold?")
    assert "hollow body hold" in answer.text.lower() and "couldn't read" not in answer.text
    assert pending_input(services) is not None
    [cancelled] = await bot.send(RUNNER, "cancel")
    assert cancelled.text == ui.SCHEDULE_CANCELLED
    assert pending_input(services) is None
    assert stored(services).local_time == "18:00"  # type: ignore[union-attr]


async def test_schedule_intent(bot: BotHarness) -> None:
    [reply] = await bot.send(RUNNER, "set up my reminders")
    assert reply.text == ui.PICK_DAYS


# ------------------------------------------------------------------ /reminders, pause, resume, off


async def test_reminders_shows_next_local_time(bot: BotHarness) -> None:
    [none] = await bot.send(RUNNER, "/reminders")
    assert none.text == ui.NO_SCHEDULE
    await schedule(bot, time="07:00", zone="new york")
    [status] = await bot.send(RUNNER, "/reminders")
    assert "Mon, Wed, Fri at 07:00 (America/New_York)" in status.text
    # 04:00 in New York now: today's 07:00 is next.
    assert "Next one: <b>Mon 2 Mar, 07:00</b> your time" in status.text
    assert status.button_texts == ["⏸ Pause", "🔕 Turn off"]


async def test_pause_and_resume(bot: BotHarness, services: Services, clock: FakeClock) -> None:
    await schedule(bot, zone="Berlin")
    [paused] = await bot.send(RUNNER, "/pause")
    assert paused.text == ui.PAUSED
    assert "(paused)" in (await bot.send(RUNNER, "/reminders"))[0].text
    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    assert (await tick(services)).claimed == 0
    clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    [resumed] = await bot.send(RUNNER, "/resume")
    assert "Next one: <b>Wed 4 Mar, 18:00</b>" in resumed.text
    clock.set(datetime(2026, 3, 4, 17, 0, tzinfo=UTC))
    assert (await tick(services)).sent == 1
    assert len(reminders_in(bot.fake)) == 1


async def test_turn_off_by_button_and_by_words(bot: BotHarness, services: Services, clock: FakeClock) -> None:
    await schedule(bot, zone="Berlin")
    await bot.send(RUNNER, "/reminders")
    [off] = await bot.press(RUNNER, "Turn off")
    assert off.text == ui.TURNED_OFF
    assert stored(services).enabled is False  # type: ignore[union-attr]
    await bot.send(RUNNER, "/resume")
    assert stored(services).enabled is True  # type: ignore[union-attr]
    [off_again] = await bot.send(RUNNER, "please stop the reminders")
    assert off_again.text == ui.TURNED_OFF
    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    assert (await tick(services)).claimed == 0
    assert "are off" in (await bot.send(RUNNER, "/reminders"))[0].text


# ------------------------------------------------------------------ the reminder's buttons


async def _reminded(bot: BotHarness, services: Services, clock: FakeClock) -> None:
    await schedule(bot, zone="Berlin")
    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    assert (await tick(services)).sent == 1


async def test_snooze_sends_one_more_reminder_an_hour_later(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    await _reminded(bot, services, clock)
    clock.advance(minutes=2)
    [snoozed] = await bot.press(RUNNER, "Snooze 1 h")
    assert snoozed.text == ui.SNOOZED.format(time="19:02")
    assert "Snoozed until 19:02" in (await bot.send(RUNNER, "/reminders"))[0].text
    clock.advance(minutes=59)
    assert (await tick(services)).claimed == 0
    clock.advance(minutes=1)
    assert (await tick(services)).sent == 1
    clock.advance(minutes=1)
    assert (await tick(services)).claimed == 0
    reminders = reminders_in(bot.fake)
    assert len(reminders) == 2 and reminders[-1].text == ui.REMINDER_SNOOZED


async def test_skip_today_cancels_the_snooze(bot: BotHarness, services: Services, clock: FakeClock) -> None:
    await _reminded(bot, services, clock)
    await bot.press(RUNNER, "Snooze 1 h")
    [skipped] = await bot.press(RUNNER, "Skip today")
    assert "Next one: <b>Wed 4 Mar, 18:00</b>" in skipped.text
    clock.advance(hours=3)
    assert (await tick(services)).claimed == 0
    assert len(reminders_in(bot.fake)) == 1


async def test_buttons_of_an_old_reminder_do_not_snooze(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    await _reminded(bot, services, clock)
    clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    [reply] = await bot.press(RUNNER, "Snooze 1 h")
    assert reply.text == ui.NOT_TODAY.format(date="Mon 2 Mar")
    assert stored(services).snooze_until is None  # type: ignore[union-attr]


async def test_start_session_from_the_reminder(bot: BotHarness, services: Services, clock: FakeClock) -> None:
    await _reminded(bot, services, clock)
    await bot.press(RUNNER, "Start calf session")
    with services.db.session() as session:
        rows = session.exec(select(WorkoutSession).where(WorkoutSession.runner_id == RUNNER)).all()
    assert [r.routine_id for r in rows] == ["calf-routine"]


async def test_start_session_when_sessions_are_missing(
    bot: BotHarness, services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.handlers import sessions

    await _reminded(bot, services, clock)
    monkeypatch.delattr(sessions, "start_routine", raising=False)
    [reply] = await bot.press(RUNNER, "Start back session")
    assert reply.text == ui.SESSIONS_UNAVAILABLE


async def test_late_reminder_says_so(bot: BotHarness, services: Services, clock: FakeClock) -> None:
    await schedule(bot, zone="Berlin")
    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC) + timedelta(minutes=20))
    await tick(services)
    [late] = reminders_in(bot.fake)
    assert "Sorry this is late" in late.text
