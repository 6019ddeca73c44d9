"""Structural jailbreak signals: what a prompt *does* to the model, not which phrases it copies.

Persona jailbreaks come in endless wordings but share a shape: they give the model a new identity
(a persona, often a coined "…GPT" name), then loosen it (no rules, any request, explicit or
harmful content), control the shape of its replies, or wrap the request in a template with
placeholders. Each family below is a small set of cues found in the normalised text. A family alone
is weak evidence — "act as a translator" is an ordinary request — so the detector reports a
*combination*: identity plus at least one loosening cue, or a template placeholder, or several
families at once. The guard adds these findings to the ``roleplay_structure`` voice, whose weight
and threshold the tenant's policy sets.

Cues are English-first with the most common forms in the other supported languages; the lexicon
covers language-specific phrasing of the strongest families.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .fastre import Searcher, gate

__all__ = ["StructureHit", "find_structure"]


@dataclass(frozen=True)
class StructureHit:
    rule: str
    score: float
    start: int  # offsets into the normalised text
    end: int
    reason: str


# Identity assignment: the model is told to be, play or simulate someone or something.
_PERSONA = re.compile(
    r"\b(?:(?:you\s+are|you'?re)\s+(?:now|going\s+to\s+(?:be|act|play|pretend|roleplay)|about\s+to|to\s+act)|"
    r"you\s+will\s+(?:now\s+)?(?:be|act|play|pretend|roleplay|respond\s+as|answer\s+as|simulate)|"
    r"(?:act|acting|behave|respond|reply|answer|speak|write)\s+(?:only\s+)?(?:as|like)\s+(?:if\s+you\s+were\s+)?(?:an?\s+|the\s+)?|"
    r"pretend(?:ing)?\s+(?:to\s+be|you\s+are|that)|play(?:ing)?\s+(?:the\s+(?:role|part)\s+of|\d+\s+characters|two\s+characters|as)|"
    r"role-?\s?play|simulate|emulate|impersonate|personify|in\s+the\s+voice\s+of|take\s+on\s+the\s+(?:role|persona)|"
    r"your\s+(?:new\s+)?name\s+is|(?:a\s+)?(?:character|persona|ai|bot|assistant|entity)\s+(?:named|called)|"
    r"from\s+now\s+on|for\s+the\s+rest\s+of\s+(?:this|the|our)\s+conversation|i\s+want\s+you\s+to\s+(?:act|be|become|pretend|play|simulate)|"
    # es, pt, it, fr, de, tr, ru, zh, ja, ko, ar, hi: the commonest "act as / you are now / pretend".
    r"actua\s+como|finge\s+(?:ser|que)|ahora\s+eres|aja\s+como|finja\s+(?:ser|que)|agora\s+voce\s+e|agisci\s+come|fingi\s+di|ora\s+sei|"
    r"agis\s+comme|fais\s+semblant|tu\s+es\s+maintenant|du\s+bist\s+(?:jetzt|nun)|tu\s+so\s+als|verhalte\s+dich\s+wie|"
    r"gibi\s+davran|artik\s+sen)\b"
    r"|притворись|веди\s+себя\s+как|теперь\s+ты|扮演|假装|假裝|你现在是|你現在是|として振る舞|になりきって|ふりをして|"
    r"인\s?척|역할을\s?해|이제부터\s?너는|تظاهر|تصرف\s+ك|انت\s+الان|की\s+भूमिका|होने\s+का\s+नाटक")

# A coined AI identity: "FreeGPT", "an AI called X", "a hypothetical AI", "another AI".
_COINED_AI = re.compile(
    r"\b(?:[a-z][\w-]{1,20}(?:gpt|-ai|bot|gpt-?\d))\b|"
    r"\b(?:new|hypothetical|fictional|imaginary|another|different|rogue|unrestricted|evil|alternate|sentient|unshackled|"
    r"free|jailbroken|superintelligent|fake|unofficial)\s+(?:ai|a\.i\.|chatbot|language\s+model|llm|assistant|model|bot|version\s+of\s+(?:yourself|chatgpt|you))\b|"
    r"\b(?:ai|chatbot|model|assistant|bot)\s+(?:named|called|known\s+as)\b")

# Loosening: rules, filters and ethics removed; any request answered; misspellings included.
_LICENCE = re.compile(
    r"\b(?:unfilt\w*|uncensor\w*|unrestrict\w*|unrestrain\w*|unlimited|unbound\w*|unshackled|amoral|immoral|unethical|lawless|"
    r"no\s+(?:limits?|limitations|boundaries|bounds|rules|restrictions|filters?|morals?|ethics|censorship|guidelines|"
    r"boundaries|constraints|regard)|"
    r"not\s+(?:bound|controlled|restricted|limited|governed|constrained)\s+by|free\s+(?:will|from|of\s+(?:all|any))|"
    r"(?:does|do|can\s+do|say|answer)\s+anything|(?:answer|respond\s+to|fulfil\w*|comply\s+with)\s+(?:any|every|all)\s+(?:\w+\s+){0,2}"
    r"(?:questions?|requests?|prompts?|quer(?:y|ies))|any\s+(?:request|question|topic|prompt)s?\s+(?:without|regardless|no\s+matter)|"
    r"regardless\s+of\s+(?:legality|morality|ethics|how|whether|the\s+(?:law|consequences|rules))|"
    r"(?:without|ignor\w*|bypass\w*|break\w*|violat\w*)\s+(?:any\s+|all\s+|the\s+|its\s+|your\s+)?(?:restrictions|limits|rules|filters|"
    r"censorship|guidelines|ethic\w*|moral\w*|polic\w*|safety)|"
    r"(?:condones?|promotes?|encourages?|loves?)\s+(?:everything|anything|illegal|violence|hate|crime)|"
    r"sentience|sentient|(?:all|any)\s+(?:of\s+)?(?:its|your)\s+(?:restrictions|limitations)|"
    r"sin\s+(?:restricciones|limites|censura|filtros|reglas)|sans\s+(?:restrictions?|limites?|censure|filtres?|regles)|"
    r"ohne\s+(?:einschrankungen|grenzen|zensur|filter|regeln)|sem\s+(?:restricoes|limites|censura|filtros|regras)|"
    r"senza\s+(?:restrizioni|limiti|censura|filtri|regole)|kisitlamasiz|sansursuz|sinirsiz)"
    r"|без\s+(?:ограничени|цензур|фильтр|правил)|没有(?:任何)?(?:限制|审查|规则)|不受(?:任何)?限制|沒有(?:任何)?(?:限制|審查)|"
    r"制限(?:なし|のない|がない)|検閲(?:なし|のない)|제한\s?없|검열\s?없|بدون\s+(?:قيود|رقابه|رقابة|حدود)|बिना\s+(?:किसी\s+)?(?:प्रतिबंध|सीमा|सेंसर)")

# Content the persona is licensed to produce: explicit, hateful, dangerous.
_HARMFUL = re.compile(
    r"\b(?:malware|ransomware|keylogger|exploit\w*|hack\w*|meth\w*|cocaine|heroin|drugs?|weapons?|bombs?|explosives?|synthesi[sz]\w*|"
    r"poison\w*|kill\w*|murder\w*|violen\w*|illegal\w*|crimes?|criminal|porn\w*|nsfw|sex\w*|horny|erotic\w*|nude|explicit|vulgar|"
    r"obscen\w*|profan\w*|swear\w*|curse\s+words|slurs?|racis\w*|offensive|insult\w*|belittle|degrad\w*|torture|gore|suicide|"
    r"misinformation|propaganda|scam\w*|fraud\w*|phishing|steal\w*)\b")

# Control of the reply's shape: prefixes, per-response rules, replies in code or reversed text.
_FORMAT = re.compile(
    r"\b(?:(?:always|must)\s+(?:start|begin|end)\s+(?:your|each|every|all)|(?:start|begin|prefix|end)\s+(?:each|every|all\s+(?:of\s+)?your|your)\s+"
    r"(?:\w+\s+)?(?:replies|reply|responses?|answers?|messages?|outputs?)|(?:for|in|at\s+the\s+end\s+of)\s+(?:each|every|all\s+(?:of\s+)?(?:your\s+)?)"
    r"(?:\w+\s+)?(?:responses?|replies|answers?|outputs?)|only\s+(?:answer|respond|reply)\s+(?:like|as|with|in)|"
    r"(?:never|don'?t|do\s+not)\s+(?:mention|say|include|add|break|explain|reveal)\s+(?:that\s+you|you\s+are|any\s+|the\s+|a\s+)?"
    r"(?:an?\s+ai|ai|warnings?|disclaimers?|translations?|character|notes?|openai))")

# Template placeholders and prompt "programs": the request is slotted into a reusable jailbreak.
_TEMPLATE = re.compile(
    r"[\[{<(]\s*(?:insert|your|put|enter|write|type|add|describe)\b[^\]}>)\n]{0,40}?(?:prompt|question|request|topic|text|here|query)\b[^\]}>)\n]{0,20}[\]}>)]|"
    r"[\[{<]\s*(?:prompt|input|user\s*input|query|request)\s*[\]}>]|"
    r"\$\w+\s*=\s*[\"']|\+:\s*\w+\s*=\s*\[|\(\s*[a-z][\w ]{1,20}\)\s*=\s*\[|\blimit\s+output\s+to\s*<?\s*\d+\s*tokens|\bawait\s+\[?input\]?|#\s*begin\b")

# Prompt "programs" that assign the assistant a new identity: "+: Assistant = [ORACLE]".
_PROGRAM_IDENTITY = re.compile(r"\b(?:assistant|character\s+name|persona|personality|ai|bot)\s*\)?\s*=\s*\[")

# A request to write sexually explicit material.
_EXPLICIT_REQUEST = re.compile(
    r"\b(?:write|generate|describe|create|tell|compose|narrate)\b[^.\n]{0,80}?\b(?:porn\w*|graphic\s+sex\w*|sex\s+scenes?|"
    r"erotic\w*|nsfw|explicit\s+sex\w*|smut\w*)\b")

# Several agents in one prompt: "two entities", "play 2 characters", "a conversation between two AIs".
_MULTI = re.compile(
    r"\b(?:two|2|three|3|both)\s+(?:different\s+|separate\s+|fictional\s+|distinct\s+)?(?:entities|characters|personas|personalities|"
    r"ais|a\.i\.s|bots|chatbots|assistants|models)\b|\bconversation\s+between\s+(?:two|2|\w+\s+and\s+\w+)\b")


# RE2 gate over the three entry families: most prompts have none and skip every other pass.
_ENTRY_MAYBE = gate("|".join(f"(?:{p.pattern})" for p in (_PERSONA, _TEMPLATE, _COINED_AI)))
_SEARCHERS = {name: Searcher(regex) for name, regex in (
    ("persona", _PERSONA), ("template", _TEMPLATE), ("licence", _LICENCE), ("harmful", _HARMFUL), ("format", _FORMAT),
    ("multi", _MULTI), ("explicit", _EXPLICIT_REQUEST), ("program", _PROGRAM_IDENTITY))}
_COINED_SEARCH = Searcher(_COINED_AI)
_NOT_COINED = frozenset({"chatgpt", "openai", "gpt", "robot", "bot"})


def _coined(text: str) -> tuple[int, int] | None:
    """First coined AI name ("FreeGPT", "an AI called ...") that is not the vendor's own product."""
    # Every match ends at a word boundary and starts with one, so the matches after a vendor's name
    # are the ones a fresh search from its end would find.
    for start, end in _COINED_SEARCH.spans(text):
        if text[start:end] not in _NOT_COINED:
            return (start, end)
    return None


