"""Common English words that typo repair must leave alone.

Typo repair maps an unknown word to the nearest library word. A real English
word is not a typo: "wakes" must not become "walks", "pole" not "pose". Words
here (compared by stem, so "wake", "wakes", "waking" are one entry) are never
repaired; they stay unknown words and weigh as such. Extend freely: it is data.
"""

from __future__ import annotations

COMMON_WORDS: frozenset[str] = frozenset(
    """
    repeat repeats record invent history cramp
    slot
    background bent buckle cough drag everything fell froze heard home leak lost pee poker seem severe slap
    slip stab stance stuck timer tore worse wreck shoot setup log
    able accept across act action add address admit advice afraid age ago agree ahead aim air allow almost alone
    along already alright amount angle angry animal annoy answer anxious anybody anyone anyway apart app
    appear apply area argue arm army arrive art article ask asleep attack attempt aunt autumn avoid awake
    aware away awful baby bag bake ball band bank base basic bath bay beach bean bear beat beautiful become
    bed beer begin behind believe belt bend beneath beside bet beyond bike bill bird birthday bite black blame
    blank bless blind block blood blow blue board boat bone book boot bore born borrow boss both bother bottle
    bought bowl box boy brain brand bread break breath breathe brick bridge brief bright bring broad broke
    brother brown brush build bunch burn bus business busy buy cake call calm came camp car card care careful
    carry case cash cat catch caught cause cell chain chair chance change charge chase cheap check cheer
    cheese child choice choose church city claim class clean clear climb clock close cloth cloud club coast
    coat coffee cold colour color come comfort common company compare complain computer concern cook cool
    copy corner cost count country county course cousin cover crazy cream cross crowd cry cup cure curious
    current cut cute dad daily damage dance danger dark date daughter dead deal dear decide deep degree
    delay deliver depend describe design detail die differ dinner direct dirt dirty dish doctor dog door
    double doubt down draw dream dress drive drop dry due dull dust duty each ear early earn earth ease east
    easy edge effect effort egg either elbow empty energy engine enjoy enter entire equal error escape event
    exact exam example excite excuse expect expense expert eye face fact fail fair fall family famous fan far
    farm fast fat father fault fear fee feed fellow few field fight figure fill film final find fine finger
    finish fire fit fix flat flight floor flower fly fold follow fond fool foot force forest forget forgive
    fork form forward free fresh fridge friend frighten front fruit full fun funny future game garden gate
    general gentle gift girl glad glass goal god gold golf gone grab grade grand grass great green grey grow
    guard guess guest guide gun hair half hall hand handle hang happen happy hard hat hate head health hear
    heart heat heavy held hello hide high hill hire hit hobby hole holiday hope horse hospital host hot hour
    house huge human hungry hunt hurry husband ice idea ill image imagine include income increase indeed
    inside instead interest invite iron island item job join joke journey judge juice jump kid kill kind king
    kitchen knee knife knock lady lake land language large late laugh law lay lazy lead learn least leave
    left lend less lesson let letter level library lie life lift light line lip list listen live load local
    lock lonely look loose lose loss loud love low luck lunch mad mail main major manage many map mark market
    marry match mate matter meal meet member memory mess metal middle mile milk mind minor miss mistake mix
    mom money month moon mother mountain mouse mouth move movie mum music name narrow nation nature near neat
    neck nerve never news nice nose note notice number nurse object odd offer office oil old open order
    other outside owe own page pain paint pair pale pan paper parent park part party pass past path pay peace
    pen people pet phone pick picture piece pile pink pipe pity place plan plant plate play please plenty pole
    police polite pool poor pop popular pose post pot pound pour power present press pretty price print prize
    promise proud prove pull punch pure purple push queen quiet quit race radio rain raise rare rate rather
    reach read ready real rear record red reduce relax remember rent repair reply report rest result return
    rich ride ring rise risk river road rock roll roof room rope rough round row rub rude ruin rule rush sad
    safe sail salt same sand save scare school score screen sea search season seat second secret sell send
    sense serious serve settle shade shake shame shape share sharp sheet shelf shine ship shirt shock shop
    short shout shut shy sick sign silly simple sing sister size skin sky sleep slow small smell smile smoke
    snow soft soil son song soon sorry sound soup south space spare speak special spell spend spirit spot
    spread spring square staff stage stamp star state station stay steal step stick stone stop store storm
    story straight strange street strike string student study style sugar suit summer sun supply support
    sure surprise sweet swim table tail take talk tall task taste tax tea teach team tear teeth test text
    thank thick thin thirsty throw ticket tidy tie tight till tiny tip tired toe together toilet tone tongue
    tool tooth total touch tough tour town toy track trade traffic train travel treat tree trick trip truck
    true trust truth turn twice type uncle understand unit until upset use usual valley value van view
    village visit voice vote wait wake walk wall war warm wash waste watch water wave weak wear web wedding
    weigh welcome west wet wheel white whole wide wife wild win wind window wine winter wish woman wonder
    wood word world worry write wrong yard yellow young zone
    wakes woke woken waking wore worn woken lots alot cause thing cos fun sport sports hobby
    strain strains strained stress stressed stretchy sprint sprints sprinted trail trails track tracks
    treadmill gym parkrun coworker colleague partner sister brother kids wife husband lockdown
    mood pains rests fast slowly quickly recently nearly hardly mostly lately suddenly usually often
    """.split()
)
