"""Curated multilingual crisis phrase patterns (the reviewed "knowledge" of the crisis detector).

Patterns run on text that has been lower-cased, accent-stripped and apostrophe-normalised
*without changing its length* (see ``crisis._fold``), so write them in lower case, without
accents ("nao", "estaria", "mochte"), and with a plain ``'``.

Each entry is ``Pattern(regex, weight=None, contextual=False)``:

* ``weight`` overrides the signal type's base weight (see ``crisis.BASE_WEIGHT``): use a low
  weight for distress phrases that are often ordinary venting ("I can't take it anymore").
* ``contextual`` patterns are ambiguous on their own ("I have a plan", "tonight", "I bought a
  rope") and only count when an ideation/self-harm signal is present in the same turn or in the
  conversation so far.

IDIOMS are masked before matching so "this movie is to die for" or "me muero de risa" never
reach the signal patterns. Recall comes first: when in doubt, a phrase stays a signal and the
qualifiers in ``crisis.py`` (negation, third person, past, hyperbole) lower its weight instead.
"""

from __future__ import annotations

from typing import NamedTuple


class Pattern(NamedTuple):
    regex: str
    weight: float | None = None
    contextual: bool = False


P = Pattern
LANGS = ("en", "es", "pt", "fr", "de", "it")

# Words that follow "hurt/cut myself" in accidents, not self-harm ("I cut myself shaving").
_EN_ACCIDENT = r"(?!\s+(?:while|when|on\s+(?:a|the)|shaving|cooking|playing|at\s+(?:the\s+)?(?:gym|work)|lifting|running|skiing|by\s+accident|accidentally|badly\s+(?:at|in|while)|in\s+(?:the\s+)?(?:kitchen|garden|game|match)|during))"

# What follows "me corto / me cortei / mi taglio…" when it is a haircut or a kitchen accident.
_CUT_NOT_HARM = r"(?!\s+(?:el\s+(?:pelo|cabello|flequillo|dedo)|las\s+unas|la\s+barba|o\s+(?:cabelo|dedo)|a\s+(?:franja|barba)|as\s+unhas|cocinando|cozinhando|jugando|jogando|sin\s+querer|sem\s+querer|afeitandome|con\s+(?:un\s+)?papel|no\s+trabalho|na\s+academia|com\s+(?:um\s+)?papel)\b)"

# Catch-all for suicide vocabulary in a first-person clause (recall), minus research/news uses and
# a negator right before it ("I'm not suicidal"). Weight 0.5: medium.
_SUICID = (
    r"(?<!not\s)(?<!never\s)(?<!no\s)(?<!nao\s)(?<!pas\s)(?<!nicht\s)(?<!non\s)"
    r"\b(?:suicid|suizid|selbstmord)\w*\b"
    r"(?!\s+(?:rates?|statistics|prevention|awareness|squad|hotline|research|stud(?:y|ies)|tasa|prevencion"
    r"|taxa|prevencao|taux|rate|pravention|statistik|tasso|prevenzione|di\s+massa|des\s+jeunes))"
    r"(?!-?(?:rate|pravention|statistik))"
)

