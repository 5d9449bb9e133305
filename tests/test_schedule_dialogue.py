"""The /schedule dialogue's pure core: (draft, event) -> (new draft, what to say), no Telegram."""

from __future__ import annotations

from datetime import time

from hypothesis import given
from hypothesis import strategies as st

from stridecoach.domain.schedule_dialogue import (
    SUGGESTED_DAYS,
    AnswerQuestion,
    AskDays,
    AskTime,
    AskZone,
    BadDays,
    BadTime,
    BadZone,
    Begin,
    Cancel,
    Cancelled,
    CancelPressed,
    DaysChosen,
    Draft,
    Event,
    KeepZone,
    NoDays,
    NothingToCancel,
    Outcome,
    RemoveButtons,
    RemovePressedButtons,
    Saved,
    SaveSchedule,
    ShowDays,
    Stale,
    StillWaiting,
    TimeChosen,
    ToggleDay,
    Typed,
    draft_id_for,
    step,
)

MON_WED_FRI = frozenset({0, 2, 4})
BERLIN = Saved(days_mask=0b0001010, zone="Europe/Berlin")  # Tue, Thu


def walk(events: list[Event], saved: Saved | None = None, draft: Draft | None = None) -> tuple[Draft | None, list[object]]:
    """Apply events in order; the draft as stored after the last, and every reply."""
    replies: list[object] = []
    for event in events:
        outcome = step(draft, event, saved)
        draft = outcome.draft
        replies += outcome.replies
    return draft, replies


def test_schedule_by_buttons_from_scratch() -> None:
    draft, replies = walk([Begin("a1")])
    assert replies == [AskDays("a1", SUGGESTED_DAYS, current=False)]
    assert draft == Draft("days", "a1", 0b0010101)

    draft, replies = walk([ToggleDay("a1", 4), ToggleDay("a1", 5), DaysChosen("a1")], draft=draft)
    assert replies == [
        ShowDays("a1", frozenset({0, 2})),
        ShowDays("a1", frozenset({0, 2, 5})),
        RemovePressedButtons(),
        AskTime("a1", frozenset({0, 2, 5})),
    ]
    draft, replies = walk([TimeChosen("a1", "0700")], draft=draft)
    assert replies == [RemovePressedButtons(), AskZone("a1", time(7, 0), keep=None)]
    assert draft == Draft("zone", "a1", 0b0100101, "0700")

    draft, replies = walk([Typed("Berlin")], draft=draft)
    assert draft is None
    assert replies == [SaveSchedule(frozenset({0, 2, 5}), time(7, 0), "Europe/Berlin", "Berlin (Europe/Berlin)")]


def test_schedule_by_typing_removes_the_buttons_it_answered() -> None:
    draft = step(None, Begin("b2"), None).draft
    assert draft is not None
    draft = replace_message(draft, 41)  # the shell remembered the days message
    out = step(draft, Typed("tuesdays and thursdays"), None)
    assert out.replies == (RemoveButtons(41), AskTime("b2", frozenset({1, 3})))
    assert out.draft == Draft("time", "b2", 0b0001010)

    draft = replace_message(out.draft, 42)
    out = step(draft, Typed("6:30pm"), None)
    assert out.replies == (RemoveButtons(42), AskZone("b2", time(18, 30), keep=None))

    out = step(replace_message(out.draft, 43), Typed("UTC+5:30"), None)
    assert out.draft is None
    (remove, save) = out.replies
    assert remove == RemoveButtons(43)
    assert isinstance(save, SaveSchedule) and save.zone == "UTC+05:30" and save.at == time(18, 30)


def replace_message(draft: Draft | None, message_id: int) -> Draft:
    assert draft is not None
    return Draft(draft.stage, draft.draft_id, draft.mask, draft.local_time, message_id)


def test_a_saved_schedule_is_offered_again_and_its_zone_can_be_kept() -> None:
    draft, replies = walk([Begin("c3")], saved=BERLIN)
    assert replies == [AskDays("c3", frozenset({1, 3}), current=True)]
    draft, replies = walk([DaysChosen("c3"), TimeChosen("c3", "1900")], saved=BERLIN, draft=draft)
    assert replies[-1] == AskZone("c3", time(19, 0), keep="Europe/Berlin")
    draft, replies = walk([KeepZone("c3")], saved=BERLIN, draft=draft)
    assert draft is None
    assert replies == [RemovePressedButtons(), SaveSchedule(frozenset({1, 3}), time(19, 0), "Europe/Berlin", "Berlin (Europe/Berlin)")]


def test_keep_zone_without_a_saved_zone_changes_nothing() -> None:
    draft = Draft("zone", "d4", 1, "0700")
    assert step(draft, KeepZone("d4"), None) == Outcome(draft, (Stale(),))


