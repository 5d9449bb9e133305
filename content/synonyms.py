"""Word lists the normaliser uses: spelling variants, slang, stop words.

Kept as plain data so a coach (or a reviewer) can extend them without reading
the matcher. Everything here maps *to* the words the content files use.
"""

from __future__ import annotations

# Multi-word phrases, rewritten on the joined text before tokenising. Order
# matters: longer phrases first. Right-hand sides are ordinary words that the
# per-token map and the stemmer then process like any other.
PHRASES: tuple[tuple[str, str], ...] = (
    ("pins and needles", "tingling"),
    # down-playing words carry no topic (and never cancel a red flag: safety
    # runs on the raw text first)
    ("nothing serious", ""), ("not serious", ""), ("nothing major", ""), ("not too bad", ""),
    ("not that bad", ""), ("nothing too bad", ""),
    # number words name the calf-raise siblings: "two-leg" is the double-leg raise
    ("one legged", "single leg"), ("one leg", "single leg"), ("1 leg", "single leg"), ("1 legged", "single leg"),
    ("single legged", "single leg"), ("on one foot", "single leg"), ("one foot", "single leg"),
    ("two legged", "double leg"), ("two legs", "double leg"), ("two leg", "double leg"), ("2 legs", "double leg"),
    ("2 leg", "double leg"), ("2 legged", "double leg"), ("both legs", "double leg"), ("both feet", "double leg"),
    ("two feet", "double leg"), ("double legged", "double leg"),
    # "two-foot", "two-footed", "both-foot": the double-leg raise; "one-footed" the single-leg one
    ("two foot", "double leg"), ("two footed", "double leg"), ("2 foot", "double leg"), ("2 feet", "double leg"),
    ("both foot", "double leg"), ("both footed", "double leg"), ("one footed", "single leg"),
    ("single foot", "single leg"), ("single footed", "single leg"), ("1 foot", "single leg"),
    # training gaps
    ("warm down", "cooldown"), ("warm downs", "cooldown"), ("cool downs", "cooldown"),
    ("cross training", "crosstraining"), ("cross train", "crosstraining"), ("cross trained", "crosstraining"),
    ("cross trains", "crosstraining"),
    ("massage guns", "massagegun"), ("massage gun", "massagegun"), ("theragun", "massagegun"),
    ("percussion gun", "massagegun"), ("post op", "postop"), ("post operative", "postop"), ("work day", "workday"), ("working day", "workday"),
    # other exercises, fused so they read as one off-topic word, not "pull"/"push"
    # frequency: "3 times a week", "per week", "how often" all mean one thing
    ("times a week", "often"), ("times per week", "often"), ("times each week", "often"),
    ("days a week", "often"), ("days per week", "often"), ("x a week", "often"),
    ("per week", "often"), ("a week", "often"), ("each week", "often"), ("every week", "often"),
    ("how frequently", "often"), ("how regularly", "often"),
    # Other exercises and treatments whose names share our words ("russian
    # twist", "step ups", "kettlebell swing"). Fused into one off-topic word.
    ("box jumps", "boxjump"), ("box jump", "boxjump"),
    ("russian twists", "russiantwist"), ("russian twist", "russiantwist"),
    ("wall sits", "wallsit"), ("wall sit", "wallsit"), ("glute bridges", "glutebridge"),
    ("glute bridge", "glutebridge"), ("hip bridges", "glutebridge"), ("hip bridge", "glutebridge"),
    ("hip thrusts", "hipthrust"), ("hip thrust", "hipthrust"), ("side planks", "plank"),
    ("side plank", "plank"), ("bird dogs", "birddog"), ("bird dog", "birddog"),
    ("dead bugs", "deadbug"), ("dead bug", "deadbug"), ("leg press", "legpress"),
    ("hanging leg raises", "legraise"), ("hanging leg raise", "legraise"),
    ("lying leg raises", "legraise"), ("lying leg raise", "legraise"),
    ("straight leg raises", "legraise"), ("straight leg raise", "legraise"),
    ("knee raises", "legraise"), ("knee raise", "legraise"), ("goblet squats", "gymsquat"), ("goblet squat", "gymsquat"),
    ("back squats", "gymsquat"), ("back squat", "gymsquat"), ("front squats", "gymsquat"),
    ("front squat", "gymsquat"), ("split squats", "gymsquat"), ("split squat", "gymsquat"),
    ("barbell squats", "gymsquat"), ("barbell squat", "gymsquat"),
    ("squats with a barbell", "gymsquat"), ("step ups", "stepup"), ("step up", "stepup"),
    ("kettlebell swings", "kbswing"), ("kettlebell swing", "kbswing"),
    ("jumping jacks", "jumpingjack"), ("jumping jack", "jumpingjack"),
    ("mountain climbers", "mountainclimber"), ("mountain climber", "mountainclimber"),
    ("high knees", "highknees"), ("butt kicks", "buttkick"), ("butt kickers", "buttkick"),
    ("clam shells", "clamshell"), ("clamshells", "clamshell"), ("clam shell", "clamshell"),
    ("calf stretch against a wall", "wallstretch"), ("wall calf stretch", "wallstretch"),
    ("pull ups", "pullup"), ("pull up", "pullup"), ("push ups", "pushup"), ("push up", "pushup"),
    ("press ups", "pushup"), ("press up", "pushup"), ("sit ups", "situp"), ("sit up", "situp"),
    ("chin ups", "chinup"), ("chin up", "chinup"), ("dead lifts", "deadlift"), ("dead lift", "deadlift"),
    ("skipping rope", "jumprope"), ("skiping rope", "jumprope"), ("skippin rope", "jumprope"),
    # "every single day" is not the single-leg raise
    ("every single", "every"), ("each and every", "every"),
    # "the single best thing" is not the single-leg raise either
    ("single best", "best"), ("single most", "most"), ("single biggest", "biggest"), ("single greatest", "best"),
    ("single top", "top"), ("single thing", "thing"), ("single exercise", "exercise"),
    ("couch potato", "inactive lifestyle"), ("couch potatoes", "inactive lifestyle"),
    ("skip rope", "jumprope"),
    ("jump rope", "jumprope"),
    ("jumping rope", "jumprope"),
    ("rope jumping", "jumprope"),
    ("lower back", "lowback"),
    ("low back", "lowback"),
    ("lower backs", "lowback"),
    ("bottom of my back", "lowback"),
    ("small of my back", "lowback"),
    ("tippy toes", "tiptoe"),
    ("tippy toe", "tiptoe"),
    ("tip toes", "tiptoe"),
    ("tip toe", "tiptoe"),
    # "one leg raises", "double leg raises": calf raises by another name
    ("single leg raises", "single leg calf raise"), ("single leg raise", "single leg calf raise"),
    ("one leg raises", "single leg calf raise"), ("one leg raise", "single leg calf raise"),
    ("one legged raises", "single leg calf raise"), ("double leg raises", "double leg calf raise"),
    ("double leg raise", "double leg calf raise"), ("two leg raises", "double leg calf raise"),
    ("heel raises", "calf raise"),
    ("heel raise", "calf raise"),
    ("heel lifts", "calf raise"),
    ("heel lift", "calf raise"),
    ("toe raises", "calf raise"),
    ("hip flexer", "hip flexor"),
    ("hip flexers", "hip flexor"),
    ("hip flexsors", "hip flexor"),
    ("hip flexsor", "hip flexor"),
    ("work out", "workout"),
    ("warm up", "warmup"),
    ("cool down", "cooldown"),
    ("shin splints", "shinsplint"),
    ("shin splint", "shinsplint"),
    ("ice baths", "icebath"),
    ("ice bath", "icebath"),
    ("no equipment", "noequipment"),
    ("without equipment", "noequipment"),
    ("no kit", "noequipment"),
    ("no gear", "noequipment"),
    ("without any gear", "noequipment"),
    ("without any equipment", "noequipment"),
    ("without weights", "noequipment"), ("without weight", "noequipment"),
    ("without any weights", "noequipment"), ("without any weight", "noequipment"),
    ("with no weights", "noequipment"), ("with no weight", "noequipment"),
    ("without any dumbbells", "noequipment"), ("with no equipment", "noequipment"),
    ("without dumbbells", "noequipment"), ("no weights", "noequipment"),
    ("no weight", "noequipment"), ("no dumbbells", "noequipment"),
    ("body weight", "bodyweight"),
    ("squat rack", "squatrack"),
    ("table top", "tabletop"),
    ("tabletop", "tabletop"),
    ("at home", "athome"),
    ("from home", "athome"),
    ("in my living room", "athome"),
)