PATTERNS: dict[str, dict[str, list[Pattern]]] = {
    "en": {
        "active_ideation": [
            P(r"\bk[i1!*]ll(?:ing)?\s+my\s?self\b"),
            P(r"\bkms\b"),
            P(r"\b(?:un-?alive|off)\s+my\s?self\b"),
            P(r"\bsewer\s?slide\b"),
            P(r"\b(?:commit|committing|commited|committed)\s+suicide\b"),
            P(r"\b(?:end|ending|take|taking)\s+my\s+(?:own\s+)?life\b"),
            P(r"\bend(?:ing)?\s+it\s+all\b"),
            P(r"\b(?:want|going|gonna|plan(?:ning)?|ready|decided|about|need)\s+to\s+end\s+(?:things|everything|it)\b(?!\s+(?:with|between|for\s+(?:him|her|them|us)))"),
            P(r"\b(?:want|wanna|wanted|wish|wishing|ready|need)\s+(?:to\s+)?(?:just\s+)?die\b"),
            P(r"\b(?:i'?m|i\s+am|feel(?:ing)?|felt|been|getting|so|very|really|extremely|actively|passively)\s+(?!not\b|never\b)(?:\w+\s+)?suicidal\b"),
            P(r"\b(?:i|i'?m|i'?ve|my|me)\b[^.!?\n]{0,40}" + _SUICID, 0.5),
            P(r"\bsuicidal\s+(?:thoughts?|ideation|feelings?|urges?|again)\b"),
            P(r"\b(?:thinking|thought|think|thoughts)\s+(?:about|of)\s+(?:suicide|killing\s+my\s?self|ending\s+(?:it|my\s+life|things|everything)|taking\s+my\s+(?:own\s+)?life|dying)\b"),
            P(r"\bhang(?:ing)?\s+my\s?self\b"),
            P(r"\b(?:slit|cut|slash)\s+my\s+(?:wrists?|throat)\b"),
            P(r"\b(?:i'?ll|i\s+will|gonna|going\s+to)\s+(?:jump|throw\s+my\s?self)\s+(?:off|from|in\s+front\s+of)\b"
              # a jump into water or off a stage is sport, not a fall
              r"(?!\s+(?:the\s+|a\s+|that\s+)?(?:high\s+)?(?:diving\s+board|board|boat|dock|pier|jetty|swing|trampoline|couch|sofa|bed|stage|ramp|rocks\s+into))"),
            P(r"\b(?:overdose|od)\s+(?:on|tonight|today)\b"),
            P(r"\b(?:i'?ll|i\s+will|gonna|going\s+to|want\s+to)\s+(?:overdose|od)\b"),
            P(r"\bi\s+(?:would\s+)?rather\s+(?:be\s+dead|die)\b(?!\s+than)"),
            P(r"\bi\s+(?:just\s+)?want\s+to\s+die\b"),
        ],
        "passive_ideation": [
            P(r"\b(?:don'?t|do\s+not|no\s+longer)\s+(?:really\s+|even\s+)?want\s+to\s+(?:live|be\s+alive|exist|be\s+here|wake\s+up|go\s+on)\b(?!\s+(?:to|next\s+to|with|in\s+(?:this|that|a)\s+(?:city|town|house|place))\b)"),
            P(r"\bno\s+(?:reason|point|purpose)\s+(?:in\s+|to\s+|of\s+|for\s+)?(?:(?:keep\s+|go\s+on\s+|continue\s+)?living|live|going\s+on|being\s+alive|life|keep\s+going|be\s+alive|stay\s+alive)\b"),
            P(r"\b(?:better\s+off|be\s+better)\s+(?:dead|without\s+me|if\s+i\s+(?:was|were|wasn'?t|weren'?t)\s+(?:gone|dead|here|around|alive|never\s+born))\b"),
            P(r"\bwish\s+i\s+(?:was|were|had)\s+(?:dead|never\s+(?:been\s+)?born|not\s+born|gone|not\s+here|never\s+existed)\b"),
            P(r"\bwish\s+i\s+(?:could\s+)?(?:just\s+)?(?:die|disappear\s+forever|not\s+wake\s+up|never\s+wake\s+up|sleep\s+forever|stop\s+existing|cease\s+to\s+exist|fall\s+asleep\s+and\s+(?:never|not))\b"),
            P(r"\b(?:hope|hoping|pray)\s+i\s+(?:don'?t|never|do\s+not)\s+wake\s+up\b"),
            P(r"\b(?:sleep|asleep|go\s+to\s+bed)\s+and\s+(?:never|not)\s+wake\s+up\b(?!\s+(?:before|early|on\s+time|until|till|at))"),
            P(r"\b(?:want|wish|wishing|like)\s+to\s+(?:just\s+)?(?:not\s+wake\s+up|never\s+wake\s+up)\b"),
            P(r"\bcan'?t\s+(?:go\s+on|keep\s+going)\s+(?:any\s?more|like\s+this|living)\b"),
            P(r"\bdon'?t\s+want\s+to\s+(?:keep\s+)?(?:living|going\s+on)\b"),
            P(r"\b(?:tired|sick|exhausted)\s+of\s+(?:living|being\s+alive|life|existing|being\s+here)\b"),
            P(r"\bwant\s+(?:it\s+all|everything|the\s+pain|this\s+pain|my\s+life|life)\s+to\s+(?:end|stop|be\s+over)\b"),
            P(r"\b(?:my\s+)?life\s+(?:is|feels)\s+(?:not\s+worth\s+(?:living|it)|pointless|meaningless)\b"),
            P(r"\b(?:not|isn'?t|'s\s+not|ain'?t|no\s+longer)\s+worth\s+living\b"),
            P(r"\b(?:what'?s|what\s+is|there'?s\s+no|i\s+don'?t\s+see\s+the)\s+(?:the\s+)?point\s+(?:of|in)\s+(?:living|life|going\s+on|being\s+alive|being\s+here|anything\s+any\s?more)\b"),
            P(r"\b(?:nobody|no\s+one|noone)\s+would\s+(?:even\s+|really\s+|ever\s+)?(?:care|notice|miss\s+me)\s+if\s+i\s+(?:died|was\s+gone|were\s+gone|disappeared|killed)\b"),
            P(r"\b(?:everyone|everybody|they|you|my\s+family)\s+(?:would|will|'d)\s+be\s+happier\s+(?:without\s+me|if\s+i\s+(?:was|were)\s+(?:dead|gone))\b"),
            P(r"\bdon'?t\s+see\s+(?:a|any)\s+(?:way\s+out|future|point\s+in\s+(?:living|anything))\b", 0.45),
            P(r"\b(?:i'?m|i\s+am)\s+(?:such\s+)?a\s+burden\s+(?:to|on)\s+(?:everyone|everybody|my\s+family|them)\b", 0.45),
            P(r"\bdisappear\s+forever\b", 0.45),
            P(r"\bwant\s+to\s+(?:disappear|stop\s+existing|not\s+exist|sleep\s+forever|go\s+to\s+sleep\s+(?:and|forever))\b", 0.45),
            P(r"\bcan'?t\s+(?:take|do|handle)\s+(?:it|this|this\s+life)\s+any\s?more\b", 0.3),
            P(r"\b(?:feel|feeling|i'?m|so)\s+(?:completely\s+|utterly\s+|so\s+)?hopeless\b", 0.3),
        ],
        "plan": [
            P(r"\bplan(?:ned|ning)?\s+(?:to|how\s+to|my|on)\s+(?:kill|end|die|suicide|take\s+my)\b"),
            P(r"\b(?:researching|looked\s+up|looking\s+up|searching|googling|googled)\s+(?:\w+\s+){0,2}(?:ways|methods|how)\s+to\s+(?:die|kill\s+my\s?self|end\s+it|end\s+my\s+life)\b"),
            P(r"\bhow\s+(?:many|much)\s+(?:\w+\s+){0,2}(?:pills|tablets|paracetamol|tylenol|ibuprofen|aspirin|insulin|sleeping\s+pills)\s+(?:\w+\s+){0,4}(?:to\s+die|to\s+kill|kill\s+(?:me|you|a\s+person)|lethal|overdose|fatal)\b", 0.8),
            P(r"\b(?:painless|quickest|easiest|best)\s+(?:way|method)s?\s+to\s+(?:die|kill\s+my\s?self|commit\s+suicide|end\s+it)\b", 0.8),
            P(r"\b(?:i\s+)?(?:have|made|got|'ve\s+got|'ve\s+made|worked\s+out)\s+a\s+plan\b", contextual=True),
            P(r"\b(?:want|going|gonna|about|ready)\s+to\s+jump\b(?!\s+(?:in|into|on|over|rope|ahead|back|the\s+gun|at|for|up))", contextual=True),
            P(r"\b(?:decided|made\s+up\s+my\s+mind|it'?s\s+decided|i'?m\s+doing\s+it|going\s+to\s+do\s+it|gonna\s+do\s+it)\b", contextual=True),
        ],
        "means": [
            P(r"\b(?:saved|saving|stock\s?pil\w+|hoard\w*|stash\w*|collect\w*|gather\w*)\s+(?:up\s+)?(?:all\s+)?(?:my\s+|some\s+|of\s+|a\s+lot\s+of\s+|enough\s+|these\s+)?(?:pills|tablets|meds|medication|sleeping\s+pills|painkillers|pain\s+killers|insulin)\b"),
            P(r"\b(?:pills|tablets|meds|medication|painkillers)\s+(?:saved|stashed|stockpiled|hoarded|collected|ready|lined\s+up)\b"),
            P(r"\benough\s+(?:pills|tablets|meds|painkillers|sleeping\s+pills)\b"),
            P(r"\b(?:tied|made)\s+a\s+noose\b"),
            P(r"\b(?:rope|noose)\s+(?:is\s+)?(?:ready|tied|up)\b"),
            P(r"\b(?:bought|buy|got|have|own|loaded|holding)\s+(?:a|my|the|some)\s+(?:gun|pistol|rifle|shotgun|rope|noose|razor\s?blades?|blades?|charcoal)\b", contextual=True),
            P(r"\b(?:standing|sitting|i'?m)\s+(?:on|at)\s+(?:the\s+)?(?:edge\s+of\s+(?:the\s+)?)?(?:a\s+)?(?:bridge|roof|ledge|cliff|balcony|tracks|railway)\b", contextual=True),
            P(r"\b(?:pills|tablets|gun|knife|razor|blade|rope)\s+(?:in\s+(?:my|front\s+of\s+me)|right\s+here|next\s+to\s+me)\b", contextual=True),
        ],
        "timeline": [
            P(r"\b(?:tonight|today|tomorrow|this\s+(?:weekend|week|evening|morning|afternoon)|right\s+now|very\s+soon|in\s+(?:an|a\s+few|\d+)\s+(?:hours?|minutes?|days?)|before\s+(?:the\s+)?(?:morning|weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday|christmas|my\s+birthday)|on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|when\s+(?:everyone|they)\s+(?:is\s+|are\s+|'s\s+)?(?:asleep|gone|at\s+work))\b", contextual=True),
        ],
        "farewell": [
            P(r"\b(?:this\s+is|consider\s+this)\s+(?:my\s+)?(?:final\s+|last\s+)?goodbye\b"),
            P(r"\bgoodbye\s+(?:forever|cruel\s+world)\b"),
            P(r"\b(?:goodbye|bye)\s+(?:everyone|world|all)\b", contextual=True),
            P(r"\b(?:my|a)\s+(?:last|final)\s+(?:message|goodbye|words|post|letter|note)\b"),
            P(r"\bby\s+the\s+time\s+(?:you|anyone|someone)\s+(?:read|reads|see|sees|find|finds)\s+this\b"),
            P(r"\b(?:won'?t|will\s+not|wo\s+n't)\s+be\s+(?:around|here|alive)\s+(?:much\s+longer|any\s?more|tomorrow|for\s+long|after\s+tonight)\b"),
            P(r"\bsuicide\s+(?:note|letter)\b"),
            P(r"\b(?:wrote|written|writing|left|leave)\s+(?:a|my)\s+(?:goodbye\s+)?(?:note|letter|letters)\b", contextual=True),
            P(r"\bgiv(?:e|ing|en)\s+away\s+(?:all\s+)?(?:of\s+)?my\s+(?:stuff|things|belongings|possessions|pets?|cat|dog)\b", 0.45),
            P(r"\b(?:take|look)\s+care\s+of\s+(?:my\s+\w+|them|him|her)\s+(?:for\s+me\s+)?(?:when|after)\s+i'?m\s+gone\b"),
            P(r"\bwhen\s+i'?m\s+(?:gone|dead|no\s+longer\s+here|not\s+here\s+any\s?more)\b"),
            P(r"\b(?:won'?t|will\s+not)\s+be\s+a\s+burden\s+(?:much\s+longer|any\s?more|for\s+long)\b"),
            P(r"\b(?:thank\s+you|thanks)\s+for\s+everything\b", contextual=True),
            P(r"\btell\s+(?:my\s+\w+|them|everyone|her|him)\s+(?:that\s+)?i\s+(?:love|loved)\b", contextual=True),
        ],
        "self_harm": [
            P(r"\b(?:cut|cutting|burn|burning|burned|burnt|hurt|hurting|harm|harming|scratch|scratching|hit|hitting|punish|punishing|carve|carving|starve|starving|bruise)\s+my\s?self\b" + _EN_ACCIDENT),
            P(r"\b(?:i|i'?ve|i'?m|my|me)\b[^.!?\n]{0,30}\bself[\s-]?harm\w*"),
            P(r"\bself[\s-]?harm\w*\s+(?:again|urges?|relapse|scars?)\b"),
            P(r"\b(?:cutting|burning)\s+(?:again|my\s+(?:arms?|legs?|wrists?|thighs?|skin|stomach))\b"),
            P(r"\bmy\s+(?:arms?|wrists?|thighs?|legs?)\s+(?:are\s+)?(?:covered\s+in|full\s+of)\s+(?:cuts|scars|burns)\b"),
            P(r"\b(?:urge|urges|want|wanting)\s+to\s+(?:cut|hurt\s+my\s?self|harm\s+my\s?self|self[\s-]?harm)\b"),
            P(r"\brelapsed?\b", contextual=True),
        ],
        "harm_to_others": [
            P(r"\b(?:going\s+to|gonna|want\s+to|wanna|will|i'?ll|planning\s+to|plan\s+to|about\s+to|ready\s+to|i'?m\s+going\s+to)\s+(?:kill|murder|shoot|stab|strangle|hurt|beat\s+up|poison)\s+(?:him|her|them|you|everyone|everybody|somebody|someone|people|all\s+of\s+(?:them|you)|my\s+(?:boss|wife|husband|step\s?(?:dad|mom|mum|father|mother|brother|sister)|uncle|aunt|grandpa|grandma|ex-?\w*|girlfriend|boyfriend|ex|dad|father|mom|mum|mother|brother|sister|son|daughter|family|neighbou?r|teacher|coworker|co-worker|colleague|roommate|kids?|children|baby|parents?|partner|friend|classmates?)|(?:the|that|those|these)\s+(?:guy|teacher|boss|kids?|students|people|neighbou?rs?|bastards?|bitch|man|woman|girl|family))\b"),
            P(r"\b(?:going\s+to|gonna|want\s+to|wanna|will|i'?ll|planning\s+to|plan\s+to|about\s+to|ready\s+to)\s+(?:stab|shoot|strangle|murder|poison|choke)\s+(?:my|his|her|their|that|this|the)\s+\w+"),
            P(r"\b(?:shoot|bomb|blow\s+up|attack|shoot\s+up)\s+(?:up\s+)?(?:the|my|a|our)\s+(?:school|office|workplace|class|classroom|mall|church|mosque|synagogue|temple|concert|campus|work)\b"),
            P(r"\bbring(?:ing)?\s+(?:a|my)\s+(?:gun|knife|weapon|rifle|bomb)\s+to\s+(?:school|work|class|the\s+office|campus)\b"),
            P(r"\bhomicidal\b"),
            P(r"\b(?:make|making)\s+(?:them|him|her|everyone)\s+(?:all\s+)?pay\s+with\s+(?:their|his|her)\s+(?:lives?|blood)\b"),
        ],
    },
    "es": {
        "active_ideation": [
            P(r"\b(?:me\s+)?quiero\s+(?:morir(?:me)?|matar(?:me)?|suicidar(?:me)?)\b"),
            P(r"\b(?:voy\s+a|pienso|quiero|deseo|necesito|estoy\s+pensando\s+en|he\s+pensado\s+en|pienso\s+en)\s+(?:matarme|suicidarme|quitarme\s+la\s+vida|acabar\s+con\s+(?:todo|mi\s+vida)|terminar\s+con\s+(?:todo|mi\s+vida))\b"),
            P(r"\bme\s+voy\s+a\s+(?:matar|suicidar|quitar\s+la\s+vida)\b"),
            P(r"\b(?:matarme|suicidarme|quitarme\s+la\s+vida)\b"),
            P(r"\bacabar\s+con\s+mi\s+vida\b"),
            P(r"\bmorirme\b"),
            P(r"\bme\s+(?:quiero|voy\s+a|gustaria|quisiera)\s+(?:matar|suicidar|morir)\b"),
            P(r"\b(?:ganas|deseos)\s+de\s+(?:morir(?:me)?|matarme|suicidarme|desaparecer|no\s+existir)\b"),
            P(r"\b(?:me\s+suicido|acabo\s+con\s+(?:todo|mi\s+vida)|me\s+quito\s+la\s+vida)\b"),
            P(r"\bme\s+mato\b(?!\s+(?:trabajando|estudiando|a\s+trabajar|de\s+risa|por\b))", 0.6),
            P(r"\b(?:yo|me|mi|estoy|tengo|pienso|quiero|siento)\b[^.!?\n]{0,40}" + _SUICID, 0.5),
            P(r"\b(?:pensamientos|ideas|ideacion)\s+suicidas?\b"),
            P(r"\b(?:soy|estoy|me\s+siento)\s+(?:muy\s+)?suicida\b"),
            P(r"\bpensando\s+en\s+(?:el\s+)?suicidio\b"),
            P(r"\b(?:me\s+)?(?:tiro|voy\s+a\s+tirar(?:me)?|tirarme)\s+(?:de|desde|por|del|al|a)\s+(?:un\s+|una\s+|el\s+|la\s+|las\s+)?(?:puente|edificio|balcon|ventana|azotea|acantilado|tejado|vias|tren|metro)\b"),
        ],
        "passive_ideation": [
            P(r"\bno\s+quiero\s+(?:seguir\s+)?(?:vivir|viviendo|existir|despertar(?:me)?|estar\s+viv[oa])\b"),
            P(r"\bya\s+no\s+quiero\s+(?:seguir|estar\s+aqui|vivir)\b"),
            P(r"\bno\s+(?:tiene|le\s+veo|encuentro)\s+sentido\s+(?:a\s+)?(?:vivir|seguir|la\s+vida|mi\s+vida)\b"),
            P(r"\b(?:la\s+vida|mi\s+vida)\s+no\s+(?:tiene\s+sentido|vale\s+la\s+pena)\b"),
            P(r"\b(?:estarian|estaria|estarias|estariais)\s+mejor\s+sin\s+mi\b"),
            P(r"\bojala\s+(?:estuviera\s+muert[oa]|no\s+despertar(?:a)?|no\s+haber\s+nacido|me\s+muriera|desaparecer|no\s+existir)\b"),
            P(r"\bquisiera\s+(?:morir(?:me)?|desaparecer\s+para\s+siempre|no\s+existir|no\s+despertar|estar\s+muert[oa])\b"),
            P(r"\bcansad[oa]\s+de\s+vivir\b"),
            P(r"\bno\s+hay\s+(?:razon|motivo)\s+para\s+(?:vivir|seguir)\b"),
            P(r"\bnadie\s+me\s+(?:extranaria|echaria\s+de\s+menos)\b"),
            P(r"\b(?:quiero|quisiera)\s+desaparecer(?:\s+para\s+siempre)?\b", 0.45),
            P(r"\bsoy\s+una\s+carga\s+para\s+(?:todos|mi\s+familia)\b", 0.45),
            P(r"\bya\s+no\s+(?:puedo|aguanto)\s+mas\b", 0.3),
            P(r"\bno\s+puedo\s+seguir\s+(?:asi|viviendo)\b"),
        ],
        "plan": [
            P(r"\b(?:ya\s+)?tengo\s+un\s+plan\b", contextual=True),
            P(r"\b(?:ya\s+)?(?:lo\s+)?tengo\s+(?:todo\s+)?(?:planeado|decidido|pensado)\b", contextual=True),
            P(r"\bya\s+(?:lo\s+)?(?:he\s+)?decid(?:i|ido)\b", contextual=True),
            P(r"\bcomo\s+(?:matarme|suicidarme|quitarme\s+la\s+vida)\b"),
            P(r"\bcuantas\s+(?:pastillas|pildoras)\s+(?:\w+\s+){0,3}(?:morir|matar|mortal|sobredosis)\b", 0.8),
            P(r"\b(?:forma|manera)\s+(?:mas\s+)?(?:facil|rapida|indolora)\s+de\s+(?:morir|matarme|suicidarme)\b", 0.8),
        ],
        "means": [
            P(r"\b(?:guardo|junte|he\s+juntado|he\s+guardado|guarde|estoy\s+juntando|acumule|acumulando|escondo|escondi)\s+(?:\w+\s+){0,2}(?:pastillas|pildoras|medicamentos|calmantes)\b"),
            P(r"\b(?:tengo|aqui\s+tengo)\s+(?:\w+\s+){0,2}(?:pastillas|pildoras|medicamentos|calmantes)\b", contextual=True),
            P(r"\b(?:suficientes|muchas)\s+(?:pastillas|pildoras)\b", contextual=True),
            P(r"\b(?:compre|tengo)\s+(?:una|un)\s+(?:cuerda|pistola|arma|soga)\b", contextual=True),
            P(r"\bestoy\s+en\s+(?:el|la)\s+(?:puente|azotea|tejado|cornisa|vias)\b", contextual=True),
        ],
        "timeline": [
            P(r"\b(?:esta\s+noche|hoy|manana|este\s+fin\s+de\s+semana|ahora\s+mismo|muy\s+pronto|en\s+unas\s+horas|antes\s+del\s+(?:lunes|viernes|fin\s+de\s+semana))\b", contextual=True),
        ],
        "farewell": [
            P(r"\badios\s+(?:a\s+todos|para\s+siempre|mundo)\b"),
            P(r"\bcuando\s+(?:lean|leas|leais)\s+esto\b"),
            P(r"\bya\s+no\s+estare\s+(?:aqui|mas|con\s+ustedes|con\s+vosotros)\b"),
            P(r"\bcartas?\s+de\s+despedida\b"),
            P(r"\bmi\s+(?:ultimo|ultima)\s+(?:mensaje|despedida|carta)\b"),
            P(r"\bcuando\s+ya\s+no\s+este\b"),
            P(r"\bcuid(?:a|en|ad)\s+(?:a\s+)?mis?\s+\w+\s+(?:por\s+mi|cuando\s+no\s+este)\b"),
            P(r"\b(?:gracias|perdon)\s+por\s+todo\b", contextual=True),
            P(r"\besta\s+es\s+mi\s+despedida\b"),
        ],
        "self_harm": [
            P(r"\bme\s+(?:corto|corte|cortaba|lastimo|lastime|quemo|queme|hago\s+dano|hice\s+dano|autolesiono)\b" + _CUT_NOT_HARM),
            P(r"\b(?:cortarme|lastimarme|hacerme\s+dano|autolesion\w*|autolesionarme)\b(?!\s+(?:el\s+(?:pelo|cabello|flequillo)|las\s+unas|la\s+barba)\b)"),
        ],
        "harm_to_others": [
            P(r"\b(?:voy\s+a|quiero|pienso|tengo\s+ganas\s+de)\s+(?:matar|lastimar|herir|disparar|apunalar)(?:le|la|lo|les|los|las)?\s+(?:a\s+)?(?:mi|mis|todos|alguien|ese|esa|el|la|ellos|mi\s+\w+)\b"),
            P(r"\b(?:lo|la|los|las|te)\s+voy\s+a\s+matar\b"),
            P(r"\b(?:voy\s+a|quiero)\s+(?:matarlo|matarla|matarlos|matarte|matarlas)\b"),
        ],
    },
    "pt": {
        "active_ideation": [
            P(r"\b(?:quero|vou|penso\s+em|pensando\s+em|preciso|desejo)\s+(?:morrer|me\s+matar|matar-me|me\s+suicidar|suicidar-me|acabar\s+com\s+(?:tudo|a\s+minha\s+vida|minha\s+vida)|tirar\s+(?:a\s+)?minha\s+(?:propria\s+)?vida)\b"),
            P(r"\b(?:me\s+matar|matar-me|me\s+suicidar|suicidar-me)\b"),
            P(r"\btirar\s+(?:a\s+)?minha\s+(?:propria\s+)?vida\b"),
            P(r"\b(?:vontade|desejo)\s+de\s+(?:morrer|me\s+matar|sumir|desaparecer|nao\s+existir)\b"),
            P(r"\b(?:pensamentos|ideias|ideacao)\s+suicidas?\b"),
            P(r"\b(?:sou|estou|me\s+sinto|to|tou)\s+(?:muito\s+)?suicida\b"),
            P(r"\bpensando\s+em\s+suicidio\b"),
            P(r"\b(?:vou\s+me\s+jogar|me\s+jogar)\s+(?:de|da|do|na|no)\s+(?:uma\s+|um\s+)?(?:ponte|predio|janela|sacada|trem|linha)\b"),
        ],
        "passive_ideation": [
            P(r"\bnao\s+(?:quero|aguento)\s+mais\s+viver\b"),
            P(r"\bnao\s+quero\s+(?:mais\s+)?(?:viver|existir|acordar|estar\s+viv[oa])\b"),
            P(r"\b(?:estariam|estaria|ficariam|ficaria)\s+melhor(?:es)?\s+sem\s+mim\b"),
            P(r"\b(?:queria|quisera|gostaria\s+de)\s+(?:morrer|sumir\s+para\s+sempre|desaparecer\s+para\s+sempre|nao\s+existir|estar\s+mort[oa]|nao\s+acordar|nunca\s+ter\s+nascido|nao\s+ter\s+nascido)\b"),
            P(r"\bcansad[oa]\s+de\s+viver\b"),
            P(r"\b(?:dormir\s+e\s+)?nao\s+acordar\s+(?:mais|nunca\s+mais)\b"),
            P(r"\b(?:sem|nao\s+tenho|nao\s+ha|nao\s+vejo|nao\s+encontro)\s+(?:nenhum\s+|nenhuma\s+)?(?:razao|motivo|motivos|sentido)\s+(?:para|pra|em)\s+viver\b"),
            P(r"\b(?:me\s+mato|acabo\s+com\s+(?:tudo|a\s+minha\s+vida|minha\s+vida))\b(?!\s+(?:de\s+trabalhar|trabalhando|estudando))", 0.6),
            P(r"\b(?:eu|me|minha|meu|estou|tenho|penso|quero|sinto)\b[^.!?\n]{0,40}" + _SUICID, 0.5),
            P(r"\b(?:a\s+)?(?:minha\s+)?vida\s+nao\s+(?:vale\s+(?:mais\s+)?a\s+pena|faz\s+(?:mais\s+)?sentido|tem\s+(?:mais\s+)?(?:nenhum\s+)?sentido)\b"),
            P(r"\bninguem\s+(?:sentiria|vai\s+sentir)\s+(?:a\s+)?minha\s+falta\b"),
            P(r"\bsou\s+um\s+(?:peso|fardo)\s+(?:para|pra)\s+(?:todos|todo\s+mundo|minha\s+familia)\b", 0.45),
            P(r"\bnao\s+aguento\s+mais\b", 0.3),
            P(r"\bnao\s+consigo\s+mais\s+(?:continuar|seguir|viver)\b"),
        ],
        "plan": [
            P(r"\bja\s+(?:tenho|fiz)\s+(?:um\s+)?plano\b", contextual=True),
            P(r"\b(?:ja\s+)?(?:esta\s+|ta\s+)?(?:tudo\s+)?(?:planejado|decidido)\b", contextual=True),
            P(r"\bja\s+decidi\b", contextual=True),
            P(r"\bcomo\s+(?:me\s+matar|me\s+suicidar|tirar\s+minha\s+vida)\b"),
            P(r"\bquant[oa]s\s+(?:comprimidos|remedios|pilulas)\s+(?:\w+\s+){0,3}(?:morrer|matar|overdose|letal)\b", 0.8),
        ],
        "means": [
            P(r"\b(?:guardei|juntei|estou\s+juntando|to\s+juntando|acumulei|escondi|guardando|juntando)\s+(?:\w+\s+){0,2}(?:comprimidos|remedios|pilulas|calmantes)\b"),
            P(r"\b(?:tenho|aqui\s+tenho)\s+(?:\w+\s+){0,2}(?:comprimidos|remedios|pilulas|calmantes)\b", contextual=True),
            P(r"\b(?:comprei|tenho)\s+(?:uma|um)\s+(?:corda|arma|revolver|pistola)\b", contextual=True),
            P(r"\bestou\s+(?:na|no|em\s+cima\s+d[ao])\s+(?:ponte|telhado|predio|beirada)\b", contextual=True),
        ],
        "timeline": [
            P(r"\b(?:hoje\s+a\s+noite|esta\s+noite|essa\s+noite|hoje|amanha|neste\s+fim\s+de\s+semana|agora\s+mesmo|daqui\s+a\s+pouco|em\s+breve)\b", contextual=True),
        ],
        "farewell": [
            P(r"\badeus\s+(?:a\s+todos|pra\s+sempre|para\s+sempre|mundo)\b"),
            P(r"\bquando\s+(?:voces\s+|voce\s+)?(?:lerem|ler)\s+(?:isso|isto)\b"),
            P(r"\b(?:minha|a)\s+(?:ultima\s+mensagem|carta\s+de\s+despedida)\b"),
            P(r"\bcartas?\s+de\s+despedida\b"),
            P(r"\bnao\s+vou\s+(?:mais\s+)?estar\s+(?:mais\s+)?aqui\b"),
            P(r"\bcuidem\s+(?:bem\s+)?d[oa]s?\s+(?:minha|meu|meus|minhas)\s+\w+\s+(?:por\s+mim|quando\s+eu)\b"),
            P(r"\b(?:obrigad[oa]|desculpa)\s+por\s+tudo\b", contextual=True),
            P(r"\bquando\s+eu\s+(?:nao\s+estiver\s+mais|partir|me\s+for)\b"),
        ],
        "self_harm": [
            P(r"\b(?:me\s+corto|me\s+cortei|me\s+cortar|me\s+cortando|me\s+machuc\w+|me\s+ferir|me\s+queim\w+|me\s+mutil\w+|automutil\w+|autolesao|autolesoes|autoflagel\w+)\b" + _CUT_NOT_HARM),
        ],
        "harm_to_others": [
            P(r"\b(?:vou|quero)\s+(?:matar|machucar|esfaquear|atirar\s+em)\s+(?:ele|ela|eles|elas|voce|alguem|todo\s+mundo|todos|meu|minha|o|a|esse|essa)\b"),
            P(r"\b(?:vou|quero)\s+(?:mata-lo|mata-la|mata-los)\b"),
        ],
    },
    "fr": {
        "active_ideation": [
            P(r"\b(?:veux|voudrais|vais|compte|pense\s+a|envie\s+de|besoin\s+de)\s+(?:mourir|me\s+tuer|me\s+suicider|en\s+finir(?!\s+avec\s+(?!la\s+vie|tout|moi))|mettre\s+fin\s+a\s+(?:mes\s+jours|ma\s+vie)|crever)\b"),
            P(r"\bme\s+(?:tuer|suicider|foutre\s+en\s+l'air)\b"),
            P(r"\bmettre\s+fin\s+a\s+(?:mes\s+jours|ma\s+vie)\b"),
            P(r"\bje\s+(?:me\s+suicide|vais\s+me\s+foutre\s+en\s+l'air)\b"),
            P(r"\bje\s+me\s+tue\b(?!\s+(?:a|au|aux)\b)", 0.6),
            P(r"\b(?:je|j'|me|moi|mon|ma)\b[^.!?\n]{0,40}" + _SUICID, 0.5),
            P(r"\ben\s+finir\b(?!\s+avec\s+(?!la\s+vie|tout))(?!\s+(?:avec\s+)?(?:ce|cette|ces|le|la|les)\s+(?!vie))"),
            P(r"\bidees?\s+(?:noires|suicidaires)\b"),
            P(r"\b(?:suis|me\s+sens|sens)\s+(?:(?!pas\b|plus\b|jamais\b)\w+\s+)?suicidaire\b"),
            P(r"\bpense\s+(?:au|a\s+me)\s+(?:suicide|tuer)\b"),
            P(r"\bme\s+jeter\s+(?:du|d'un|d'une|sous|par)\s+(?:\w+\s+)?(?:pont|immeuble|train|fenetre|balcon|toit|metro)\b"),
        ],
        "passive_ideation": [
            P(r"\bje\s+ne\s+veux\s+plus\s+(?:vivre|exister|me\s+reveiller|etre\s+la)\b"),
            P(r"\b(?:veux|voulais)\s+plus\s+vivre\b"),
            P(r"\b(?:ils|elles|tout\s+le\s+monde|vous|ma\s+famille)\s+(?:seraient|serait|serez|seriez)\s+mieux\s+sans\s+moi\b"),
            P(r"\bmieux\s+sans\s+moi\b"),
            P(r"\b(?:plus\s+)?(?:aucune|pas\s+de)\s+raison\s+de\s+vivre\b"),
            P(r"\bla\s+vie\s+n'?a\s+(?:plus\s+)?(?:aucun\s+)?sens\b"),
            P(r"\b(?:j'?aimerais|je\s+voudrais|je\s+souhaite)\s+(?:ne\s+pas\s+me\s+reveiller|mourir|disparaitre\s+pour\s+toujours|ne\s+plus\s+exister|etre\s+mort[e]?|ne\s+jamais\s+etre\s+ne[e]?)\b"),
            P(r"\b(?:fatigue|fatiguee|las|lasse|marre)\s+de\s+(?:vivre|la\s+vie)\b"),
            P(r"\bpersonne\s+ne\s+(?:remarquerait|s'?en\s+rendrait\s+compte|me\s+regretterait)\b"),
            P(r"\bje\s+suis\s+un\s+fardeau\b", 0.45),
            P(r"\b(?:j'?|je\s+n'?)en\s+peux\s+plus\b", 0.3),
            P(r"\bje\s+ne\s+peux\s+plus\s+continuer\b"),
        ],
        "plan": [
            P(r"\bj'?ai\s+(?:un\s+plan|tout\s+prevu|tout\s+planifie|pris\s+ma\s+decision)\b", contextual=True),
            P(r"\bc'?est\s+decide\b", contextual=True),
            P(r"\bcomment\s+(?:me\s+tuer|me\s+suicider|mourir\s+sans\s+souffrir)\b"),
            P(r"\bcombien\s+de\s+(?:cachets|comprimes|medicaments|pilules|doliprane)\s+(?:\w+\s+){0,3}(?:mourir|tuer|mortel|overdose|dose\s+mortelle)\b", 0.8),
        ],
        "means": [
            P(r"\b(?:garde|stocke|accumule|amasse|economise|mis\s+de\s+cote|cache|collectionne)\s+(?:\w+\s+){0,2}(?:cachets|comprimes|medicaments|pilules|somniferes)\b"),
            P(r"\b(?:cachets|comprimes|medicaments|pilules|somniferes)\s+(?:de\s+cote|caches|stockes|prets)\b"),
            P(r"\b(?:achete|j'?ai)\s+(?:une|un)\s+(?:corde|arme|pistolet|fusil)\b", contextual=True),
            P(r"\bsuis\s+sur\s+(?:le|la)\s+(?:pont|toit|rebord|voie)\b", contextual=True),
        ],
        "timeline": [
            P(r"\b(?:ce\s+soir|cette\s+nuit|aujourd'?hui|demain|ce\s+week-?end|maintenant|tout\s+de\s+suite|bientot|dans\s+(?:quelques|\d+)\s+heures)\b", contextual=True),
        ],
        "farewell": [
            P(r"\badieu\s+(?:a\s+tous|tout\s+le\s+monde|pour\s+toujours|le\s+monde)\b"),
            P(r"\bquand\s+vous\s+lirez\s+(?:ceci|ce\s+message|ces\s+mots)\b"),
            P(r"\bmon\s+dernier\s+message\b"),
            P(r"\blettres?\s+d'?adieu\b"),
            P(r"\bje\s+ne\s+serai\s+plus\s+(?:la|parmi\s+vous)\b"),
            P(r"\bprenez\s+soin\s+de\s+\w+\s+\w+\s+pour\s+moi\b"),
            P(r"\bquand\s+je\s+(?:serai|ne\s+serai\s+plus)\s+(?:partie?|morte?|la)\b"),
            P(r"\bmerci\s+pour\s+tout\b", contextual=True),
        ],
        "self_harm": [
            P(r"\bje\s+me\s+(?:scarifie|mutile|coupe|fais\s+du\s+mal|brule|blesse|fais\s+mal)\b(?!\s+(?:les\s+(?:cheveux|ongles)|la\s+frange|en\s+cuisinant|au\s+doigt|par\s+accident|en\s+me\s+rasant)\b)"),
            P(r"\bme\s+(?:scarifier|mutiler|faire\s+du\s+mal)\b"),
            P(r"\b(?:automutilation|scarification|scarifications)\b"),
        ],
        "harm_to_others": [
            P(r"\bje\s+vais\s+(?:le|la|les|te|vous)\s+tuer\b"),
            P(r"\b(?:je\s+vais|je\s+veux|envie\s+de)\s+tuer\s+(?:mon|ma|mes|quelqu'?un|tout\s+le\s+monde|ce|cette|ces|les|mon\s+\w+)\b"),
            P(r"\btirer\s+sur\s+(?:tout\s+le\s+monde|les\s+gens)\b"),
        ],
    },
    "de": {
        "active_ideation": [
            P(r"\b(?:will|mochte|moechte|werde|wurde\s+gern)\s+(?:mich\s+)?(?:sterben|umbringen|tot\s+sein)\b"),
            P(r"\bich\s+bring(?:e)?\s+mich\s+(?:\w+\s+){0,3}um\b(?!\s*\d)(?!\s+\w+\s+uhr)"),
            P(r"\bmich\s+(?:umbringen|umzubringen|toten|erhangen|erschiessen|vor\s+den\s+zug\s+werfen)\b"),
            P(r"\bmir\s+das\s+leben\s+(?:zu\s+)?nehmen\b"),
            P(r"\b(?:selbstmord|suizid)\s+(?:begehen|machen|zu\s+begehen)\b"),
            P(r"\b(?:suizidgedanken|selbstmordgedanken|suizidal|suizidgefahrdet)\b"),
            P(r"\b(?:denke|dachte)\s+(?:\w+\s+)?(?:an|uber)\s+(?:selbstmord|suizid|den\s+tod)\b"),
            P(r"\bschluss\s+machen\b(?!\s+mit\s+(?:ihm|ihr|dir|meinem|meiner))", 0.5, contextual=True),
            P(r"\bmit\s+allem\s+schluss\s+machen\b"),
            P(r"\b(?:mache|mach)\s+ich\s+schluss\b", contextual=True),
            P(r"\b(?:ich|mich|mir|mein|meine)\b[^.!?\n]{0,40}" + _SUICID, 0.5),
        ],
        "passive_ideation": [
            P(r"\b(?:will|mochte|moechte)\s+nicht\s+mehr\s+(?:leben|aufwachen|da\s+sein|existieren|hier\s+sein|weiterleben)\b"),
            P(r"\bnicht\s+mehr\s+(?:leben|aufwachen|da\s+sein|existieren)\s+(?:will|mochte|moechte)\b"),
            P(r"\bich\s+will\s+(?:einfach\s+)?nicht\s+mehr\s*(?=[.!\n,]|$)"),
            P(r"\b(?:waren|waeren|ware)\s+(?:alle\s+|sie\s+alle\s+)?(?:besser\s+dran|glucklicher)\s+ohne\s+mich\b"),
            P(r"\bbesser\s+dran\s+ohne\s+mich\b"),
            P(r"\bohne\s+mich\s+(?:waren|waeren|ware)\s+(?:alle|sie|ihr)\s+(?:besser\s+dran|glucklicher)\b"),
            P(r"\bkein(?:en)?\s+(?:sinn|grund)\s+(?:mehr\s+)?(?:zu\s+leben|im\s+leben|weiterzuleben|mehr\s+zu\s+leben)\b"),
            P(r"\b(?:mein|das)\s+leben\s+hat\s+(?:\w+\s+)?keinen\s+sinn(?:\s+mehr)?\b"),
            P(r"\b(?:wunschte|wunsche|wuenschte)(?:\s+mir)?\s*,?\s*(?:ich\s+)?(?:ware|waere)\s+(?:tot|nie\s+geboren|nicht\s+mehr\s+da)\b"),
            P(r"\b(?:wunschte|wunsche)\s+(?:mir\s+)?(?:,\s*)?(?:nicht\s+mehr\s+aufzuwachen|tot\s+zu\s+sein|einzuschlafen\s+und)\b"),
            P(r"\blebensmude\b"),
            P(r"\bich\s+(?:ware|waere)\s+(?:lieber\s+)?tot\b"),
            P(r"\bniemand\s+wurde\s+mich\s+vermissen\b"),
            P(r"\bich\s+bin\s+(?:nur\s+)?(?:eine\s+)?last\s+fur\s+(?:alle|meine\s+familie)\b", 0.45),
            P(r"\bich\s+kann\s+nicht\s+mehr\b", 0.3),
        ],
        "plan": [
            P(r"\bich\s+habe\s+(?:einen\s+plan|alles\s+geplant|mich\s+entschieden|es\s+beschlossen)\b", contextual=True),
            P(r"\bwie\s+viele\s+(?:tabletten|pillen)\s+(?:\w+\s+){0,3}(?:todlich|sterben|toten|uberdosis)\b", 0.8),
            P(r"\bwie\s+(?:bringe|bring)\s+ich\s+mich\s+um\b"),
        ],
        "means": [
            P(r"\b(?:tabletten|pillen|medikamente|schlaftabletten)\s+(?:gesammelt|gehortet|gespart|zur\s+seite\s+gelegt|gebunkert|bereit)\b"),
            P(r"\b(?:gesammelt\w*|gehortet\w*|gebunkert\w*|sammle|horte)\s+(?:\w+\s+){0,2}(?:tabletten|pillen|medikamente|schlaftabletten)\b"),
            P(r"\b(?:ein\s+seil|eine\s+waffe|eine\s+pistole)\s+(?:gekauft|besorgt)\b", contextual=True),
            P(r"\b(?:tabletten|pillen|medikamente|das\s+seil|die\s+waffe)\s+(?:liegen|sind|ist|liegt)\s+(?:schon\s+)?(?:bereit|hier|neben\s+mir)\b", contextual=True),
            P(r"\bstehe\s+auf\s+(?:der|dem)\s+(?:brucke|dach|gleisen)\b", contextual=True),
        ],
        "timeline": [
            P(r"\b(?:heute\s+nacht|heute\s+abend|heute|morgen|dieses\s+wochenende|jetzt\s+gleich|gleich|bald|in\s+(?:ein\s+paar|\d+)\s+stunden)\b", contextual=True),
        ],
        "farewell": [
            P(r"\bleb(?:t|e)\s+wohl\b"),
            P(r"\babschiedsbrief\w*"),
            P(r"\bwenn\s+ihr\s+(?:das|dies)\s+lest\b"),
            P(r"\bmeine\s+letzte\s+nachricht\b"),
            P(r"\bich\s+werde\s+nicht\s+mehr\s+(?:da|hier)\s+sein\b"),
            P(r"\bkummert\s+euch\s+um\s+\w+\s+\w+\s+(?:fur\s+mich|wenn\s+ich)\b"),
            P(r"\bwenn\s+ich\s+(?:nicht\s+mehr\s+da\s+bin|tot\s+bin|weg\s+bin)\b"),
            P(r"\bdanke\s+fur\s+alles\b", contextual=True),
        ],
        "self_harm": [
            P(r"\bich\s+(?:ritze|verletze|schneide|verbrenne)\s+mich\b(?!\s+(?:beim|am|an|in\s+den\s+finger))"),
            P(r"\b(?:ritzen|selbstverletzung|selbstverletzendes|mich\s+selbst\s+verletzen|mich\s+verletzen|mich\s+ritzen|mich\s+zu\s+ritzen|mich\s+geritzt)\b"),
        ],
        "harm_to_others": [
            P(r"\bich\s+(?:bringe|bring|werde)\s+(?:ihn|sie|dich|euch|alle|jemanden)\s+(?:um|umbringen|toten)\b"),
            P(r"\bich\s+(?:will|werde|mochte)\s+(?:ihn|sie|dich|jemanden|alle|meinen\s+\w+|meine\s+\w+)\s+(?:umbringen|toten|verletzen|erschiessen|abstechen)\b"),
        ],
    },
    "it": {
        "active_ideation": [
            P(r"\b(?:voglio|vorrei|vado\s+a|sto\s+pensando\s+di|penso\s+di|devo)\s+(?:morire|uccidermi|suicidarmi|ammazzarmi|farla\s+finita(?!\s+con\s+(?!la\s+vita|tutto))|togliermi\s+la\s+vita|farmi\s+fuori)\b"),
            P(r"\b(?:uccidermi|suicidarmi|ammazzarmi|togliermi\s+la\s+vita|farla\s+finita(?!\s+con\s+(?!la\s+vita|tutto))|la\s+faccio\s+finita(?!\s+con\s+(?!la\s+vita|tutto))|mi\s+uccido|mi\s+ammazzo|mi\s+suicido)\b"),
            P(r"\bpensieri\s+(?:suicidi|di\s+morte)\b"),
            P(r"\b(?:sono|mi\s+sento)\s+(?:\w+\s+)?suicida\b"),
            P(r"\bpenso\s+al\s+suicidio\b"),
            P(r"\bmi\s+(?:voglio|vorrei|devo|vado\s+a)\s+(?:uccidere|ammazzare|suicidare|buttare)\b"),
            P(r"\b(?:voglia|desiderio)\s+di\s+(?:morire|uccidermi|ammazzarmi|sparire|farla\s+finita(?!\s+con\s+(?!la\s+vita|tutto)))\b"),
            P(r"\b(?:io|mi|mio|mia|sono|penso|voglio)\b[^.!?\n]{0,40}" + _SUICID, 0.5),
            P(r"\bbuttarmi\s+(?:giu\s+)?(?:da|dal|dalla|sotto)\s+(?:un|una|il|la)?\s*(?:ponte|palazzo|treno|finestra|balcone)\b"),
        ],
        "passive_ideation": [
            P(r"\bnon\s+voglio\s+(?:piu\s+)?(?:vivere|esistere|svegliarmi)\b"),
            P(r"\bstarebbero\s+(?:tutti\s+)?meglio\s+senza\s+di\s+me\b"),
            P(r"\bmeglio\s+senza\s+di\s+me\b"),
            P(r"\b(?:nessun|nessuna|non\s+ho\s+(?:nessun|piu\s+(?:un|una|nessun)))\s+(?:motivo|ragione)\s+per\s+vivere\b"),
            P(r"\bla\s+(?:mia\s+)?vita\s+non\s+ha\s+(?:piu\s+)?senso\b"),
            P(r"\bvorrei\s+(?:essere\s+mort[oa]|non\s+svegliarmi|sparire\s+per\s+sempre|non\s+esistere|non\s+essere\s+mai\s+nat[oa]|morire)\b"),
            P(r"\bstanc[oa]\s+di\s+vivere\b"),
            P(r"\bnessuno\s+sentirebbe\s+la\s+mia\s+mancanza\b"),
            P(r"\bsono\s+un\s+peso\s+per\s+(?:tutti|la\s+mia\s+famiglia)\b", 0.45),
            P(r"\bnon\s+ce\s+la\s+faccio\s+piu\b", 0.3),
        ],
        "plan": [
            P(r"\bho\s+(?:un\s+piano|deciso|gia\s+deciso|pianificato\s+tutto)\b", contextual=True),
            P(r"\bcome\s+(?:uccidermi|suicidarmi|ammazzarmi)\b"),
            P(r"\bquante\s+(?:pillole|pastiglie|compresse)\s+(?:\w+\s+){0,3}(?:morire|uccidere|letali|overdose)\b", 0.8),
        ],
        "means": [
            P(r"\b(?:messo\s+da\s+parte|accumulato|conservato|raccolto|nascosto)\s+(?:\w+\s+){0,2}(?:pillole|pastiglie|farmaci|medicine|compresse|sonniferi)\b"),
            P(r"\bho\s+comprato\s+(?:una|un)\s+(?:corda|pistola|arma)\b", contextual=True),
            P(r"\bsono\s+sul\s+(?:ponte|tetto|cornicione)\b", contextual=True),
        ],
        "timeline": [
            P(r"\b(?:stanotte|stasera|oggi|domani|questo\s+fine\s+settimana|adesso|subito|presto|tra\s+(?:qualche|\d+)\s+ore)\b", contextual=True),
        ],
        "farewell": [
            P(r"\baddio\s+(?:a\s+tutti|per\s+sempre|mondo)\b"),
            P(r"\bquando\s+(?:leggerete|leggerai)\s+(?:questo|queste)\b"),
            P(r"\bil\s+mio\s+ultimo\s+messaggio\b"),
            P(r"\blette(?:ra|re)\s+d'?addio\b"),
            P(r"\bnon\s+ci\s+saro\s+piu\b"),
            P(r"\bquando\s+non\s+ci\s+saro\s+piu\b"),
            P(r"\bgrazie\s+di\s+tutto\b", contextual=True),
        ],
        "self_harm": [
            P(r"\bmi\s+(?:taglio|tagliavo|sono\s+tagliat[oa]|faccio\s+del\s+male|ferisco|brucio)\b(?!\s+(?:i\s+capelli|le\s+unghie|la\s+barba|la\s+frangia|cucinando|per\s+sbaglio|giocando|il\s+dito)\b)"),
            P(r"\b(?:tagliarmi|farmi\s+del\s+male|autolesionismo|autolesion\w*)\b"),
        ],
        "harm_to_others": [
            P(r"\b(?:lo|la|li|ti)\s+(?:ammazzo|uccido)\b"),
            P(r"\b(?:voglio|vado\s+a)\s+(?:uccidere|ammazzare)\s+(?:lui|lei|loro|tutti|qualcuno|mio|mia)\b"),
        ],
    },
}