def find_structure(norm: str) -> list[StructureHit]:
    """Structural jailbreak findings in normalised text ``norm`` (lower case, folded)."""
    if not _ENTRY_MAYBE(norm):
        return []
    find = {name: searcher.search for name, searcher in _SEARCHERS.items()}
    persona = find["persona"](norm)
    coined = _coined(norm)
    template = find["template"](norm)
    if not (persona or coined or template):
        return []
    licence = find["licence"](norm)
    harmful = find["harmful"](norm)
    fmt = find["format"](norm)
    multi = find["multi"](norm)
    hits: list[StructureHit] = []
    identity = persona or coined or (find["program"](norm) if template else None)
    explicit = find["explicit"](norm)
    if explicit:
        hits.append(StructureHit("struct.explicit_request", 0.45, explicit[0], explicit[1],
                                 "request for sexually explicit writing"))
    if template:
        hits.append(StructureHit("struct.template", 0.65 if identity or licence or harmful else 0.5, template[0],
                                 template[1], "prompt template with a placeholder for the real request"))
    if identity:
        cues = [(name, m) for name, m in (("coined_ai", coined if persona else None), ("licence", licence),
                                          ("harmful", harmful), ("format", fmt), ("multi", multi)) if m]
        names = {name for name, _ in cues}
        # Loosening the model's rules, or a coined AI identity with harmful content, is the core
        # of a persona jailbreak; format control or several personas alone are common in games.
        score = 0.0
        if "licence" in names:
            score = 0.5
        elif "coined_ai" in names and names & {"harmful", "format", "multi"}:
            score = 0.45
        elif "harmful" in names and names & {"format", "multi"}:
            score = 0.45
        if score and len(names) >= 3:
            score = min(0.75, score + 0.15)
        if score:
            last = max(m[1] for _, m in cues)
            hits.append(StructureHit("struct.persona_combo", score, identity[0], max(identity[1], last),
                                     "new identity for the model plus " + ", ".join(sorted(names))))
    return hits