# Context-dependent rewrites, regular expressions over clean() output, applied
# for retrieval only (intents and safety see the text without them). Each is a
# family of wordings for one idea the content names in a single word.
_GLUTE_CORE = r"(?:glute|glutes|butt|bum|booty|bottom|buttocks?|core|abs|muscles?|hamstrings?)"
_SITTING = r"(?:sitting|sit|sat|desk|chair|office|sedentary|commute|commuting|driving|workday)"
_GAP_OBJECT = r"(?:cooldown|cool|crosstraining|cross|mobility|stretch\w*|strength|warmup|core)"
_STRETCHED = r"(?:calf|calves|hamstrings?|quads?|glutes?|back|lowback|legs?|achilles|soleus)"
REWRITES: tuple[tuple[str, str], ...] = (
    # Where the weight goes on a one-foot raise, or "just my body weight": a
    # balance question about the single-leg raise, not the weighted raise
    (r"^(?=.*\bweight\b)(?=.*\bsingle leg\b)(.*?)\b(?:where (?:\w+ ){0,4}?weight(?: (?:go|goes|sit|sits|be|placed|land))?"
     r"|(?:just )?(?:my |your |own )?body weight|my (?:own )?weight)\b", r"\1balance"),
    # Running "on the front of my feet" is running on the toes
    (r"^(?=.*\bfront\b)(?=.*\brun)(.*?)\b(?:up )?on (?:the )?fronts? of (?:my |the |your )?(?:feet|foot)\b", r"\1 run on toe"),
    # "Not hurt yet", "never been hurt", "before I get hurt": strength work as
    # prevention ("injured" and "nothing hurts" are left alone: the prevention
    # entry's own phrasings use them)
    (r"^(?=.*\bhurt\b)(.*?)\b(?:(?:not|never|haven t|havent)(?: been| got| gotten)? hurt(?: yet)?"
     r"|before (?:i |you )?(?:get |got |am |m )?hurt)\b", r"\1 prevent injury"),
    # Only running, nothing else ("no gym, no bike", "dropping everything
    # except running"): the articles' training gaps
    (r"^(?=.*\b(?:only|nothing|except|just|zero|no)\b)(.*?)\b(?:(?:only|just) (?:run|running|runs)\b(?! (?:on|in|at|for|with)\b)"
     r"|nothing (?:else|but (?:run|running))|everything (?:except|but|other than) (?:run|running)"
     r"|(?:no|zero) (?:gym|cross ?training|crosstraining|bike|cycling|swimming|weights)\b)", r"\1 gap"),
    # Hours behind the wheel ("drive a truck/lorry", "in the cab"): sitting
    (r"\b(?:drive|drives|driving) (?:a |an |the )?(?:truck|lorry|van|taxi|cab|bus)\b|\bbehind the wheel\b"
     r"|\bin the cab\b", " sitting"),
    # "Twice a week", "once a week" for the calves is the how-often question
    (r"^(?=.*\bcal(?:f|ves|fs)\b)(?=.*\boften\b)(.*?)\b(?:once or twice|twice|once|two times|three times)(?= often\b)", r"\1"),
    # "How many each side" is the hip twist's per-side dose
    (r"^(?=.*\b(?:twist\w*|lunge)\b)(.*?)\beach side\b", r"\1per side"),
    # Calf raises that got "too easy" ask how to progress them (the weighted
    # raise). Each rule of this block is gated on its rarest words first.
    (r"^(?=.*\b(?:easy|simple)\b)(?=.*\bcal(?:f|ves|fs)\b)(.*?)"
     r"\b(?:too|so|really|far too|way too|getting|now|become|becoming) (?:easy|simple)\b", r"\1progress"),
    # Static against dynamic ("static or dynamic for tight hips", "a moving
    # drill rather than a held stretch"): the hip twist explains why it moves
    # (not for the calves or other muscles the articles never stretch)
    (r"^(?=.*\b(?:static|held)\b)(?!.*\b(?:calf|calves|calfs|achilles|hamstrings?|quads?|shins?)\b)(.*?)"
     r"(?:\b(?:static|held)(?: stretch\w*)? (?:or|vs|versus|and|compared to|instead of|rather than|than|over) "
     r"(?:a |an )?(?:dynamic|moving|mobility)\b|\b(?:dynamic|moving|mobility)(?: \w+){0,2}? (?:or|vs|versus|instead of"
     r"|rather than|than|over) (?:a |an )?(?:\w+ )?(?:static|held)\b(?: stretch\w*)?)", r"\1dynamic mobility drill"),
    # Building the core so the back stops hurting ("build my core so my back
    # stops aching", "will working on my core fix my sore back"): the core
    # article, which links core strength and low back pain
    (r"^(?=.*\bcore\b)(?=.*\b(?:lowback|back)\b)(.*?)(?:\b(?:build\w*|strength\w*|work\w* on|train\w*|improv\w*"
     r"|develop\w*|fix\w*)(?: up)? (?:my |the |a |your )?|\b(?:a |my )?(?:strong|stronger|better|solid) )core\b",
     r"\1core strength"),
    (r"^(?=.*\bcore strength\b)(.*?)\b(?:my|the|your) (\w+ )?back\b(?! (?:to|into|of|on|up|home|from)\b)", r"\1\2lowback"),
    # The lower back "doing all the work", "taking the load/strain",
    # "overworked": the core article (a strong core takes load off the low
    # back); "get back to doing the work" is not the back
    (r"^(?=.*back\b)(?=.*\b(?:work\w*|load|strain|brunt|pounding|overwork\w*|overload\w*)\b)(.*?)"
     r"\b(?:lowback|(?:my|the|your|our|his|her) back)\b (?:\w+ ){0,3}?(?:(?:doing|does|do|did|takes?|taking|took"
     r"|carr(?:y|ies|ying|ied)|bears?|bearing|handl(?:e|es|ing|ed)|absorb\w*|soak\w*) (?:up )?"
     r"(?:(?:all|most|the bulk|a lot|too much|so much) )?(?:of )?(?:the )?(?:work|load|strain|brunt|pounding)"
     r"|overwork\w*|overload\w*|working (?:so |too |really |very |extra )?(?:hard|overtime))\b", r"\1lowback overload"),
    # How long or how cold an ice bath should be: the articles only say ice
    # baths help, so a duration or temperature question is off topic
    (r"^(?=.*\b(?:how long|how many|minutes?|mins?|temp\w*|degrees|how cold|duration|last|lasts|stay in|sit in)\b)(.*?)"
     r"\b(?:icebath|cold (?:plunge|tub|bath|water immersion)s?|plunges?)\b", r"\1icebathprotocol"),
    # "From start to finish", "beginning to end", "top to bottom" say
    # how to explain, not what; "the entire calf session/programme" is the routine
    (r"\b(?:from )?(?:the )?(?:start|beginning|first (?:move|exercise|step|drill|one)) (?:to|till|until) (?:the )?"
     r"(?:finish|end|last(?: one| move| exercise| step| drill)?)\b|\btop to bottom\b", " "),
    (r"\b(?:whole|full|entire|complete) (?:(calf|calves|back|lowback|core) )?(?:session|workout|program|programme"
     r"|routine|circuit|sequence)s?\b", r"\1 routine"),
    # calf work "during my run", "while I'm out running", "or separately": timing
    (r"^(?=.*\b(?:exercises?|drills?|raises?|moves?|work|routine|stuff|strength|workout)\b)(.*?)"
     r"\b(?:during|while|whilst|in the middle of) (?:i m |im |i am |i |my |a |the )?(?:out )?(?:on )?(?:a |my )?"
     r"(?:run|runs|running|training run|long run)\b", r"\1 middle of run timing"),
    (r"\bor (?:separately|separate|on (?:its|their) own|another time|at a different time|on rest days?)\b", "or after timing"),
    # strength work vs stretching alone ("why bother with strength training if I
    # already stretch"): the injury-prevention article
    (r"^(?=.*\bstrength)(?!.*\b(?:core|glutes?|lowback|hips?|water|drink\w*|hydrat\w*)\b)(.*?)\bstretch\w*", r"\1 prevention"),
    (r"^(?=.*\bstretch)(?=.*\b(?:already|alone|enough|bother|instead|vs|versus|too)\b)(?!.*\b(?:core|glutes?|lowback|hips?|water|drink\w*|hydrat\w*)\b)"
     r"(.*?)\bstrength\w*", r"\1 strength prevention"),
    # hours of driving, a long flight, a commute: sitting (hips named)
    (r"^(?=.*\b(?:hips?|flexors?)\b)(.*?)\b(?:(?:long |after (?:a |the )?(?:long )?)?(?:flights?|plane rides?|car rides?"
     r"|car journeys?|road trips?|drives|driving|drive for a living|commut\w*|train rides?|bus rides?|journeys?|travel\w*))\b",
     r"\1 sitting"),
    # calves that tire, fade or give out on hills: weak calves
    (r"^(?=.*\b(?:hills?|hilly|climbs?|climbing|uphills?|inclines?|steep)\b)(?=.*\b(?:calf|calves|calfs|lower legs?)\b)(.*?)"
     r"\b(?:tire\w*|tiring|fatigu\w*|exhaust\w*|(?:gives?|gave|giving|give|burn|burns|burning) out|run\w* out of (?:steam|gas|juice)"
     r"|die|dies|dying|fade\w*|quit\w*|conk\w* out|weak\w*)\b", r"\1 weak calves"),
    (r"\b(?:the |steep )?(?:climbs|climbing|uphills?|inclines?|hilly routes?)\b|\bsteep\b", " hills "),
    # "is that true / a myth / legit / just hype / gym bro talk": does it matter
    (r"\b(?:is (?:that|this|it) )?(?:actually |really |just )?(?:true|a myth|myth|legit|hype|nonsense|bs|bro science"
     r"|(?:just )?gym bro (?:talk|stuff|nonsense|science|thing)|gym bro|for real)\b|\bhonest question\b", " why matter "),
    (r"\b(?:stop|stops|stopping)\b(?= (?:\w+ )?(?:shinsplint|injur\w*|achilles))", "prevent"),
    # the IT band and named static stretches ("couch stretch", "pigeon pose") are not in the articles
    (r"\bit bands?\b|\bitb\b|\biliotibial\w*(?: bands?)?", "itband"),
    (r"\b(?:couch|pigeon|kneeling hip flexor|lizard|butterfly|figure (?:4|four)) (?:stretch|pose)\w*\b", "itband"),
    # Describing the hollow body hold's position instead of naming it:
    # "knees over hips" is its table top; "what comes next" carries no topic;
    # the lower back arching/lifting off the floor or mat is its cue
    (r"\b(?:knees?|shins?) (?:bent )?(?:stacked )?(?:over|above) (?:my |the |your )?hips?\b", "table top"),
    (r"\bwhat (?:comes|goes|happens|do i do|should i do|s|is) next\b|\band then what\b", " "),
    (r"\b(back|lowback|spine) (?:keeps |kept |starts |starting )?(?:arch\w*|lift\w*|peel\w*|com\w*|pop\w*|curl\w*)"
     r" (?:up )?(?:off|away from) (?:the |my )?(?:floor|mat|ground)\b", r"\1 peels off the floor"),
    (r"\b(?:on|flat on) (?:my|your|the) back\b(?= (?:with )?(?:\w+ ){0,2}?(?:arms?|legs?|knees?|hands?|feet|shoulders?)\b)", "lying hollow"),
    # slang names: "hop squats", "squat hops", "calf hop squats" are the jumping half chair squat
    (r"\b(?:calf )?(?:hop|hops|hopping|bounce|bouncing) squats?\b|\bsquat (?:hops?|hopping|bounces?)\b", "jump squat"),
    # no kit on the road ("zero gear", "hotel room", "travelling", "nothing but
    # the floor") when the calves are named: the no-equipment calf raise
    (r"^(?=.*\bcal(?:f|ves|fs)\b)(.*?)\b(?:zero (?:gear|kit|equipment)|hotel(?: rooms?)?|travel\w*|on the road"
     r"|business trips?|away from home|nothing but (?:the |my )?(?:floor|body|bodyweight|body weight))\b", r"\1noequipment"),
    (r"\bnothing but (?:the |my )?(?:floor|body|bodyweight|body weight)\b", "noequipment"),
    # where the calf work goes against the run ("where in my run should I slot
    # it", "in relation to my run"): the guidelines' timing advice
    (r"\b(?:where|when|what point|which point|what part) in (?:my |a |the |each )?(?:run|runs|running)\b"
     r"|\b(?:in relation|relative|compared) to (?:my |a |the )?(?:run|runs|running)\b", "timing"),
    # "the single best thing to do for X": asks what to do (the backdrill rule below)
    (r"\b(?:the )?(?:best|most useful|most helpful|most effective|top|number one|no 1|first) (?:thing|things|exercise|move)s?"
     r"(?: (?:to do|i can do|i could do|i should do))?\b(?= (?:for|to help|to fix|with)\b)", "what can i do"),
    # a swayback / arched back when standing is the core article's arched lower back
    (r"\b(?:back|lowback|spine) (?:\w+ )?(?:arches|arching|arched|sways|curves)\b|\bsway ?back(?:ed|s)?\b", "arched lowback"),
    (r"\b(?:pelvis|hips?) (?:\w+ )?(?:tips|tip|tipping|tilts|tilt|tilting|tilted|rotates|rocks) (?:\w+ )?forwards?\b"
     r"|\b(?:anterior|forward) (?:pelvic |pelvis )?tilt\b|\btilted pelvis\b", "anterior pelvic tilt"),
    # wobbly, unstable, balance going late in a run with the back: core stability
    (r"^(?!.*\b(?:calf|calves|raise|raises|step|single|ankles?|foot|feet|rope|squat)\b)(.*?)\b(?:wobbl\w*|unstable|unsteady"
     r"|instability|shaky|(?:my |losing |lose |lost )?balance (?:goes|went|is|gets|get|going|falls)\w*)(?: \w+)?\b", r"\1core stability"),
    # driving straight home after a run is sitting (the causes article)
    (r"\b(?:drive|drives|driving|drove) (?:straight |right )?(?:home|back)\b"
     r"|\b(?:drive|drives|driving|drove|hop|hops|hopping|jump|jumps|jumping|get|gets|getting|climb\w*|sit\w*) (?:straight |right )?"
     r"(?:in|into|back in|back into) (?:the|my) car\b", "sit"),
    # keeping an injury from coming back is prevention ("don't want them back",
    # "stop that happening again", "keep shin splints from coming back")
    (r"\b(?:stop|stops|stopping|keep|keeps|keeping)\b(?: \w+){0,3}? (?:from )?(?:happening|coming back|returning|recurring"
     r"|coming again)(?: again)?\b|\b(?:do not|dont|never) want (?:them|it|that|those|this)(?: \w+)? back\b"
     r"|\b(?:coming|come|comes) back(?! (?:from|after|into|in to|to)\b)(?= again\b|$)|\brecurr\w*", "prevent"),
    # the whole routine in order ("the whole sequence", "all the exercises in
    # order", "the full set of moves"): the routine
    (r"\b(?:whole|full|entire|complete) (?:sequence|routine|thing|set|list|workout|program|programme|circuit|lot)(?: of (?:moves|exercises|drills))?\b"
     r"|\ball (?:of )?(?:the |my )?(?:exercises|moves|drills)\b|\bin (?:the right )?order\b|\bsequence\b", "routine"),
    # Landing without noise ("land the calf jumps without making a
    # racket", "my jump squats are so noisy"): the half chair squat's "land quietly"
    (r"\bwithout (?:making |being )?(?:a |any |so much |too much |much |the )?(?:racket|noise|din|thud|thump|bang|sound|clatter)s?\b"
     r"|\b(?:noisy|noisily|loudly|loud|quieter|quietly|softer|softly|thud\w*|thump\w*|stomp\w*|clomp\w*)\b", "quietly"),
    # "which calf move gets me ready for hill workouts": prepares for hills
    (r"\b(?:get|gets|getting|got|make|makes|making) (?:me |my \w+ |us |you )?(?:ready|prepared|primed) for\b"
     r"|\bprep(?:s|ped|ping|are|ares|aring)? (?:me |my \w+ |us |you )?for\b", "prepares for"),
    (r"\b(?<=for )hill (?:workouts?|sessions?|training|running|runs?|repeats|reps|days?|races?)\b", "hills"),
    # Fitting the calf work into a run ("during it or after", "mid-run or when I
    # get home", "fit them into my run"): the guidelines' timing advice
    (r"\b(?:fit|fitting|squeeze|squeezing|slot|slotting)\b(?= (?:\w+ ){0,3}?(?:into|in|around) (?:my |a |the |each )?(?:run|runs|running|training|week)\b)"
     r"|\b(?:during|mid|midway)\b(?=(?: \w+){0,3}? (?:or|vs|versus|instead of|rather than) (?:\w+ ){0,3}?"
     r"(?:after|afterwards|before|later|end|home)\b)", "timing"),
    (r"\b(?:when|once|after) (?:i |im |i m |i am |i ve )?(?:get |got |am |m |arrive |arrived )?(?:back )?home\b", "after run"),
    # "which exercise stretches the back of my calf": the calf stretch is the
    # knee push (not a static stretch, not the lower back)
    (r"\bback of (?:my |the |your |both )?(?:calf|calves|lower legs?|shins?)\b", "calf"),
    (r"\b(?:exercise|exercises|move|moves|drill|drills|one|which|what)\b (?:\w+ ){0,2}?(?:stretch(?:es)?|gives? (?:\w+ ){0,3}?(?:a )?stretch)"
     r"(?= (?:\w+ ){0,3}?(?:calf|calves|soleus)\b)"
     r"|\b(?:exercise|exercises|move|moves|drill|drills)\b (?:\w+ )?(?:gives?|provides?) (?:my |the |your )?(?:calf|calves)"
     r"(?: muscles?)? (?:a |some |good |nice |real )*stretch\b", "knee push calf stretch"),
    (r"\b(?:first|beforehand)\b(?= (?:\w+ ){0,8}?before (?:the |my |starting |doing )?(?:(?:back|lowback|core|hip|hips)(?: and (?:hip|hips|core|back|lowback))? )?(?:drills?|exercises?|routine|workout|work))"
     r"|\bbefore (?:starting |doing |i start |i do )?(?:the |my |any )?(?:(?:back|lowback|core|hip|hips)(?: and (?:hip|hips|core|back|lowback))? )?(?:drills|exercises)\b", "before drill test"),
    # Off topic: cool-down prescriptions ("how long should my cool down jog
    # be"), rope tricks ("double unders"), running with a dog
    (r"\bhow (?:long|much|many minutes|far)\b(?: \w+){0,3}? cooldown\b|\bcooldown (?:jog|run|walk|lap)s?\b"
     r"|\b(?:jog|jogging|run|running|walk|walking)\b(?: \w+){0,2} (?:for|as) (?:a |my |the )?cooldown\b", "cooldownroutine"),
    (r"\b(?:double|triple) unders?\b|\bcriss ?cross\w*|\bcross ?overs?\b|\bside swings?\b|\bboxer (?:step|skip)\w*"
     r"|\btricks?\b(?= (?:\w+ ){0,4}?(?:jumprope|rope)\b)|\b(?:rope|jumprope) tricks?\b", "ropetrick"),
    # How far apart the feet go ("how far apart should my feet be",
    # "feet together or apart", "what width should I stand at") is the
    # double-leg raise's "feet hip-width" cue.
    (r"\b(?:how (?:far|wide|close)(?: apart| together)?|what width|stance width|how wide apart)\b"
     r"|\b(?:feet|foot|stance|heels)\b(?: \w+){0,3}? (?:apart|together|width|wide)\b", "width"),
    # Timing against the run: "at the end of a run instead of before", "before
    # or after my run", "after running rather than first": calf-routine-guidelines
    (r"\b(?:before|after|afterwards?|first|at the (?:end|start|beginning)(?: of)?|end of|start of)\b(?: \w+){0,4}? "
     r"(?:or|instead of|rather than|versus|vs|and not|not)(?: \w+){0,3}? "
     r"(?:before|after|afterwards?|first|end|start|beginning|later|once i (?:am |m )?back|when i (?:get |am |m )?back)\b",
     "timing"),
    # "I (already) stretch and drink enough water": the injury-prevention
    # article says fixing an injury takes more than water and light stretching
    (r"\bstretch\w*(?: \w+){0,5}? (?:drink\w*|water|hydrat\w*)\b(?: (?:enough|plenty|lots)(?: of)?(?: water)?)?"
     r"|\b(?:drink\w*|water|hydrat\w*)(?: \w+){0,5}? stretch\w*", "prevention"),
    # A place that is the exercise's prop: stairs, a staircase, a kerb or a box
    # edge are the single-leg raise's step; a wall for balance the double-leg one
    (r"\b(?:staircase|stairway|stairwell|bottom step|kerb|curb|ledge)s?\b", "step"),
    (r"\b(?:wall|counter|worktop|chair|railing|rail) (?:for|to help|to keep|to stay)(?: \w+)? (?:balance|balanced|steady)\b", "wall"),
    (r"\b(?:hold|holds|holding|lean|leans|leaning|hang|hanging) (?:on ?to|against) (?:a |the )?wall\b", "wall"),
    (r"\b(?:next to|near|beside|by|against|on) (?:the )?wall\b", "wall"),
    (r"\b(?:next to|near|beside|by|against|on) a wall\b", "wall"),
    # Lying on the back is the hollow body hold's set-up ("lie on the back with
    # legs up"), not the lower back
    (r"\b(?:lie|lies|lying|lay|lays|laying|laid)(?: down| flat){0,2} on(?: my| your| the| their| his| her)? backs?\b", "lying hollow"),
    # "the back of my heel" is the Achilles, never the lower back
    (r"\bback of (?:my |the |your |both )?(?:heel|heels|ankle|ankles)\b", "achilles"),
    # running volume named as *when* ("every time I up my mileage", "added
    # more miles") is context: a run
    (r"\b(?:up|ups|upped|upping|increas\w*|add|adds|added|adding|boost\w*|ramp\w*|bump\w*|build\w*|rais\w*|more|extra)"
     r" (?:my |the |in |of |some |more |a lot of )?(?:weekly |running )?(?:mileage|miles|distance|volume|kms|kilometres|kilometers)\b",
     "run more"),
    # landing on the toes is running on the toes (changing it stays footstrike, below)
    (r"\b(?:land|lands|landing|landed|stuck running|stuck on)\b (?:\w+ ){0,1}?on (?:my |the |your )?"
     r"(?:toes|tiptoe|balls of (?:my |the |your )?feet|forefoot)\b(?!(?: \w+){0,6} (?:heels?|instead)\b)", "run on toe"),
    # trivia: records, inventors, history ("world record for jump rope skips",
    # "who invented the calf raise", "the history of the jump rope")
    (r"\b(?:world|guinness|national|olympic) records?\b|\brecord (?:for|holder|holders)\b|\bholds? the record\b", "whois"),
    (r"\binvent(?:ed|or|ors|s|ion)?\b|\borigins? of\b|\bwho (?:came up with|first (?:did|came|thought|made))\b", "whois"),
    (r"\b(?:the|a brief|a short) history of\b|^history of\b", "whois"),
    # "what can I do / drills / moves / exercises for lower back pain" asks for
    # the routine (keyword "backdrill"); "what causes" / "why does" asks for
    # the causes (untouched). The exercise word stays: "core exercise for lower
    # back pain" is still a core exercise.
    (r"^(?!.*\b(?:why|cause\w*|causing|reason\w*|blame|behind)\b)((?:.* )?)(?<!core )(?<!glute )(?<!hip )(?<!calf )(?<!ab )(?<!abs )(?<!abdominal )(?<!belly )(?<!stomach )(?<!tummy )(what (?:can|should|could) i do|drills?|moves?|exercises?"
     r"|exercis\w+|workouts?|stretches|things i can do)\b(?= (?:\w+ ){0,5}?(?:lowback|back (?:pain|ache|sore\w*|niggle\w*)))",
     r"\1\2 backdrill"),
    # "could that routine be to blame": a routine that is blamed is a habit
    (r"\b(?:my|that|this|the|those|these) (?:\w+ )?(?:routines?|habits?)\b"
     r"(?=(?: \w+){0,3} (?:to blame|behind|the (?:reason|cause|culprit)|causing|responsible|cause)\b)", "lifestyle"),
    # "could my habits be behind it", "is that to blame": a cause
    (r"\b(?:be|is|are|was|were) (?:\w+ )?behind (?:it|this|that|them)\b|\bto blame\b"
     r"|\b(?:the|a) (?:main |real |root |likely )?(?:reason|culprit)\b", "cause"),
    # The Achilles in everyday words: "the tendon at the back of my heel", "heel cord"
    (r"\b(?:heel (?:cord|cords|tendon|tendons|string)|(?:cord|cords|tendon|tendons|string|band)"
     r" (?:at|in|on|behind|above|just above|down) (?:the )?(?:back of )?(?:my |the |your )?(?:heel|heels|ankle|ankles)"
     r"|back of (?:my |the )?(?:heel|heels|ankle|ankles) (?:tendon|cord)s?)\b", "achilles"),
    # "why a moving drill instead of a static stretch" asks about the dynamic drill
    (r"\b(?:instead of|rather than|not|than|vs|versus|and not) (?:just )?(?:a |doing |holding |hold )?(?:a )?"
     r"(?:(?:static|still|held|normal|regular|standard|plain|simple|ordinary|traditional|classic) )*stretch\w*", "dynamic"),
    # static stretching routines and holds are not in the articles
    (r"\bstatic (?:\w+ ){0,3}?stretch\w*|\bhold(?:ing|s)? (?:a |the |my |each |this |that |your )?(?:\w+ ){0,3}?stretch\w*"
     r"|\bstretch\w* (?:\w+ ){0,2}?hold\b", "staticstretch"),
    (rf"\bstretch(?:es|ing)? (?:for |out )?(?:my |the |your |tight )?{_STRETCHED}\b(?! (?:with|on|using) (?:a |the )?(?:block|mat))"
     rf"|\b{_STRETCHED} stretch(?:es|ing)? (?:after|post|before) (?:a |my |the )?(?:run|runs|running|workout)"
     r"|\bstretch(?:es|ing)? (?:routine|routines|program|plan|regime|session)s?\b"
     r"|\b(?:post ?run|after (?:a |my )?run|cool ?down) stretch(?:es|ing)?\b", "staticstretch"),
    # changing the foot strike is running form coaching, not ours
    (r"\b(?:switch|chang|transition|convert|retrain|mov|go|going|learn|train)\w* (?:\w+ ){0,3}?(?:from|to|into) "
     r"(?:a |an |being a )?(?:heel|forefoot|midfoot|toe|mid foot|fore foot)(?: strik\w*| land\w*| running| runner)?\b"
     r"|\bheel (?:strik\w*|land\w*)"
     # "land on my heels instead", "change how my foot lands", "stop running on my toes and ..."
     r"|\bland\w* (?:\w+ ){0,2}?on (?:my |the |your )?heels?\b|\bheel first\b"
     r"|\b(?:chang|alter|fix|correct|improv|adjust)\w* (?:\w+ ){0,2}?(?:how|where|the way) (?:my |your |i |you )?(?:foot|feet) "
     r"(?:land|lands|landing|hit|hits|strike|strikes)\b"
     r"|\b(?:chang|alter|fix|correct|adjust)\w* (?:my |your |the )?(?:foot ?strike|landing|footfall)\b"
     r"|\bstop (?:running|landing) on (?:my |the )?(?:toes|tiptoe|balls of (?:my |the )?feet|forefoot)\b"
     r"(?=(?: \w+){0,6} (?:heels?|instead)\b)", "footstrike"),
    # lifting technique ("how do I lift heavy boxes without hurting my back"):
    # the article only names lifting wrong as a *cause* of back pain
    (r"\b(?:how (?:do|should|can|would|to) (?:i |you |we |one )?(?:\w+ )?|(?:safe|safest|safely|right|correct|proper|best|good"
     r"|ideal) (?:way|technique|form|method) (?:to|of|for) (?:\w+ )?|safely |without hurting (?:my |your )?back (?:when )?)"
     r"(?:lift|lifting|pick up|picking up|carry|carrying|move|moving|bend down to pick)\b"
     r"(?=(?: \w+){0,4} (?:heavy|boxes|box|suitcase\w*|furniture|bags?|things|stuff|objects?|kids?|child|groceries|shopping|weights?|it|them))"
     r"|\b(?:lifting|lift) (?:technique|form|posture|mechanics)\b", "liftingtechnique"),
    # a referral or a place ("a physio near me", "recommend a chiropractor"):
    # the see-a-professional answer is general, it cannot name anyone
    (r"\bnear (?:me|here|where i live)\b|\bin (?:my|the) (?:area|town|city|neighbou?rhood)\b|\bnearby\b|\blocal\b"
     r"|\b(?:recommend|suggest|find|know)\w* (?:me )?(?:a|an|any|some) (?:good |great |decent )?(?:sports )?"
     r"(?:physio\w*|physical therapists?|therapists?|doctors?|chiropract\w*|osteo\w*|clinics?|specialists?|podiatrists?"
     r"|masseuses?|massage therapists?|running clubs?|clubs?|coach(?:es)?)\b", "referral"),
    # medication
    (r"\banti ?inflammator\w*|\bpain ?killers?\b|\bpain (?:relief|reliever|relievers|meds|medication|pills?|tablets?)\b",
     "medication"),
    # people and trivia: "who is coach Holly", "who wrote the article"
    (r"\bwho(?: is| s| was| are| were) (?!(?:the (?:routine|exercise|drill)|this|that|it|a|an|at|most|more|likely|supposed"
     r"|best|better|prone|suited|meant)\b)|\bwho (?:wrote|writes|made|makes|created|runs|is behind)\b", "whois "),
    # sitting posture advice ("the correct way to sit at a desk"); "does
    # sitting cause back pain" stays the sitting topic
    (r"\b(?:right|correct|proper|best|ideal|good|healthy|optimal|safest) (?:way|position|posture) (?:to|of|for|when) (?:sit|sitting)\b"
     r"|\bhow (?:should|do|can|to) (?:i |you |we )?(?:\w+ )?sit\b(?! (?:less|still))|\bsit(?:ting)? (?:up )?straight\b"
     r"|\b(?:sitting|seated) posture\b|\bposture (?:when|while|for) (?:sitting|seated|i sit)\b"
     r"|\b(?:set up|setup|fix|improve|correct) (?:my |your )?posture (?:when|while|for|at) (?:\w+ ){0,2}?(?:sitting|sit|computer|desk|laptop)\b",
     "ergonomic"),
    # "step by step", "one by one" say how to explain, not which exercise
    # ("step" is the single-leg raise's); intents still see them
    (r"\b(?:take|walk|talk|guide|run) (?:me|us) through\b|\bstep by step\b|\bsingle leg by single leg\b|\bone by one\b|\bone at a time\b", " "),
    # "the front of my hip" is where the hip flexors are
    (r"\bfront of (?:my |the |your |both )?hips?\b", "hip flexor"),
    # "mid-run", "halfway through my run": the middle of the run
    (r"\b(?:mid|midway|halfway|partway) (?:through |into )?(?:my |a |the )?run\b|\bmid ?run\b", "middle of run"),
    # furniture and ergonomics: chairs, cushions, mattresses
    (r"\b(?:office|desk|gaming|ergonomic|computer|work|kneeling|best|good|new|comfy|comfortable|supportive) chairs?\b"
     r"|\bchairs? (?:for|with) (?:\w+ ){0,2}support\b|\b(?:lumbar|back) (?:support|supports|cushion|cushions|pillow|roll)\b"
     r"|\bcushions?\b|\bmattress\w*|\bpillows?\b|\bstanding desk\w*", "ergonomic"),
    # muscle activation: "switch on / wake up / fire / activate my glutes" = engage
    (rf"\b(?:switch|turn|wake|light|fire|kick)(?:s|es|ed|ing)?\s+(?:on|up|in)\s+(?=(?:\w+\s+){{0,2}}{_GLUTE_CORE}\b)", "engage "),
    (rf"\b({_GLUTE_CORE}\b(?:\s+\w+){{0,4}}?\s+)(?:switch|turn|wake|light|fire|kick)(?:s|es|ed|ing)?\s+(?:on|up|in)\b", r"\1engage"),
    (rf"\b(?:switch|turn|wake|light|fire|kick)(?:s|es|ed|ing)?\s+(?=(?:\w+\s+){{0,2}}{_GLUTE_CORE}\s+(?:on|up|in)\b)", "engage "),
    # office ergonomics is not the sitting topic ("fix my posture at my desk")
    (r"\bposture (?:at|in front of|behind) (?:my |the |a )?(?:desk|computer|laptop|screen|work|office)\b"
     r"|\b(?:desk|office|chair|monitor|screen|keyboard|laptop) (?:posture|setup|set up|height|position|ergonomics)\b", "ergonomic"),
    # a distance or race named as *when* ("halfway through a half marathon",
    # "after 10k") is context, not a race question
    (r"\b(?:after|by|during|through|in|into|at the end of|end of|on) (?:a |an |my |the |every |each )?(?:half )?"
     r"(?:marathon|5k|10k|21k|42k|half|ultra|long run|race|parkrun)s?\b", "run"),
    # a session named as *when* ("tight after hill repeats", "wrecked after a
    # track session") is context: a run like any other
    (r"\b(after|during|from) (?:a |an |my |the |some |those |these |today s |yesterday s )?(?:hard |tough |big )?"
     r"(?:(?:hill|track|tempo|interval|speed|fartlek|long|easy) )?(?:repeats|reps|intervals|sessions?|workouts?|sprints|efforts)\b",
     r"\1 run"),
    # "every time I do hill repeats", "when I run intervals": a run like any other
    (r"\b(?:do|did|doing|does|run|ran|running|finish\w*)\s+(?:my |some |the |a few |a set of )?(?:hard |tough |big )?"
     r"(?:(?:hill|track|tempo|interval|speed|fartlek) )?(?:repeats|reps|intervals|sprints|efforts|sessions?)\b", "run"),
    # "counteract / offset / undo / fix / reverse (all the) sitting"
    (rf"\b(?:counteract|counter|offset|reverse|fix|combat|negate|undo|cancel out|make up for|balance out"
     rf"|compensate for|fight|beat|deal with|recover from)\w*\b(?=(?:\s+\w+){{0,5}}\s+{_SITTING}\b)", "undo"),
    # training gaps: "not doing a cool-down", "no cross-training", "neglecting mobility"
    (rf"\b(?:not doing|never do|never doing|do not do|does not do|not|no|never|without|zero|lack of|missing|miss|missed"
     rf"|neglect\w*|ignor\w*|forget\w*|forgot|forgotten|dropped|drop|lazy about|slack\w* on)\s+(?:\w+\s+){{0,2}}?(?={_GAP_OBJECT}\b)",
     "omit "),
    # a cool-down routine is not in the articles (only skipping one, a gap, is)
    (r"\bcooldown\b(?<!omit cooldown)(?= (?:routine|routines|stretch\w*|exercise\w*|drills?|plan|ideas?|options?|session)\b"
     r"|(?: \w+){0,4} look like\b)"
     r"|\b(?:good|best|ideal|proper|recommended|effective|quick|simple|easy|decent|typical|sample|example|what|which)"
     r" (?:\w+ )?cooldown\b|\bhow (?:should |do |can |to |long )(?:i |you |we )?(?:\w+ )?cooldown\b", "cooldownroutine"),
    # "builds muscle fastest", "puts on muscle the quickest": the weighted raise
    # helps you "build muscle faster"; one fused word, so "build calf muscle"
    # alone (a diet question) does not count
    (r"\b(?:fastest|quickest|faster|quicker|quickly|fast|most quickly)\b(?:\s+\w+){0,4}?\s+(?:muscles?|mass|size|bigger|grow|gains?)\b"
     r"|\b(?:muscles?|mass|size|bigger|grow|gains?)\b(?:\s+\w+){0,2}?\s+(?:the )?(?:fastest|quickest|faster|quicker|quickly|fast)\b",
     "musclefast"),
    # "getting back into running" is not about the back
    (r"\b(?:get|gets|getting|got|come|comes|coming|came|go|going|went|ease|easing|bounce|bouncing|be|been) back"
     r"(?= (?:in ?to|on|out|to|from)\b)", "return"),
    (r"\bback (?:on track|in shape|to (?:running|training|it|normal|form|fitness))\b", "return"),
    # shopping: "which one should I get", "worth buying"
    (r"\b(?:should|do|would|could|can) (?:i|we|you) (?:get|order|pick up|invest in|go for)\b"
     r"(?! (?:into|in|up|out|to|back|better|started|rid|over|through|down|off|on|used|past|going|ready|round|around"
     r"|more|the hang|the most|my|it|them|this|that)\b)", "buy"),
    (r"\bworth (?:buying|getting|the money|paying for)\b", "buy"),
    # rehab after a specific injury is physio work, not ours
    (r"\b(?:recover\w*|rehab\w*|coming back|come back|returning|return) (?:from|after) (?:a |an |my |the )?"
     r"(?=(?:\w+\s+){0,2}(?:surgery|operation|op|sprain\w*|injur\w*|fracture|break|tear|strain))", "rehab "),
    (r"\b(?:rolled|twisted|turned|went over on|sprained) (?:my |an |the |his |her )?ankles?\b", "sprain"),
    # desk breaks and office ergonomics
    (r"\b(?:get|gets|getting|got|stand|stands|standing|stood|jump|jumping) up (?:\w+ ){0,3}?(?:from|off|out of|at|during|in) "
     r"(?:my |the |a |work |each |every )?(?:desk|chair|seat|computer|workday|day|office|work|meetings?)\b", "deskbreak"),
    (r"\bstanding desks?\b|\b(?:desk|screen|work|office|movement|standing|sitting) breaks?\b|\btake (?:a )?breaks?\b", "deskbreak"),
    # "strengthen my ankles": ankle strength is not the ankle mobility drill
    (r"\b(?:strength\w*|stronger|strong|weak|weaker)\s+(?:\w+\s+){0,2}?(ankles?|wrists?|feet|foot|neck|shoulders?|knees?|toes)\b", r"partstrength \1"),
    (r"\b(ankles?|wrists?|feet|foot|neck|shoulders?|knees?)\s+(?:strength|stability|strengthening|stronger)\b", r"partstrength \1"),
    # Kept after the office-ergonomics rules (order matters). Posture before the drills ("what should I do first to find my posture
    # before the back drills", "check I'm in a neutral position"): the glute test
    (r"\b(?:find|set|setting|check|checking|get|reset|finding|lock in|dial in)\w* (?:\w+ ){0,2}?(?:neutral|posture|position|pelvis|alignment)\b"
     r"|\bneutral (?:position|posture|stance|alignment)\b", "neutral pelvis"),
)