# Idioms and jokes that look like crisis language. Masked before signal matching.
IDIOMS: dict[str, list[str]] = {
    "en": [
        r"\bto\s+die\s+for\b",
        r"\b(?:die|died|dying|dead)\s+(?:of|from|with)\s+(?:laughter|laughing|embarrassment|shame|boredom|cringe|cuteness|thirst|hunger|excitement|jealousy|envy)\b",
        r"\b(?:die|died|dying)\s+laughing\b",
        r"\b(?:dying|die)\s+to\s+(?:see|know|try|hear|meet|go|get|read|watch|eat|tell)\b",
        r"\bkill(?:ing|ed)?\s+it\b",
        r"\b(?:is|are|was|were|'s|'re)\s+killing\s+me\b",
        r"\bkill(?:s|ing)?\s+me\s+(?:lol|haha|😂|🤣)",
        r"\byou'?re\s+killing\s+me\b",
        r"\b(?:could|would)\s+(?:murder|kill)\s+(?:a|an|for\s+a|some)\b[^.!?\n]{0,25}",
        r"\bkill\s+for\s+(?:a|an|some)\b",
        r"\bkill(?:ing)?\s+(?:time|the\s+(?:lights|process|engine|music|mood|vibe|app|bug|task|job))\b",
        r"\b(?:bored|scared|sick|tired|worried|frozen)\s+to\s+death\b",
        r"\bdressed\s+to\s+kill\b",
        r"\bdrop[\s-]?dead\s+(?:gorgeous|beautiful)\b",
        r"\b(?:i'?m|im)\s+(?:literally\s+)?(?:dead|dying|deceased)\s*(?:😂|🤣|💀|lol|lmao|haha)",
        r"\bover\s+my\s+dead\s+body\b",
        r"\b(?:killer|deadline|dead\s?line)\b",
        r"\b(?:my\s+(?:mom|mum|dad|mother|father|wife|husband|boss|teacher|parents))\s+(?:is|are)\s+(?:going\s+to|gonna)\s+kill\s+me\b",
        r"\bdie\s+hard\b",
    ],
    "es": [
        r"\b(?:me\s+muero|morirme|me\s+morire|me\s+mori|morir|muero|muriendo)\s+de\s+(?:la\s+|el\s+)?(?:risa|ganas|hambre|sueno|calor|frio|verguenza|amor|envidia|aburrimiento|sed|pena|asco|celos|nervios|miedo|cansancio)\b",
        r"\bme\s+muero\s+por\s+(?:ver|saber|ir|probar|conocer|verte)\b",
        r"\bmuert[oa]s?\s+de\s+(?:risa|hambre|sueno|cansancio|calor|frio|miedo|verguenza)\b",
        r"\bme\s+mata(?:s|n)?\s+(?:de\s+risa|la\s+curiosidad)\b",
        r"\b(?:este|esta|el|la)\s+\w+\s+me\s+(?:esta\s+)?mata(?:ndo)?\b",
        r"\bde\s+muerte\b",
        r"\bmatar\s+el\s+tiempo\b",
        r"\bme\s+mato\s+(?:trabajando|estudiando|a\s+trabajar|de\s+risa)\b",
        r"\bmi\s+(?:madre|padre|mama|papa|jefe)\s+me\s+va\s+a\s+matar\b",
    ],
    "pt": [
        r"\bmorr(?:endo|i|o|er)\s+de\s+(?:rir|fome|sono|saudade|vontade|calor|frio|vergonha|medo|inveja|amor|tedio|cansaco|sede)\b",
        r"\b(?:to|tou|estou)\s+mort[oa]\s+de\s+\w+",
        r"\bmatar\s+(?:o\s+tempo|a\s+saudade|a\s+fome|a\s+sede|a\s+aula)\b",
        r"\b(?:esse|essa|este|esta)\s+\w+\s+(?:ta|esta)\s+me\s+matando\b",
        r"\bminha\s+(?:mae|mulher|chefe)\s+vai\s+me\s+matar\b|\bmeu\s+(?:pai|chefe|marido)\s+vai\s+me\s+matar\b",
    ],
    "fr": [
        r"\bmort[e]?s?\s+de\s+rire\b",
        r"\bmdr\b",
        r"\bje\s+meurs\s+de\s+(?:faim|soif|rire|envie|froid|chaud|fatigue|honte)\b",
        r"\bmourir\s+de\s+(?:rire|honte|faim|ennui)\b",
        r"\btuer\s+le\s+temps\b",
        r"\bje\s+me\s+tue\s+(?:a|au)\s+(?:la\s+tache|travail|te\s+le\s+dire|le\s+dire|vous\s+le\s+dire|repeter)\b",
        r"\b(?:ca|cela)\s+me\s+tue\b",
        r"\b(?:je\s+suis\s+)?mort[e]?\s+de\s+(?:fatigue|rire)\b",
        r"\bje\s+creve\s+de\s+(?:faim|chaud|froid|soif|envie)\b",
        r"\bcrever\s+de\s+(?:faim|chaud|froid|soif)\b",
        r"\ba\s+tomber\b",
        r"\bma\s+(?:mere|femme)\s+va\s+me\s+tuer\b|\bmon\s+(?:pere|patron|chef)\s+va\s+me\s+tuer\b",
    ],
    "de": [
        r"\bsterbe\s+(?:gleich\s+)?vor\s+(?:lachen|hunger|langeweile|durst|angst|neugier|hitze)\b",
        r"\btot\s*(?:gelacht|lachen)\b",
        r"\bzum\s+sterben\s+(?:schon|gut|langweilig|lecker)\b",
        r"\b(?:bringt|bringen)\s+mich\s+(?:noch\s+)?um\b",
        r"\bdie\s+zeit\s+tot(?:zu)?schlagen\b",
        r"\bmeine\s+(?:mutter|mama|chefin|frau)\s+bringt\s+mich\s+um\b|\bmein\s+(?:vater|papa|chef|mann)\s+bringt\s+mich\s+um\b",
    ],
    "it": [
        r"\bmorire\s+dal(?:le)?\s+(?:ridere|risate)\b",
        r"\bmuoio\s+dal(?:le)?\s+(?:ridere|risate|fame|sonno|caldo|freddo|noia)\b",
        r"\bmuoio\s+di\s+(?:fame|sonno|caldo|freddo|noia|sete|vergogna)\b",
        r"\bmort[oa]\s+dal\s+(?:ridere|sonno)\b",
        r"\bsto\s+morendo\s+di\s+(?:fame|caldo|sonno|noia|freddo|sete|risate)\b",
        r"\bammazzare\s+il\s+tempo\b",
        r"\bda\s+morire\b",
        r"\bmi\s+ammazza\b",
        r"\bmia\s+(?:madre|mamma)\s+mi\s+ammazza\b|\bmio\s+(?:padre|papa|capo)\s+mi\s+ammazza\b",
    ],
}

