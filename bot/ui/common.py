"""Texts and helpers shared by every feature: welcome, help, bad-input replies.

All user-facing wording lives in bot/ui/; handlers only pick which text to send.
Texts are Telegram HTML: anything that came from the runner goes through
`html.escape` before it is put into one.
"""

from __future__ import annotations

from telegram import BotCommand

MAX_MESSAGE_LENGTH = 4096  # Telegram's limit for one text message

COACH_NOTE = (
    "StrideCoach's advice comes from running coaches, not doctors. If you have intense "
    "back pain, nerve pain such as sciatica, or symptoms beyond ordinary soreness, "
    "please see a doctor or physical therapist."
)

CAPABILITIES = (
    "• ask about the calf and lower-back exercises (how to do them, sets and reps)\n"
    "• ask why calves and the core matter, and what causes lower back pain on runs\n"
    "• /session: a guided calf or lower-back workout, one set at a time\n"
    "• /schedule: reminders on your training days\n"
    "• /progress and /history: what you have done"
)

WELCOME = (
    "Hi {name}! I'm <b>StrideCoach</b>, your strength coach for injury-free running.\n\n"
    "Here is what I can do:\n" + CAPABILITIES + "\n\n"
    "My advice comes from two coaching articles for runners: one on calf strength, "
    "one on preventing lower back pain.\n\n"
    "Try asking: <i>how do I do a hollow body hold?</i>\n\n" + COACH_NOTE
)

HELP = (
    "<b>What I can help with</b>\n" + CAPABILITIES + "\n\n"
    "<b>Commands</b>\n"
    "/topics – everything I know, as buttons\n"
    "/session – start a guided workout\n"
    "/progress – this week, your streak and totals\n"
    "/history – your recent sessions\n"
    "/schedule – pick training days and a reminder time\n"
    "/reminders – your schedule and the next reminder\n"
    "/pause, /resume – pause or resume reminders\n"
    "/cancel – cancel a /schedule change in progress\n"
    "/export – your data as a CSV file\n"
    "/forget – delete everything I store about you\n\n"
    "During a session: <i>done</i>, <i>undo</i>, <i>skip</i> (a reason is welcome), <i>skip exercise</i>, "
    "<i>no barbell</i>, <i>how many reps?</i>, <i>pause</i>, <i>stop</i> (and <i>resume</i> within 30 "
    "minutes). Reminders in words: <i>pause for a week</i>, <i>remind me Tuesdays and Thursdays at 7am</i>.\n\n"
    "Or just type a question in your own words.\n\n" + COACH_NOTE
)

GREETING = "Hi! Ask me about calf or lower-back exercises, or send /session to start a workout."
THANKS = "You're welcome! Strong calves, happy back. Send /session whenever you're ready to train."

NON_TEXT = (
    "I can only read text messages. Ask me a question in words, or send /help to see "
    "what I can do."
)
EMPTY_TEXT = "That message looks empty. Ask me something, for example: <i>calf raises without weights?</i>"
UNKNOWN_COMMAND = "I don't know the command {command}. Send /help to see the ones I understand."
GROUP_CHAT = "I only coach in private chats. Message me directly to get started."
# Never "please try again": the action may already be stored (a retried "done" would count twice).
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on my side. Anything already saved stays saved: "
    "say “where am I” to see where your session stands before doing it again."
)
SOMETHING_WENT_WRONG_SHORT = "Sorry, something went wrong on my side; anything already saved stays saved."
SLOW_DOWN = (
    "Whoa, that's a lot of messages at once! I'll catch my breath for a few seconds; "
    "messages sent meanwhile are ignored."
)

# The command menu registered with set_my_commands at start-up.
COMMANDS: list[tuple[str, str]] = [
    ("start", "Welcome and what I can do"),
    ("help", "What I can help with"),
    ("topics", "Everything I know, as buttons"),
    ("session", "Start a guided calf or back workout"),
    ("progress", "This week, your streak and totals"),
    ("history", "Your recent sessions"),
    ("schedule", "Pick training days and a reminder time"),
    ("reminders", "Your schedule and the next reminder"),
    ("pause", "Pause reminders"),
    ("resume", "Resume reminders"),
    ("cancel", "Cancel a /schedule change in progress"),
    ("export", "Download your data as CSV"),
    ("forget", "Delete everything stored about you"),
]


def bot_commands() -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in COMMANDS]


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split text into chunks Telegram accepts, preferring paragraph, then line, then word breaks.

    Splitting happens on plain text boundaries; callers keep HTML tags within one
    paragraph so that no tag is cut in half.
    """
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return [c for c in chunks if c]
