"""How answers, "did you mean" offers and "I don't know" look in the chat."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from stridecoach.domain.plans import routine_with, single_exercise_id
from stridecoach.bot.ui.common import CAPABILITIES, COACH_NOTE
from stridecoach.bot.ui.sessions import START_PREFIX
from stridecoach.content import evaluation
from stridecoach.content.model import Entry, Library

TOPIC_PREFIX = "q:"  # callback data "q:<entry id>" opens that answer

DONT_KNOW = (
    "I don't know that one, sorry: my knowledge is limited to two coaching articles "
    "on calf strength and lower back pain for runners.\n\n"
    "Here's what I can help with:\n" + CAPABILITIES + "\n\nSend /topics to browse everything I know."
)
DID_YOU_MEAN = "I'm not sure I understood. Did you mean one of these?"
NONE_PREFIX = "qn:"  # the "None of these" button under a did-you-mean
NONE_OF_THESE = "None of these"
NONE_OF_THESE_REPLY = (
    "Thanks, noted: I'll learn from it. My knowledge is limited to two coaching articles on calf "
    "strength and lower back pain for runners; send /topics to browse everything I know."
)
ENGLISH_ONLY = evaluation.ENGLISH_ONLY
NOT_HERE = "I can't do that from here. Send /help to see what I can do."
URGENT_LEAD = "<b>" + html.escape(evaluation.URGENT_LEAD, quote=False) + "</b>"
TOPICS_INTRO = "<b>Exercises</b> and <b>topics</b> I can explain. Tap one:"
STALE_TOPIC = "That button is from an older version of me; send /topics for a fresh list."
SAFETY_FOOTER = "\n\n<i>" + html.escape(COACH_NOTE) + "</i>"


def render_answer(entry: Entry, *, safety: bool = False) -> str:
    """An entry's answer, titled. Safety answers carry the coaches-not-doctors note too."""
    text = f"<b>{html.escape(entry.title, quote=False)}</b>\n\n{html.escape(entry.answer, quote=False)}"
    if safety and entry.id != "see-a-professional":
        text += SAFETY_FOOTER
    return text


def topic_keyboard(entries: list[Entry], columns: int = 2) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(entry.title[:60], callback_data=f"{TOPIC_PREFIX}{entry.id}")
        for entry in entries
    ]
    rows = [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
    return InlineKeyboardMarkup(rows)


def did_you_mean_keyboard(library: Library, ids: list[str]) -> InlineKeyboardMarkup:
    """Up to three answers to pick from, and "None of these" (recorded, so misses can become phrasings)."""
    entries = [entry for entry in (library.get(i) for i in ids[:3]) if entry is not None]
    rows = list(topic_keyboard(entries, columns=1).inline_keyboard)
    offered = ",".join(e.id for e in entries)
    data = f"{NONE_PREFIX}{offered}".encode()[:64].decode("utf-8", "ignore")  # Telegram's 64-byte limit
    rows.append((InlineKeyboardButton(NONE_OF_THESE, callback_data=data),))
    return InlineKeyboardMarkup(rows)


DO_IT_NOW = "Do it now ▶️"


def answer_keyboard(library: Library, entry: Entry) -> InlineKeyboardMarkup | None:
    """Under a routine's answer, "Do it now" starts it; under an exercise's, a guided
    session of that exercise alone. A runner who asked what the back routine is, or whose
    "back routine now" was read as that question, is one tap from starting."""
    if entry.id in library.routines:
        data = f"{START_PREFIX}{entry.id}"
    elif entry.id in library.exercises and (routine := routine_with(entry.id, library)) is not None:
        data = f"{START_PREFIX}{single_exercise_id(routine.id, entry.id)}"
    else:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(DO_IT_NOW, callback_data=data)]])


def render_red_flag(library: Library, *, urgent: bool) -> str:
    """The see-a-professional answer; emergency signs lead with "get urgent medical help now"."""
    entry = library.get("see-a-professional")
    body = render_answer(entry) if entry is not None else html.escape(COACH_NOTE)
    return f"{URGENT_LEAD}\n\n{body}" if urgent else body


def browse_entries(library: Library) -> list[Entry]:
    """What /topics lists: exercises in the order the routines walk them, then the
    remaining exercises, the topics and the routines."""
    ordered: list[Entry] = []
    # The calf article comes first in the source, so its routine does too.
    routines = sorted(library.routines.values(), key=lambda r: r.id != "calf-routine")
    for routine in routines:
        ordered += [library.exercises[s.exercise_id] for s in routine.steps]
    ordered += [e for e in library.exercises.values() if e not in ordered]
    return ordered + list(library.topics.values()) + routines