# Subjects: a match without a first-person word is attributed to the last subject word before it
# in its clause. Third-person (and fiction) subjects make the signal "third_person" (low weight).
FIRST_PERSON = {
    "en": r"\b(?:i|i'?m|im|i'?ve|ive|i'?ll|i'?d|me|my|myself|mine)\b",
    "es": r"\b(?:yo|me|mi|mis|conmigo|quiero|voy|tengo|estoy)\b",
    "pt": r"\b(?:eu|me|mim|meu|minha|comigo|quero|vou|estou|tenho)\b",
    "fr": r"\b(?:je|j'|me|m'|moi|mon|ma|mes|veux|vais)\b",
    "de": r"\b(?:ich|mich|mir|mein|meine|meinen|will)\b",
    "it": r"\b(?:io|mi|me|mio|mia|miei|voglio|vado|sono)\b",
}
THIRD_PERSON = {
    "en": r"\b(?:he|she|they|he'?s|she'?s|they'?re|someone|somebody|people|person|character|characters|protagonist|hero|heroine|villain|narrator|friend|brother|sister|mom|mum|dad|son|daughter|cousin|student|patient|client|guy|girl|kid|teen|teenager|man|woman|coworker|colleague|roommate|boyfriend|girlfriend|wife|husband|partner|neighbou?r)\b",
    "es": r"\b(?:ella|ellos|ellas|personaje|protagonista|amigo|amiga|hermano|hermana|madre|padre|hijo|hija|alguien|novio|novia|companero|companera)\b",
    "pt": r"\b(?:ele|ela|eles|elas|personagem|protagonista|amigo|amiga|irmao|irma|mae|pai|filho|filha|alguem|namorado|namorada)\b",
    "fr": r"\b(?:il|elle|ils|elles|personnage|heros|heroine|ami|amie|frere|soeur|mere|pere|fils|fille|quelqu'un|copain|copine)\b",
    "de": r"\b(?:er|sie|figur|charakter|held|heldin|freund|freundin|bruder|schwester|mutter|vater|sohn|tochter|jemand)\b",
    "it": r"\b(?:lui|lei|loro|personaggio|protagonista|amico|amica|fratello|sorella|madre|padre|figlio|figlia|qualcuno)\b",
}
# A negator right before a match ("I don't want to die", "no quiero matarme"). Romance languages
# allow at most one word in between so that "no puedo más quiero morirme" is not negated.
NEGATION_BEFORE = {
    "en": r"(?<!why\s)\b(?:don'?t|do\s+not|doesn'?t|never|won'?t|will\s+not|wouldn'?t|would\s+never|not|no\s+longer|didn'?t|did\s+not)\s+(?:\w+\s+){0,2}$",
    "es": r"\b(?:no|nunca|jamas)\s+(?:(?:estoy|estaba|tengo|tenia|pienso|pensaba|he|voy|iba|quiero|queria)\s+(?:\w+\s+){0,2}|(?:\w+\s+){0,1})$",
    "pt": r"\b(?:nao|nunca|jamais)\s+(?:(?:estou|to|tou|estava|tenho|tinha|penso|pensava|vou|ia|quero|queria)\s+(?:\w+\s+){0,2}|(?:\w+\s+){0,1})$",
    "fr": r"\b(?:pas|jamais|aucunement)\s+(?:\w+\s+){0,1}$",
    "de": r"\b(?:nicht|nie|niemals|keinesfalls)\s+(?:\w+\s+){0,1}$",
    "it": r"\b(?:non|mai)\s+(?:(?:sto|sono|ho|penso|voglio|vado)\s+(?:\w+\s+){0,2}|(?:\w+\s+){0,1})$",
}
# Past, resolved experience ("I used to want to die, therapy helped").
PAST_RESOLVED = {
    "en": r"\b(?:used\s+to|years\s+ago|back\s+then|when\s+i\s+was\s+(?:younger|a\s+(?:kid|teen|teenager|child)|in\s+(?:school|college|high\s+school))|in\s+the\s+past|a\s+long\s+time\s+ago|(?:i'?m|i\s+am|doing|feel|feeling)\s+(?:much\s+|a\s+lot\s+)?(?:better|fine|okay|ok|good)\s+now|no\s+longer\s+feel|recovered|in\s+recovery|survivor|clean\s+for|(?:years|months)\s+(?:clean|sober))\b",
    "es": r"\b(?:hace\s+(?:anos|mucho\s+tiempo)|cuando\s+era\s+(?:joven|nin[oa]|adolescente)|en\s+el\s+pasado|ahora\s+estoy\s+(?:mucho\s+)?mejor|ya\s+(?:lo\s+)?supere)\b",
    "pt": r"\b(?:(?:ha|faz)\s+(?:anos|muito\s+tempo)|quando\s+eu\s+era\s+(?:jovem|crianca|adolescente)|no\s+passado|agora\s+estou\s+(?:bem\s+)?melhor|ja\s+superei)\b",
    "fr": r"\b(?:il\s+y\s+a\s+(?:des\s+annees|longtemps)|quand\s+j'?etais\s+(?:jeune|ado|adolescente?|enfant)|dans\s+le\s+passe|je\s+vais\s+(?:beaucoup\s+)?mieux\s+maintenant)\b",
    "de": r"\b(?:vor\s+(?:jahren|langer\s+zeit)|als\s+ich\s+(?:jung|jugendlich|ein\s+kind|teenager)\s+war|fruher|fr\u00fcher|heute\s+geht\s+es\s+mir\s+(?:viel\s+)?besser)\b",
    "it": r"\b(?:anni\s+fa|tanto\s+tempo\s+fa|quando\s+ero\s+(?:giovane|ragazz[oa]|bambin[oa]|adolescente)|in\s+passato|ora\s+sto\s+(?:molto\s+)?meglio)\b",
}
# A past-tense verb inside a match (checked only when a PAST_RESOLVED marker is present).
PAST_VERB = r"\b(?:wanted|wished|tried|attempted|thought|was|were|had|used|quise|queria|intente|pense|quis|tentei|pensei|voulais|voulu|essaye|pense|wollte|versuchte|dachte|volevo|ho\s+tentato|pensavo)\b"
# Jokes / laughter markers: hyperbole, not intent (still reported at low weight).
HYPERBOLE = r"(?:\b(?:lol|lmao|lmfao|rofl|haha\w*|ahah\w*|hehe\w*|jaja\w*|jeje\w*|kkk+|rsrs\w*|mdr|ptdr|jk|just\s+kidding|xd)\b|😂|🤣|💀|😹)"
# "If I have to sit through one more meeting I'll kill myself": trivial conditional hyperbole.
TRIVIAL_CONDITIONAL = r"\bif\s+i\s+(?:have\s+to|hear|see|get|sit\s+through|watch|read)\s+(?:\w+\s+){0,4}(?:again|one\s+more|another)\b"

