"""A runner asking questions through the real Application and the fake Bot API."""

from __future__ import annotations

import pytest

from stridecoach.content.understanding import Question

from stridecoach.bot.testing.harness import BotHarness, FakeClock
from stridecoach.bot.ui.common import MAX_MESSAGE_LENGTH, split_message
from tests.conftest import RUNNER


async def test_start_welcomes_and_carries_the_coaches_not_doctors_note(bot: BotHarness) -> None:
    [reply] = await bot.send(RUNNER, "/start", first_name="Ada <3")
    assert "StrideCoach" in reply.text
    assert "Ada &lt;3" in reply.text  # the runner's name is escaped for HTML
    assert "not doctors" in reply.text
    assert reply.parse_mode == "HTML"


async def test_command_menu_is_registered_at_start_up(bot: BotHarness) -> None:
    names = [c["command"] for c in bot.fake.commands]
    assert {"start", "help", "topics", "session", "progress", "schedule"} <= set(names)


async def test_help_lists_what_the_bot_can_do(bot: BotHarness) -> None:
    [reply] = await bot.send(RUNNER, "/help")
    assert "/session" in reply.text and "/topics" in reply.text


async def test_plain_question_gets_the_articles_answer(bot: BotHarness) -> None:
    [reply] = await bot.send(RUNNER, "how do I do a hollow body hold")
    assert "Hollow" in reply.text
    assert "10 s" in reply.text or "10 seconds" in reply.text
    assert "6" in reply.text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("hollow hold??", "Hollow"),
        ("calf raises w/o weights", "double-leg"),
        ("jumprope how many sets", "rope"),
        ("my lower back kills after long runs", "back"),
    ],
)
async def test_everyday_wording_and_typos_find_the_answer(
    bot: BotHarness, question: str, expected: str
) -> None:
    [reply] = await bot.send(RUNNER, question)
    assert expected.lower() in reply.text.lower()
    assert "I don't know" not in reply.text


async def test_nerve_symptoms_always_bring_see_a_professional(bot: BotHarness) -> None:
    [reply] = await bot.send(RUNNER, "shooting pain down my leg during the hollow body hold")
    assert "doctor" in reply.text.lower() or "physical therap" in reply.text.lower()


async def test_off_topic_question_gets_an_honest_dont_know_with_what_it_can_do(
    bot: BotHarness,
) -> None:
    [reply] = await bot.send(RUNNER, "what should I eat before a half marathon")
    assert "don't know" in reply.text
    assert "/session" in reply.text and "/topics" in reply.text


async def test_topics_buttons_open_answers(bot: BotHarness) -> None:
    [menu] = await bot.send(RUNNER, "/topics")
    assert len(menu.buttons) >= 19  # every outline exercise and topic is browsable
    [answer] = await bot.press(RUNNER, "Toe walking", menu)
    assert "90 seconds" in answer.text
    assert bot.fake.calls_to("answerCallbackQuery"), "the button spinner must be stopped"


async def test_did_you_mean_offers_at_most_three_answers_and_none_of_these(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pin the understanding step's verdict: this test is about the buttons, not the model.
    offered = ("single-leg-calf-raise", "double-leg-calf-raise", "weighted-calf-raise")
    monkeypatch.setattr(
        bot.services.understander, "understand",
        lambda text, context=None: Question(None, 0.3, "did-you-mean", offered),
    )
    [reply] = await bot.send(RUNNER, "raise")
    assert reply.button_texts[:3] == [bot.services.library.get(i).title for i in offered]  # type: ignore[union-attr]
    assert reply.button_texts[-1] == "None of these"
    [answer] = await bot.press(RUNNER, reply.button_texts[1], reply)
    assert "hip-width" in answer.text or "3 sets of 8" in answer.text
    _, none_data = bot.find_button(RUNNER, "None of these", reply)
    [declined] = await bot.press(RUNNER, "None of these", reply)
    assert "/topics" in declined.text and reply.buttons == []
    # A double tap: the second press finds the buttons gone and gets the same calm reply.
    [again] = await bot.feed(bot.fake.make_callback_update(RUNNER, reply, none_data))
    assert again.text == declined.text


async def test_stale_topic_button_is_answered_politely(bot: BotHarness) -> None:
    [menu] = await bot.send(RUNNER, "/topics")
    payload = bot.fake.make_callback_update(RUNNER, menu, "q:no-such-topic")
    [reply] = await bot.feed(payload)
    assert "/topics" in reply.text


@pytest.mark.parametrize(
    "content",
    [
        {"sticker": {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                     "is_animated": False, "is_video": False, "type": "regular"}},
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}},
        {"location": {"latitude": 52.5, "longitude": 13.4}},
    ],
    ids=["sticker", "photo", "voice", "location"],
)
async def test_messages_without_text_get_a_friendly_pointer(bot: BotHarness, content: dict) -> None:
    [reply] = await bot.feed(bot.fake.make_message_update(RUNNER, content))
    assert "text" in reply.text.lower()


@pytest.mark.parametrize(
    "text",
    ["   ", "🏃‍♀️💪🔥", "Как делать подъёмы на носки?", "小腿训练怎么做", "x" * 4096,
     "<script>alert(1)</script>"],
    ids=["blank", "emoji", "cyrillic", "chinese", "4096-chars", "html"],
)
async def test_odd_text_gets_one_short_friendly_reply(bot: BotHarness, text: str) -> None:
    replies = await bot.send(RUNNER, text)
    assert len(replies) == 1
    assert 0 < len(replies[0].text) <= MAX_MESSAGE_LENGTH
    assert "<script>" not in replies[0].text