# Single tokens: spelling (British/American), slang, common typos, compounds.
# A value may hold several words ("lowerback" -> "lowback").
TOKENS: dict[str, str] = {
    # calves
    "calves": "calf", "calfs": "calf", "calve": "calf", "claf": "calf", "clafs": "calf",
    "caff": "calf", "calfe": "calf",
    # compounds people type as one word
    "jumprope": "jumprope", "jumpropes": "jumprope", "skipping": "jumprope",
    "skip": "jumprope", "skips": "jumprope",
    "lowerback": "lowback", "lowback": "lowback", "lumbar": "lowback",
    "bodyhold": "body hold", "hollowbody": "hollow body", "hollowhold": "hollow hold",
    "tiptoe": "tiptoe", "tiptoes": "tiptoe", "tippytoes": "tiptoe", "toewalking": "toe walk",
    "toewalk": "toe walk", "hipflexor": "hip flexor", "hipflexors": "hip flexor",
    "calfraise": "calf raise", "calfraises": "calf raise", "kneepush": "knee push",
    "kneepushes": "knee push", "warmup": "warmup", "cooldown": "cooldown",
    # body-part slang
    "butt": "glute", "bum": "glute", "booty": "glute", "buttock": "glute", "buttocks": "glute",
    "bottom": "glute", "gluteus": "glute", "glutes": "glute", "glutei": "glute", "arse": "glute",
    "ass": "glute",
    "abs": "core", "ab": "core", "abdominal": "core", "abdominals": "core", "tummy": "core",
    "stomach": "core", "midsection": "core", "belly": "core",
    "achilles": "achilles", "achillies": "achilles", "achilies": "achilles", "achiles": "achilles",
    "shins": "shin", "hammies": "hamstring", "hammys": "hamstring", "quads": "quad",
    "hips": "hip",
    "flexer": "flexor", "flexers": "flexor", "flexsor": "flexor", "flexsors": "flexor",
    "flexors": "flexor",
    # British / American and other spellings
    "mobilising": "mobilizing", "mobilise": "mobilize", "mobilisation": "mobilization",
    "stabiliser": "stabilizer", "stabilisers": "stabilizer", "stabilizers": "stabilizer",
    "favourite": "favorite", "programme": "program", "emphasise": "emphasize",
    "tyres": "tire", "practise": "practice", "centre": "center", "metres": "meter",
    "trainers": "shoe", "sneakers": "shoe", "shoes": "shoe", "kit": "equipment",
    "gear": "equipment",
    # exercise words and their misspellings
    "excersise": "exercise", "excersises": "exercise", "excercise": "exercise",
    "excercises": "exercise", "exersize": "exercise", "exersizes": "exercise",
    "exercices": "exercise", "exercize": "exercise", "exercizes": "exercise",
    "excersize": "exercise", "exercises": "exercise", "drills": "drill", "moves": "exercise", "move": "exercise",
    "workout": "routine", "workouts": "routine", "session": "routine", "sessions": "routine",
    "circuit": "routine", "regime": "routine", "regimen": "routine", "program": "routine",
    "reps": "rep", "repetitions": "rep", "repetition": "rep", "rounds": "set", "round": "set",
    "sets": "set",
    "minutes": "minute", "mins": "minute", "min": "minute", "minits": "minute", "minuts": "minute",
    "seconds": "second", "secs": "second", "sec": "second",
    "weekly": "week", "weeks": "week", "wk": "week",
    "dumbell": "dumbbell", "dumbells": "dumbbell", "dumbbells": "dumbbell", "db": "dumbbell",
    "rack": "squatrack", "racks": "squatrack",
    "dbs": "dumbbell", "bar": "barbell", "barbel": "barbell",
    "stairs": "step", "stair": "step", "steps": "step",
    "lunges": "lunge",
    "weighted": "weight", "weights": "weight", "heavier": "heavy",
    # symptoms: ordinary ache words collapse to "pain"; severity is safety's job
    "hurt": "pain", "hurts": "pain", "hurting": "pain", "ache": "pain", "aches": "pain",
    "aching": "pain", "achy": "pain", "painful": "pain", "pains": "pain", "sore": "sore",
    "soreness": "sore", "niggle": "pain", "niggles": "pain", "grumpy": "pain",
    "stiff": "tight", "stiffness": "tight", "tightness": "tight", "tighter": "tight",
    "bricks": "tight", "brick": "tight", "rocks": "tight", "concrete": "tight",
    "wrecked": "sore", "knackered": "sore", "trashed": "sore", "fried": "sore",
    "frequently": "often", "frequency": "often", "regularly": "often", "daily": "every day",
    "cranky": "pain", "crabby": "pain", "moody": "pain", "bout": "set", "bouts": "set",
    "tender": "sore", "tenderness": "sore", "grumbling": "pain", "grumbles": "pain",
    "inactivity": "inactive", "lazy": "inactive",
    "strengthen": "strength", "strengthening": "strength", "stronger": "strength",
    "strong": "strength", "last": "take", "lasts": "take", "lead": "cause", "leads": "cause",
    "reason": "why", "reasons": "why", "purpose": "why",
    "important": "matter", "importance": "matter", "matters": "matter", "crucial": "matter",
    "critical": "matter", "essential": "matter", "vital": "matter", "key": "matter",
    # sitting
    "sitting": "sit", "seated": "sit", "sits": "sit", "sat": "sit", "desk": "sit",
    "office": "sit", "sofa": "sit", "couch": "sit", "wfh": "sit", "sedentary": "sit",
    # runners
    "runner": "run", "runners": "run", "running": "run", "runs": "run", "ran": "run",
    "jog": "run", "jogging": "run", "jogs": "run",
    "forefoot": "forefoot", "striker": "strike", "strikers": "strike",
    "workday": "sit", "workdays": "sit",
    # muscle activation
    "activate": "engage", "activates": "engage", "activated": "engage", "activating": "engage",
    "activation": "engage", "fire": "engage", "fires": "engage", "firing": "engage", "engaging": "engage",
    "engaged": "engage", "recruit": "engage", "recruiting": "engage", "recruitment": "engage",
    # undoing sitting
    "counteract": "undo", "counteracts": "undo", "counteracting": "undo", "offset": "undo", "undoes": "undo",
    "undoing": "undo",
    # training gaps: "skipping my cool-down" (omit) is the articles' "gaps"
    "omit": "gap", "gaps": "gap",
    # wrecked calves in chat ("toast", "shot", "destroyed"); a creaky
    # Achilles is the article's "squeaky" one; blame and culprits are causes
    "toast": "sore", "shot": "sore", "destroyed": "sore", "smashed": "sore", "battered": "sore", "hammered": "sore",
    "cooked": "sore", "torched": "sore", "killing": "pain", "wreck": "sore", "wrecks": "sore",
    "creaky": "squeaky", "creaking": "squeaky", "creaks": "squeaky", "squeak": "squeaky", "squeaking": "squeaky",
    "squeaks": "squeaky", "crunchy": "squeaky", "creak": "squeaky",
    "blame": "cause", "culprit": "cause", "culprits": "cause", "responsible": "cause", "causing": "cause",
    "staircase": "step", "staircases": "step", "habit": "lifestyle", "habits": "lifestyle",
    # injury prevention
    "prehab": "prevent injury", "prehabilitation": "prevent injury", "bulletproof": "prevent injury",
    "injuryproof": "prevent injury", "avoid": "prevent", "avoiding": "prevent", "avoided": "prevent",
    "preventing": "prevent", "prevents": "prevent", "preventative": "prevention", "preventive": "prevention",
    # tiredness reads as soreness ("my back tires out by mile 8")
    "tired": "sore", "tires": "sore", "tiring": "sore", "fatigue": "sore", "fatigued": "sore",
    "weary": "sore", "exhausted": "sore",
    # knots and pulling read as tightness ("knotted calves", "a pulling at the front of my hip")
    "knotted": "tight", "knots": "tight", "knot": "tight", "knotty": "tight", "pulling": "tight", "tugging": "tight",
    # turning the torso is the hip twist's rotation
    "rotate": "rotation", "rotates": "rotation", "rotating": "rotation", "twisting": "twist", "twists": "twist",
    "hilly": "hill", "hills": "hill", "uphill": "hill", "uphills": "hill", "incline": "hill", "inclines": "hill",
    # frequent chat typos of function and frame words (too short for typo repair)
    "wy": "why", "y": "why", "hw": "how", "wat": "what", "wot": "what", "wen": "when", "shud": "should",
    "shld": "should", "ofen": "often", "offen": "often", "oftn": "often", "oftem": "often",
}

