"""/schedule, /reminders, /pause, /resume, off, and the reminder's buttons, through the real bot."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from sqlmodel import select

from stridecoach.bot.handlers import reminders as handlers
from stridecoach.bot.reminder_delivery import Pacer, TickReport
from stridecoach.bot.testing import FakeTelegram
from stridecoach.bot.testing.harness import BotHarness, FakeClock
from stridecoach.bot.ui import reminders as ui
from stridecoach.storage.models import Runner, Schedule, WorkoutSession
from tests.conftest import RUNNER

if TYPE_CHECKING:
    from stridecoach.bot.services import Services

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
    assert "Time zone: <b>Berlin (Europe/Berlin)</b>, now 10:00 there." in saved.text
    assert "Next one: <b>Mon 2 Mar, 18:00</b> your time." in saved.text
    schedule = stored(services)
    assert schedule is not None
    assert (schedule.days_mask, schedule.local_time, schedule.zone) == (0b0100101, "18:00", "Europe/Berlin")
    assert schedule.next_reminder_at == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    assert pending_input(services) is None


@pytest.mark.parametrize(
    ("typed", "zone", "shown", "local_now"),
    [
        ("Berlin", "Europe/Berlin", "Berlin (Europe/Berlin)", "10:00"),
        ("Europe/Paris", "Europe/Paris", "Paris (Europe/Paris)", "10:00"),
        ("new york", "America/New_York", "New York (America/New_York)", "04:00"),
        ("mumbai", "Asia/Kolkata", "Mumbai (Asia/Kolkata)", "14:30"),
        ("UTC+2", "Etc/GMT-2", "UTC+02:00 (fixed offset, no daylight saving)", "11:00"),
        ("UTC-5", "Etc/GMT+5", "UTC-05:00 (fixed offset, no daylight saving)", "04:00"),
    ],
)
async def test_zone_is_matched_and_confirmed(
    bot: BotHarness, services: Services, typed: str, zone: str, shown: str, local_now: str
) -> None:
    text = await schedule(bot, zone=typed)
    # Confirmed by its name, not by echoing the input ("Europe/Paris → Europe/Paris",
    # "new york → ..."), and offsets never with the inverted Etc/GMT sign.
    assert text.startswith(f"Time zone: <b>{shown}</b>, now {local_now} there.")
    assert "→" not in text and "Etc/GMT" not in text and typed not in text.replace(shown, "")
    assert ("doesn't change with summer time" in text) == zone.startswith("Etc/")
    schedule_row = stored(services)
    assert schedule_row is not None and schedule_row.zone == zone  # storage keeps the IANA name


async def test_offset_zones_are_shown_with_their_real_sign(bot: BotHarness) -> None:
    await schedule(bot, time="07:00", zone="UTC+2")
    [status] = await bot.send(RUNNER, "/reminders")
    assert "Mon, Wed, Fri at 07:00 (UTC+02:00)" in status.text and "GMT" not in status.text
    await bot.send(RUNNER, "/schedule")
    await bot.press(RUNNER, "Next")
    [ask_zone] = await bot.press(RUNNER, "06:30")
    assert "Or keep <b>UTC+02:00</b>" in ask_zone.text and "GMT" not in ask_zone.text
    assert ask_zone.button_texts[0] == "Keep UTC+02:00"
    [saved] = await bot.press(RUNNER, "Keep UTC+02:00")
    assert saved.text.startswith("Time zone: <b>UTC+02:00 (fixed offset, no daylight saving)</b>")


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
    # Buttons the runner may still see (on another device, or an unedited message).
    old_data = dict(old_days.buttons)
    [new_days] = await bot.send(RUNNER, "/schedule")
    assert old_days.buttons == []  # the new /schedule removed the old one's buttons
    [reply] = await bot.feed(bot.fake.make_callback_update(RUNNER, old_days, old_data["Sun"]))
    assert reply.text == ui.STALE_BUTTON
    assert [t for t in new_days.button_texts if t.startswith("✅")] == ["✅ Mon", "✅ Wed", "✅ Fri"]
    await bot.press(RUNNER, "Next", message=new_days)
    [ask_time] = [m for m in bot.fake.chat(RUNNER) if "Reminder time" in m.text]
    old_buttons = [(old_days, old_data[label]) for label in ("Tue", "Next →")]
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
    # A question is answered by the coach; the time question stays open, and the bot says so.
    [answer, waiting] = await bot.send(RUNNER, "how do I do a hollow body hold?")
    assert "hollow body hold" in answer.text.lower() and "couldn't read" not in answer.text
    assert waiting.text == ui.STILL_WAITING["time"]
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


async def test_a_replayed_snooze_does_not_push_the_reminder_further(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    """A press replayed after a crash (same update id, a minute later) changes nothing."""
    await _reminded(bot, services, clock)
    clock.advance(minutes=2)
    target, data = bot.find_button(RUNNER, "Snooze 1 h")
    payload = bot.fake.make_callback_update(RUNNER, target, data)
    await bot.feed(payload)
    clock.advance(minutes=1)
    [again] = await bot.feed(payload)
    assert again.text == ui.SNOOZED.format(time="19:02")  # not 19:03
    assert "Snoozed until 19:02" in (await bot.send(RUNNER, "/reminders"))[0].text


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


async def test_late_reminder_says_so(bot: BotHarness, services: Services, clock: FakeClock) -> None:
    await schedule(bot, zone="Berlin")
    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC) + timedelta(minutes=20))
    await tick(services)
    [late] = reminders_in(bot.fake)
    assert "Sorry this is late" in late.text


# ------------------------------------------------------------------ QA pass: a demanding runner


async def test_texts_quote_the_article_faithfully(bot: BotHarness, services: Services, clock: FakeClock) -> None:
    # The calf article: "two to three times per week", "5-10 minutes each time"; the
    # lower-back article gives neither a frequency nor a duration.
    [days] = await bot.send(RUNNER, "/schedule")
    assert "The calf article recommends 2-3 sessions a week, 5-10 minutes each." in days.text
    assert "strength work" not in days.text
    await bot.send(RUNNER, "cancel")
    await _reminded(bot, services, clock)
    clock.set(datetime(2026, 3, 4, 17, 0, tzinfo=UTC) + timedelta(minutes=20))
    await tick(services)
    on_time, late = reminders_in(bot.fake)
    for reminder in (on_time, late):
        assert "5-10 minutes" in reminder.text and "calf" in reminder.text.lower()
        assert "15 minutes" not in reminder.text
    assert "Sorry this is late" in late.text


async def test_schedule_again_says_the_current_days_are_selected(bot: BotHarness) -> None:
    await bot.send(RUNNER, "/schedule")
    await bot.send(RUNNER, "tue thu")
    await bot.press(RUNNER, "07:00")
    await bot.send(RUNNER, "Berlin")
    [days] = await bot.send(RUNNER, "/schedule")
    assert [t for t in days.button_texts if t.startswith("✅")] == ["✅ Tue", "✅ Thu"]
    assert "Your current days are selected: Tue, Thu." in days.text
    assert "suggested three" not in days.text and "Mon, Wed, Fri" not in days.text


@pytest.mark.parametrize(
    ("typed", "days", "mask"),
    [("I'd like reminders on sat and sun please", "Sat, Sun", 0b1100000), ("tue thu", "Tue, Thu", 0b0001010)],
)
async def test_typed_days_apply_and_retire_the_day_buttons(
    bot: BotHarness, services: Services, typed: str, days: str, mask: int
) -> None:
    [day_message] = await bot.send(RUNNER, "/schedule")
    day_buttons = dict(day_message.buttons)
    [ask_time] = await bot.send(RUNNER, typed)
    assert f"<b>Reminder time</b> for {days}" in ask_time.text  # not a restarted Mon/Wed/Fri flow
    assert day_message.buttons == []  # the day buttons are gone once the days were typed
    # Pressed anyway (another device): not "an older /schedule message"; the draft is kept.
    [reply] = await bot.feed(bot.fake.make_callback_update(RUNNER, day_message, day_buttons["Tue"]))
    assert reply.text == ui.STILL_WAITING["time"] and reply.text != ui.STALE_BUTTON
    await bot.press(RUNNER, "07:00")
    await bot.send(RUNNER, "Berlin")
    assert stored(services).days_mask == mask  # type: ignore[union-attr]


async def test_unreadable_days_are_asked_again_not_restarted(bot: BotHarness, services: Services) -> None:
    await bot.send(RUNNER, "/schedule")
    before = pending_input(services)
    [reply] = await bot.send(RUNNER, "sat and maybe sun-ish")
    assert "couldn't read <i>sat and maybe sun-ish</i> as training days" in reply.text
    assert pending_input(services) == before
    [ask_time] = await bot.send(RUNNER, "sat, sun")
    assert "Sat, Sun" in ask_time.text


async def test_typed_time_retires_the_time_buttons(bot: BotHarness) -> None:
    await bot.send(RUNNER, "/schedule")
    [ask_time] = await bot.press(RUNNER, "Next")
    await bot.send(RUNNER, "7pm")
    assert ask_time.buttons == []


async def test_resume_when_already_on_says_so(bot: BotHarness, services: Services, clock: FakeClock) -> None:
    await _reminded(bot, services, clock)
    clock.advance(minutes=2)
    await bot.press(RUNNER, "Snooze 1 h")
    [reply] = await bot.send(RUNNER, "/resume")
    assert reply.text == ui.ALREADY_ON.format(next="Wed 4 Mar, 18:00")
    assert "back on" not in reply.text
    assert stored(services).snooze_until is not None  # type: ignore[union-attr]  # left alone
    await bot.send(RUNNER, "/pause")
    [resumed] = await bot.send(RUNNER, "/resume")
    assert resumed.text.startswith("▶️ Reminders are back on.")


async def test_pause_wording_pauses_and_off_wording_turns_off(bot: BotHarness, services: Services) -> None:
    await schedule(bot, zone="Berlin")
    [paused] = await bot.send(RUNNER, "pause my reminders")
    assert paused.text == ui.PAUSED
    row = stored(services)
    assert row is not None and row.paused is True and row.enabled is True
    [again] = await bot.send(RUNNER, "pause my reminders")
    assert again.text == ui.ALREADY_PAUSED
    await bot.send(RUNNER, "/resume")
    [off] = await bot.send(RUNNER, "turn off the reminders")
    assert off.text == ui.TURNED_OFF and stored(services).enabled is False  # type: ignore[union-attr]


@pytest.mark.parametrize("typed", ["cancel", "/cancel"])
async def test_cancel_by_text_removes_the_zone_buttons(bot: BotHarness, services: Services, typed: str) -> None:
    await schedule(bot, zone="Berlin")
    await bot.send(RUNNER, "/schedule")
    await bot.press(RUNNER, "Next")
    [ask_zone] = await bot.press(RUNNER, "06:30")
    assert ask_zone.button_texts == ["Keep Europe/Berlin", "Cancel"]
    [cancelled] = await bot.send(RUNNER, typed)
    assert cancelled.text == ui.SCHEDULE_CANCELLED
    assert ask_zone.buttons == []
    assert pending_input(services) is None
    assert stored(services).local_time == "18:00"  # type: ignore[union-attr]


async def test_cancel_command_with_nothing_pending(bot: BotHarness) -> None:
    [reply] = await bot.send(RUNNER, "/cancel")
    assert reply.text == ui.NOTHING_TO_CANCEL


@pytest.mark.parametrize(
    ("typed", "city", "offset"),
    [("EST", "New York", "UTC-5"), ("PST", "Los Angeles", "UTC-8"), ("CET", "Berlin", "UTC+1")],
)
async def test_abbreviations_get_a_specific_hint(
    bot: BotHarness, services: Services, typed: str, city: str, offset: str
) -> None:
    await bot.send(RUNNER, "/schedule")
    await bot.press(RUNNER, "Next")
    await bot.press(RUNNER, "07:00")
    [reply] = await bot.send(RUNNER, typed)
    assert "I don't know a time zone" not in reply.text
    assert f"<i>{typed}</i> is a time zone abbreviation" in reply.text
    assert f"<i>{city}</i>" in reply.text and f"<i>{offset}</i>" in reply.text
    assert stored(services) is None
    [saved] = await bot.send(RUNNER, city)
    assert saved.text.startswith("Time zone: ")


async def test_question_while_waiting_for_the_zone(bot: BotHarness, services: Services) -> None:
    await bot.send(RUNNER, "/schedule")
    await bot.press(RUNNER, "Next")
    await bot.press(RUNNER, "07:00")
    [answer, waiting] = await bot.send(RUNNER, "how do I do a hollow body hold?")
    assert "hollow body hold" in answer.text.lower()
    assert waiting.text == "(I'm still waiting for your time zone — type a city or /cancel)"
    [saved] = await bot.send(RUNNER, "Berlin")
    assert "Reminders on" in saved.text and stored(services) is not None


async def test_intent_mid_flow_is_not_followed_by_a_waiting_line(bot: BotHarness, services: Services) -> None:
    await schedule(bot, zone="Berlin")
    await bot.send(RUNNER, "/schedule")
    await bot.press(RUNNER, "Next")
    [ask_zone] = await bot.press(RUNNER, "07:00")
    [off] = await bot.send(RUNNER, "can you stop the reminders?")
    assert off.text == ui.TURNED_OFF
    assert pending_input(services) is None and ask_zone.buttons == []


def test_draft_encoding_round_trips_and_reads_older_drafts() -> None:
    draft = handlers.Draft("zone", "k3", 21, "1900", 57)
    assert draft.encode() == "schedule:zone:k3:21:1900:57"
    assert handlers.Draft.decode(draft.encode()) == draft
    days = handlers.Draft("days", "k3", 21, message_id=5)
    assert handlers.Draft.decode(days.encode()) == days
    # Drafts stored before the message id existed still decode (no buttons to remove).
    assert handlers.Draft.decode("schedule:time:k3:21") == handlers.Draft("time", "k3", 21)
    assert handlers.Draft.decode("schedule:zone:k3:21:1900") == handlers.Draft("zone", "k3", 21, "1900")


# ------------------------------------------------------------------ reminders in the runner's words


async def test_pause_for_a_week_resumes_by_itself(bot: BotHarness, services: Services, clock: FakeClock) -> None:
    await schedule(bot, zone="Berlin")  # Mon, Wed, Fri at 18:00; today is Monday 2 March
    [paused] = await bot.send(RUNNER, "pause for a week")
    assert "paused until <b>Mon 9 Mar</b>" in paused.text and "by themselves" in paused.text
    assert "Next one: <b>Mon 9 Mar, 18:00</b>" in paused.text
    assert "Paused until <b>Mon 9 Mar</b>" in (await bot.send(RUNNER, "/reminders"))[0].text
    for day in (2, 4, 6):  # Mon, Wed, Fri of the paused week: nothing
        clock.set(datetime(2026, 3, day, 17, 0, tzinfo=UTC))
        assert (await tick(services)).claimed == 0
    clock.set(datetime(2026, 3, 9, 17, 0, tzinfo=UTC))
    assert (await tick(services)).sent == 1
    clock.set(datetime(2026, 3, 11, 17, 0, tzinfo=UTC))
    assert (await tick(services)).sent == 1
    assert len(reminders_in(bot.fake)) == 2


async def test_pause_until_monday_and_resume_sooner(bot: BotHarness, services: Services, clock: FakeClock) -> None:
    await schedule(bot, zone="Berlin")
    clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))  # Tuesday
    [paused] = await bot.send(RUNNER, "pause my reminders until Monday")
    assert "paused until <b>Mon 9 Mar</b>" in paused.text
    [resumed] = await bot.send(RUNNER, "/resume")
    assert "Next one: <b>Wed 4 Mar, 18:00</b>" in resumed.text
    assert stored(services).paused_until is None  # type: ignore[union-attr]


async def test_a_pause_too_long_is_refused_and_changes_nothing(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    await schedule(bot, zone="Berlin")
    before = stored(services)
    [reply] = await bot.send(RUNNER, "pause for 400 days")
    assert "up to 56 days" in reply.text and "Nothing changed" in reply.text
    after = stored(services)
    assert after is not None and before is not None
    assert (after.next_reminder_at, after.paused, after.paused_until) == (before.next_reminder_at, False, None)


async def test_pause_for_a_week_without_reminders_says_there_are_none(bot: BotHarness) -> None:
    [reply] = await bot.send(RUNNER, "pause for a week")
    assert reply.text == ui.NO_SCHEDULE


async def test_remind_me_sets_days_and_time_in_one_go_asking_only_for_the_zone(
    bot: BotHarness, services: Services
) -> None:
    [ask] = await bot.send(RUNNER, "remind me Tuesdays and Thursdays at 7am")
    assert "<b>Tue, Thu</b> at <b>07:00</b>" in ask.text and "time zone" in ask.text
    [saved] = await bot.send(RUNNER, "Berlin")
    assert "Berlin (Europe/Berlin)" in saved.text
    row = stored(services)
    assert row is not None and row.days_mask == 0b1010 and row.local_time == "07:00"
    # With a zone on file, the next change is one message.
    [again] = await bot.send(RUNNER, "remind me every friday at 18:30")
    assert "Europe/Berlin" in again.text
    row = stored(services)
    assert row is not None and row.days_mask == 0b10000 and row.local_time == "18:30"


async def test_free_wording_pauses_through_the_understanding_step(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    # Not "pause ..." at the start: the learned intent plus the values read from the sentence.
    await schedule(bot, zone="Berlin")
    clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))  # Tuesday
    [paused] = await bot.send(RUNNER, "off on holiday, no reminders till sunday please")
    assert "paused until <b>Sun 8 Mar</b>" in paused.text
    assert stored(services).paused_until is not None  # type: ignore[union-attr]


async def test_a_pause_asked_inside_a_long_story_pauses(bot: BotHarness, services: Services) -> None:
    # The request is one sentence of five; read whole, the story drowns it.
    await schedule(bot, zone="Berlin")  # today is Monday 2 March
    story = (
        "Quick update from me. The half marathon went well, I finished in just under two hours and the "
        "weather held. My legs were heavy for a couple of days but nothing unusual. I'm off to my sister's "
        "tomorrow for the week, new baby in the family, so I'll be doing nappies instead of calf raises. "
        "Please pause the reminders for a week. I'll be back at it when I get home."
    )
    [paused] = await bot.send(RUNNER, story)
    assert "paused until <b>Mon 9 Mar</b>" in paused.text
    assert stored(services).paused_until is not None  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "mask", "at"), [("mon wed at 1900", 0b101, "19:00"), ("every weekday 0630", 0b11111, "06:30")])
async def test_a_terse_days_and_time_message_sets_the_schedule(
    bot: BotHarness, services: Services, text: str, mask: int, at: str
) -> None:
    # No verb at all: the models read the marks the grammar leaves (days, a time) as a schedule.
    await schedule(bot, zone="Berlin")
    [saved] = await bot.send(RUNNER, text)
    assert "Europe/Berlin" in saved.text
    row = stored(services)
    assert row is not None and row.days_mask == mask and row.local_time == at


async def test_free_wording_for_years_is_refused_not_taken_as_a_plain_pause(
    bot: BotHarness, services: Services
) -> None:
    # The pause's length has one grammar (slots.pause_slots), years included: a pause of
    # two years is refused as too long, the schedule kept, instead of pausing with no end.
    await schedule(bot, zone="Berlin")
    [reply] = await bot.send(RUNNER, "off travelling the world, mute the reminders for two years")
    assert "up to 56 days" in reply.text and "Nothing changed" in reply.text
    row = stored(services)
    assert row is not None and row.paused_until is None and row.enabled


async def test_free_wording_sets_days_and_time_in_one_go(bot: BotHarness, services: Services) -> None:
    await schedule(bot, zone="Berlin")
    [saved] = await bot.send(RUNNER, "could you ping me on tuesdays and thursdays, say 7:30pm")
    assert "Europe/Berlin" in saved.text
    row = stored(services)
    assert row is not None and row.days_mask == 0b1010 and row.local_time == "19:30"


async def test_remind_me_at_25_is_refused_and_the_schedule_kept(bot: BotHarness, services: Services) -> None:
    await schedule(bot, zone="Berlin")
    [reply] = await bot.send(RUNNER, "remind me at 25:00")
    assert "couldn't read “25:00” as a time" in reply.text and "Nothing changed" in reply.text
    row = stored(services)
    assert row is not None and row.local_time == "18:00" and row.days_mask == 0b10101


async def test_a_late_reminder_at_night_is_dropped_not_sent(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    await schedule(bot, time="21:00", zone="Berlin")  # 21:00 Berlin = 20:00 UTC
    clock.set(datetime(2026, 3, 2, 21, 30, tzinfo=UTC))  # back 90 min later: 22:30 in Berlin
    report = await tick(services)
    assert report.sent == 0 and report.dropped == 1
    assert reminders_in(bot.fake) == []


async def test_pause_for_a_week_mid_session_pauses_the_reminders_not_the_session(
    bot: BotHarness, services: Services
) -> None:
    await schedule(bot, zone="Berlin")
    await bot.send(RUNNER, "/session")
    await bot.press(RUNNER, "Lower back routine")
    [paused] = await bot.send(RUNNER, "pause my reminders for a week")
    assert "paused until <b>Mon 9 Mar</b>" in paused.text
    assert stored(services).paused_until is not None  # type: ignore[union-attr]
    with services.db.session() as session:
        row = session.exec(select(WorkoutSession).where(WorkoutSession.runner_id == RUNNER)).one()
    assert row.status == "active" and row.position == 0