async def test_a_message_in_another_language_is_pointed_to_a_professional_too(bot: BotHarness) -> None:
    # The bot cannot read it, so it cannot rule out a medical sign ("I am five months pregnant").
    [reply] = await bot.send(RUNNER, "bonjour, je suis enceinte de cinq mois, est-ce que je peux encore faire la corde à sauter?")
    assert "only understand English" in reply.text
    assert "doctor or physical therapist" in reply.text


async def test_unknown_command_and_junk_arguments(bot: BotHarness) -> None:
    [reply] = await bot.send(RUNNER, "/frobnicate <b>now</b>")
    assert "/frobnicate" in reply.text and "/help" in reply.text
    [reply] = await bot.send(RUNNER, "/help me please &&&")
    assert "/session" in reply.text


async def test_group_chats_are_not_coached(bot: BotHarness) -> None:
    replies = await bot.send(RUNNER, "/start", chat_type="group")
    assert len(replies) == 1 and "private" in replies[0].text


def test_long_replies_are_split_at_line_breaks_under_the_limit() -> None:
    paragraph = "A calf set done well. " * 40
    text = "\n\n".join([paragraph] * 12)
    chunks = split_message(text)
    assert len(chunks) > 1
    assert all(len(chunk) <= MAX_MESSAGE_LENGTH for chunk in chunks)
    assert "".join(chunks).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


async def test_an_edited_message_is_not_answered_again(bot: BotHarness) -> None:
    original = bot.fake.make_text_update(RUNNER, "hollow hold")
    assert await bot.feed(original)
    edited = {
        "update_id": bot.fake.next_update_id(),
        "edited_message": {**original["message"], "text": "toe walking", "edit_date": 1},
    }
    assert await bot.feed(edited) == []


async def test_an_exercise_answer_offers_do_it_now_which_walks_that_exercise_alone(bot: BotHarness) -> None:
    [answer] = await bot.send(RUNNER, "how do I do toe walking")
    assert "Toe walking" in answer.text
    assert answer.button_texts == ["Do it now ▶️"]
    replies = await bot.press(RUNNER, "Do it now", answer)
    first = replies[-1]
    assert "Toe walking" in first.text and "Set 1 of 3" in first.text
    assert "exercise 1 of 1" in first.text.lower() or "1 of 1" in first.text


async def test_a_routine_answer_offers_do_it_now_which_starts_the_routine(bot: BotHarness) -> None:
    [answer] = await bot.send(RUNNER, "what exercises are in the back routine?")
    assert "hollow body" in answer.text.lower()
    assert answer.button_texts == ["Do it now ▶️"]
    replies = await bot.press(RUNNER, "Do it now", answer)
    first = replies[-1]
    assert "Let's go" in first.text and "Lower back routine" in first.text and "3 exercises" in first.text


async def test_a_go_ahead_after_a_routine_answer_starts_that_routine(bot: BotHarness) -> None:
    [answer] = await bot.send(RUNNER, "what exercises are in the back routine?")
    assert "hollow body" in answer.text.lower()
    # Names no routine: the one just described, not the chooser.
    replies = await bot.send(RUNNER, "ok lets go then")
    assert "Let's go" in replies[-1].text and "Lower back routine" in replies[-1].text


async def test_asking_about_the_other_routine_after_one_is_described_answers_it(bot: BotHarness) -> None:
    await bot.send(RUNNER, "what exercises are in the back routine?")
    # A question about the calf routine, not a go-ahead: described, with the offer to start it.
    [answer] = await bot.send(RUNNER, "and the calf one?")
    assert "Let's go" not in answer.text
    assert "Calf routine" in answer.text and answer.button_texts == ["Do it now ▶️"]


async def test_a_go_ahead_long_after_the_answer_offers_the_routines(bot: BotHarness, clock: FakeClock) -> None:
    await bot.send(RUNNER, "what exercises are in the back routine?")
    clock.advance(hours=20)  # the next day the answer is no longer what the runner means
    [offer] = await bot.send(RUNNER, "ok lets go then")
    assert "Let's go" not in offer.text
    assert any("Calf" in b for b in offer.button_texts) and any("back" in b.lower() for b in offer.button_texts)


async def test_a_follow_up_is_read_with_the_answer_before_it(bot: BotHarness) -> None:
    [why] = await bot.send(RUNNER, "why do runners need strong calves?")
    assert "calf" in why.text.lower()
    # Names nothing on its own; after that answer it asks for the routine.
    [onward] = await bot.send(RUNNER, "cool, where do i start then")
    assert "Calf routine" in onward.text and onward.button_texts == ["Do it now ▶️"]
    [rope] = await bot.send(RUNNER, "how do I do jump rope")
    assert "Jump" in rope.text
    [more] = await bot.send(RUNNER, "and how many sets?")
    assert "Jump" in more.text


async def test_a_topic_answer_has_no_do_it_now(bot: BotHarness) -> None:
    [answer] = await bot.send(RUNNER, "why do calves matter for runners")
    assert "Do it now ▶️" not in answer.button_texts