def test_unreadable_answers_are_asked_again_and_nothing_moves() -> None:
    days = Draft("days", "e5", 21)
    assert step(days, Typed("sat-ish and sunish"), None) == Outcome(days, (BadDays("sat-ish and sunish"),))
    at = Draft("time", "e5", 21)
    assert step(at, Typed("whenever"), None) == Outcome(at, (BadTime("whenever"),))
    zone = Draft("zone", "e5", 21, "0700")
    out = step(zone, Typed("Atlantis"), None)
    assert out.draft == zone and out.replies == (BadZone("Atlantis"),)


def test_an_ambiguous_abbreviation_suggests_cities() -> None:
    out = step(Draft("zone", "f6", 21, "0700"), Typed("EST"), None)
    (reply,) = out.replies
    assert isinstance(reply, BadZone) and "New York" in reply.cities and reply.offset


def test_text_that_is_not_an_answer_is_not_claimed() -> None:
    # No dialogue: everything goes to the question router.
    assert step(None, Typed("how do I do a calf raise"), None) == Outcome(None, claimed=False)
    # Days expected, and the text names none: maybe a question; the buttons stay usable.
    days = Draft("days", "g7", 21, message_id=9)
    assert step(days, Typed("how many sets?"), None) == Outcome(days, claimed=False)


def test_a_question_mid_dialogue_is_answered_and_the_question_stays_open() -> None:
    at = Draft("time", "h8", 21)
    assert step(at, Typed("what time is best to train?"), None) == Outcome(at, (AnswerQuestion("what time is best to train?", "time"),))


def test_cancel_by_word_button_or_command_keeps_the_saved_schedule() -> None:
    at = Draft("time", "i9", 21, message_id=7)
    assert step(at, Typed("never mind"), BERLIN) == Outcome(None, (RemoveButtons(7), Cancelled()))
    assert step(at, Cancel(), BERLIN) == Outcome(None, (RemoveButtons(7), Cancelled()))
    assert step(at, CancelPressed("i9"), BERLIN) == Outcome(None, (RemovePressedButtons(), Cancelled()))
    assert step(None, Cancel(), BERLIN) == Outcome(None, (NothingToCancel(),))


def test_a_new_schedule_command_replaces_an_open_one_and_removes_its_buttons() -> None:
    open_draft = Draft("time", "old", 21, message_id=5)
    out = step(open_draft, Begin("new"), None)
    assert out.replies == (RemoveButtons(5), AskDays("new", SUGGESTED_DAYS, current=False))
    assert out.draft is not None and out.draft.draft_id == "new"


def test_buttons_of_an_older_message_are_stale() -> None:
    draft = Draft("days", "new", 21)
    for press in (ToggleDay("old", 1), DaysChosen("old"), TimeChosen("old", "0700"), KeepZone("old"), CancelPressed("old")):
        assert step(draft, press, BERLIN) == Outcome(draft, (Stale(),))
        assert step(None, press, BERLIN) == Outcome(None, (Stale(),))


def test_a_button_for_a_question_already_answered_only_loses_its_buttons() -> None:
    at = Draft("time", "j1", 21)
    assert step(at, ToggleDay("j1", 2), None) == Outcome(at, (RemovePressedButtons(), StillWaiting("time")))
    zone = Draft("zone", "j1", 21, "0700")
    assert step(zone, TimeChosen("j1", "0800"), None) == Outcome(zone, (RemovePressedButtons(), StillWaiting("zone")))


def test_next_with_no_day_picked_says_so() -> None:
    empty = Draft("days", "k2", 0)
    assert step(empty, DaysChosen("k2"), None) == Outcome(empty, (NoDays(),))


def test_a_forged_button_changes_nothing() -> None:
    draft = Draft("days", "l3", 21)
    assert step(draft, ToggleDay("l3", 7), None) == Outcome(draft, (Stale(),))
    at = Draft("time", "l3", 21)
    for hhmm in ("2460", "9999", "07:0", ""):
        assert step(at, TimeChosen("l3", hhmm), None) == Outcome(at, (Stale(),))


@given(
    stage=st.sampled_from(["days", "time", "zone"]),
    draft_id=st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8),
    mask=st.integers(0, 127),
    hhmm=st.sampled_from(["", "0000", "0730", "2359"]),
    message_id=st.integers(0, 2**40),
)
def test_a_draft_survives_storage(stage: str, draft_id: str, mask: int, hhmm: str, message_id: int) -> None:
    draft = Draft(stage, draft_id, mask, hhmm, message_id)  # type: ignore[arg-type]
    assert Draft.decode(draft.encode()) == draft


def test_other_pending_input_is_not_a_draft() -> None:
    for pending in (None, "", "feedback:1", "schedule:", "schedule:days", "schedule:nope:a:1", "schedule:time:a:999",
                    "schedule:zone:a:1:2500"):
        assert Draft.decode(pending) is None


def test_draft_ids_are_short_and_distinct() -> None:
    assert draft_id_for(0) == "0" and draft_id_for(35) == "z" and draft_id_for(36) == "10"
    assert len({draft_id_for(n) for n in range(10_000)}) == 10_000
