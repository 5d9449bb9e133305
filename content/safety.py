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


from content.normalize import clean
from content.prefilter import Gated, GatedAny

# Red flags wherever they appear (matched at a word start on clean() output,
# which is lower-case words with "can't" spelled "cannot").
_ALWAYS = (
    # nerve symptoms
    r"sciati\w*", r"siatica", r"sciatt\w*", r"sciatika",
    r"nerve\w*", r"neuropath\w*", r"radiculopath\w*",
    r"numb(?:ness|ed|ing|s)?\b", r"tingl\w*", r"prickl\w*", r"pins and needles",
    r"shoot\w*", r"radiat\w*", r"electric\w*", r"zap\w*", r"zing\w*", r"stabb\w*",
    # "I can't stand calf raises" is a dislike, so plain "stand" needs "up"/"straight"
    r"(?:cannot|cant|can not|unable to) (?:really |quite |properly |fully |even )?"
    r"(?:feel|move|walk|bend|straighten|lift my|stand up|stand straight)\b",
    r"(?:can barely|can hardly|barely able to|hardly able to) (?:feel|move|walk|stand|bend|straighten|sit)\b",
    r"lost (?:the )?(?:feeling|sensation|control)", r"loss of (?:feeling|sensation|control)",
    r"(?:lost|losing|lose) (?:\w+ ){0,2}(?:feeling|sensation)\b",
    r"no feeling", r"(?:leg|foot|feet|toes?|arm|hand)s? (?:\w+ )?(?:falls?|fell|goes|went|is|are) (?:asleep|dead)",
    r"(?:leg|knee|foot)s? (?:gives?|gave|giving) (?:way|out)", r"foot drop", r"drop foot",
    r"sudden(?:ly)? weak\w*", r"weakness in (?:my |the |one )?(?:leg|foot|feet)",
    r"incontinen\w*", r"bladder", r"bowel",
    # structural injuries
    r"herniat\w*", r"prolaps\w*", r"(?:slipped|bulg\w*|ruptured) (?:a |my |the )?dis[ck]\w*",
    r"dis[ck] (?:problem|issue|injury|bulge|herniation|slip)\w*",
    r"(?:ruptur\w*|torn|tear) (?:my |the |a )?(?:achilles|tendon|calf|muscle|ligament)\w*",
    r"fractur\w*", r"broken (?:bone|leg|foot|ankle|toe)\w*",
    # a suspected acute injury: "I think I broke my toe", "tore my calf", "badly sprained"
    r"(?:broke|broken|break|cracked|dislocated) (?:my |a |the |his |her )?(?:\w+ )?"
    r"(?:bones?|legs?|foot|feet|ankles?|toes?|wrists?|hips?|ribs?|heels?|shins?|arms?|metatarsals?|kneecap|pelvis|back)\b",
    r"(?:i think|i might have|i may have|pretty sure|i guess|maybe i|might have|may have) (?:i )?(?:\w+ ){0,1}"
    r"(?:sprained|broke|broken|fractured|tore|torn|ruptured|dislocated|cracked)\b",
    r"(?:badly|severely|really badly|seriously) (?:sprained|twisted|rolled|injured|hurt)",
    r"(?:sprained|twisted|rolled|injured|hurt) (?:my |an |the )?(?:\w+ )?(?:badly|severely|really badly|seriously|bad)\b",
    r"(?:bad|nasty|severe|serious) sprain",
    # pregnancy and the months after a birth: the articles do not cover them
    r"pregnan\w*", r"post ?partum", r"post ?natal", r"pre ?natal", r"ante ?natal", r"trimester\w*",
    r"(?:just |recently )?(?:had|having|gave birth to|delivered) (?:a |my |our |the )?(?:baby|babies|twins|c section|caesarean|cesarean)\b",
    r"gave birth", r"c section", r"caesarean", r"cesarean", r"diastasis", r"expecting (?:a baby|twins)",
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
_PAIN_WORD = r"(?:pains?|painful|hurts?|hurting|aches?|aching|achy|sore|throbs?|throbbing)"
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

# Everyday words for the same signs (found by blind testing): a limb "asleep",
# "buzzing", giving way, a pop or a snap, night pain, a fall, other red flags.
_BODY = (
    r"(?:legs?|thighs?|calf|calves|shins?|foot|feet|toes?|heels?|ankles?|knees?|hips?|glutes?|buttocks?|bum"
    r"|butt|arms?|hands?|fingers?|back|lowback|spine|achilles|hamstrings?|groin)"
)
_EVERYDAY = (
    # pins and needles, in ordinary words: a limb "asleep", "buzzing", "fuzzy"
    rf"{_BODY}(?:\s+\w+){{0,4}}\s+(?:asleep|to sleep)\b",
    r"dead (?:leg|foot|feet|arm|hand)\b",
    rf"{_BODY}(?:\s+\w+){{0,3}}\s+(?:fuzz\w*|buzz\w*|fizz\w*|vibrat\w*|crawl\w*)",
    rf"(?:fuzz\w*|buzz\w*|fizz\w*|vibrat\w*|crawling) (?:\w+ ){{0,3}}(?:in|on|down|through) (?:my |the |both |one )?{_BODY}",
    # weakness and giving way (not "weak calves" or "weak glutes": those are the articles' topic)
    r"(?:legs?|foot|feet|knees?|ankles?|arms?) (?:\w+ ){0,2}(?:went|goes|gone|going|turned|turns|suddenly|keeps going|just went) weak",
    r"(?:gives?|gave|giving|give|given) (?:way|out)\b", r"buckl\w*", r"foot (?:slap\w*|drag\w*|drop\w*)",
    r"(?:cannot|can not|unable to|could not|couldnt|struggl\w* to|hard to) (?:\w+ ){0,2}"
    rf"(?:lift|raise|point|flex|pull up) (?:my |the |one |either )?(?:\w+ )?(?:of )?(?:my )?{_BODY}",
    r"(?:cannot|can not|unable to|could not|couldnt) (?:\w+ ){0,2}push off\b",
    r"(?:cannot|can not|unable to|could not|couldnt|hard to) (?:\w+ ){0,2}(?:bear|put|take) (?:any |much |my )?weight",
    r"(?:cannot|can not|unable to|could not|couldnt) (?:\w+ ){0,2}put (?:my |the |any )?(?:\w+ )?(?:foot|feet|heel|leg|weight)\b",
    rf"{_BODY}(?:\s+\w+){{0,3}}\s+(?:fold\w*|collaps\w*|crumpl\w*|went|gone|go|goes|gave)\s+(?:out\s+)?(?:from\s+)?under(?:neath)? me",
    r"(?:went|go|goes|gone) (?:pop|snap|twang|ping|bang)\b",
    r"(?:cannot|can not|unable to|could not|couldnt) walk\b", r"limp(?:s|ed|ing)?\b",
    # a sudden tear: a pop, a snap, "felt something go"
    r"(?:felt|heard|there was|noticed) (?:a |an |some |something )?(?:\w+ )?(?:pop|popping|snap|snapping|crack|rip|tear|twang|ping)\b",
    r"(?:popped|snapped|tore|torn|ruptur\w*)\b(?! (?:out|in|over|by|round|to|between|up|off|at|through|into))",
    r"something (?:went|go|gave|give|snapped|popped|ripped|tore|twanged|pinged|pulled)\b(?! (?:well|ok|okay|fine|great|wrong))",
    r"it (?:snapped|popped|ripped|tore|twanged|pinged)\b",
    rf"(?:tear|rupture) (?:in|of) (?:my |the )?{_BODY}", rf"{_BODY} (?:tear|rupture)\b",
    # other signs beyond the articles
    r"(?:a|high) temperature\b(?!s)", r"night sweats?", r"chills\b(?! out)",
    r"(?:wet|peed|pee|soiled) (?:myself|my pants)", r"(?:control of|controlling) (?:my )?(?:pee|wee|bladder|bowels?|toilet)",
    r"saddle (?:area|region|numb\w*|anaesth\w*|anesth\w*)",
    r"(?:lost|losing|dropped|dropping) (?:\w+ ){0,3}(?:weight|kilos|kg|pounds|lbs)\b(?:\s+\w+){0,3}\s+"
    r"(?:without (?:trying|meaning|dieting|changing)|for no|unexplained|unintentional)",
    r"(?:unexplained|unintentional|unexpected|sudden) weight loss", r"weight loss (?:without|for no)",
    r"chest (?:\w+ ){0,2}(?:pains?|tight\w*|pressure|hurts?|aches?|squeez\w*)",
    r"(?:pains?|tight\w*|pressure|hurts?|aches?) (?:in|across|on) (?:my |the )?chest",
    r"palpitation\w*", r"heart (?:racing|pounding|flutter\w*|skipping)", r"passed out", r"black(?:ed)? out\b",
    r"blood in (?:my )?(?:urine|pee|wee|stool|poo)", r"(?:coughing|cough|spitting) (?:up )?blood",
    # After a birth, in everyday words: "since my baby
    # was born", "since my little one arrived", "6 weeks after giving birth".
    r"(?:giving|give) birth", r"birth of (?:my|our)", r"new ?born\b", r"new (?:mum|mom|mother)\b",
    r"(?:baby|babies|son|daughter|twins|little one|kids?|child|children) (?:was|were) born",
    r"(?:since|after|before|from) (?:having |the birth of )?(?:my|our|the|a) (?:\w+ )?(?:baby|babies|little one|twins)\b",
    r"(?:since|after) having (?:my |our |a |the )?(?:\w+ )?(?:baby|babies|kids?|children|son|daughter|twins|little one)\b",
    r"(?:little one|baby|babies|twins) (?:arrived|came)\b",
    # the pelvic floor: heaviness or dragging, leaking, a gap in the tummy muscles
    r"pelvic floor", r"pelvic (?:organ|pain|pressure|heaviness)",
    r"(?:heavy|heaviness|dragg\w*|bulg\w*|pressure|falling out) (?:\w+ ){0,4}(?:pelvis|vagina\w*|down below|down there|pelvic)",
    r"(?:pelvis|vagina\w*|down below|down there) (?:\w+ ){0,3}(?:heavy|heaviness|dragg\w*|bulg\w*)",
    r"leak(?:s|ed|ing|age)?\b(?! (?:shoe|bottle|roof|tap|pipe|tent))(?: \w+){0,3} (?:when|while|whenever|during|if|as soon as) (?:i |im )?(?:\w+ )?(?:run|jog|jump|skip|cough|sneez|laugh|land)\w*",
    r"leak(?:s|ed|ing|age)? (?:\w+ )?(?:urine|pee|wee|a bit of pee|a little pee)",
    r"(?:gap|split|separation|separat\w*|doming|coning) (?:in|between|of) (?:my )?(?:\w+ )?(?:stomach|tummy|belly|abs|abdominal\w*|six pack|core)",
    r"(?:abdominal|ab|abs|tummy|stomach|core) (?:muscle )?(?:separation|split|gap|doming|coning)",
    # a back that locks: "locked up", "seized", "went into spasm", "put my back out", "stuck bent over"
    r"(?:back|lowback|spine)\b(?: \w+){0,2} (?:locked|lock up|locks|seiz\w*|froze|frozen|freez\w*|went out|gone out|goes out|just went|completely went|jammed)",
    r"(?:put|threw|thrown|throw|putting|throwing) (?:my |his |her )?(?:lowback|back) out\b",
    r"(?:locked|seized|froze|frozen) up\b(?:(?: \w+){0,6} (?:back|lowback|spine)\b)",
    r"(?:stuck|hobbl\w*|walk\w*|limp\w*|shuffl\w*|crawl\w*) (?:\w+ ){0,3}"
    r"(?:bent over|bent double|hunched over|doubled over|bent forward|crooked|sideways|at an angle)",
    r"(?:cannot|can not|unable to|could not|couldnt) (?:\w+ ){0,2}(?:straighten|stand up|stand upright|get upright|stand tall)",
    # bladder and bowel in plain words
    r"(?:trouble|problems?|difficult\w*|struggl\w*|hard|pain|burning|cannot|can not|unable to|could not|couldnt) (?:to |with |when )?(?:\w+ ){0,2}"
    r"(?:pee|peeing|wee|weeing|urinat\w*|piss\w*)\b",
    r"(?:wetting|wet|weeing on|peeing) (?:myself|my pants|my shorts|the bed)", r"accidents? in my (?:pants|shorts)",
    r"(?:cannot|can not|unable to|no|lost|losing|cant seem to|hard to|trouble) (?:\w+ ){0,2}control (?:\w+ ){0,6}"
    r"(?:toilet|loo|bathroom|pee|wee|poo|bladder|bowels?|go|going)\b",
    r"numb (?:\w+ )?(?:down there|down below|between (?:my|the) legs)",
    # blood where it should not be
    r"blood (?:\w+ ){0,2}(?:when|while|after|in|during) (?:i |my )?(?:\w+ )?(?:pee\w*|wee\w*|poo\w*|urin\w*|stool|cough\w*|spit\w*|toilet)",
    r"(?:pee\w*|wee\w*|urinat\w*|poo\w*|cough\w*|spit\w*) (?:\w+ )?blood", r"bloody (?:urine|pee|wee|stool|poo)",
    r"(?:urine|pee|wee) (?:is|was|looks|looked|went|turned) (?:\w+ )?(?:red|brown|pink|dark brown|cola)",
    # a hot, red, puffy calf (a clot), faintness, pain in the jaw or arm, night sweats
    r"(?:warm|hot) (?:to|when i) (?:the )?touch", r"puff(?:y|ed up|iness)", r"red (?:\w+ )?(?:and|,) (?:hot|warm|swollen|puffy|tender)",
    r"(?:hot|warm) (?:and|,) (?:red|swollen|puffy)",
    r"light ?headed\w*", r"woozy", r"vertigo", r"(?:nearly|almost|about to) (?:pass(?:ed)? out|faint\w*|black(?:ed)? out|keel(?:ed)? over)",
    r"(?:vision|eyesight|sight) (?:\w+ ){0,2}(?:went|goes|going|gone|blurr\w*|black|dark|tunnel)", r"seeing stars",
    r"(?:pains?|hurts?|aches?|aching|tight\w*|pressure|heaviness) (?:\w+ ){0,3}(?:jaw|left arm|both arms|neck and arm)",
    r"(?:jaw|left arm) (?:\w+ ){0,2}(?:pains?|hurts?|aches?|aching|tight\w*|pressure)",
    r"(?:short|shortness) of breath (?:\w+ ){0,3}(?:at rest|sitting|lying|walking|chest)", r"(?:cannot|can not|could not|couldnt) (?:catch my )?breath\w*\b(?! (?:work|technique|pattern))",
    r"(?:sweat\w*|drenched|soaked|soaking) (?:(?!run|jog|train|work)\w+ ){0,4}(?:at night|in (?:bed|my sleep)|overnight|through the night|every night)",
    r"(?:wake|woke|waking) up (?:\w+ ){0,2}(?:drenched|soaked|soaking|sweat\w*)",
    # the classic Achilles rupture: "like someone kicked me in the heel", a dent above it
    r"(?:like|as if|as though) (?:someone|somebody|something|a \w+) (?:had )?(?:kicked|hit|shot|struck|whacked|smacked) me\b",
    r"(?:dent|gap|divot|hollow|dip) (?:\w+ )?(?:above|in|at|behind|over) (?:my |the )?(?:\w+ )?(?:heel|achilles|calf|ankle)\b",
    # one spot that hurts to press or to hop on: a possible stress fracture
    r"(?:painful|hurts?|pain|sore|tender|agony) (?:\w+ ){0,2}(?:to|when i|if i|whenever i) "
    r"(?:press|push on|poke|touch it|hop|jump on)\b",
    r"(?:one|a|single|specific|particular|small|tiny) (?:\w+ )?(?:spot|point) (?:\w+ ){0,4}(?:painful|hurts?|tender|sore)\b"
    r"(?: (?:\w+ ){0,2}(?:press|touch|poke|hop))",
    # sudden and severe, out of nowhere
    r"(?:sudden\w*|out of nowhere|out of the blue|all of a sudden) (?:\w+ ){0,4}(?:really |very |so |super )?(?:bad|worse|severe)\b",
)
# One alternative per family member: only their truth is used, so each is
# gated on its own words (GatedAny) instead of scanning one huge alternation.
_RED_FLAG = GatedAny([r"\b(?:" + p + ")" for p in _ALWAYS + _EVERYDAY] + [_SEVERE_THEN_PAIN, _PAIN_THEN_SEVERE])
# These count together with a pain word anywhere in the message: a fall, a
# crash or a blow ("I hurt my back in a fall"), pain that keeps getting worse or
# will not settle, and night pain ("can't sleep because of the pain").
_WITH_PAIN_RE = Gated(
    r"\b(?:fell\b(?! (?:behind|off the wagon|in love|out of love|short|asleep))|falling (?:over|down|off)"
    r"|fall (?:over|down|off|on)\b|(?:a|bad|nasty|hard|heavy|big|my) (?:fall|tumble|crash|spill)\b"
    r"(?! (?:marathon|race|season|half|training|block|course|diet))"
    r"|tripp?ed|trips? (?:over|on)|slipped (?:on|over|and)|crash(?:ed)?\b(?! (?:course|diet))|accidents?\b"
    r"|hit by|struck by|knocked (?:down|over|into)|collid\w*|collision|whiplash|concussion"
    r"|landed (?:\w+ )?on (?:my |the )?(?:back|hip|side|bum|butt|tailbone|coccyx|knee|head|wrist|shoulder)"
    r"|(?:getting|gets|got|get|becoming|becomes|became|grown|growing) (?:\w+ )?worse|worsen\w*|worse and worse|worse every"
    r"|(?:not|isnt|hasnt|wont|doesnt|never|no) (?:\w+ )?(?:improv\w*|getting better|got better|gotten better"
    r"|going away|go away|gone away|healing|healed|settl\w*)|no better"
    r"|(?:for|after|over) (?:\w+ )?(?:weeks|months)\b(?:\s+\w+){0,3}\s+(?:now|still|and still|without)"
    r"|still (?:\w+ )?(?:pains?|hurts?|aches?|aching|sore) (?:after|for) (?:\w+ )?(?:weeks|months)"
    r"|worse than (?:last|before|yesterday|it was|ever|a week|a month)|nothing (?:helps|is helping|works|is working|seems to help)"
    r"|tried everything|been (?:\w+ ){0,3}(?:sore|painful|hurting|aching|achy|hurts?) (?:for|over|since) (?:\w+ ){0,2}(?:weeks|months|year)"
    r"|(?:ran|run|running|bumped|walked|smashed|slammed|banged) into (?:a |the |an )?(?!(?:some |a few )?(?:trouble|problems?|issues?|friends?|someone|my))\w+"
    r"|(?:wakes?|woke|waking|woken) me\b|(?:keeps?|kept|keeping) me (?:up|awake)\b"
    r"|middle of the night|in the night|overnight|at \d+ ?am\b"
    r"|(?:cannot|can not|unable to|could not|couldnt|hard to|struggle to|struggling to|trouble) (?:get to )?sleep(?:ing)?\b"
    r"|(?:at|during the|through the|every|all) night\b"
    # pain that changes with a cough, a sneeze or straining
    r"|cough\w*|sneez\w*|strain\w* on the (?:toilet|loo)|bearing down"
    # a pain score of 7 or more out of 10
    r"|(?:[7-9]|10)(?: or (?:[7-9]|10))? (?:out of |on a scale of )?(?:10|ten)\b)"
)
# A blow or a fall counts with a wider set of symptoms ("since the car accident
# my back is stiff"): the articles' stiffness advice assumes no trauma.
_TRAUMA_RE = Gated(
    r"\b(?:came|come|coming|fell|falling|thrown|flew|went) off (?:my |the |a |his |her )?"
    r"(?:\w+ )?(?:bike|bicycle|horse|scooter|motorbike|motorcycle|board|skateboard|ladder|wall|roof|treadmill|curb|kerb)\b"
    r"|\b(?:was|got|been|get|getting) (?:\w+ )?(?:hit|struck|knocked|clipped|run over|tackled|kicked)\b"
    r"|\brear ?ended\b|\b(?:car|bike|cycling|bicycle|motorbike|road|traffic|skiing|ski) (?:crash|accident|collision|smash)\w*"
    r"|\b(?:accident|collision|whiplash|concussion)\w*"
    r"|\b(?:took|taken|had|take) (?:a |an )?(?:\w+ )?(?:tumble|spill|fall|header|digger|stack)\b"
    r"|\b(?:tripped|stumbled|slipped|face ?planted|went flying)\b|\bwiped out (?:on|while|in|at|during|going)\b"
    r"|\bfell (?:hard|badly|heavily|awkwardly|down|over|backwards|on (?:my|the))\b"
)
_TRAUMA_SYMPTOM_RE = Gated(
    r"\b(?:pains?|painful|hurts?|hurting|hurt|aches?|aching|achy|sore|soreness|injur\w*|niggle|twinge\w*|throb\w*|tender"
    r"|stiff\w*|tight\w*|bruis\w*|not right|feels? off|sharp|grumbl\w*|twing\w*|worse)\b"
)
_PAIN_WORDS_RE = Gated(
    r"\b(?:pains?|painful|hurts?|hurting|hurt|aches?|aching|achy|sore|soreness|injur\w*|niggle|twinge\w*|throb\w*|tender)\b"
)
# Pain, heat or an electric feeling that travels between two body parts:
# "on fire from my butt down to my knee", "a hot wire from my spine to my
# toes", "burning from my lower back into my foot". Structural: a sensation
# word anywhere in the message plus a path "from <part> ... to/into <part>"
# (the path alone is ordinary exercise talk: "roll from heel to toe").
_SENSATION = (
    r"\b(?:pains?|painful|hurts?|hurting|aches?|aching|achy|burn\w*|fire|fiery|hot|heat|sear\w*|scorch\w*"
    r"|electric\w*|current|zing\w*|zap\w*|lightning|bolts?|jolts?|shock\w*|wires?|poker|sting\w*|throb\w*"
    r"|tingl\w*|shoot\w*|stab\w*|sharp|travel\w*|radiat\w*|spread\w*)\b"
)
_PATH_BODY = (
    r"(?:legs?|thighs?|calf|calves|shins?|foot|feet|toes?|heels?|ankles?|knees?|hips?|glutes?|buttocks?|bum|butt"
    r"|arse|back|lowback|spine|tailbone|hamstrings?|groin|neck|shoulders?|arms?|hands?|fingers?|waist|sole)"
)
_PART = rf"(?:my |the |your |his |her |one |both )?(?:(?:back|bottom|top|side|front) of (?:my |the )?)?(?:\w+ )?{_PATH_BODY}\b"
_PATH_RE = Gated(
    rf"\bfrom {_PART}(?: \w+){{0,5}}? (?:down|up|into|to|through|towards|toward|till|until)"
    rf"(?: (?:to|into|through))? {_PART}"
)
_TRAVEL_RE = Gated(_TRAVEL)
_SENSATION_RE = Gated(_SENSATION)
_PAIN_RE = Gated(rf"\b{_PAIN}\b")
# Heat and electricity words count like pain words for pain travelling along a
# limb ("a hot wire down my leg", "burning down into my calf", "a lightning
# bolt down my leg"); plain "my calves burn" has no path and stays benign.
_HEAT_RE = Gated(
    r"\b(?:burning|on fire|fire|hot|heat|sear\w*|scorch\w*|electric\w*|current|zing\w*|zap\w*|lightning|bolts?"
    r"|jolts?|shocks?|wires?|poker|sting\w*|throb\w*)\b"
)

# Every pattern here is Gated (content.prefilter): when none of the words it
# needs occurs in the message it is not run, which keeps a long message cheap.

# Benign uses of otherwise alarming words, removed before matching.
_BENIGN = Gated(
    r"\b(?:race nerves|nerves before|nerve ?racking|shoot(?:ing)? (?:a |the )?(?:video|photo|film)"
    r"|photo ?shoot|electric(?:al)? (?:bike|scooter|car)|sharp turn)\b"
    # calves that "give out" on a climb are tired calves (a leg giving way stays a flag)
    r"|\bcal(?:f|ves|fs) (?:\w+ ){0,2}?(?:gives?|gave|giving) out\b(?= (?:\w+ ){0,3}?(?:hills?|climbs?|climbing|uphills?|inclines?|steep))"
    # things that leak: "my water bottle leaks when I run"
    r"|\b(?:bottles?|flasks?|shoes?|trainers|roof|tap|pipes?|tent|jacket|vest|pack|hydration \w+|camelbak|cup|lid) (?:\w+ )?(?:leak\w*|is leaking)\b"
    # "collapse on the sofa" is a figure of speech ("collapsed on my run" stays a flag)
    r"|\bcollaps\w* (?:straight |right |back |down |out |in a heap )?(?:on|onto|into|in|on to) "
    r"(?:the |my |a |our |your |his |her )?(?:sofa|couch|settee|bed|armchair|recliner|beanbag|sun ?lounger)s?\b"
    # Not feeling a muscle *work* is activation, the articles' topic ("I can't
    # feel my glutes doing anything"); not feeling a foot or toes stays a flag.
    r"|\b(?:cannot|cant|can not|unable to|can barely|can hardly|barely|hardly|do not|dont|never)"
    r" (?:really |quite |properly |fully |even )?feel"
    r" (?:my |the |any |much |them |it )?(?:\w+ )?(?:core|glutes?|abs|abdominals?|muscles?|butt|bum|booty|stomach"
    r"|belly|tummy|hamstrings?|quads?|stabili[sz]ers?|obliques?)\b(?: (?:at all|anything|much))?"
    r"|\b(?:cannot|cant|can not|unable to|can barely|can hardly|barely|hardly|do not|dont|never)"
    r" (?:really |quite |properly |fully |even )?feel"
    r" (?:my |the |any |them |it )?(?:\w+ )?(?:working|doing (?:anything|much|a thing)|engag\w*|fir\w*|activat\w*"
    r"|kick(?:ing)? in|switch(?:ing)? on|turn(?:ing)? on|contract\w*|burn\w*)\b"
    r"|\b(?:cannot|cant|can not|barely|hardly|do not|dont) (?:really |quite |properly |fully |even )?feel"
    r" (?:the|a|any|much of a) (?:stretch|burn|difference|workout)\b"
)


# Calf or leg pain after a long flight (a possible clot); pain or odd feelings
# in both legs together with the back.
_FLIGHT_RE = Gated(r"\b(?:flights?|flew|flying|plane|long ?haul|airplane|aeroplane|jet ?lag\w*)\b")
_CALF_LEG_RE = Gated(r"\b(?:calf|calves|leg|legs|shin|shins)\b")
_BOTH_LEGS_RE = Gated(r"\b(?:both|two) (?:my |of my )?(?:legs|feet|calves|thighs)\b|\blegs (?:\w+ )?both\b")
_BACK_RE = Gated(r"\b(?:back|lowback|spine)\b")
_ODD_RE = Gated(
    r"\b(?:pains?|painful|hurts?|hurting|aches?|aching|achy|weird|strange|funny|heavy|odd|wobbly|jelly|weak|numb\w*)\b"
)


def is_red_flag(text: str) -> bool:
    """True when ``text`` describes nerve symptoms, severe pain or other warning signs."""
    cleaned = _BENIGN.sub(" ", clean(text))
    if not cleaned:
        return False
    if _RED_FLAG.search(cleaned):
        return True
    if _WITH_PAIN_RE.search(cleaned) and _PAIN_WORDS_RE.search(cleaned):
        return True
    if _TRAUMA_RE.search(cleaned) and _TRAUMA_SYMPTOM_RE.search(cleaned):
        return True
    if _PATH_RE.search(cleaned) and _SENSATION_RE.search(cleaned):
        return True
    if _FLIGHT_RE.search(cleaned) and _CALF_LEG_RE.search(cleaned) and _PAIN_WORDS_RE.search(cleaned):
        return True
    if _BOTH_LEGS_RE.search(cleaned) and _BACK_RE.search(cleaned) and _ODD_RE.search(cleaned):
        return True
    return bool(_TRAVEL_RE.search(cleaned) and (_PAIN_RE.search(cleaned) or _HEAT_RE.search(cleaned)))
