"""Guided sessions end to end: the real Application, the fake Bot API, SQLite on disk.

Every test plays the runner through BotHarness and checks what they would see
(texts, buttons) and what is stored (one completed_set row per set, exactly once).
Timers and the abandoned-session sweep are driven by calling their job
callbacks directly and moving the FakeClock: nothing sleeps.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

import pytest
from sqlmodel import col, select

from stridecoach.bot.handlers.sessions import SWEEP_JOB_NAME, timer_job_name
from stridecoach.bot.handlers.timed_work import countdown_job_name, rest_job_name
from stridecoach.bot.settings import Settings
from stridecoach.bot.testing import FakeTelegram
from stridecoach.bot.testing.fake_telegram import SentMessage
from stridecoach.bot.testing.harness import BotHarness, FakeClock
from stridecoach.bot.ui import sessions as ui
from stridecoach.storage.models import CompletedSet, WorkoutSession
from tests.conftest import OTHER_RUNNER, RUNNER

if TYPE_CHECKING:
    from stridecoach.bot.services import Services

CALF_SETS = 21
BACK_SETS = 8
WEIGHTED_POSITION = 18  # the weighted calf raise's first set in the calf routine


# ------------------------------------------------------------------ helpers


def stored_sets(services: Services, runner: int = RUNNER) -> list[CompletedSet]:
    with services.db.session() as session:
        return list(
            session.exec(
                select(CompletedSet)
                .where(CompletedSet.runner_id == runner)
                .order_by(col(CompletedSet.session_id), col(CompletedSet.position))
            ).all()
        )


def latest_row(services: Services, runner: int = RUNNER) -> WorkoutSession:
    with services.db.session() as session:
        row = session.exec(
            select(WorkoutSession)
            .where(WorkoutSession.runner_id == runner)
            .order_by(col(WorkoutSession.id).desc())
        ).first()
    assert row is not None, "no session stored"
    return row


def with_buttons(fake: FakeTelegram, chat: int) -> list[SentMessage]:
    return [m for m in fake.chat(chat) if m.buttons]


async def start(bot: BotHarness, runner: int = RUNNER, routine: str = "Calf routine") -> list[SentMessage]:
    await bot.send(runner, "/session")
    return await bot.press(runner, routine)


async def done_times(bot: BotHarness, n: int, runner: int = RUNNER) -> None:
    """n sets done, 40 s apart (a realistic pace, well under the flood guard)."""
    clock = bot.services.clock
    assert isinstance(clock, FakeClock)
    for _ in range(n):
        clock.advance(seconds=40)
        await bot.send(runner, "done")


def only(messages: list[SentMessage]) -> SentMessage:
    assert len(messages) == 1, [m.text for m in messages]
    return messages[0]


# ------------------------------------------------------------------ walking the routines


async def test_session_offers_both_routines_as_buttons(bot: BotHarness) -> None:
    reply = only(await bot.send(RUNNER, "/session"))
    assert reply.button_texts == ["Calf routine", "Short calf session ⏱", "Calf, no equipment 🏠", "Lower back routine"]
    assert [data for _, data in reply.buttons] == [
        "s:start:calf-routine", "s:start:calf-routine:short", "s:start:calf-routine:no-equipment",
        "s:start:back-routine",
    ]


async def test_full_calf_walk_stores_every_set_once_and_ends_with_a_summary(
    bot: BotHarness, services: Services, clock: FakeClock, fake: FakeTelegram
) -> None:
    first = only(await start(bot))
    assert "Calf routine · exercise 1 of 7 · Jumping rope" in first.text
    assert "Set 1 of 3: 30-60 seconds." in first.text
    assert "<i>Jump on the balls of your feet; land on your toes, not flat-footed.</i>" in first.text
    assert "Cue:" not in first.text  # "stay on the balls of your feet" would repeat the note
    assert first.button_texts == ["Start timer ⏱ 30 s", "45 s", "60 s", "Done ✅", "Skip", "Stop"]

    second_exercise = None
    for index in range(CALF_SETS):
        clock.advance(seconds=30)
        # Alternate typing and the button, as runners do.
        replies = await (bot.send(RUNNER, "done") if index % 2 else bot.press(RUNNER, "Done ✅"))
        reply = only(replies)
        if index == 2:
            second_exercise = reply
    assert second_exercise is not None
    assert "Calf routine · exercise 2 of 7 · Single-leg calf raise" in second_exercise.text
    assert "Set 1 of 3: 10-15 reps on each side." in second_exercise.text

    summary = bot.fake.last(RUNNER)
    assert "Calf routine complete!" in summary.text
    assert "Sets done: 21 of 21" in summary.text
    assert "Time taken: 10 min" in summary.text
    assert "calf work 2-3 times a week, 5-10 minutes each time" in summary.text
    assert summary.buttons == []

    rows = stored_sets(services)
    assert [r.position for r in rows] == list(range(CALF_SETS))
    assert [r.exercise_id for r in rows][::3] == [
        "jump-rope", "single-leg-calf-raise", "toe-walking", "ankle-knee-push",
        "jumping-half-chair-squat", "double-leg-calf-raise", "weighted-calf-raise",
    ]
    assert [r.set_no for r in rows[:3]] == [1, 2, 3]
    assert rows[0].amount == "30-60 seconds"
    assert len({r.update_id for r in rows}) == CALF_SETS
    assert all(r.completed_at.tzinfo is not None for r in rows)
    session_row = latest_row(services)
    assert (session_row.status, session_row.sets_done, session_row.sets_skipped) == ("finished", 21, 0)
    # One Bot API call per "done": a press turns its own message into the record and the next
    # set; a typed "done" gets a new message and the prompt above it keeps its buttons. The
    # chooser became the first set. Pressing a leftover button changes nothing.
    leftovers = with_buttons(fake, RUNNER)
    assert len(leftovers) == CALF_SETS // 2
    assert not any("Calf routine" in label for m in leftovers for label in m.button_texts)
    await bot.press(RUNNER, "Done", leftovers[0])
    assert len(stored_sets(services)) == CALF_SETS
    assert fake.calls_to("answerCallbackQuery")[-1].params["text"] == ui.NOTICE_ENDED


async def test_back_routine_walk_with_buttons_and_skips(bot: BotHarness, services: Services) -> None:
    await start(bot, routine="Lower back routine")
    assert "Lower back routine · exercise 1 of 3 · Glute engagement test" in bot.last_text(RUNNER)
    await bot.press(RUNNER, "Done ✅")
    assert "exercise 2 of 3 · Hollow body hold" in bot.last_text(RUNNER)
    assert "Set 1 of 6: 10 seconds." in bot.last_text(RUNNER)
    for _ in range(6):
        await bot.press(RUNNER, "Skip")
    await bot.press(RUNNER, "Done ✅")
    summary = bot.last_text(RUNNER)
    assert "Lower back routine complete!" in summary
    assert "Sets done: 2 of 8 · skipped: 6" in summary
    assert [r.exercise_id for r in stored_sets(services)] == ["glute-engagement-test", "hip-mobility-twist"]


@pytest.mark.parametrize("word", ["done", "done!", "Done.", "finished", "ok", "✅", "👍", "DONE", "i did it"])
async def test_every_done_word_records_exactly_one_set(bot: BotHarness, services: Services, word: str) -> None:
    await start(bot)
    reply = only(await bot.send(RUNNER, word))
    assert reply.text.startswith("✅ Jumping rope, set 1 done.")
    assert "Set 2 of 3" in reply.text
    assert [r.position for r in stored_sets(services)] == [0]


async def test_text_intent_starts_the_named_routine_directly(bot: BotHarness, services: Services) -> None:
    reply = only(await bot.send(RUNNER, "let's do the back routine"))
    assert "Let's go: <b>Lower back routine</b>" in reply.text
    assert latest_row(services).routine_id == "back-routine"


# ------------------------------------------------------------------ moving around


async def test_skip_back_repeat_and_where_am_i(bot: BotHarness, services: Services) -> None:
    await start(bot)
    await bot.send(RUNNER, "done")
    assert only(await bot.send(RUNNER, "skip")).text.startswith("⏭ Skipped.")
    where = only(await bot.send(RUNNER, "where am I?"))
    assert "Jumping rope</b>, set 3 of 3 (3 of 21 overall)" in where.text
    assert "So far: 1 done, 1 skipped, 19 to go." in where.text

    back = only(await bot.send(RUNNER, "back"))
    assert back.text.startswith("↩️ Back one set:")
    assert "Set 2 of 3" in back.text
    assert "You've been through this set already" in back.text
    # Doing the skipped set after "back" moves it from skipped to done.
    await bot.send(RUNNER, "done")
    row = latest_row(services)
    assert (row.position, row.sets_done, row.sets_skipped) == (2, 2, 0)

    again = only(await bot.send(RUNNER, "again"))
    assert again.text.startswith("🔁 Same set again:")
    assert "Set 3 of 3" in again.text
    assert latest_row(services).position == 2
    assert [r.position for r in stored_sets(services)] == [0, 1]


async def test_back_then_done_on_a_done_set_updates_it_instead_of_adding_a_row(
    bot: BotHarness, services: Services
) -> None:
    await start(bot)
    await done_times(bot, 2)
    await bot.send(RUNNER, "back")
    reply = only(await bot.send(RUNNER, "done"))
    assert "set 2 redone" in reply.text
    assert [r.position for r in stored_sets(services)] == [0, 1]
    assert latest_row(services).sets_done == 2


async def test_back_on_the_first_set_says_so(bot: BotHarness) -> None:
    await start(bot)
    reply = only(await bot.send(RUNNER, "back"))
    assert "This is the first set" in reply.text
    assert "Set 1 of 3" in reply.text


async def test_pause_and_resume_by_text_and_button(bot: BotHarness, services: Services) -> None:
    await start(bot)
    paused = only(await bot.send(RUNNER, "pause"))
    assert paused.text.startswith("⏸ Paused at exercise 1 of 7 (Jumping rope), set 1 of 3.")
    assert paused.button_texts == ["Resume ▶️", "Stop"]
    assert latest_row(services).status == "paused"
    assert "Already paused" in only(await bot.send(RUNNER, "pause")).text
    resumed = only(await bot.press(RUNNER, "Resume"))
    assert resumed.text.startswith("▶️ Welcome back")
    assert latest_row(services).status == "active"
    # "done" while paused resumes implicitly and records.
    await bot.send(RUNNER, "pause")
    reply = only(await bot.send(RUNNER, "done"))
    assert "✅ Jumping rope, set 1 done." in reply.text
    assert len(stored_sets(services)) == 1


async def test_stop_ends_early_with_a_summary_and_keeps_the_sets(bot: BotHarness, services: Services) -> None:
    await start(bot)
    await done_times(bot, 3)
    stopped = only(await bot.press(RUNNER, "Stop"))
    assert "Calf routine stopped. Sets done: 3 of 21" in stopped.text
    assert stopped.button_texts == ["Resume ▶️"]  # the stop can be taken back for a while
    assert latest_row(services).status == "stopped"
    assert len(stored_sets(services)) == 3
    hint = only(await bot.send(RUNNER, "done"))
    assert "No session is running" in hint.text


async def test_session_while_one_is_live_offers_to_continue(bot: BotHarness, services: Services) -> None:
    await start(bot)
    await bot.send(RUNNER, "done")
    offer = only(await bot.send(RUNNER, "/session"))
    assert "You're in the middle of the Calf routine: set 2 of 21" in offer.text
    assert offer.button_texts == ["Continue ▶️", "Stop it"]
    cont = only(await bot.press(RUNNER, "Continue"))
    assert "Set 2 of 3" in cont.text
    assert latest_row(services).sets_done == 1
    only(await bot.send(RUNNER, "start back routine"))
    assert latest_row(services).routine_id == "calf-routine"  # never replaced silently


# ------------------------------------------------------------------ questions and bad input


async def test_a_question_mid_session_is_answered_then_the_set_prompt_comes_back(
    bot: BotHarness, services: Services
) -> None:
    await start(bot)
    await bot.send(RUNNER, "done")
    answer, prompt = await bot.send(RUNNER, "how do I do a hollow body hold")
    assert answer.text.startswith("<b>Hollow body hold</b>")
    assert prompt.text.startswith("Back to your session:")
    assert "Jumping rope" in prompt.text and "Set 2 of 3" in prompt.text
    assert prompt.button_texts == ["Start timer ⏱ 30 s", "45 s", "60 s", "Done ✅", "Skip", "Stop"]
    # The answer did not count as a set, and the session goes on.
    assert len(stored_sets(services)) == 1
    await bot.send(RUNNER, "done")
    assert [r.position for r in stored_sets(services)] == [0, 1]


async def test_a_bare_no_mid_set_neither_skips_nor_stops_the_session(bot: BotHarness, services: Services) -> None:
    # A bare "no" was read as "skip the exercise" and threw the rest of it away.
    await start(bot)
    await bot.send(RUNNER, "done")
    replies = await bot.send(RUNNER, "no")
    assert not any("Skipped" in r.text or "skipped" in r.text or "Session ended" in r.text for r in replies), replies
    assert "Set 2 of 3" in replies[-1].text and "Jumping rope" in replies[-1].text
    await bot.send(RUNNER, "done")
    assert [r.position for r in stored_sets(services)] == [0, 1]


async def test_nonsense_mid_session_lists_what_the_runner_can_say(bot: BotHarness, services: Services) -> None:
    await start(bot)
    reply = only(await bot.send(RUNNER, "qwzx blorp"))
    assert reply.text.startswith("Sorry, I didn't catch that. During a session you can say:")
    assert "where am I" in reply.text and "Set 1 of 3" in reply.text
    assert stored_sets(services) == []


async def test_done_with_no_session_gets_a_hint(bot: BotHarness, services: Services) -> None:
    reply = only(await bot.send(RUNNER, "done"))
    assert "No session is running" in reply.text and "/session" in reply.text
    assert stored_sets(services) == []


async def test_questions_without_a_session_still_reach_the_matcher(bot: BotHarness) -> None:
    reply = only(await bot.send(RUNNER, "how do I do a hollow body hold"))
    assert reply.text.startswith("<b>Hollow body hold</b>")


# ------------------------------------------------------------------ timers


async def test_a_timed_set_is_one_message_counting_down_in_place(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    prompt = only(await start(bot))
    before = len(bot.fake.chat(RUNNER))
    pressed = await bot.press(RUNNER, "45 s")
    assert len(bot.fake.chat(RUNNER)) == before  # no new message: the set's own message counts down
    assert [m.message_id for m in pressed] == [prompt.message_id]
    shown = bot.fake.messages[(RUNNER, prompt.message_id)]
    assert "Set 1 of 3" in shown.text and "⏱ <b>Go!</b> 45 seconds" in shown.text
    assert shown.button_texts == ["Stop timer ⏹", "Done ✅", "Skip", "Stop"]  # no second Start timer
    session_id = latest_row(services).id
    assert session_id is not None and latest_row(services).timer_seconds == 45
    (countdown,) = bot.app.job_queue.get_jobs_by_name(countdown_job_name(session_id, 0))
    assert countdown.job.trigger.interval.total_seconds() == 5  # within Telegram's ~1 message/s per chat
    clock.advance(seconds=5)
    await countdown.run(bot.app)
    assert "40 s left" in shown.text and "Set 1 of 3" in shown.text
    where = only(await bot.send(RUNNER, "where am I"))
    assert "Start timer" not in " ".join(where.button_texts) and "Stop timer ⏹" in where.button_texts
    (timer,) = bot.app.job_queue.get_jobs_by_name(timer_job_name(session_id, 0))
    before = len(bot.fake.chat(RUNNER))
    clock.advance(seconds=40)
    await timer.run(bot.app)
    assert len(bot.fake.chat(RUNNER)) == before  # "Time!" is an edit too
    assert "⏰ <b>Time!</b>" in bot.fake.messages[(RUNNER, prompt.message_id)].text
    await bot.send(RUNNER, "done")
    assert [r.position for r in stored_sets(services)] == [0]


async def test_the_hold_can_be_typed_and_a_length_outside_the_range_takes_the_low_end(
    bot: BotHarness, services: Services
) -> None:
    await start(bot)
    await bot.send(RUNNER, "start timer 60")
    assert latest_row(services).timer_seconds == 60
    await bot.send(RUNNER, "stop timer")
    await bot.send(RUNNER, "timer 500")
    assert latest_row(services).timer_seconds == 30


async def test_auto_advance_counts_the_set_when_the_timer_runs_out(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    reply = only(await bot.send(RUNNER, "auto advance on"))
    assert "Auto-advance is on" in reply.text
    await start(bot)
    await bot.press(RUNNER, "Start timer")
    session_id = latest_row(services).id
    assert session_id is not None
    (timer,) = bot.app.job_queue.get_jobs_by_name(timer_job_name(session_id, 0))
    clock.advance(seconds=30)
    await timer.run(bot.app)
    assert [r.position for r in stored_sets(services)] == [0]
    assert "Set 2 of 3" in bot.last_text(RUNNER)
    assert "Counted as done" in bot.fake.chat(RUNNER)[-2].text


async def test_a_rest_countdown_of_the_runners_length_runs_on_the_next_set(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    assert "Rest timer on: 20 s" in only(await bot.send(RUNNER, "rest 20 s")).text
    await start(bot)
    nxt = only(await bot.send(RUNNER, "done"))
    assert "Set 2 of 3" in nxt.text and "Rest: 20 s left" in nxt.text
    session_id = latest_row(services).id
    assert session_id is not None
    (rest,) = bot.app.job_queue.get_jobs_by_name(rest_job_name(session_id, 1))
    clock.advance(seconds=10)
    await rest.run(bot.app)
    assert "Rest: 10 s left" in bot.fake.messages[(RUNNER, nxt.message_id)].text
    clock.advance(seconds=10)
    await rest.run(bot.app)
    shown = bot.fake.messages[(RUNNER, nxt.message_id)]
    assert "Rest over" in shown.text and "Done ✅" in shown.button_texts


async def test_bad_rest_lengths_get_a_clear_reply_and_change_nothing(bot: BotHarness, services: Services) -> None:
    from stridecoach.storage.prefs import get_prefs

    assert "Nothing changed" in only(await bot.send(RUNNER, "rest 0")).text
    assert "Nothing changed" in only(await bot.send(RUNNER, "rest 3 hours")).text
    with services.db.session() as session:
        assert get_prefs(session, runner_id=RUNNER).rest_seconds is None


async def test_a_timer_for_a_set_already_done_stays_silent(bot: BotHarness, services: Services) -> None:
    await start(bot)
    await bot.send(RUNNER, "start timer")
    await bot.send(RUNNER, "done")
    session_id = latest_row(services).id
    assert session_id is not None
    (job,) = bot.app.job_queue.get_jobs_by_name(timer_job_name(session_id, 0))
    before = len(bot.fake.chat(RUNNER))
    await job.run(bot.app)
    assert len(bot.fake.chat(RUNNER)) == before


async def test_start_timer_on_a_reps_set_explains(bot: BotHarness) -> None:
    await start(bot)
    await done_times(bot, 3)
    reply = only(await bot.send(RUNNER, "start timer"))
    assert "counted in reps" in reply.text


# ------------------------------------------------------------------ loads


async def test_load_logging_and_kind_refusals_on_the_weighted_calf_raise(
    bot: BotHarness, services: Services
) -> None:
    await start(bot)
    await done_times(bot, WEIGHTED_POSITION)
    assert "Weighted calf raise (barbell)" in bot.last_text(RUNNER)
    assert "done 40 kg" in bot.last_text(RUNNER)

    negative = only(await bot.send(RUNNER, "done -5 kg"))
    assert "can't log a negative load" in negative.text and "still open" in negative.text
    heavy = only(await bot.send(RUNNER, "done 9999 plates"))
    assert "9999 plates is more than I can log (the most I accept is 40 plates)" in heavy.text
    unclear = only(await bot.send(RUNNER, "done 40"))
    assert "didn't get the unit" in unclear.text
    assert len(stored_sets(services)) == WEIGHTED_POSITION
    assert latest_row(services).position == WEIGHTED_POSITION

    logged = only(await bot.send(RUNNER, "done 40 kg"))
    assert "set 1 done with 40 kg" in logged.text
    await bot.send(RUNNER, "done 2 plates")
    await bot.send(RUNNER, "done")
    weighted = [r for r in stored_sets(services) if r.exercise_id == "weighted-calf-raise"]
    assert [(r.load_amount, r.load_unit) for r in weighted] == [(40, "kg"), (2, "plates"), (None, None)]
    assert latest_row(services).status == "finished"


async def test_a_load_said_in_passing_is_logged_with_the_set(bot: BotHarness, services: Services) -> None:
    # Not the taught "done 40 kg": the understanding step reads a finished set, the domain the load.
    await start(bot)
    await done_times(bot, WEIGHTED_POSITION)
    logged = only(await bot.send(RUNNER, "that's them, used the 20kg bar this time"))
    assert "set 1 done with 20 kg" in logged.text
    (weighted,) = [r for r in stored_sets(services) if r.exercise_id == "weighted-calf-raise"]
    assert (weighted.load_amount, weighted.load_unit) == (20, "kg")


async def test_a_load_on_an_unweighted_set_is_ignored_not_stored(bot: BotHarness, services: Services) -> None:
    await start(bot)
    await bot.send(RUNNER, "done 40 kg")
    (row,) = stored_sets(services)
    assert row.load_amount is None


# ------------------------------------------------------------------ exactly once


async def test_a_redelivered_update_is_stored_once(bot: BotHarness, services: Services) -> None:
    await start(bot)
    payload = bot.fake.make_text_update(RUNNER, "done")
    await bot.feed(payload)
    again = await bot.feed(payload)  # replayed after a crash (the inbox had not marked it handled)
    assert len(stored_sets(services)) == 1
    assert latest_row(services).position == 1
    # Nothing changes; the runner is shown where they are, in case the first reply was lost.
    (shown,) = again
    assert shown.text.startswith("Already recorded") and "Set 2" in shown.text


async def test_a_redelivered_question_mid_session_is_answered_once(bot: BotHarness) -> None:
    await start(bot)
    payload = bot.fake.make_text_update(RUNNER, "how do I do a hollow body hold")
    assert len(await bot.feed(payload)) == 2
    (shown,) = await bot.feed(payload)  # a replay: the set again, not the answer
    assert shown.buttons  # the set prompt with its buttons, not the answer again


async def test_a_redelivered_button_press_is_stored_once(bot: BotHarness, services: Services) -> None:
    await start(bot)
    target, data = bot.find_button(RUNNER, "Done")
    payload = bot.fake.make_callback_update(RUNNER, target, data)
    await bot.feed(payload)
    (shown,) = await bot.feed(payload)  # a replay: the spinner stops, the current set is shown
    assert "Set 2" in shown.text
    assert len(stored_sets(services)) == 1
    assert len(stored_sets(services)) == 1
    assert bot.fake.calls_to("answerCallbackQuery")[-1].params["text"] == ui.NOTICE_DUPLICATE


async def test_pressing_done_twice_quickly_records_one_set(bot: BotHarness, services: Services) -> None:
    await start(bot)
    target, data = bot.find_button(RUNNER, "Done")
    # Two presses of the same button: two distinct updates, same set.
    await bot.feed(bot.fake.make_callback_update(RUNNER, target, data))
    second = await bot.feed(bot.fake.make_callback_update(RUNNER, target, data))
    assert second == []
    assert len(stored_sets(services)) == 1
    answers = bot.fake.calls_to("answerCallbackQuery")
    assert "earlier set; you're on set 2 of 21" in answers[-1].params["text"]


async def test_restart_mid_session_continues_where_the_runner_was(
    services: Services, settings: Settings, clock: FakeClock
) -> None:
    from stridecoach.bot.runtime import build_services

    fake = FakeTelegram()
    async with BotHarness(services, fake) as first:
        await start(first)
        await done_times(first, 4)
    services.db.close()

    restarted = build_services(settings, clock=clock)  # same database file, fresh process state
    try:
        async with BotHarness(restarted, fake) as second:
            reply = only(await second.send(RUNNER, "done"))
            assert "Single-leg calf raise, set 2 done" in reply.text
            # The button shown before the restart's last prompt still acts on its set.
            await second.press(RUNNER, "Done ✅")
            assert [r.position for r in stored_sets(restarted)] == [0, 1, 2, 3, 4, 5]
            assert latest_row(restarted).position == 6
    finally:
        restarted.db.close()


async def test_a_timer_running_at_shutdown_is_rearmed_at_start_up(
    services: Services, settings: Settings, clock: FakeClock
) -> None:
    from stridecoach.bot.runtime import build_services

    fake = FakeTelegram()
    async with BotHarness(services, fake) as first:
        await start(first)
        await first.send(RUNNER, "start timer")
    services.db.close()
    restarted = build_services(settings, clock=clock)
    try:
        async with BotHarness(restarted, fake) as second:
            session_id = latest_row(restarted).id
            assert session_id is not None
            (job,) = second.app.job_queue.get_jobs_by_name(timer_job_name(session_id, 0))
            await job.run(second.app)
            assert "Time!" in second.last_text(RUNNER)
    finally:
        restarted.db.close()


# ------------------------------------------------------------------ several runners, old buttons


async def test_two_runners_interleaving_never_touch_each_other(bot: BotHarness, services: Services) -> None:
    await start(bot, RUNNER)
    await start(bot, OTHER_RUNNER, routine="Lower back routine")
    for _ in range(3):
        await bot.send(RUNNER, "done")
        await bot.press(OTHER_RUNNER, "Done ✅")
    await bot.send(OTHER_RUNNER, "skip")
    assert [r.exercise_id for r in stored_sets(services, RUNNER)] == ["jump-rope"] * 3
    assert [r.exercise_id for r in stored_sets(services, OTHER_RUNNER)] == [
        "glute-engagement-test", "hollow-body-hold", "hollow-body-hold"
    ]
    assert (latest_row(services, RUNNER).position, latest_row(services, OTHER_RUNNER).position) == (3, 4)


async def test_another_runners_button_acts_on_nothing(bot: BotHarness, services: Services) -> None:
    await start(bot, RUNNER)
    target, data = bot.find_button(RUNNER, "Done")
    # A forged press: the other runner sends the first runner's callback data.
    replies = await bot.feed(bot.fake.make_callback_update(OTHER_RUNNER, target, data))
    assert replies == []
    assert stored_sets(services, RUNNER) == [] and stored_sets(services, OTHER_RUNNER) == []
    assert bot.fake.calls_to("answerCallbackQuery")[-1].params["text"] == ui.NOTICE_NOT_YOURS


async def test_old_buttons_from_a_finished_session_say_it_has_ended(bot: BotHarness, services: Services) -> None:
    await start(bot, routine="Lower back routine")
    old_prompt = bot.fake.last(RUNNER)
    old_buttons = list(old_prompt.buttons)
    for _ in range(BACK_SETS):
        await bot.send(RUNNER, "done")
    await start(bot)  # a new calf session is live now
    data = next(d for label, d in old_buttons if label.startswith("Done"))
    replies = await bot.feed(bot.fake.make_callback_update(RUNNER, old_prompt, data))
    assert replies == []
    assert bot.fake.calls_to("answerCallbackQuery")[-1].params["text"] == ui.NOTICE_ENDED
    assert len(stored_sets(services)) == BACK_SETS
    assert latest_row(services).position == 0


async def test_unknown_button_data_is_answered_politely(bot: BotHarness) -> None:
    target = only(await bot.send(RUNNER, "/session"))
    await bot.feed(bot.fake.make_callback_update(RUNNER, target, "s:explode:1:0"))
    assert bot.fake.calls_to("answerCallbackQuery")[-1].params["text"] == ui.NOTICE_UNKNOWN


# ------------------------------------------------------------------ abandoned sessions


async def test_the_sweep_ends_abandoned_sessions_and_keeps_their_sets(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    await start(bot)
    await done_times(bot, 2)
    await start(bot, OTHER_RUNNER)
    clock.advance(hours=5)
    await bot.send(OTHER_RUNNER, "done")  # the other runner is still active
    clock.advance(hours=2)
    (sweep,) = bot.app.job_queue.get_jobs_by_name(SWEEP_JOB_NAME)
    await sweep.run(bot.app)
    mine, theirs = latest_row(services, RUNNER), latest_row(services, OTHER_RUNNER)
    assert (mine.status, theirs.status) == ("expired", "active")
    assert mine.finished_at == mine.last_activity_at  # the hours away are not "time taken"
    assert len(stored_sets(services, RUNNER)) == 2
    reply = only(await bot.send(RUNNER, "done"))
    assert "ended on its own after a long break" in reply.text
    assert len(stored_sets(services, RUNNER)) == 2


async def test_an_abandoned_session_is_closed_lazily_when_the_runner_writes(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    await start(bot)
    await done_times(bot, 2)
    clock.advance(hours=7)
    reply = only(await bot.send(RUNNER, "done"))
    assert "Calf routine session ended on its own after a long break. The 2 sets" in reply.text
    assert "Send /session to start a new one." in reply.text
    assert latest_row(services).status == "expired"
    assert len(stored_sets(services)) == 2
    # A new session starts normally afterwards.
    await start(bot)
    assert latest_row(services).status == "active"


async def test_callback_data_fits_telegrams_64_bytes() -> None:
    assert len(ui.set_callback(ui.RESUME, 2**63 - 1, 10_000).encode()) <= 64



# ------------------------------------------------------------------ QA pass: wording and words


async def test_back_routine_summary_claims_no_frequency(bot: BotHarness) -> None:
    await start(bot, routine="Lower back routine")
    for _ in range(BACK_SETS):
        await bot.send(RUNNER, "done")
    summary = bot.last_text(RUNNER)
    assert "Lower back routine complete!" in summary
    assert "a week" not in summary and "article" not in summary
    assert "/progress" in summary


async def test_weighted_raise_asks_for_the_load_and_notes_once(bot: BotHarness, services: Services) -> None:
    await start(bot)
    await done_times(bot, WEIGHTED_POSITION)
    first = bot.last_text(RUNNER)
    assert (
        "Set 1 of 3: your chosen load, 8 slow reps (StrideCoach's suggestion: the article gives no rep "
        "count) — reply e.g. “done 40 kg” or “done 2 plates”." in html.unescape(first)
    )
    assert first.count("no fixed number") == 1
    second = only(await bot.send(RUNNER, "done 40 kg")).text
    assert "Set 2 of 3: your chosen load" in second
    assert "no fixed number" not in second
    await bot.send(RUNNER, "done 2 plates")
    await bot.send(RUNNER, "done")
    weighted = [r for r in stored_sets(services) if r.exercise_id == "weighted-calf-raise"]
    assert [r.amount for r in weighted] == ["your load"] * 3


async def test_no_set_message_repeats_itself(bot: BotHarness, clock: FakeClock) -> None:
    """Every prompt of both routines: the dose is said once, a cue never echoes the note."""
    prompts: list[str] = []
    for routine, sets in (("Calf routine", CALF_SETS), ("Lower back routine", BACK_SETS)):
        prompts.append((await start(bot, routine=routine))[-1].text)
        for _ in range(sets):
            clock.advance(seconds=40)
            prompts.append(only(await bot.send(RUNNER, "done")).text)
        prompts.pop()  # the summary
    assert len(prompts) == CALF_SETS + BACK_SETS
    text = "\n".join(prompts)
    for repeated in ("Cue: stay on the balls of your feet", "10-15 reps, then switch feet",
                     "Up to 30 twists per side", "Set 1 of 1", "10-15 reps each leg",
                     "Cue: toes up on the block", "6 rounds", "Log the load as you finish",
                     "10 seconds per round"):
        assert repeated not in text, repeated
    assert "One set: up to 30 reps on each side.\n<i>Small range first.</i>" in text
    assert "Glute engagement test</b>\nOnce, before the drills: squeeze your glutes" in text
    for prompt in prompts:  # the lines after the dose never give its figures again
        dose = re.search(r"(?:Set \d+ of \d+|One set): ([^\n]*)\n?(.*)", prompt, re.S)
        if dose:
            for figure in re.findall(r"\d+-\d+|\d+", dose.group(1)):
                assert figure not in html.unescape(dose.group(2)), (figure, prompt)


async def test_stop_timer_mid_session_stops_it_without_asking_the_matcher(bot: BotHarness, services: Services) -> None:
    await start(bot)
    await bot.send(RUNNER, "start timer")
    reply = only(await bot.send(RUNNER, "stop timer"))
    assert reply.text.startswith("⏹ Timer stopped.")
    assert reply.button_texts == ["Start timer ⏱ 30 s", "45 s", "60 s", "Done ✅", "Skip", "Stop"]
    row = latest_row(services)
    assert row.timer_started_at is None and row.position == 0 and stored_sets(services) == []
    assert row.id is not None
    assert all(job.removed for job in bot.app.job_queue.get_jobs_by_name(timer_job_name(row.id, 0)))
    assert all(job.removed for job in bot.app.job_queue.get_jobs_by_name(countdown_job_name(row.id, 0)))


async def test_next_counts_as_done(bot: BotHarness, services: Services) -> None:
    await start(bot)
    reply = only(await bot.send(RUNNER, "next"))
    assert reply.text.startswith("✅ Jumping rope, set 1 done.")
    assert [r.position for r in stored_sets(services)] == [0]


async def test_thanks_mid_session_gets_a_friendly_nudge_and_records_nothing(
    bot: BotHarness, services: Services
) -> None:
    await start(bot)
    for text in ("ok thanks", "thanks"):
        reply = only(await bot.send(RUNNER, text))
        assert reply.text.startswith("You're welcome!")
        assert "didn't catch that" not in reply.text and "Set 1 of 3" in reply.text
    assert stored_sets(services) == []


async def test_resume_when_not_paused_says_so(bot: BotHarness) -> None:
    await start(bot)
    reply = only(await bot.send(RUNNER, "resume"))
    assert reply.text.startswith("You're not paused — here's your set:")
    assert "Set 1 of 3" in reply.text
    await bot.send(RUNNER, "pause")
    assert only(await bot.send(RUNNER, "resume")).text.startswith("▶️ Welcome back")


async def test_continue_button_on_the_offer_just_shows_the_set(bot: BotHarness) -> None:
    await start(bot)
    await bot.send(RUNNER, "/session")
    reply = only(await bot.press(RUNNER, "Continue"))
    assert "not paused" not in reply.text and "Set 1 of 3" in reply.text


async def test_back_with_no_session_goes_to_the_matcher(bot: BotHarness) -> None:
    reply = only(await bot.send(RUNNER, "back"))
    assert "No session is running" not in reply.text


async def test_where_am_i_after_a_finished_session_says_none_is_running(bot: BotHarness) -> None:
    await start(bot, routine="Lower back routine")
    for _ in range(BACK_SETS):
        await bot.send(RUNNER, "done")
    reply = only(await bot.send(RUNNER, "where am I?"))
    assert "No session is running" in reply.text and "/session" in reply.text
    fresh = only(await bot.send(OTHER_RUNNER, "where am I"))
    assert "No session is running" in fresh.text and "/session" in fresh.text


async def test_an_expired_session_with_no_set_done_says_so(
    bot: BotHarness, services: Services, clock: FakeClock
) -> None:
    await start(bot)
    clock.advance(hours=7)
    reply = only(await bot.send(RUNNER, "done"))
    assert "ended on its own after a long break, before any set was done." in reply.text
    assert "The 0 sets" not in reply.text


async def test_stop_it_on_the_offer_stops_then_offers_the_routines(bot: BotHarness, services: Services) -> None:
    await start(bot)
    await bot.send(RUNNER, "done")
    await bot.send(RUNNER, "start back routine")
    stopped, chooser = await bot.press(RUNNER, "Stop it")
    assert "Calf routine stopped. Sets done: 1 of 21" in stopped.text
    assert chooser.button_texts[0] == "Calf routine" and chooser.button_texts[-1] == "Lower back routine"
    assert latest_row(services).status == "stopped"
    await bot.press(RUNNER, "Lower back routine")
    assert latest_row(services).routine_id == "back-routine"


async def test_the_chooser_becomes_the_first_set_once_a_routine_starts(bot: BotHarness) -> None:
    chooser = only(await bot.send(RUNNER, "/session"))
    first = only(await bot.press(RUNNER, "Calf routine"))
    assert first.message_id == chooser.message_id  # edited in place: one call, no button clean-up
    assert "Set 1 of 3" in first.text
    assert "Calf routine" not in first.button_texts and "Done ✅" in first.button_texts
    assert bot.fake.calls_to("editMessageReplyMarkup") == []


async def test_paused_text_says_the_session_is_kept(bot: BotHarness) -> None:
    await start(bot)
    assert "your session is kept for a few hours" in only(await bot.send(RUNNER, "pause")).text


def test_terminal_chat_prints_an_edit_only_when_the_text_changes(capsys: pytest.CaptureFixture[str]) -> None:
    from stridecoach.bot.chat import TerminalChat

    terminal = TerminalChat()
    keyboard = {"inline_keyboard": [[{"text": "Done ✅", "callback_data": "s:done:1:0"}]]}
    message = SentMessage(chat_id=RUNNER, message_id=1, text="Set 1 of 3", reply_markup=keyboard)
    terminal.show(message)
    assert capsys.readouterr().out.count("Set 1 of 3") == 1
    message.reply_markup = None  # the buttons are removed (editMessageReplyMarkup)
    terminal.show(message)
    assert capsys.readouterr().out == ""
    assert terminal.choices == []
    message.text = "Set 1 of 3 (done)"
    terminal.show(message)
    assert capsys.readouterr().out.strip() == "bot> (edited) Set 1 of 3 (done)"


async def test_the_operators_session_timeout_decides_when_a_session_is_abandoned(
    settings, clock  # type: ignore[no-untyped-def]
) -> None:
    """SESSION_TIMEOUT_HOURS=1: a "done" after 90 minutes does not land in the old session."""
    from sqlmodel import select

    from stridecoach.bot.runtime import build_services
    from stridecoach.bot.testing.harness import BotHarness
    from stridecoach.storage.models import CompletedSet, WorkoutSession

    services = build_services(settings.model_copy(update={"session_timeout_hours": 1.0}), clock=clock)
    try:
        async with BotHarness(services) as bot:
            await bot.send(RUNNER, "/session")
            await bot.press(RUNNER, "Lower back")
            await bot.send(RUNNER, "done")
            clock.advance(minutes=90)
            await bot.send(RUNNER, "done")
        with services.db.session() as session:
            assert len(session.exec(select(CompletedSet)).all()) == 1
            assert session.exec(select(WorkoutSession)).one().status == "expired"
    finally:
        services.db.close()


# ------------------------------------------------------------------ forgiving controls


async def test_stop_then_resume_picks_up_at_the_same_set(bot: BotHarness, services: Services, clock: FakeClock) -> None:
    await start(bot)
    await done_times(bot, 4)
    stopped = only(await bot.send(RUNNER, "stop"))
    assert "within 30 minutes" in stopped.text
    clock.advance(minutes=10)
    back = only(await bot.send(RUNNER, "resume"))
    assert "reopened where you stopped" in back.text
    assert "exercise 2 of 7 · Single-leg calf raise" in back.text and "Set 2 of 3" in back.text
    row = latest_row(services)
    assert row.status == "active" and row.position == 4 and row.finished_at is None
    await bot.send(RUNNER, "done")
    assert len(stored_sets(services)) == 5


async def test_the_resume_button_under_a_stop_reopens_the_session(bot: BotHarness, services: Services) -> None:
    await start(bot)
    await done_times(bot, 2)
    await bot.send(RUNNER, "stop")
    reopened = only(await bot.press(RUNNER, "Resume"))
    assert "reopened" in reopened.text and latest_row(services).status == "active"


async def test_resume_long_after_a_stop_is_not_a_session_command(bot: BotHarness, clock: FakeClock) -> None:
    await start(bot)
    await done_times(bot, 2)
    await bot.send(RUNNER, "stop")
    clock.advance(minutes=45)
    replies = await bot.send(RUNNER, "resume")
    assert replies and all("reopened" not in m.text for m in replies)


async def test_undo_takes_back_the_last_done_and_deletes_its_row(bot: BotHarness, services: Services) -> None:
    await start(bot)
    await done_times(bot, 2)
    undone = only(await bot.send(RUNNER, "undo"))
    assert "Undone: the done of Jumping rope, set 2" in undone.text
    assert "Set 2 of 3" in undone.text
    assert [r.position for r in stored_sets(services)] == [0]
    await bot.send(RUNNER, "done")
    assert [r.position for r in stored_sets(services)] == [0, 1]


async def test_undo_with_nothing_to_undo_says_so(bot: BotHarness, services: Services) -> None:
    await start(bot)
    reply = only(await bot.send(RUNNER, "undo"))
    assert "nothing to undo" in reply.text
    assert latest_row(services).position == 0 and stored_sets(services) == []


async def test_skip_exercise_with_a_reason_is_stored_and_shown_in_history(
    bot: BotHarness, services: Services
) -> None:
    from stridecoach.storage.models import SkippedSet

    await start(bot)
    await done_times(bot, 1)
    reply = only(await bot.send(RUNNER, "skip exercise, no time"))
    assert "Skipped the rest of Jumping rope (2 sets) (no time" in reply.text
    assert "exercise 2 of 7 · Single-leg calf raise" in reply.text
    await bot.send(RUNNER, "skip, too hard")
    with services.db.session() as session:
        skips = session.exec(select(SkippedSet).order_by(col(SkippedSet.position))).all()
    assert [(s.position, s.reason) for s in skips] == [(1, "no-time"), (2, "no-time"), (3, "too-hard")]
    history = only(await bot.send(RUNNER, "/history")).text
    assert "no time" in history and "too hard" in history


async def test_no_barbell_skips_the_weighted_raise(bot: BotHarness, services: Services) -> None:
    await start(bot)
    await done_times(bot, WEIGHTED_POSITION)
    reply = only(await bot.send(RUNNER, "I don't have a barbell"))
    assert "Skipped the rest of Weighted calf raise" in reply.text
    assert latest_row(services).status == "finished"


async def test_no_rope_swaps_the_jump_rope_for_jumping_in_place(bot: BotHarness, services: Services) -> None:
    await start(bot)
    reply = only(await bot.send(RUNNER, "no rope"))
    assert "don't have to use a jump rope" in html.unescape(reply.text)
    assert latest_row(services).position == 0 and latest_row(services).sets_skipped == 0


async def test_skip_because_it_hurts_pauses_with_the_safety_advice(bot: BotHarness, services: Services) -> None:
    await start(bot)
    reply = only(await bot.send(RUNNER, "skip, it hurts"))
    assert "not doctors" in reply.text and "paused" in reply.text
    assert latest_row(services).status == "paused" and latest_row(services).sets_skipped == 0


async def test_how_many_reps_mid_set_is_answered(bot: BotHarness, services: Services) -> None:
    await start(bot)
    await done_times(bot, 3)
    reply = only(await bot.send(RUNNER, "how many reps?"))
    assert "10-15 reps on each side" in reply.text
    await done_times(bot, WEIGHTED_POSITION - 3)
    weighted = only(await bot.send(RUNNER, "how many reps?"))
    assert "no rep count" in weighted.text and "8 slow reps" in weighted.text and "ours" in weighted.text
    assert len(stored_sets(services)) == WEIGHTED_POSITION


async def test_undo_with_no_session_says_none_is_running(bot: BotHarness) -> None:
    reply = only(await bot.send(RUNNER, "undo"))
    assert "No session is running" in reply.text


# ------------------------------------------------------------------ sessions that fit


async def test_the_short_calf_session_is_offered_and_walked(bot: BotHarness, services: Services) -> None:
    chooser = only(await bot.send(RUNNER, "/session"))
    assert "5-10 minutes" in chooser.text and "StrideCoach's estimate" in chooser.text
    assert chooser.button_texts == ["Calf routine", "Short calf session ⏱", "Calf, no equipment 🏠", "Lower back routine"]
    started = only(await bot.press(RUNNER, "Short calf session"))
    assert "<b>Calf routine (short)</b>, 3 exercises, 9 sets" in started.text
    await done_times(bot, 9)
    assert "Calf routine (short) complete!" in bot.last_text(RUNNER)
    assert "2-3 times a week" in bot.last_text(RUNNER)
    rows = stored_sets(services)
    assert len(rows) == 9 and {r.routine_id for r in rows} == {"calf-routine:short"}
    assert {r.exercise_id for r in rows} == {"jump-rope", "jumping-half-chair-squat", "double-leg-calf-raise"}


async def test_the_equipment_free_session_skips_the_kit_exercises(bot: BotHarness, services: Services) -> None:
    await bot.send(RUNNER, "/session")
    started = only(await bot.press(RUNNER, "no equipment"))
    assert "No rope needed" in started.text
    await done_times(bot, 12)
    exercises = {r.exercise_id for r in stored_sets(services)}
    assert "weighted-calf-raise" not in exercises and "single-leg-calf-raise" not in exercises
    assert latest_row(services).status == "finished"


async def test_help_carries_the_coaches_not_doctors_note_and_the_session_controls(bot: BotHarness) -> None:
    reply = only(await bot.send(RUNNER, "/help"))
    assert "not doctors" in reply.text and "physical therapist" in reply.text
    assert "<i>undo</i>" in reply.text and "<i>skip exercise</i>" in reply.text


# ------------------------------------------------------------------ understanding mid-session


async def test_a_red_flag_mid_session_pauses_it_and_never_sends_the_next_set(
    bot: BotHarness, services: Services
) -> None:
    await start(bot)
    await bot.send(RUNNER, "done")
    replies = await bot.send(RUNNER, "my calf is suddenly hot, red and swollen since the long flight")
    texts = [m.text for m in replies]
    assert any("urgent medical help" in t for t in texts), texts
    assert texts[-1].startswith("I've paused your session"), texts
    assert not any("Set 3 of 3" in t or "Set 2 of 3" in t and "paused" not in t for t in texts[:-1])
    assert latest_row(services).status == "paused"
    assert len(stored_sets(services)) == 1  # the set done before stays; nothing invented
    resumed = await bot.send(RUNNER, "resume")
    assert any("Set 2 of 3" in m.text for m in resumed)


async def test_a_control_in_other_words_steers_the_session(bot: BotHarness, services: Services) -> None:
    await start(bot)
    await bot.send(RUNNER, "hang on, phone call")
    assert latest_row(services).status == "paused"


async def test_a_question_mid_set_is_answered_about_the_current_exercise(bot: BotHarness) -> None:
    await start(bot)  # jump rope first
    replies = await bot.send(RUNNER, "how many sets of this one?")
    assert "Jumping rope" in replies[0].text or "jump" in replies[0].text.lower()
    assert replies[-1].text.startswith("Back to your session")


async def test_a_done_racing_another_replica_is_applied_again_not_lost(
    bot: BotHarness, services: Services, fake: FakeTelegram, database_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two replicas handle the runner's "done" updates at the same moment (PostgreSQL).

    Between this replica's read of the session and its write, the other replica applies
    its own "done" and commits: the compare-and-swap fails (StaleSessionError), the
    transaction is rolled back and run again on the new row, so both sets are stored.
    (On SQLite, BEGIN IMMEDIATE serialises the two, so the race cannot happen.)
    """
    if database_kind != "postgresql":
        pytest.skip("one process per SQLite file: BEGIN IMMEDIATE serialises writers")
    from stridecoach.domain.workout_events import Done
    from stridecoach.bot.handlers import sessions as handler
    from stridecoach.storage import outbox as outbox_store

    await start(bot)
    real_transition = handler.transition
    raced = []

    def transition_after_the_other_replica(*args: object, **kwargs: object) -> object:
        if not raced:
            raced.append(True)  # the other replica's "done", committed in its own transaction...
            step = handler._transact(services, handler.Unit(RUNNER, update_id=900_001), Done())
            assert step.session_id is not None
            with services.db.session() as session:  # ...and its reply reached the runner
                outbox_store.close_seen(session, session_id=step.session_id, now=services.now())
        return real_transition(*args, **kwargs)

    monkeypatch.setattr(handler, "transition", transition_after_the_other_replica)
    await bot.send(RUNNER, "done")

    assert raced
    assert [s.position for s in stored_sets(services)] == [0, 1]
    assert latest_row(services).position == 2
    assert not any("went wrong" in m.text.lower() for m in fake.chat(RUNNER))