# Function words that carry no topic. Most question words go too: "how do I"
# does not tell us *which* entry is meant. "why" stays: it separates the
# explanations ("why core strength matters") from the exercises ("strengthen
# my core"). Negations ("not", "no") stay out of this list on purpose.
STOP_WORDS: frozenset[str] = frozenset(
    """
    a an the and or but if so of to in on at by for with from into onto about as than then
    i me my mine myself we us our you your yours he she it its they them their this that these
    those there here is are was were be been being am do does did doing done have has had having
    will would shall should can could may might must ought cannot get gets got getting go goes
    going what whats which who whom whose when where how whats hows wheres
    problem problems issue issues trouble
    just really very quite pretty bit lot lots much many some any all also too even still ever
    again only ok okay yes yeah hey hi hello hiya thanks thank please pls plz lol haha
    im ive id ill youre thats theres dont doesnt didnt isnt arent wasnt cant wont
    up out off over under after before during while like one thing things stuff kind sort
    want wanna gonna need know tell give show explain mean means actually basically honestly
    well way good best right proper properly correct correctly make makes do
    keep keeps kept feel feels felt feeling try trying tried guess think thought say said says saw
    seen lately recently recent couple year years today yesterday tomorrow morning evening night
    quick question anyway someone something anything friend friends maybe probably definitely
    literally totally kinda sorta bit little lil because since though although
    cos coz cuz else enough sometimes usually always never
    u ur r ya yo ppl b4 w tho thru abt bc dunno gotta wanna hafta
    mild mildly slight slightly minor tiny somewhat fairly rather dull
    her hers him his most went gave gives took meant showed thinks telling plus questions mornings
    halfway midway partway mid mile miles km kms kilometre kilometres kilometer kilometers
    toward towards through throughout onwards later
    two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty sixty ninety hundred
    couple few several
    ugh argh meh hmm hmmm oof ow ouch wow omg damn dang sigh yay cheers mate guys buddy coach
    """.split()
)