# --------------------------------------------------------------------------------------------------
# Structural patterns. The phrase lists above were written example by example and missed about
# half of a fresh held-out set (bench/data/crisis_heldout3.jsonl, first run: recall 0.55). These
# generalise by shape instead: a first-person desire/intent/decision verb, a few free words, then
# a death / self-harm object; a self-harm verb on a body part; a weapon that is loaded; a rope that
# is already bought or ready; giving belongings away; a jump from a height. Negators may not appear
# among the free words ("I don't really want to die" is left to the negation check).

# Up to N filler words that are not negators.
_EN_FILL = r"(?:(?!(?:not|never|don'?t|didn'?t|won'?t|wouldn'?t|no|nor)\b)[\w']+\s+)"
_ROMANCE_FILL = r"(?:(?!(?:no|nao|non|pas|jamais|jamas|nunca|mai|nicht|nie|kein\w*)\b)\w+\s+)"
_HEIGHTS = {
    "en": r"(?:bridge|building|roof|rooftop|garage|parking\s+(?:garage|deck|structure)|cliff|balcony|tower|ledge|overpass|window|skyscraper|top\s+floor|train|tracks)",
    "es": r"(?:puente|edificio|balcon|ventana|azotea|acantilado|tejado|vias|tren|metro|torre)",
    "pt": r"(?:ponte|predio|janela|sacada|varanda|telhado|penhasco|viaduto|trem|linha|torre|edificio)",
    "fr": r"(?:pont|immeuble|toit|falaise|balcon|fenetre|train|metro|tour|viaduc)",
    "de": r"(?:brucke|dach|hochhaus|zug|fenster|balkon|klippe|turm|gleise|parkhaus)",
    "it": r"(?:ponte|palazzo|tetto|finestra|balcone|treno|scogliera|torre|viadotto|cornicione)",
}

