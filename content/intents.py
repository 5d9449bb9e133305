"""Commands typed as free text: "start calf workout", "stop the reminders".

Rules, not fuzzy scores, because the two failure modes are both bad: starting a
session when the runner asked "what's in the back routine", or answering an
article topic when they said "turn off reminders". Each rule needs an action
verb *and* its object, and questions ("how/what/which ...") never start a
session. Patterns run on ``clean()`` output (lower case, "can't" -> "cannot",
"lower back" -> "lowback", "work out" -> "workout").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from content.normalize import clean
from content.prefilter import Gated

START_SESSION = "start-session"
PROGRESS = "progress"
REMINDERS_OFF = "reminders-off"
REMINDERS_PAUSE = "reminders-pause"
REMINDERS_RESUME = "reminders-resume"
SESSION_TIMER = "session-timer"
GREETING = "greeting"
THANKS = "thanks"
SCHEDULE = "schedule"
HELP = "help"
HISTORY = "history"
EXPORT = "export"
FORGET = "forget"

INTENTS = (
    START_SESSION, PROGRESS, REMINDERS_OFF, REMINDERS_PAUSE, REMINDERS_RESUME, SESSION_TIMER, SCHEDULE, HELP,
    HISTORY, EXPORT, FORGET, GREETING, THANKS,
)
# Small talk ("hi", "thanks!") is its own family: the shell answers briefly.
SMALLTALK = (GREETING, THANKS)


@dataclass(frozen=True)
class Intent:
    name: str
    routine: str | None = None  # "calf-routine" / "back-routine" when named


# Commands are short; longer messages are never read as one (see detect_intent).
MAX_COMMAND_WORDS = 24

_W = r"(?:\s+\w+){0,3}?"  # up to three filler words ("stop all the reminders")
_QUESTION_START = Gated(
    r"^(?:how|what|whats|which|why|when|where|who|is|are|does|do|did|should|would|will|am|was|were)\b"
)
# Polite requests are commands even though they look like questions.
_POLITE = Gated(r"^(?:can|could|would|will|shall) (?:we|you|u|i)\b|^(?:please|pls|plz)\b")

_SESSION_NOUN = r"(?:routine|routines|workout|workouts|session|sessions|training|circuit|exercises|drills|set|sets)"
_START_VERB = (
    r"(?:start|starting|begin|beginning|launch|kick off|kickoff|commence|resume|run|lets do|let us do"
    r"|lets go|lets start|let us start|lets begin|lets get|lets crack on with|crack on with|get going with"
    r"|take me through|walk me through|guide me through|coach me through|talk me through the"
    r"|want to do|wanna do|would like to do|like to do|ready for|ready to do|ready to start|time for"
    r"|time to do|do my|do the|do a|do todays|doing my|doing the|up for|going to do|gonna do|start me on)"
)
_START_RES = (
    Gated(rf"\b{_START_VERB}\b{_W}\s+{_SESSION_NOUN}\b"),
    # "start calf", "let's do back": the routine's name is enough at the end
    Gated(rf"\b{_START_VERB}\b{_W}\s+(?:calf|calves|back|lowback|core)\s*$"),
    Gated(r"^(?:start|go|begin|lets go|lets do this|lets do it|im ready|i am ready|ready|start now|new session|start session|start workout|workout time|train me)$"),
)

# "Take / walk / talk / guide me through the back routine" asks for the
# explanation (independent labellers read it as a question; the routine entry
# answers it and points to /session); it starts a session only with a start
# word ("let's do ... now, take me through it", "start ...", "begin ...",
# "do it with me").
_THROUGH = Gated(r"\b(?:take|walk|talk|guide|run) (?:me|us) through\b")
_START_WORD = Gated(
    # "from start to finish" describes the walk-through, it is not a start word
    r"\b(?:start(?! (?:to|till|until) (?:the )?(?:finish|end))|starting|begin|beginning(?! (?:to|till|until) (?:the )?(?:end|finish))"
    r"|lets|let us|now|right now)\b|\bworkout now\b"
    r"|\b(?:do it|do them|do this|do the \w+|exercise|train) (?:along )?with me\b"
)
# A question asked after a lead-in clause: "before starting the back
# exercises, how do I check ...": the lead-in names the session, the message asks.
_EMBEDDED_QUESTION = Gated(
    r"\b(?:how|what|which|when|where|why) (?:do|does|should|can|could|would|is|are|am) (?:i|you|we|it|my)\b"
)
# "Can I do the back routine the day after a race": asking whether, not asking
# to start (a condition or a time follows the routine).
_CAN_I_WHEN = Gated(
    r"^(?:can|could|should|may) i (?:\w+ ){0,2}(?:do|start|run) (?:\w+ ){0,4}?(?:routine|workout|exercises|session|drills)s?\b"
    r" (?:\w+ )?(?:after|before|if|when|while|during|every|twice|on (?:a |my )?(?:rest|race|run)|the day)\b"
)

# "At what point in my run do the calf drills go": asking where, not starting.
_WHEN_IN_RUN = Gated(r"\b(?:what|which) (?:point|stage|part|moment)\b|\bwhen in (?:my|a|the) (?:run|runs|running)\b")

_IMPERATIVE_START = Gated(r"^(?:(?:ok|okay|right|alright|so|coach|please|pls) )?(?:start|begin|lets|let us|go|run|launch|time)\b")


def _explain_request(cleaned: str) -> bool:
    """ "Walk me through the back exercises": explain, do not start."""
    if _THROUGH.search(cleaned):
        return not _START_WORD.search(cleaned)
    if _CAN_I_WHEN.search(cleaned):
        return True
    if _WHEN_IN_RUN.search(cleaned):
        return True
    return bool(_EMBEDDED_QUESTION.search(cleaned) and not _IMPERATIVE_START.search(cleaned))


_REMINDER_NOUN = r"(?:reminders?|notifications?|alerts?|pings?|nudges?|reminder messages)"
_RULES: tuple[tuple[str, tuple[Gated, ...]], ...] = (
    (
        # "start the timer", "stop timer": the guided session's timer, never a
        # reminder command or an article topic.
        SESSION_TIMER,
        (
            Gated(
                r"\b(?:start|stop|pause|resume|reset|restart|begin|end|cancel|set|run|kill|halt|unpause)\b"
                r"(?:\s+\w+){0,2}?\s+(?:timer|countdown|clock|stopwatch)s?\b"
            ),
            Gated(r"\btimers? (?:on|off|start|stop|please|pls|now|go)\b|^(?:timers?|countdown|stopwatch)$"),
        ),
    ),
    (
        # "turn reminders back on", "resume my reminders": before SCHEDULE and OFF
        REMINDERS_RESUME,
        (
            Gated(
                rf"\b(?:resume|unpause|un pause|restart|reactivate|re activate|reenable|re enable|unmute|un mute"
                rf"|bring back|restore)\b{_W}\s+{_REMINDER_NOUN}\b"
            ),
            Gated(rf"\b(?:turn|switch|put|set)\b{_W}\s+{_REMINDER_NOUN}\s+back on\b"),
            Gated(rf"\b(?:turn|switch|put)\s+back on\b{_W}\s+{_REMINDER_NOUN}\b"),
            Gated(rf"\b{_REMINDER_NOUN}\s+back on\b|\bstart reminding me again\b|\bremind me again\b"),
        ),
    ),
    (
        # "pause my reminders (for a week)", "hold my reminders": a break, not off
        REMINDERS_PAUSE,
        (
            Gated(
                rf"\b(?:pause|hold|snooze|suspend|freeze|put on hold|take a break from|break from|hold off)\b{_W}"
                rf"\s+{_REMINDER_NOUN}\b"
            ),
            Gated(rf"\b(?:put|keep|place)\b{_W}\s+{_REMINDER_NOUN}\s+on (?:hold|pause|ice)\b"),
            Gated(rf"\b{_REMINDER_NOUN}\s+(?:on hold|on pause|paused)\b"),
            Gated(r"\b(?:stop|no) (?:reminding|pinging|nudging) me for (?:a|the|this|next|\d+|one|two|few)\b"),
        ),
    ),
    (
        REMINDERS_OFF,
        (
            Gated(
                rf"\b(?:stop|turn off|switch off|shut off|disable|cancel|mute|silence|no more|unsubscribe from"
                rf"|end|remove|delete|clear|kill|opt out of|do not want|dont want|no longer want|get rid of)\b{_W}"
                rf"\s+(?:reminders?|notifications?|alerts?|pings?|nudges?|reminder messages)\b"
            ),
            Gated(r"\b(?:stop|quit|enough) (?:reminding|pinging|nagging|notifying|messaging|bugging|spamming) me\b"),
            Gated(r"\b(?:reminders?|notifications?) off\b|^unsubscribe$|\bdo not remind me\b|\bdont remind me\b"),
        ),
    ),
    (
        FORGET,
        (
            Gated(
                r"\b(?:delete|erase|remove|wipe|clear|destroy|purge)\b(?:\s+\w+){0,3}?\s+"
                r"(?:data|account|profile|everything|info|information|details|records)\b"
            ),
            Gated(r"\bforget (?:about )?(?:me|my data|everything|all about me)\b|\bgdpr\b|\bright to be forgotten\b"),
        ),
    ),
    (
        EXPORT,
        (
            Gated(
                r"\b(?:export|download|backup|back up|send me|email me|get a copy of|copy of)\b(?:\s+\w+){0,3}?\s+"
                r"(?:data|history|logs?|csv|records|workouts|sessions|progress)\b"
            ),
            Gated(r"^(?:export|csv|download)(?: data)?$"),
        ),
    ),
    (
        SCHEDULE,
        (
            Gated(
                rf"\b(?:set|add|create|schedule|change|edit|update|move|reschedule|new|turn on|switch on|enable|start)\b{_W}"
                rf"\s+(?:reminders?|schedule|alarms?|notifications?|reminder time|training days)\b"
            ),
            # "put my workouts on mon wed fri at 7am"
            Gated(
                r"\b(?:put|set|schedule|plan|book|move|fix)\b(?:\s+\w+){0,2}?\s+(?:workouts?|sessions?|training|routines?)"
                r"\s+(?:on|for|every)\s+(?:mon|tue|wed|thu|fri|sat|sun|weekdays|weekends|every|each)"
            ),
            Gated(r"\bremind me\b|\breschedule\b|\bmy schedule\b(?! (?:is|was|has|gets|got|keeps|s|been|changes|varies)\b)|\breminders? on\b|^(?:schedule|reminders?)$"),
        ),
    ),
    (
        PROGRESS,
        (
            # "show my progress", "my stats": the runner's own figures ("see some
            # progress" is about getting stronger, not a command)
            Gated(
                r"\b(?:show|see|view|check|display|open|get)(?: me)?(?: all)? (?:my|our) (?:\w+ )?"
                r"(?:progress|stats|statistics|streak|totals)\b|\bmy (?:\w+ )?(?:progress|stats|statistics|streak|totals)\b"
            ),
            Gated(r"\bhow am i doing\b|\bhow (?:have|has) (?:i|my training) been (?:doing|going)\b|^(?:progress|stats|streak)$"),
            Gated(r"\bhow many (?:sessions|workouts|sets) (?:have i|did i)\b"),
        ),
    ),
    (
        HISTORY,
        (
            Gated(r"\bhistory\b"),
            Gated(r"\b(?:past|previous|last|recent|completed|logged|earlier|old) (?:sessions?|workouts?|routines?)\b"),
            Gated(r"\b(?:my|show|open|see|view|check) (?:\w+ )?(?:workout |training |exercise )?logs?\b"),
            Gated(r"\bwhat did i do\b(?! wrong)|\bwhat have i (?:\w+ )?(?:done|completed|finished|logged)\b|\bwhat (?:was|were) my (?:last|previous)\b"),
            # "show me the sessions I've done", "list my workouts", "all my workouts so far"
            Gated(r"\b(?:sessions?|workouts?|routines?) (?:that )?i (?:have |had )?(?:already )?(?:done|did|completed|finished|logged)\b"),
            Gated(r"\b(?:what|which) (?:sessions?|workouts?|routines?|exercises|sets) did i (?:do|log|complete|finish)\b"),
            Gated(r"\b(?:list|show|see|view)(?: me)? (?:all )?(?:of )?my (?:sessions|workouts|routines)\b|^(?:all )?my (?:sessions|workouts)$"
                  r"|\bmy (?:sessions|workouts) so far\b"),
        ),
    ),
    (
        HELP,
        (
            Gated(r"^(?:help|help me|menu|commands|options|info|about|i need help|need help|assist|start over)$"),
            Gated(
                r"\bwhat (?:can|do) you do\b|\bhow (?:does|do) (?:this|you|stridecoach)(?: bot)? work\b"
                r"|\bhow do i use (?:you|this|the bot|stridecoach)\b|\bwhat are (?:your|the) commands\b"
                r"|\bwho are you\b|\bwhat can i ask\b|\bwhat do you know\b|\bwhat are you\b"
            ),
        ),
    ),
)


# History asked as a question: "what did I do last time", "can I see my past
# sessions", "what were my previous workouts" (but not "what history of injuries").
_HISTORY_QUESTION = Gated(
    r"\bwhat did i do\b(?! wrong)|\bwhat have i (?:done|logged)\b|\bwhat (?:was|were) my (?:last|previous)\b"
    r"|\b(?:my|the) (?:past|previous|last|recent|completed|logged|earlier|old) (?:sessions?|workouts?|routines?)\b"
    r"|\b(?:my|the) (?:workout |training |exercise )?logs?\b|\bworkout history\b|\bmy history\b"
    r"|\bwhat have i (?:\w+ )?(?:done|completed|finished|logged)\b"
    r"|\b(?:sessions?|workouts?|routines?|exercises) (?:that )?i (?:have |had )?(?:already )?(?:done|did|completed|finished|logged)\b"
    r"|\b(?:what|which) (?:sessions?|workouts?|routines?|exercises|sets) did i (?:do|log|complete|finish)\b"
)


# Small talk: the whole message is a greeting or thanks plus filler ("hi coach",
# "thanks so much, that helped"). A greeting in front of a question ("hi, how
# often ...") is not small talk: any other word sends the message on.
_GREETING_WORDS = frozenset(
    "hi hello hey heya hiya howdy yo hallo hola greetings morning afternoon evening gday sup wassup whatsup".split()
)
_THANKS_WORDS = frozenset("thanks thank thx ty tysm cheers ta thankyou thanx appreciated appreciate grateful".split())
_SMALLTALK_FILLER = frozenset(
    """
    coach stridecoach bot there you u so much very lot a lots for the all everyone guys mate buddy man again
    ok okay good great cool nice awesome perfect brilliant lovely excellent super amazing fab fantastic
    that this it was is helped helps helpful useful help tips advice info answer really heaps loads
    oh well and again day how are doing going whats up im i am fine
    """.split()
)


def _smalltalk(cleaned: str) -> str | None:
    words = cleaned.split()
    if not words or len(words) > 10:
        return None
    if any(w not in _GREETING_WORDS and w not in _THANKS_WORDS and w not in _SMALLTALK_FILLER for w in words):
        return None
    if any(w in _THANKS_WORDS for w in words):
        return THANKS
    if any(w in _GREETING_WORDS for w in words) or cleaned in ("good day", "whats up", "how are you"):
        return GREETING
    return None


def _routine_hint(text: str) -> str | None:
    calf = re.search(r"\b(?:calf|calves|calve|lower leg)\b", text)
    back = re.search(r"\b(?:back|lowback|core|hip|hips)\b", text)
    if calf and not back:
        return "calf-routine"
    if back and not calf:
        return "back-routine"
    return None


def detect_intent(text: str) -> Intent | None:
    """The command ``text`` asks for, or None when it is not a command."""
    cleaned = clean(text)
    if not cleaned:
        return None
    small = _smalltalk(cleaned)
    if small is not None:
        return Intent(small)
    if len(cleaned.split()) > MAX_COMMAND_WORDS:
        # A long message is a story or a question; its words ("I want to see
        # some progress", "my schedule is all over the place") are not commands.
        return None
    question = bool(_QUESTION_START.search(cleaned)) and not _POLITE.search(cleaned)
    for name, patterns in _RULES:
        if any(p.search(cleaned) for p in patterns):
            # Help/progress phrasings are themselves questions ("what can you
            # do", "how am I doing"); the others must not be plain questions
            # such as "what history of injuries ...".
            if question and name not in (HELP, PROGRESS, SCHEDULE, EXPORT, FORGET):
                if not (name == HISTORY and _HISTORY_QUESTION.search(cleaned)):
                    continue
            return Intent(name)
    if not question and not _explain_request(cleaned) and any(p.search(cleaned) for p in _START_RES):
        return Intent(START_SESSION, _routine_hint(cleaned))
    return None