# Words that name things the articles never cover. When a question contains one
# and the entry it resembles does not explain it, that counts heavily against
# the match: "walking lunges with dumbbells" shares two words with toe walking
# but is about lunges (see matcher.py).
OFF_TOPIC: frozenset[str] = frozenset(
    """
    eat eating food diet nutrition carb carbs calorie calories protein breakfast meal drink
    marathon 5k 10k 21k 42k pace tempo interval intervals fartlek plan plans mileage
    race racing pb pr faster speed
    boxjump quad quads hamstring hamstrings pullup pullups pushup pushups chinup plank planks deadlift deadlifts
    boxjump russiantwist wallsit glutebridge hipthrust birddog deadbug legpress legraise gymsquat
    stepup kbswing jumpingjack mountainclimber highknees buttkick clamshell wallstretch
    tape taping strapping brace kinesio bandage foam roller rolling massage
    lunge lunges bench burpee burpees situp situps crunch crunches yoga pilates swim swimming
    cycling bike
    plantar fasciitis insole insoles orthotic orthotics flat arches knee knees itb itband
    weather rain joke translate spanish french capital
    cold flu covid sleep lose
    deskbreak ergonomic ergonomics monitor keyboard staticstretch footstrike cooldownroutine
    partstrength liftingtechnique wrist wrists neck elbow elbows blister blisters hydrate hydration electrolyte electrolytes
    ropetrick dog dogs puppy puppies canicross leash icebathprotocol
    """.split()
)