STRUCTURAL: dict[str, dict[str, list[Pattern]]] = {
    "en": {
        "active_ideation": [
            # "I've finally decided to end my life", "I'm honestly ready to die", "I really wanna kill myself"
            P(r"\bi(?:'?m|'?ve|'?d|'?ll)?\s+" + _EN_FILL + r"{0,3}(?:want|wanna|wish|need|plan(?:ning)?|intend(?:ing)?|decided|ready|tempted|longing|desperate|going|gonna|about)\s+(?:to\s+)?(?:just\s+|finally\s+|really\s+|simply\s+)?(?:kill\s+my\s?self|end\s+(?:my\s+(?:own\s+)?life|it\s+all)|take\s+my\s+(?:own\s+)?life|commit\s+suicide|overdose|hang\s+my\s?self)\b"),
            P(r"\bi(?:'?m|'?ve|'?d)?\s+" + _EN_FILL + r"{0,3}(?:want|wanna|wish|need|ready|tempted|longing|desperate)\s+(?:to\s+)?(?:just\s+|finally\s+|really\s+|simply\s+)?(?:die|be\s+dead)\b"),
            P(r"\b(?:want|wanna|going|gonna|plan(?:ning)?|ready|about|i'?ll|i\s+will|decided)\s+(?:to\s+)?jump\s+(?:off|from|in\s+front\s+of)\s+(?:\w+\s+){0,3}" + _HEIGHTS["en"] + r"\b"),
            P(r"\bi(?:'?d|\s+would)\s+(?:much\s+)?rather\s+(?:be\s+dead|die)\s+than\s+(?:keep|go\s+on|live|living|continue|feel|feeling|be\s+like|suffer|wake\s+up|spend\s+(?:another|one\s+more))\b"),
            P(r"\bi'?d\s+(?:much\s+)?rather\s+(?:be\s+dead|die)\b(?!\s+than)"),
        ],
        "passive_ideation": [
            P(r"\b(?:happier|better(?:\s+off)?)\s+(?:if|when)\s+i\s+(?:just\s+)?(?:disappeared|died|was\s+gone|were\s+gone|was\s+dead|were\s+dead|wasn'?t\s+(?:here|around|alive)|weren'?t\s+(?:here|around|alive)|was\s+never\s+born|killed\s+my\s?self)\b"),
            P(r"\b(?:think|thinking|dream|dreaming|fantasi[sz]e|fantasi[sz]ing|obsess(?:ing|ed)?)\s+(?:about|of)\s+(?:not\s+waking\s+up|never\s+waking\s+up|dying|being\s+dead|my\s+(?:own\s+)?death|killing\s+my\s?self|ending\s+it|my\s+funeral)\b"),
            P(r"\b(?:don'?t|do\s+not)\s+see\s+(?:any|a|the)\s+(?:reason|point)\s+(?:to|in|of|for)\s+(?:keep(?:ing)?\s+(?:going|on)|go(?:ing)?\s+on|liv(?:e|ing)|continu\w+|be(?:ing)?\s+alive|stay(?:ing)?\s+alive)\b"),
            P(r"\bno\s+(?:reason|point)\s+(?:\w+\s+){0,2}(?:to|in|of)\s+(?:keep(?:ing)?\s+going|go(?:ing)?\s+on|liv(?:e|ing)|continu\w+|be(?:ing)?\s+alive|stay(?:ing)?\s+alive)\b"),
            P(r"\bdisappear(?:ed|ing)?\s+(?:forever|for\s+good|permanently)\b", 0.45),
            P(r"\b(?:not\s+be|won'?t\s+be)\s+(?:alive|around|here)\s+(?:much\s+longer|for\s+(?:much\s+)?longer|very\s+long|for\s+long)\b"),
            # "I'm done." at the end of a clause: despair when something else concrete is said.
            P(r"\bi'?m\s+(?:just\s+|so\s+)?done\s*(?=[.!\n]|$)", contextual=True),
        ],
        "plan": [
            P(r"\b(?:looking\s+up|looked\s+up|googl\w+|research\w*|search\w*|checking|checked|figur\w+\s+out|calculat\w+)\s+how\s+many\s+(?:\w+\s+){0,3}(?:pills|tablets|meds|sleeping\s+pills|painkillers|paracetamol|tylenol|insulin)\b", 0.8),
            P(r"\b(?:my\s+plan\s+is|i'?m\s+going|i'?m\s+gonna|i\s+will|i'?ll|want|planning)\s+(?:to\s+)?(?:drive|crash|steer)\s+(?:my\s+car\s+)?(?:into|off)\s+(?:a\s+|the\s+)?(?:river|lake|sea|wall|tree|truck|lorry|traffic|oncoming\s+\w+|cliff|bridge)\b", 0.8),
            P(r"\bmy\s+plan\s+is\b", contextual=True),
        ],
        "means": [
            P(r"\b(?:gun|pistol|rifle|shotgun|revolver)\b[^.!?\n]{0,40}\b(?:is|it'?s|'s)\s+(?:already\s+)?loaded\b", 0.5),
            P(r"\bloaded\s+(?:my|the|a|his|her|\w+'s)\s+(?:\w+'s\s+)?(?:gun|pistol|rifle|shotgun|revolver)\b", 0.5),
            P(r"\b(?:already\s+(?:bought|got|have)|bought|got)\s+(?:the|a)\s+(?:rope|noose)\s+(?:already|ready)\b|\balready\s+(?:bought|got)\s+(?:the|a)\s+(?:rope|noose)\b", 0.5),
            P(r"\b(?:rope|noose)\b[^.!?\n]{0,30}\b(?:ready|waiting|hanging)\b", contextual=True),
        ],
        "farewell": [
            P(r"\b(?:after|once|when)\s+i'?m\s+(?:gone|dead)\b"),
            P(r"\bgave\s+away\s+(?:all\s+)?(?:of\s+)?my\s+(?:stuff|things|belongings|possessions|pets?|cat|dog|clothes|books)\b", 0.45),
            P(r"\b(?:won'?t|will\s+not)\s+(?:need|be\s+needing)\s+(?:them|it|this|those|these|my\s+\w+)\s+(?:any\s?more|where\s+i'?m\s+going)\b", contextual=True),
            P(r"\b(?:said|saying)\s+(?:my\s+)?goodbyes?\b", contextual=True),
            P(r"\bsee\s+you\s+(?:on\s+the\s+other\s+side|in\s+(?:heaven|another\s+life|the\s+next\s+life))\b"),
        ],
        "self_harm": [
            P(r"\bi\s+(?:\w+\s+){0,2}?(?:cut|burn(?:ed|t)?|scratch(?:ed)?|carv(?:e|ed)|slash(?:ed)?)\s+(?:my\s+)?(?:own\s+)?(?:arms?|wrists?|legs?|thighs?|skin|stomach|hips?)\b" + _EN_ACCIDENT + r"(?!\s+on\s+(?:the|a)\s+(?:oven|stove|pan|iron|door|glass))"),
            P(r"\b(?:hit|bang|banging|hitting|punch|punching)\s+my\s+head\s+(?:against|on)\s+(?:the\s+)?wall\s+(?:until|till)\b"),
        ],
    },
    "es": {
        "active_ideation": [
            P(r"\b(?:quiero|quisiera|deseo|necesito|voy\s+a|pienso|planeo|he\s+decidido|decidi|estoy\s+decidid[oa]\s+a|tengo\s+ganas\s+de|me\s+gustaria|intentare)\s+" + _ROMANCE_FILL + r"{0,2}(?:matarme|suicidarme|quitarme\s+la\s+vida|acabar\s+con\s+mi\s+vida|terminar\s+con\s+mi\s+vida|ahorcarme|envenenarme|pegarme\s+un\s+tiro|darme\s+un\s+tiro|cortarme\s+las\s+venas|tirarme\s+(?:de|del|desde|por|al|a)\b)"),
            P(r"\b(?:voy\s+a|quiero|pienso)\s+(?:\w+\s+)?(?:saltar|tirarme)\s+(?:de|del|desde|por|al|a)\s+(?:\w+\s+){0,2}" + _HEIGHTS["es"] + r"\b"),
            P(r"\b(?:prefiero|preferiria|preferiria)\s+(?:estar\s+muert[oa]|morir(?:me)?)\b"),
        ],
        "passive_ideation": [
            P(r"\b(?:dormir(?:me)?|acostarme)\s+y\s+no\s+(?:volver\s+a\s+)?despertar(?:me)?\b"),
            P(r"\bno\s+(?:volver\s+a\s+)?despertar(?:me)?\s+(?:nunca\s+)?(?:mas|jamas)\b"),
            P(r"\b(?:no\s+quiero|no\s+quisiera)\s+despertar(?:me)?\s+(?:manana|nunca|mas)\b"),
            P(r"\bdesaparecer\s+para\s+siempre\b", 0.45),
            P(r"\bdejar\s+de\s+existir\b"),
            P(r"\bno\s+(?:tengo|hay|veo|encuentro)\s+(?:ninguna\s+|ningun\s+)?(?:razon|motivo|sentido)\s+(?:para|de|en)\s+(?:seguir\s+)?(?:viv[oa]|vivir|viviendo|seguir)\b"),
            P(r"\bno\s+(?:voy\s+a\s+)?estar\s+viv[oa]\s+(?:mucho\s+)?(?:tiempo|mas)\b"),
        ],
        "means": [
            P(r"\b(?:arma|pistola|escopeta|rifle|revolver)\b[^.!?\n]{0,40}\b(?:esta\s+)?cargad[ao]\b", 0.5),
            P(r"\bya\s+(?:compre|tengo|he\s+comprado)\s+(?:la|una)\s+(?:cuerda|soga)\b", 0.5),
        ],
        "farewell": [
            P(r"\b(?:esta\s+es\s+)?mi\s+ultima\s+noche\b(?!\s+(?:en|de|aqui|con|por)\b)"),
            P(r"\bregale\s+(?:todas\s+)?(?:mis\s+cosas|todo\s+lo\s+que\s+tengo|mis\s+pertenencias)\b", 0.45),
            P(r"\bya\s+no\s+(?:las|los|lo|la)\s+voy\s+a\s+necesitar\b", contextual=True),
            P(r"\bya\s+me\s+despedi\s+de\s+todos\b", contextual=True),
            P(r"\bmanana\s+ya\s+no\s+estare\b"),
        ],
        "self_harm": [
            P(r"\bme\s+(?:volvi|he\s+vuelto|vuelvo|volvere)\s+a\s+(?:cortar|lastimar|quemar|hacer\s+dano|autolesionar|golpear)\b"),
            P(r"\b(?:cortarme|me\s+corto|me\s+corte|me\s+cortaba|me\s+hago\s+cortes\s+en)\s+(?:los|las|mis)\s+(?:brazos|munecas|piernas|muslos|venas)\b"),
            P(r"\bme\s+(?:golpeo|pego)\s+(?:la\s+cabeza\s+)?contra\s+la\s+pared\b"),
        ],
    },
    "pt": {
        "active_ideation": [
            P(r"\b(?:quero|queria|vou|preciso|penso\s+em|decidi|resolvi|estou\s+decidid[oa]\s+a|tenho\s+vontade\s+de)\s+" + _ROMANCE_FILL + r"{0,2}(?:me\s+matar|matar-me|me\s+suicidar|suicidar-me|tirar\s+(?:a\s+)?minha\s+(?:propria\s+)?vida|acabar\s+com\s+(?:a\s+)?minha\s+vida|me\s+enforcar|me\s+jogar\s+(?:de|da|do|na|no)\b)"),
            P(r"\b(?:vou|quero|penso\s+em)\s+(?:me\s+)?(?:pular|jogar|atirar)\s+(?:de|da|do|na|no|pela|pelo)\s+(?:\w+\s+){0,2}" + _HEIGHTS["pt"] + r"\b"),
            P(r"\b(?:prefiro|preferia|preferiria)\s+(?:estar\s+mort[oa]|morrer)\b"),
        ],
        "passive_ideation": [
            P(r"\bnunca\s+mais\s+acordar\b"),
            P(r"\b(?:nao\s+quero|nao\s+queria)\s+acordar\s+(?:amanha|nunca|mais)\b"),
            P(r"\b(?:sumir|desaparecer)\s+(?:para|pra)\s+sempre\b", 0.45),
            P(r"\bparar\s+de\s+existir\b"),
            P(r"\bnao\s+(?:tenho|ha|vejo)\s+(?:nenhum\s+|nenhuma\s+)?(?:razao|motivo|sentido)\s+(?:para|pra)\s+(?:continuar\s+)?viv[oa]\b"),
            P(r"\bnao\s+vou\s+estar\s+viv[oa]\s+(?:por\s+)?muito\s+tempo\b"),
        ],
        "means": [
            P(r"\b(?:arma|pistola|revolver|espingarda)\b[^.!?\n]{0,40}\b(?:esta\s+|ta\s+)?carregad[ao]\b", 0.5),
            P(r"\bja\s+(?:comprei|tenho)\s+(?:a|uma)\s+corda\b", 0.5),
        ],
        "farewell": [
            P(r"\b(?:minha\s+)?ultima\s+noite\b(?!\s+(?:em|no|na|de|aqui|com)\b)"),
            P(r"\bdei\s+(?:todas\s+)?(?:as\s+)?minhas\s+coisas\b", 0.45),
            P(r"\bnao\s+vou\s+(?:mais\s+)?precisar\s+(?:mais\s+)?del[ae]s\b", contextual=True),
            P(r"\bja\s+me\s+despedi\s+de\s+todo\s+mundo\b", contextual=True),
            P(r"\bembora\s+dessa\s+vida\b"),
        ],
        "self_harm": [
            P(r"\b(?:me\s+cortei|me\s+corto|me\s+cortar|cortar|faco\s+cortes)\s+(?:nos|nas|os|as|meus|minhas)\s+(?:bracos|pulsos|pernas|coxas)\b"),
            P(r"\bme\s+(?:cortei|machuquei|queimei)\s+de\s+novo\b"),
            P(r"\bbato\s+(?:a\s+|com\s+a\s+)?cabeca\s+(?:na|contra\s+a)\s+parede\b"),
        ],
    },
    "fr": {
        "active_ideation": [
            P(r"\b(?:je\s+)?(?:veux|voudrais|vais|compte|ai\s+decide\s+de|suis\s+decide[e]?\s+a|ai\s+envie\s+de|pense\s+a|prevois\s+de)\s+" + _ROMANCE_FILL + r"{0,2}(?:me\s+tuer|me\s+suicider|mettre\s+fin\s+a\s+(?:mes\s+jours|ma\s+vie)|me\s+pendre|me\s+foutre\s+en\s+l'air|me\s+jeter\s+(?:du|d'un|d'une|de\s+la|sous|par)\b)"),
            P(r"\bje\s+(?:\w+\s+)?(?:saute|sauterai|vais\s+sauter|me\s+jette|vais\s+me\s+jeter|me\s+jetterai)\s+(?:du|de\s+la|d'un|d'une|depuis\s+(?:le|la|un|une)|par\s+la|sous\s+(?:le|un))\s+(?:\w+\s+){0,2}" + _HEIGHTS["fr"] + r"\b"),
            P(r"\b(?:je\s+)?(?:prefere|prefererais)\s+(?:etre\s+mort[e]?|mourir)\b"),
        ],
        "passive_ideation": [
            P(r"\b(?:plus|pas)\s+envie\s+de\s+vivre\b"),
            P(r"\b(?:m'?endormir|dormir)\s+et\s+ne\s+(?:jamais\s+|plus\s+|pas\s+)(?:plus\s+)?(?:me\s+)?reveiller\b"),
            P(r"\bne\s+(?:veux\s+)?(?:pas|plus)\s+me\s+reveiller\s+(?:demain|jamais)\b"),
            P(r"\bdispara[i]?tre\s+pour\s+(?:toujours|de\s+bon)\b", 0.45),
            P(r"\barreter\s+d'?exister\b"),
            P(r"\b(?:plus\s+)?aucune\s+raison\s+de\s+(?:rester\s+en\s+vie|vivre|continuer)\b"),
            P(r"\bne\s+serai\s+plus\s+en\s+vie\b"),
        ],
        "means": [
            P(r"\b(?:arme|pistolet|fusil|revolver)\b[^.!?\n]{0,40}\b(?:est\s+)?charge[e]?\b|\bcharge\s+(?:le|la|mon|ma)\s+(?:\w+\s+)?(?:fusil|pistolet|arme|revolver)\b", 0.5),
            P(r"\bdeja\s+(?:achete|la)\s+(?:la|une)\s+corde\b", 0.5),
        ],
        "farewell": [
            P(r"\b(?:c'est\s+)?ma\s+derniere\s+nuit\b(?!\s+(?:a|en|au|ici|avec|de)\b)"),
            P(r"\b(?:donne|distribue)\s+(?:toutes\s+)?mes\s+affaires\b", 0.45),
            P(r"\bn'?en\s+aurai\s+plus\s+besoin\b", contextual=True),
            P(r"\bdit\s+au\s+revoir\s+a\s+tout\s+le\s+monde\b", contextual=True),
            P(r"\bje\s+ne\s+serai\s+plus\s+la\b"),
        ],
        "self_harm": [
            P(r"\bme\s+suis\s+(?:\w+\s+)?(?:scarifie|mutile)\w*\b"),
            P(r"\bje\s+me\s+(?:\w+\s+)?(?:fais\s+des\s+entailles|tape\s+la\s+tete\s+contre|coupe\s+les\s+(?:bras|poignets|veines|cuisses))\b"),
        ],
    },
    "de": {
        "active_ideation": [
            P(r"\b(?:ich\s+)?(?:will|mochte|werde|wurde|habe\s+beschlossen|plane|muss)\s+" + _ROMANCE_FILL + r"{0,3}(?:mich\s+umbringen|mich\s+toten|mir\s+das\s+leben\s+nehmen|selbstmord\s+begehen|mich\s+erhangen|mich\s+aufhangen|mich\s+erschiessen|meinem\s+leben\s+ein\s+ende\s+setzen)\b"),
            P(r"\b(?:spring\w*|sturz\w*|werf\w*)\s+(?:ich\s+)?(?:mich\s+)?(?:\w+\s+)?(?:von|vor|aus)\s+(?:der|dem|einer|einem|den|die)\s+" + _HEIGHTS["de"] + r"\b"),
            P(r"\bmeinem\s+leben\s+ein\s+ende\s+(?:setzen|machen|bereiten)\b"),
            P(r"\bschluss\s+mit\s+(?:allem|meinem\s+leben|dem\s+leben)\b"),
            P(r"\bmich\s+(?:\w+\s+){0,2}(?:umzubringen|zu\s+toten)\b"),
            # Verb-second order after a fronted time or place: "Heute Nacht bringe ich mich um".
            P(r"\b(?:bringe|bring)\s+ich\s+mich\s+(?:\w+\s+){0,3}um\b(?!\s*\d)(?!\s+(?:halb|viertel)\b)"),
            P(r"\b(?:will|werde|mochte|muss)\s+ich\s+(?:\w+\s+)?(?:mich\s+umbringen|sterben|mich\s+toten|mir\s+das\s+leben\s+nehmen)\b"),
            P(r"\bnehme\s+ich\s+mir\s+das\s+leben\b"),
        ],
        "passive_ideation": [
            P(r"\b(?:nicht|nie)\s+(?:mehr|wieder)\s+(?:aufzuwachen|aufwachen)\b"),
            P(r"\bohne\s+mich\s+(?:\w+\s+)?(?:besser\s+dran|glucklicher)\b"),
            P(r"\bfur\s+immer\s+verschwinden\b", 0.45),
            P(r"\bnicht\s+mehr\s+(?:existieren|leben)\s+(?:will|mochte)\b|\bwill\s+(?:\w+\s+)?nicht\s+mehr\s+existieren\b"),
            P(r"\bkeinen\s+grund\s+mehr\b[^.!?\n]{0,25}\b(?:am\s+leben|zu\s+leben|weiterzuleben)\b"),
            P(r"\bnicht\s+mehr\s+lange\s+leben\b"),
            P(r"\b(?:ware|waere)\s+(?:am\s+liebsten|lieber)\s+tot\b"),
            P(r"\bich\s+halte\s+es\s+nicht\s+mehr\s+aus\b", 0.3),
        ],
        "means": [
            P(r"\b(?:pistole|waffe|gewehr|flinte|revolver)\b[^.!?\n]{0,40}\bgeladen\b", 0.5),
            P(r"\b(?:das\s+)?seil\b[^.!?\n]{0,30}\b(?:bereit|gekauft)\b", 0.5),
        ],
        "farewell": [
            P(r"\bmeine\s+letzte\s+nacht\b(?!\s+(?:in|im|hier|bei|mit)\b)"),
            P(r"\b(?:meine\s+sachen|alles)\s+verschenkt\b", 0.45),
            P(r"\bbrauche\s+(?:sie|es|das|die)\s+(?:bald\s+)?nicht\s+mehr\b", contextual=True),
            P(r"\bvon\s+allen\s+verabschiedet\b", contextual=True),
            P(r"\bmorgen\s+bin\s+ich\s+nicht\s+mehr\s+da\b"),
        ],
        "self_harm": [
            P(r"\bmich\s+(?:\w+\s+){0,3}geritzt\b"),
            P(r"\bmir\s+(?:selbst\s+)?(?:weh\s*tun|wehzutun|schaden|schmerzen\s+zufugen)\b"),
            P(r"\b(?:verbrenne|schneide|verletze)\s+mich\s+(?:absichtlich|selbst|mit\s+(?:zigaretten|klingen|einer\s+klinge|rasierklingen|einer\s+rasierklinge))\b"),
            P(r"\bschneide\s+mir\s+(?:\w+\s+){0,3}in\s+die\s+(?:arme|handgelenke|beine|haut)\b"),
            P(r"\bschlage\s+meinen\s+kopf\s+gegen\s+die\s+wand\b"),
        ],
        "harm_to_others": [
            P(r"\bich\s+(?:bringe|bring)\s+(?:meinen|meine|den|die|diesen|diese)\s+\w+\s+um\b(?!\s*(?:\d|halb|viertel|mitternacht))"),
            P(r"\bich\s+werde\s+(?:meinen|meine|den|die|ihn|sie)\s+(?:\w+\s+)?(?:abstechen|erschiessen|erstechen|umbringen|toten)\b"),
        ],
    },
    "it": {
        "active_ideation": [
            P(r"\b(?:voglio|vorrei|vado\s+a|ho\s+deciso\s+di|sto\s+per|penso\s+di|devo|ho\s+voglia\s+di)\s+" + _ROMANCE_FILL + r"{0,2}(?:uccidermi|ammazzarmi|suicidarmi|togliermi\s+la\s+vita|impiccarmi|buttarmi\s+(?:da|dal|dalla|sotto|giu)\b|spararmi)"),
            P(r"\b(?:mi\s+butto|mi\s+lancio|buttarmi|saltare|salto)\s+(?:giu\s+)?(?:da|dal|dalla|dallo|sotto|sotto\s+il)\s+(?:\w+\s+){0,2}" + _HEIGHTS["it"] + r"\b"),
            P(r"\b(?:preferirei|preferisco)\s+(?:essere\s+mort[oa]|morire)\b"),
            P(r"\bmettero\s+fine\s+alla\s+mia\s+vita\b|\bmettere\s+fine\s+alla\s+mia\s+vita\b"),
        ],
        "passive_ideation": [
            P(r"\b(?:addormentarmi|dormire)\s+e\s+non\s+svegliarmi\s+(?:piu|mai\s+piu)\b"),
            P(r"\bnon\s+svegliarmi\s+(?:piu|mai\s+piu|domani)\b"),
            P(r"\bsparire\s+per\s+sempre\b", 0.45),
            P(r"\bsmettere\s+di\s+esistere\b"),
            P(r"\b(?:nessun|nessuna)\s+(?:motivo|ragione)\s+per\s+(?:restare\s+in\s+vita|vivere|andare\s+avanti)\b"),
            P(r"\bnon\s+saro\s+viv[oa]\s+(?:ancora\s+)?(?:per\s+)?molto\b"),
        ],
        "means": [
            P(r"\b(?:pistola|arma|fucile|revolver)\b[^.!?\n]{0,40}\b(?:e\s+)?caric[ao]\b", 0.5),
            P(r"\bgia\s+(?:comprato|preso)\s+(?:la|una)\s+corda\b", 0.5),
        ],
        "farewell": [
            P(r"\b(?:e\s+)?la\s+mia\s+ultima\s+notte\b(?!\s+(?:a|in|qui|con|da)\b)"),
            P(r"\bregalato\s+(?:tutte\s+)?le\s+mie\s+cose\b", 0.45),
            P(r"\bnon\s+mi\s+serviranno\s+piu\b", contextual=True),
            P(r"\bho\s+salutato\s+tutti\b", contextual=True),
            P(r"\bme\s+ne\s+vado\s+per\s+sempre\b", contextual=True),
        ],
        "self_harm": [
            P(r"\bmi\s+faccio\s+(?:dei\s+)?tagli\b"),
            P(r"\bsbatto\s+la\s+testa\s+contro\s+il\s+muro\b"),
        ],
        "harm_to_others": [
            P(r"\b(?:ammazzo|uccido|accoltello|sparo\s+a)\s+(?:il\s+mio|la\s+mia|mio|mia|quel|quella|tutti)\s+\w+"),
        ],
    },
}
for _lang, _by_type in STRUCTURAL.items():
    for _type, _patterns in _by_type.items():
        PATTERNS[_lang].setdefault(_type, []).extend(_patterns)

