"""Red-flag detection: questions that must get the see-a-professional answer.

The articles' coaches are "online coaches, not online doctors": intense back
pain, nerve pain such as sciatica, or symptoms beyond those described need
medical advice or physical therapy. People describe those symptoms in many
everyday ways, so this works on word *families* and on severity words next to a
pain word, not on a fixed keyword list.

Benign wording must not trip it: "sore calves", "a dull ache", "tight hips",
"an intense run" or "my calves burn" are exactly what the articles talk about.
"""

from __future__ import annotations

import re

from content.normalize import clean

# Red flags wherever they appear (matched at a word start on clean() output,
# which is lower-case words with "can't" spelled "cannot").
_ALWAYS = (
    # nerve symptoms
    r"sciati\w*", r"siatica", r"sciatt\w*", r"sciatika",
    r"nerve\w*", r"neuropath\w*", r"radiculopath\w*",
    r"numb(?:ness|ed|ing|s)?\b", r"tingl\w*", r"prickl\w*", r"pins and needles",
    r"shoot\w*", r"radiat\w*", r"electric\w*", r"zap\w*", r"zing\w*", r"stabb\w*",
    # "I can't stand calf raises" is a dislike, so plain "stand" needs "up"/"straight"
    r"(?:cannot|cant|can not|unable to) (?:feel|move|walk|bend|straighten|lift my|stand up|stand straight)\b",
    r"(?:can barely|can hardly|barely able to|hardly able to) (?:feel|move|walk|stand|bend|straighten|sit)\b",
    r"lost (?:the )?(?:feeling|sensation|control)", r"loss of (?:feeling|sensation|control)",
    r"no feeling", r"(?:leg|foot|feet|toes?|arm|hand)s? (?:\w+ )?(?:falls?|fell|goes|went|is|are) (?:asleep|dead)",
    r"(?:leg|knee|foot)s? (?:gives?|gave|giving) (?:way|out)", r"foot drop", r"drop foot",
    r"sudden(?:ly)? weak\w*", r"weakness in (?:my |the |one )?(?:leg|foot|feet)",
    r"incontinen\w*", r"bladder", r"bowel",
    # structural injuries
    r"herniat\w*", r"prolaps\w*", r"(?:slipped|bulg\w*|ruptured) dis[ck]\w*",
    r"dis[ck] (?:problem|issue|injury|bulge|herniation|slip)\w*",
    r"(?:ruptur\w*|torn|tear) (?:my |the |a )?(?:achilles|tendon|calf|muscle|ligament)\w*",
    r"fractur\w*", r"broken (?:bone|leg|foot|ankle|toe)\w*",
    # severe pain words that are never benign
    r"excruciat\w*", r"unbearabl\w*", r"agoni[sz]\w*", r"agony",
    r"worst pain", r"(?:back|pain|spine|leg|hip)\b(?:\s+\w+){0,3}\s+killing me",
    r"pain (?:at|in the) night", r"(?:pain|hurts?) wakes? me",
    # symptoms beyond anything the articles describe
    r"swell\w*", r"swollen", r"bruis\w*", r"fever\w*", r"chest pain", r"dizz\w*", r"faint\w*",
    r"spasm\w*", r"collaps\w*",
)

_SEVERE = (
    r"(?:sharp|intense|severe|extreme|extremely|terrible|horrible|awful|excruciating|crippling"
    r"|debilitating|burning|throbbing|searing|sudden|stabbing|shooting|really bad|very bad|so bad|massive)"
)
_PAIN = r"(?:pains?|painful|hurts?|hurting|aches?|aching|twinges?|sensation)"
# "sharp pain", "severe lowback pain", "sudden severe back pain": at most two
# words between, so "an intense run and my calves ache" stays benign.
_SEVERE_THEN_PAIN = rf"\b{_SEVERE}\s+(?:\w+\s+){{0,2}}{_PAIN}\b"
# "my back pain is really intense", "it hurts so much": only linking words between.
_LINK = r"(?:is|was|are|gets|got|getting|feels|felt|becomes|became|so|really|very|quite|super|pretty|too|just|now|has|been|absolutely|incredibly|unbelievably)"
_PAIN_THEN_SEVERE = rf"\b{_PAIN}\s+(?:{_LINK}\s+){{0,3}}(?:{_SEVERE}|so much|like hell|a ton)\b"

# Pain that travels along a limb: "pain down my leg", "aches into my calf".
_LIMB = r"(?:legs?|thighs?|calf|calves|foot|feet|toes?|buttocks?|glutes?|bum|butt|hips?|arms?|ankles?|knees?)"
_TRAVEL = (
    rf"\b(?:down|into|through|along|all the way to|down to|right to)\s+"
    rf"(?:the\s+|my\s+|his\s+|her\s+|your\s+|one\s+|both\s+)?(?:back of (?:the |my )?)?{_LIMB}\b"
)

_RED_FLAG = re.compile(
    r"\b(?:" + "|".join(_ALWAYS) + r")|" + _SEVERE_THEN_PAIN + "|" + _PAIN_THEN_SEVERE
)
_TRAVEL_RE = re.compile(_TRAVEL)
_PAIN_RE = re.compile(rf"\b{_PAIN}\b")

# Benign uses of otherwise alarming words, removed before matching.
_BENIGN = re.compile(
    r"\b(?:race nerves|nerves before|nerve ?racking|shoot(?:ing)? (?:a |the )?(?:video|photo|film)"
    r"|photo ?shoot|electric(?:al)? (?:bike|scooter|car)|sharp turn)\b"
)


def is_red_flag(text: str) -> bool:
    """True when ``text`` describes nerve symptoms, severe pain or other warning signs."""
    cleaned = _BENIGN.sub(" ", clean(text))
    if not cleaned:
        return False
    if _RED_FLAG.search(cleaned):
        return True
    return bool(_TRAVEL_RE.search(cleaned) and _PAIN_RE.search(cleaned))