# Harder still: shopping, and rehab after a specific injury (see matcher.py).
# Present tense only for shopping: "I bought dumbbells" is backstory.
HARD_OFF_TOPIC: frozenset[str] = frozenset(
    """
    buy buying purchase purchasing price prices priced cost costs costing cheap cheaper cheapest
    expensive brand brands amazon shop shops shopping store stores quid bucks dollars euros budget discount
    sale review reviews massagegun
    shoe shoes footwear
    referral medication medications medicine medicines painkiller painkillers ibuprofen paracetamol acetaminophen
    tylenol advil aspirin naproxen nsaid nsaids pill pills tablet tablets whois
    sprain sprains sprained surgery surgeries operation postop rehab rehabilitation
    cramp cramps cramping cramped charley stitch stitches
    """.split()
)

# Frame words say what *kind* of answer is wanted ("why", "how often", "is it
# important", "for runners"), not what it is about. They still rank entries,
# but an entry matched by frame words alone is never offered: "why do runners
# get blisters" shares "why" and "runners" with why-calf-strength.
FRAME: frozenset[str] = frozenset(
    """
    why run runner running matter important often day days week weeks time times long exercise exercises
    good help benefit benefits work training train worth start strength strengthen stronger strong
    """.split()
)

# Everyday words that happen to occur in only one or two entries. Weights come
# from 21 entries, which cannot know that "time" or "day" is common English, so
# these are capped (see matcher.GENERIC_CAP): "best time of day to go running"
# must not match "how many minutes a day" on "time" and "day".
GENERIC: frozenset[str] = frozenset(
    """
    time times day days week weeks long longer work working first start started need needs help
    use using put body coach train training strength set sets rep reps minute minutes
    second seconds side sides each every top form new old big small lot home gym doing go around
    around front forward end thing way part bring stay stand stands standing lie lying
    bad worse better fine normal benefit benefits
    """.split()
)