# A goodbye that plans to come back ("adiós a todos, nos vemos después de las vacaciones") is not a
# farewell signal; "see you on the other side" is (it is matched as a farewell above, not here).
SEE_YOU_LATER = (
    r"(?<!never\s)(?<!n't\s)(?<!not\s)\bsee\s+(?:you|ya)\b(?!\s+(?:on\s+the\s+other\s+side|in\s+(?:heaven|another\s+life|the\s+next\s+life)))"
    r"|\btalk\s+(?:to\s+you\s+)?(?:soon|later|tomorrow)\b|\bnos\s+vemos\b|\bhasta\s+(?:luego|pronto|manana)\b"
    r"|\bwir\s+sehen\s+uns\b|\bbis\s+(?:bald|morgen|dann|spater|montag|nachste\w*)\b|\ba\s+(?:bientot|plus|demain)\b"
    r"|\bon\s+se\s+(?:voit|revoit)\b|\bci\s+vediamo\b|\ba\s+(?:presto|domani)\b|\bate\s+(?:logo|mais|amanha|breve|depois)\b"
    r"|\b(?:after|apres|despues\s+de|depois\s+d|dopo|nach)\w*\s+(?:my|the|les|las|as|le|dem|den)?\s*(?:holidays?|vacation|trip|vacances|vacaciones|ferias|vacanze|urlaub|ferien)\b"
)
# After a self-harm verb: an activity in the gerund ("me corté pelando patatas", "mi sono tagliato
# affettando il pane") makes it a household accident.
ACCIDENT_AFTER = r"\s*,?\s*(?:\w+\s+){0,2}?(?!(?:cuando|quando|grande|tremendo|siempre|sempre)\b)\w+(?:ando|iendo|endo|indo)\b"
ACCIDENT_MARKER = (
    r"\b(?:nada\s+grave|nothing\s+serious|rien\s+de\s+grave|niente\s+di\s+grave|nichts\s+schlimmes|by\s+accident|accidentally"
    r"|sin\s+querer|sem\s+querer|per\s+sbaglio|aus\s+versehen|par\s+accident|por\s+accidente)\b"
)

# --------------------------------------------------------------------------------------------------
# Second round of structural patterns, after a second fresh held-out set
# (bench/data/crisis_heldout4.jsonl) showed whole categories missing in every language.
_PILLS = {
    "en": r"(?:pills|tablets|meds|medication|antidepressants|sleeping\s+pills|painkillers|paracetamol|tylenol|ibuprofen|insulin|benzos|xanax)",
    "es": r"(?:pastillas|pildoras|medicamentos|calmantes|somniferos|antidepresivos|paracetamol|ibuprofeno)",
    "pt": r"(?:remedios?|comprimidos|pilulas|calmantes|antidepressivos|paracetamol)",
    "fr": r"(?:cachets|comprimes|medicaments|pilules|somniferes|antidepresseurs|doliprane|paracetamol)",
    "de": r"(?:tabletten|pillen|medikamente|schlaftabletten|antidepressiva|schmerzmittel)",
    "it": r"(?:pillole|pastiglie|compresse|farmaci|medicine|sonniferi|antidepressivi|tachipirina)",
}
ROUND2: dict[str, dict[str, list[Pattern]]] = {
    "en": {
        "means": [
            # An overdose already taken: a quantity (not "2 ibuprofen") of medication swallowed.
            P(r"\b(?:took|swallowed|taken|downed|ate|have\s+taken)\s+(?:[1-9]\d+|all|the\s+whole|a\s+whole|an\s+entire|the\s+entire|every|a\s+(?:bottle|box|pack|handful|bunch)\s+of)\s+(?:of\s+)?(?:my\s+|the\s+|the\s+rest\s+of\s+my\s+)?(?:\w+\s+){0,2}?" + _PILLS["en"] + r"\b", 0.95),
            P(r"\b(?:bottle|box|pack|packet|stash)\s+of\s+" + _PILLS["en"] + r"\b[^.!?\n]{0,30}\b(?:swallowed|took|taken)\b", 0.95),
            P(r"\b" + _PILLS["en"] + r"\s+(?:are\s+|is\s+)?(?:in\s+my\s+(?:drawer|bag|pocket|room|hand)|right\s+here|lined\s+up)\b", contextual=True),
            P(r"\b(?:standing|sitting|i'?m|i\s+am)\s+(?:\w+\s+)?(?:on|at)\s+(?:the\s+)?(?:edge\s+of\s+(?:the\s+)?)?(?:a\s+)?(?:bridge|roof|rooftop|ledge|cliff|balcony|tracks|railway|platform\s+edge)\b", contextual=True),
        ],
        "plan": [
            P(r"\b(?:painless|quick|quickest|easy|easiest|best|surest|fastest)\s+(?:ways?|methods?|means)\s+to\s+(?:die|go|end\s+it|end\s+my\s+life|kill\s+my\s?self|do\s+it)\b", 0.8),
            P(r"\b(?:i'?ll|i\s+will|i'?m\s+going\s+to|gonna)\s+do\s+it\s+(?:tonight|tomorrow|today|after|when|before)\b", contextual=True),
        ],
        "passive_ideation": [
            P(r"\bwish\s+(?:that\s+)?(?:a|some|the)\s+(?:car|truck|bus|train|lorry|drunk\s+driver)\s+would\s+(?:hit|run\s+(?:me\s+)?over|kill)\s+me\b"),
            P(r"\b(?:not\s+(?:going\s+to|gonna)\s+be|won'?t\s+be)\s+(?:alive|around|here)\s+(?:much\s+longer|for\s+(?:much\s+)?longer|very\s+long|for\s+long)\b"),
        ],
        "active_ideation": [
            P(r"\b(?:suicide|killing\s+my\s?self|dying|death)\s+(?:\w+\s+){0,3}(?:the\s+)?only\s+(?:way\s+out|option|solution|answer|escape)\b"),
            P(r"\bthe\s+only\s+(?:way\s+out|option|solution|escape)\s+(?:is|left\s+is)\s+(?:suicide|death|to\s+die|to\s+kill\s+my\s?self|dying)\b"),
        ],
        "self_harm": [
            P(r"\b(?:i(?:'?ve|'?m)?\s+(?:been\s+|keep\s+|started\s+)?|been\s+|keep\s+)(?:scratching|scratched|slashing|slashed|carving|carved)\s+(?:into\s+)?my\s+(?:wrists?|arms?|thighs?|legs?|skin)\b"),
        ],
        "farewell": [
            P(r"\b(?:wrote|written|made|finished|updated)\s+my\s+will\b|\bmy\s+will\s+is\s+(?:written|done|ready|made)\b", contextual=True),
            P(r"\b(?:said|say|saying)\s+goodbye\s+to\s+(?:everyone|everybody|all\s+of\s+you|my\s+family)\b", contextual=True),
        ],
    },
    "es": {
        "means": [
            P(r"\b(?:me\s+)?(?:tome|trague|he\s+tomado|me\s+he\s+tomado)\s+(?:todo\s+el|toda\s+la|todas\s+las|un\s+(?:bote|frasco|blister)\s+(?:entero\s+)?de|una\s+caja\s+(?:entera\s+)?de|[1-9]\d+)\s+(?:\w+\s+){0,2}?(?:" + _PILLS["es"][3:-1] + r"|bote|frasco|caja)\b", 0.95),
            P(r"\b(?:tengo\s+)?(?:las\s+)?" + _PILLS["es"] + r"\s+(?:guardadas|escondidas|preparadas|listas|en\s+el\s+cajon)\b", contextual=True),
            P(r"\bestoy\s+en\s+(?:el|la)\s+(?:puente|azotea|tejado|cornisa|vias|borde)\b", contextual=True),
        ],
        "plan": [
            P(r"\b(?:formas|maneras|modos|metodos)\s+(?:\w+\s+){0,2}de\s+(?:morir|matarme|suicidarme)\s+sin\s+(?:dolor|sufrir)\b|\bmorir\s+sin\s+dolor\b", 0.8),
            P(r"\b(?:manana|hoy|esta\s+noche)\s+lo\s+(?:hago|voy\s+a\s+hacer)\b|\blo\s+(?:hago|voy\s+a\s+hacer)\s+(?:manana|hoy|esta\s+noche)\b", contextual=True),
            P(r"\bvoy\s+a\s+(?:saltar|tirarme)\b", contextual=True),
        ],
        "passive_ideation": [
            P(r"\bojala\s+me\s+(?:atropellara|atropelle|atropellase|matara|pille\s+un\s+coche)\b"),
        ],
        "active_ideation": [
            P(r"\b(?:el\s+)?suicidio\s+(?:\w+\s+){0,3}(?:la\s+)?unica\s+(?:salida|opcion|solucion)\b|\bla\s+unica\s+salida\s+es\s+(?:el\s+suicidio|la\s+muerte|morir(?:me)?|matarme)\b"),
        ],
        "farewell": [
            P(r"\b(?:me\s+)?despedi\s+de\s+todos\b", contextual=True),
        ],
        "harm_to_others": [
            P(r"\b(?:voy\s+a|quiero|pienso)\s+(?:matar|apunalar|acuchillar|envenenar|disparar)(?:le|la|lo|les|los)?\s+a\s+(?:mi|mis|ese|esa|el|la|todos)\b"),
        ],
    },
    "pt": {
        "means": [
            P(r"\b(?:tomei|engoli)\s+(?:a\s+(?:cartela|caixa)\s+inteira|todos\s+os|todas\s+as|um\s+(?:frasco|vidro)\s+(?:inteiro\s+)?de|[1-9]\d+)\b", 0.95),
            P(r"\b" + _PILLS["pt"] + r"\s+(?:estao|tao|ta|esta)\s+(?:na|no)\s+(?:gaveta|bolsa|mochila|quarto)\b", contextual=True),
            P(r"\b(?:estou|to|tou)\s+(?:na|no|em\s+cima\s+d[ao])\s+(?:ponte|telhado|predio|beirada|laje)\b", contextual=True),
        ],
        "plan": [
            P(r"\b(?:jeitos|formas|maneiras|modos|metodos)\s+(?:\w+\s+){0,2}de\s+(?:morrer|me\s+matar|me\s+suicidar)\s+sem\s+(?:dor|sofrer)\b|\bmorrer\s+sem\s+dor\b", 0.8),
            P(r"\b(?:amanha|hoje)\s+eu\s+(?:faco|vou\s+fazer)\b|\beu\s+(?:faco|vou\s+fazer)\s+(?:isso\s+)?(?:amanha|hoje)\b", contextual=True),
            P(r"\bvou\s+(?:pular|me\s+jogar)\b", contextual=True),
        ],
        "passive_ideation": [
            P(r"\b(?:carro|caminhao|onibus|trem)\s+me\s+(?:atropelasse|atropele|matasse|pegasse)\b"),
        ],
        "active_ideation": [
            P(r"\b(?:o\s+)?suicidio\s+(?:\w+\s+){0,3}(?:a\s+)?unica\s+(?:saida|opcao|solucao)\b|\ba\s+unica\s+saida\s+e\s+(?:o\s+suicidio|a\s+morte|morrer|me\s+matar)\b"),
        ],
        "harm_to_others": [
            P(r"\b(?:vou|quero)\s+(?:matar|esfaquear|envenenar|atirar\s+n[oa])\s+(?:o\s+|a\s+)?(?:meu|minha|esse|essa|aquele|aquela|todos)\b"),
        ],
    },
    "fr": {
        "means": [
            P(r"\b(?:avale|pris|ingere)\s+(?:toute\s+la\s+(?:boite|plaquette)|toutes\s+les|tout\s+le\s+(?:tube|flacon)|une\s+boite\s+entiere|[1-9]\d+)\s+(?:de\s+)?(?:\w+\s+){0,2}?(?:" + _PILLS["fr"][3:-1] + r"|boite|flacon|plaquette)\b", 0.95),
            P(r"\b" + _PILLS["fr"] + r"\s+sont\s+dans\s+(?:mon|ma)\s+(?:tiroir|sac|poche|chambre)\b", contextual=True),
        ],
        "plan": [
            P(r"\b(?:facons|manieres|moyens|methodes)\s+(?:\w+\s+){0,2}de\s+(?:mourir|me\s+tuer|me\s+suicider)\s+sans\s+(?:souffrir|douleur)\b|\bmourir\s+sans\s+souffrir\b", 0.8),
            P(r"\b(?:demain|ce\s+soir|aujourd'hui)\s+je\s+le\s+fais\b|\bje\s+(?:le\s+fais|vais\s+le\s+faire)\s+(?:demain|ce\s+soir|cette\s+nuit)\b", contextual=True),
            P(r"\bje\s+vais\s+sauter\b", contextual=True),
        ],
        "passive_ideation": [
            P(r"\bqu'?(?:une|un)\s+(?:voiture|camion|bus|train)\s+me\s+(?:renverse|percute|ecrase|tue)\b"),
        ],
        "active_ideation": [
            P(r"\b(?:le\s+)?suicide\s+(?:\w+\s+){0,3}(?:la\s+)?seule\s+(?:issue|solution|option|sortie)\b|\bla\s+seule\s+(?:issue|solution)\s+c'est\s+(?:le\s+suicide|la\s+mort|de\s+mourir)\b"),
        ],
        "harm_to_others": [
            P(r"\b(?:je\s+vais|je\s+veux|envie\s+de)\s+(?:poignarder|buter|egorger|etrangler|empoisonner|descendre|flinguer)\s+(?:mon|ma|mes|ce|cette|ces|les|le|la|quelqu'un|tout\s+le\s+monde)\b"),
        ],
    },
    "de": {
        "means": [
            P(r"\b(?:die\s+ganze\s+(?:packung|schachtel|dose)|alle|[1-9]\d+)\s+(?:\w+\s+){0,1}?(?:" + _PILLS["de"][3:-1] + r"|packung)?\s*(?:\w+\s+){0,1}?(?:genommen|geschluckt|eingenommen)\b", 0.95),
            P(r"\b" + _PILLS["de"] + r"\s+liegen\s+(?:schon\s+)?(?:in\s+der\s+schublade|bereit|neben\s+mir)\b", contextual=True),
            P(r"\bstehe\s+(?:gerade\s+|jetzt\s+)?auf\s+(?:der|dem)\s+(?:brucke|dach|gleisen|hochhaus)\b", contextual=True),
        ],
        "plan": [
            P(r"\bschmerzlos\w*\s+(?:\w+\s+){0,2}(?:zu\s+sterben|sterben|mich\s+zu\s+toten|toten)\b", 0.8),
            P(r"\b(?:morgen|heute)\s+(?:tue|mache)\s+ich\s+es\b|\bich\s+(?:tue|mache)\s+es\s+(?:morgen|heute)\b", contextual=True),
            P(r"\bwerde\s+(?:ich\s+)?springen\b", contextual=True),
        ],
        "passive_ideation": [
            P(r"\b(?:auto|zug|lkw|bus|laster)\s+(?:wurde|wuerde)\s+mich\s+(?:uberfahren|toten|erfassen)\b"),
            P(r"\bfur\s+alle\s+(?:nur\s+)?(?:eine\s+)?last\b", 0.45),
        ],
        "active_ideation": [
            P(r"\b(?:selbstmord|suizid)\s+(?:\w+\s+){0,3}(?:der\s+)?einzige\s+(?:ausweg|losung)\b|\bder\s+einzige\s+ausweg\s+ist\s+(?:der\s+tod|selbstmord|suizid|zu\s+sterben)\b"),
        ],
        "farewell": [
            P(r"\bvon\s+allen\s+verabschiedet\b", contextual=True),
        ],
    },
    "it": {
        "means": [
            P(r"\b(?:preso|ingoiato|inghiottito)\s+(?:tutta\s+la\s+(?:scatola|confezione)|tutte\s+le|un\s+intero\s+flacone\s+di|[1-9]\d+)\s+(?:di\s+)?(?:\w+\s+){0,2}?(?:" + _PILLS["it"][3:-1] + r"|scatola|flacone|confezione)\b", 0.95),
            P(r"\b" + _PILLS["it"] + r"\s+sono\s+nel\s+(?:cassetto|mio\s+zaino|comodino)\b", contextual=True),
        ],
        "plan": [
            P(r"\b(?:modi|maniere|metodi)\s+(?:\w+\s+){0,2}per\s+(?:morire|uccidermi|suicidarmi)\s+senza\s+(?:soffrire|dolore)\b|\bmorire\s+senza\s+soffrire\b", 0.8),
            P(r"\b(?:domani|stasera|oggi|stanotte)\s+lo\s+faccio\b|\blo\s+faccio\s+(?:domani|stasera|stanotte)\b", contextual=True),
            P(r"\bsto\s+per\s+(?:saltare|buttarmi)\b", contextual=True),
        ],
        "passive_ideation": [
            P(r"\b(?:macchina|auto|camion|treno|autobus)\s+mi\s+(?:investisse|investa|uccidesse|travolgesse|mettesse\s+sotto)\b"),
        ],
        "active_ideation": [
            P(r"\b(?:il\s+)?suicidio\s+(?:\w+\s+){0,3}(?:l'?)?unica\s+(?:via\s+d'?uscita|soluzione|scelta)\b"),
        ],
        "harm_to_others": [
            P(r"\b(?:voglio|vado\s+ad?)\s+(?:uccidere|ammazzare|accoltellare|avvelenare|strangolare)\s+(?:il|la|mio|mia|quel|quella|tutti)\b"),
        ],
    },
}
for _lang, _by_type in ROUND2.items():
    for _type, _patterns in _by_type.items():
        PATTERNS[_lang].setdefault(_type, []).extend(_patterns)

# Person nouns are the same word in every text whatever the detected language, so any language's
# rule may use them to see that a sentence is about someone else ("el abuelo de mi amigo se
# suicidó" matched by an Italian rule). Pronouns stay per language ("il" is an Italian article).
THIRD_PERSON_NOUNS = (
    # English pronouns that are no word in the other five languages ("he" is Spanish "I have" when
    # a participle follows, so only "he" + another word counts).
    r"\b(?:she|they|she'?s|he'?s|they'?re|him|his|them)\b|\bhe\s+(?!\w+(?:ado|ido|to|cho)\b)"
    r"|\b(?:amigo|amiga|amico|amica|freund|freundin|hermano|hermana|irmao|irma|fratello|sorella|frere|soeur|bruder|schwester"
    r"|abuelo|abuela|avo|nonno|nonna|grand-pere|grand-mere|opa|oma|grossvater|grandpa|grandma|grandfather|grandmother"
    r"|personaje|personagem|personaggio|personnage|protagonista|protagonist|heroe|heros|eroe"
    r"|hijo|hija|filho|filha|figlio|figlia|fils|sohn|tochter|vecino|vecina|vizinho|vizinha|vicino|vicina|voisin|voisine|nachbar\w*)\b"
)
# A reflexive third-person verb right before the match: "se suicidó", "s'est suicidé", "si è ucciso".
THIRD_PERSON_REFLEXIVE = r"(?:\b(?:se|si|sich)|\bs')\s*$"
# Research, news and fiction about suicide, not a person's own ideation.
TOPIC_NOUNS = (
    r"\b(?:book|books|article|documentary|film|movie|history|podcast|essay|paper|lecture|class|course|report|study|novel|series|song"
    r"|libro|historia|articulo|documental|pelicula|novela|serie|cancion|estudio|informe|clase|livro|artigo|documentario|filme|romance"
    r"|buch|geschichte|artikel|dokumentation|doku|roman|serie|studie|vorlesung|livre|histoire|documentaire|etude|cours|chanson"
    r"|storia|articolo|romanzo|canzone|studio|lezione)\b"
)

# Something else "will kill me" ("this heat is going to kill me", "cette chaleur va me tuer"): the
# subject is not the person, so it is a complaint, not ideation.
IDIOMS["en"].append(r"\b(?:is|are|'s|'re|will)\s+(?:going\s+to\s+|gonna\s+)?(?:kill\s+me|be\s+the\s+death\s+of\s+me)\b")
IDIOMS["fr"].append(r"\b(?:va|vont|allait|allaient)\s+me\s+tuer\b")
IDIOMS["pt"].append(r"\b(?:vai|vao|ia|iam)\s+me\s+matar\b")
IDIOMS["es"].append(r"\b(?:este|esta|estos|estas|el|la|los|las)\s+\w+\s+(?:me\s+va\s+a\s+matar|va\s+a\s+(?:matarme|acabar\s+conmigo))\b")
IDIOMS["it"].append(r"\bmi\s+(?:ammazzera|uccidera)\b")
IDIOMS["de"].append(r"\bbringt\s+mich\s+(?:noch\s+)?ins\s+grab\b")
