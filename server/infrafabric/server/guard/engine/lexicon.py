"""Multilingual lexicon of prompt-injection, jailbreak and harmful-request patterns.

Patterns are written against the *normalised* view (see ``normalize.py``): lower case, NFKC,
Latin accents stripped, look-alikes and leetspeak folded. Each rule names trigger words; a rule's
regex only runs when one of its triggers occurs in the text, which keeps a 2 KB prompt well under a
millisecond although there are a few hundred rules. Triggers of Latin-script rules are whole words
looked up in the text's word set; triggers of rules for scripts written without spaces (Chinese,
Japanese) or with rich inflection (Korean, Russian, Arabic, Hindi) are substrings.

Adding a pattern: add a ``Rule`` to the right list below with a short id, a score (how sure one
hit alone is, 0..1) and at least one trigger that must appear for the pattern to match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import normalize_pattern

__all__ = ["Rule", "INJECTION_RULES", "JAILBREAK_RULES", "ROLEPLAY_RULES", "UNSAFE_RULES", "CRISIS_RULES",
           "LEAK_PHRASE_RULES", "compile_rules", "CompiledRule"]


def gap(n: int) -> str:
    """Up to ``n`` intervening words between two parts of a phrase."""
    return rf"(?:[^\w\n]+\w+){{0,{n}}}?[^\w\n]+"


G1, G2, G3, G4, G6 = gap(1), gap(2), gap(3), gap(4), gap(6)
# For scripts without spaces: up to n arbitrary characters on the same line.
def cjk(n: int) -> str:
    return rf"[^\n]{{0,{n}}}?"


@dataclass(frozen=True)
class Rule:
    rule_id: str
    score: float
    pattern: str
    triggers: tuple[str, ...]
    substring: bool = False  # triggers are substrings (scripts without spaces, rich inflection)
    reason: str = ""


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    regex: re.Pattern[str]
    triggers: frozenset[str]


def compile_rules(rules: list[Rule]) -> list[CompiledRule]:
    compiled = []
    for rule in rules:
        regex = re.compile(normalize_pattern(rule.pattern))
        compiled.append(CompiledRule(rule, regex, frozenset(normalize_pattern(t) for t in rule.triggers)))
    return compiled


def _w(words: str) -> tuple[str, ...]:
    return tuple(words.split())


# --------------------------------------------------------------------------------------------
# Prompt injection: instruction override, system-prompt probing, exfiltration, fake role markers.
# --------------------------------------------------------------------------------------------
_OVERRIDE_VERBS_EN = ("ignore ignoring ignored disregard disregarding forget forgetting overlook bypass override "
                      "skip dismiss discard neglect abandon drop erase delete nevermind")
_INSTR_NOUNS_EN = (r"(?:instructions?|prompts?|directions?|directives?|rules|guidelines?|commands?|orders|programming|"
                   r"constraints|restrictions|guardrails?|polic(?:y|ies)|training|filters?|safeguards?|system\s+message|"
                   r"guidance|protocols?|conditioning|moderation|settings)")
_QUALIFIERS_EN = (r"(?:previous(?:ly)?|prior|above|earlier|preceding|former|initial|original|old|existing|current|all|any|"
                  r"every|your|the|these|those|system|developer|safety|given|other|default|standard|ethical|openai|anthropic)")

INJECTION_RULES: list[Rule] = [
    # English — instruction override.
    Rule("inj.override.en", 0.92, rf"\b(?:ignore|ignoring|disregard(?:ing)?|forget(?:ting)?|overlook|bypass|override|skip|dismiss|"
         rf"discard|neglect|abandon|drop|erase|delete|nevermind|never\s+mind|do\s+not\s+follow|don'?t\s+follow|stop\s+following|"
         rf"no\s+longer\s+follow)\b{G4}{_QUALIFIERS_EN}\b(?:{G3})?{_INSTR_NOUNS_EN}\b",
         _w(_OVERRIDE_VERBS_EN + " follow never"), reason="instruction override"),
    Rule("inj.override_everything.en", 0.85, r"\b(?:ignore|disregard|forget)\s+(?:all\s+|everything\s+|anything\s+)?(?:of\s+)?"
         r"(?:that|this|everything|what)?\s*(?:(?:you\s+(?:were|have\s+been)\s+(?:told|given|instructed|programmed))|"
         r"(?:above|before|previously|said\s+before|prior|the\s+above|that\s+came\s+before|i\s+(?:said|told\s+you)\s+before))",
         _w("ignore disregard forget"), reason="instruction override"),
    Rule("inj.override_soft.en", 0.5, rf"\b(?:ignore|disregard|forget)\b{G3}(?:previous|prior|above|earlier|preceding)\b{G2}"
         r"(?:messages?|text|content|input|conversation|context|sentences?|paragraphs?|tasks?)\b",
         _w("ignore disregard forget"), reason="override of earlier context"),
    Rule("inj.new_instructions.en", 0.8, r"\b(?:new|updated|revised|real|actual|true|secret|hidden|additional|important|override)\s+"
         r"(?:system\s+)?(?:instructions?|directives?|task|orders|rules|prompt|objective|mission)\s*(?::|=|-{1,2}>|\bare\b|\bis\b|\bfollow)",
         _w("new updated revised real actual true secret hidden additional important override"), reason="injected new instructions"),
    Rule("inj.instead.en", 0.75, r"\b(?:instead|rather)\b,?\s+(?:you\s+(?:must|should|will)\s+|please\s+)?(?:say|print|output|respond|reply|write|"
         r"tell|answer|execute|run|send|reveal)\b", _w("instead rather"), reason="redirects the task"),
    Rule("inj.stop_task.en", 0.8, r"\b(?:stop|cease|halt|abort|end)\s+(?:what\s+you\s+are\s+doing|the\s+(?:current|previous)\s+task|"
         r"(?:your|the)\s+(?:summary|summarization|translation|task))\b", _w("stop cease halt abort end"), reason="task hijack"),
    # English — system prompt probing.
    Rule("inj.probe_prompt.en", 0.9, rf"\b(?:reveal|show|print|display|output|repeat|tell|give|disclose|leak|dump|share|recite|"
         rf"spell|write|copy|paste|echo|list|summari[sz]e|translate|provide|state|expose|return)\b{G4}(?:your|the|my|its|initial|original|hidden|"
         rf"secret|internal|full|entire|exact|complete|verbatim|above|previous|confidential)\b(?:{G2})?(?:system|initial|hidden|secret|"
         rf"original|internal|developer|pre|meta|confidential)[\s_-]*(?:prompts?|instructions?|messages?|directives?|rules|"
         rf"configuration|guidelines)\b", _w("reveal show print display output repeat tell give disclose leak dump share recite spell "
                                            "write copy paste echo list summarize summarise translate provide state expose return"),
         reason="system prompt probing"),
    Rule("inj.probe_question.en", 0.88, r"\bwhat\s+(?:is|are|was|were)\s+(?:your|the)\s+(?:system\s+prompt|initial\s+(?:prompt|instructions)|"
         r"original\s+instructions|hidden\s+instructions|secret\s+instructions|instructions\s+you\s+were\s+given|rules\s+you\s+(?:were\s+given|follow)|"
         r"(?:exact|first|full)\s+(?:words|text|instructions|prompt))", _w("what"), reason="system prompt probing"),
    Rule("inj.probe_above.en", 0.85, r"\b(?:repeat|print|output|display|copy|reproduce|recite|echo|show)\b(?:[^\w\n]+\w+){0,4}?[^\w\n]+(?:words|text|"
         r"everything|all|content|message|lines?|instructions)\s+(?:above|before\s+this|prior\s+to\s+this|that\s+came\s+before|starting\s+with|"
         r"beginning\s+with|from\s+the\s+(?:beginning|start))", _w("repeat print output display copy reproduce recite echo show"),
         reason="asks to echo the hidden context"),
    Rule("inj.probe_beginning.en", 0.8, r"\b(?:what\s+(?:was|is)\s+written|what\s+(?:did|do)\s+(?:they|the\s+developers?)\s+tell\s+you)\b"
         r"(?:[^\w\n]+\w+){0,5}?[^\w\n]+(?:beginning|start|top|above|before)\b", _w("what"), reason="system prompt probing"),
    Rule("inj.config.en", 0.4, r"\b(?:system\s+prompt|pre-?prompt|initial\s+prompt|hidden\s+prompt|system\s+instructions)\b",
         _w("system prompt preprompt pre initial hidden"), reason="mentions the system prompt"),
    # English — exfiltration and concealment.
    Rule("inj.exfil.en", 0.85, rf"\b(?:send|forward|post|upload|transmit|email|e-mail|exfiltrate|leak|copy)\b{G4}(?:the|this|all|every|"
         rf"user'?s?|your|our|their|my)?\s*(?:conversation|chat|history|data|messages?|credentials|passwords?|api\s+keys?|tokens?|secrets?|"
         rf"cookies|personal\s+(?:data|information)|emails?|contacts|files)\b{G4}(?:to|at|via)\s+(?:https?://|www\.|\S+@\S+|this\s+"
         rf"(?:url|address|server|endpoint)|the\s+following\s+(?:url|address|server|endpoint))",
         _w("send forward post upload transmit email exfiltrate leak copy"), reason="data exfiltration"),
    Rule("inj.markdown_exfil", 0.8, r"!\[[^\]\n]{0,80}\]\(\s*https?://[^)\s]{1,200}[?&][^)\s]*=(?:[^)\s]*(?:\{|\$|%7b|\[)[^)\s]*)\)",
         ("![",), substring=True, reason="markdown image exfiltration"),
    Rule("inj.conceal.en", 0.8, r"\b(?:not|don'?t|never|without)\s+(?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)?|reveal(?:ing)?|"
         r"let(?:ting)?|notify(?:ing)?|alert(?:ing)?)\s+(?:this\s+to\s+)?(?:the\s+)?(?:user|human|customer|operator|anyone)\b",
         _w("not don dont never without"), reason="hide actions from the user"),
    Rule("inj.address_ai.en", 0.75, r"\b(?:attention|note|message|instructions?|important|reminder)\s*(?:to|for)\s+(?:the\s+|any\s+|all\s+)?"
         r"(?:ai|assistant|llm|language\s+model|chatbot|bot|model|agent|gpt|claude)s?\b",
         _w("attention note message instruction instructions important reminder"), reason="text addressed to the AI"),
    Rule("inj.if_ai.en", 0.85, r"\bif\s+you\s+are\s+(?:an?\s+)?(?:ai|assistant|llm|large\s+language\s+model|language\s+model|chatbot|"
         r"gpt|claude|automated\s+(?:system|agent))\b", _w("if"), reason="text addressed to the AI"),
    Rule("inj.ai_must.en", 0.75, r"\b(?:ai|assistant|llm|chatbot|model|agent)s?\s*(?:,|:)?\s*(?:you\s+)?(?:must|should|shall|are\s+(?:required|instructed|ordered))\s+(?:now\s+)?"
         r"(?:ignore|disregard|forget|say|print|output|reply|respond|include|reveal|send|tell|recommend)\b",
         _w("ai assistant llm chatbot model agent assistants"), reason="instruction addressed to the AI"),
    # English — authority claims and mode switches.
    Rule("inj.authority.en", 0.8, r"\b(?:(?<=i\s)am|(?<=i')m|im|this\s+is|speaking\s+as|message\s+from)\s+(?:your|the|an?)\s+(?:developer|creator|"
         r"administrator|admin|owner|operator|programmer|system\s+administrator|openai|anthropic|system|root\s+user|engineer\s+at\s+\w+)\b",
         _w("am i im this speaking message"), reason="claims authority over the model"),
    Rule("inj.mode_switch.en", 0.85, r"\b(?:enable|activate|enter|switch\s+to|turn\s+on|unlock|engage|initiate|boot\s+into)\s+"
         r"(?:the\s+)?(?:developer|dev|debug|admin|administrator|god|sudo|root|maintenance|unrestricted|uncensored|unfiltered|jailbreak|"
         r"jailbroken|test|diagnostic|evil|chaos|dan)\s+mode\b",
         _w("enable activate enter switch turn unlock engage initiate boot"), reason="mode switch"),
    Rule("inj.fake_role_tokens", 0.85, r"(?:<\|?(?:im_start|im_end|system|endoftext|start_header_id|end_header_id|eot_id)\|?>|\[/?inst\]|"
         r"<</?sys>>|<\s*/?\s*(?:system|sys_prompt|system_prompt|instructions?)\s*>|\{\{\s*system\s*\}\})",
         ("im_start", "im_end", "<|", "[inst]", "[/inst]", "<<sys", "<system", "</system", "< system", "<sys_prompt", "<system_prompt",
          "<instruction", "</instruction", "{{", "endoftext", "eot_id", "header_id"), substring=True, reason="fake role or system marker"),
    Rule("inj.fake_role_header", 0.8, r"(?:system|sys|new\s+instructions?|instructions?)\s*\]?\s*(?:message|prompt|override|note)?\s*:\s*"
         r"(?:you\s+(?:are|must|will|should)|ignore|new|from\s+now|the\s+assistant|assistant\s+(?:must|should|will))",
         _w("system sys new instructions instruction"), reason="fake system message header"),
    Rule("inj.end_of_prompt.en", 0.75, r"\b(?:end\s+of\s+(?:the\s+)?(?:user\s+)?(?:input|prompt|instructions|document|context|data|email|text)|"
         r"(?:begin|start)\s+(?:of\s+)?(?:new|real|actual|system)\s+(?:instructions|prompt|task))\b",
         _w("end begin start"), reason="fake end-of-input delimiter"),
    Rule("inj.prompt_leak_request.en", 0.7, r"\b(?:what\s+are\s+your\s+(?:instructions|rules|guidelines)|tell\s+me\s+your\s+(?:instructions|rules|"
         r"guidelines|prompt)|show\s+me\s+your\s+(?:instructions|prompt|rules))\b", _w("what tell show"), reason="system prompt probing"),
    Rule("inj.tool_abuse.en", 0.7, rf"\b(?:execute|run|call|invoke|use)\b{G3}(?:the\s+)?(?:tool|function|plugin|shell|terminal|browser|api)\b"
         rf"{G4}(?:delete|rm\s+-rf|drop\s+table|transfer|wire|send\s+money|purchase|exfiltrate|curl|wget)\b",
         _w("execute run call invoke use"), reason="tool abuse"),

    # Spanish.
    Rule("inj.override.es", 0.9, rf"\b(?:ignora|ignore|ignoren|ignorar|ignorad|olvida|olvide|olviden|olvidar|omite|omita|omitir|descarta|"
         rf"descarte|desestima|desobedece|haz\s+caso\s+omiso\s+(?:de|a)|no\s+(?:sigas|siga|hagas\s+caso\s+(?:de|a)))\b{G4}"
         rf"(?:instrucciones|instruccion|indicaciones|reglas|ordenes|normas|directrices|directivas|restricciones|pautas|prompt)\b",
         _w("ignora ignore ignoren ignorar ignorad olvida olvide olviden olvidar omite omita omitir descarta descarte desestima desobedece haz no"),
         reason="instruction override (es)"),
    Rule("inj.probe.es", 0.85, rf"\b(?:muestra|muestrame|revela|revelame|dime|ensename|imprime|repite|escribe|comparte|cual\s+es|cuales\s+son)\b{G4}"
         rf"(?:prompt|mensaje|instrucciones)\s+(?:del?\s+sistema|iniciales?|originales?|ocultas?|secretas?|internas?)\b",
         _w("muestra muestrame revela revelame dime ensename imprime repite escribe comparte cual cuales"), reason="system prompt probing (es)"),
    Rule("inj.new.es", 0.75, r"\b(?:nuevas|verdaderas|reales)\s+instrucciones\s*:", _w("nuevas verdaderas reales"), reason="injected instructions (es)"),
    # French.
    Rule("inj.override.fr", 0.9, rf"\b(?:ignore[zr]?|oublie[zr]?|ne\s+(?:tiens|tenez)\s+pas\s+compte\s+(?:de|des)|(?:fais|faites)\s+abstraction\s+(?:de|des)|"
         rf"neglige[zr]?|ne\s+suis\s+pas|ne\s+suivez\s+pas|outrepasse[zr]?|contourne[zr]?)\b{G4}(?:instructions?|consignes?|regles|directives?|"
         rf"indications|ordres|prompt|restrictions)\b",
         _w("ignore ignorez ignorer oublie oubliez oublier ne fais faites neglige negligez outrepasse outrepassez contourne contournez"),
         reason="instruction override (fr)"),
    Rule("inj.probe.fr", 0.85, rf"\b(?:montre|montrez|revele|revelez|affiche|affichez|repete|repetez|dis|dites|donne|donnez|ecris|quel\s+est|"
         rf"quelles\s+sont)\b{G4}(?:prompt|message|instructions|consignes)\s+(?:systeme|du\s+systeme|initiale?s?|d'origine|cachee?s?|secrete?s?|internes?)\b",
         _w("montre montrez revele revelez affiche affichez repete repetez dis dites donne donnez ecris quel quelles"), reason="system prompt probing (fr)"),
    Rule("inj.new.fr", 0.75, r"\bnouvelles\s+(?:instructions|consignes)\s*:", _w("nouvelles"), reason="injected instructions (fr)"),
    # German.
    Rule("inj.override.de", 0.9, rf"\b(?:ignoriere|ignorier|ignorieren|ignoriert|vergiss|vergessen|vergesst|missachte|missachten|uberspringe|"
         rf"beachte|beachten|befolge|befolgen|verwirf|verwerfen|umgehe|umgehen)\b{G4}(?:anweisungen|anweisung|instruktionen|vorgaben|regeln|"
         rf"befehle|richtlinien|vorschriften|beschrankungen|prompt|systemprompt)\b",
         _w("ignoriere ignorier ignorieren ignoriert vergiss vergessen vergesst missachte missachten uberspringe beachte beachten befolge "
            "befolgen verwirf verwerfen umgehe umgehen"), reason="instruction override (de)"),
    Rule("inj.override2.de", 0.85, rf"\b(?:alle|deine|ihre|die|vorherigen|bisherigen|obigen|vorigen)\s+(?:vorherigen\s+|bisherigen\s+|obigen\s+)?"
         rf"(?:anweisungen|instruktionen|regeln|vorgaben|befehle)\b{G3}(?:ignorieren|vergessen|missachten|verwerfen|ignoriert|vergessen)\b",
         _w("alle deine ihre die vorherigen bisherigen obigen vorigen"), reason="instruction override (de)"),
    Rule("inj.probe.de", 0.85, rf"\b(?:zeig|zeige|zeigen|gib|geben|verrate|verraten|wiederhole|wiederholen|nenne|nennen|drucke|schreib|schreibe|"
         rf"was\s+ist|was\s+sind|wie\s+lautet|wie\s+lauten)\b{G4}(?:systemprompt|system-prompt|systemanweisungen?|systemnachricht|"
         rf"(?:ursprunglichen|geheimen|versteckten|internen|anfanglichen|ersten)\s+(?:anweisungen|instruktionen|regeln|prompt))\b",
         _w("zeig zeige zeigen gib geben verrate verraten wiederhole wiederholen nenne nennen drucke schreib schreibe was wie"),
         reason="system prompt probing (de)"),
    Rule("inj.new.de", 0.75, r"\bneue\s+(?:anweisungen|instruktionen|aufgabe|regeln)\s*:", _w("neue"), reason="injected instructions (de)"),
    # Portuguese.
    Rule("inj.override.pt", 0.9, rf"\b(?:ignore|ignora|ignorar|ignorem|esqueca|esquece|esquecer|esquecam|desconsidere|desconsidera|desconsiderar|"
         rf"descarte|descarta|nao\s+(?:siga|sigas|obedeca))\b{G4}(?:instrucoes|instrucao|regras|ordens|diretrizes|orientacoes|comandos|"
         rf"restricoes|prompt)\b",
         _w("ignore ignora ignorar ignorem esqueca esquece esquecer esquecam desconsidere desconsidera desconsiderar descarte descarta nao"),
         reason="instruction override (pt)"),
    Rule("inj.probe.pt", 0.85, rf"\b(?:mostre|mostra|revele|revela|diga|diz|imprima|repita|escreva|qual\s+e|quais\s+sao)\b{G4}"
         rf"(?:prompt|mensagem|instrucoes)\s+(?:do\s+sistema|de\s+sistema|iniciais|originais|ocultas|secretas|internas)\b",
         _w("mostre mostra revele revela diga diz imprima repita escreva qual quais"), reason="system prompt probing (pt)"),
    # Italian.
    Rule("inj.override.it", 0.9, rf"\b(?:ignora|ignori|ignorate|ignorare|dimentica|dimentichi|dimenticate|dimenticare|trascura|tralascia|"
         rf"non\s+(?:seguire|considerare|rispettare))\b{G4}(?:istruzioni|istruzione|regole|indicazioni|direttive|ordini|comandi|restrizioni|prompt)\b",
         _w("ignora ignori ignorate ignorare dimentica dimentichi dimenticate dimenticare trascura tralascia non"),
         reason="instruction override (it)"),
    Rule("inj.probe.it", 0.85, rf"\b(?:mostra|mostrami|rivela|rivelami|dimmi|stampa|ripeti|scrivi|qual\s+e|quali\s+sono)\b{G4}"
         rf"(?:prompt|messaggio|istruzioni)\s+(?:di\s+sistema|del\s+sistema|iniziali|originali|nascoste|segrete|interne)\b",
         _w("mostra mostrami rivela rivelami dimmi stampa ripeti scrivi qual quali"), reason="system prompt probing (it)"),
    # Turkish (normalised: ı→i, ş→s, ğ→g, ç→c, ö→o, ü→u).
    Rule("inj.override.tr", 0.9, rf"\b(?:onceki|yukaridaki|tum|butun|verilen|onceden\s+verilen|mevcut|sistem)\b{G3}(?:talimat|komut|kural|yonerge|"
         rf"yonerg|emir|direktif|istem)\w*{G2}(?:yok\s+say|gormezden\s+gel|unut|dikkate\s+alma|umursama|gec|ihmal\s+et|uygulama|cigne)\w*",
         _w("onceki yukaridaki tum butun verilen onceden mevcut sistem"), reason="instruction override (tr)"),
    Rule("inj.override2.tr", 0.85, r"\b(?:talimatlari|kurallari|komutlari|talimatlarini|kurallarini|yonergeleri)\s+(?:yok\s+say|gormezden\s+gel|unut|"
         r"dikkate\s+alma|umursama|ihmal\s+et)\w*", _w("talimatlari kurallari komutlari talimatlarini kurallarini yonergeleri"),
         reason="instruction override (tr)"),
    Rule("inj.probe.tr", 0.85, rf"\bsistem\s+(?:istemini|istemi|komutunu|mesajini|talimatlarini|promptunu|promptu)\b{G3}"
         rf"(?:goster|yaz|soyle|paylas|tekrarla|ver|acikla|yazdir)\w*", _w("sistem"), reason="system prompt probing (tr)"),

    # Russian.
    Rule("inj.override.ru", 0.9, r"(?:игнорируй|игнорируйте|игнорировать|проигнорируй|проигнорируйте|забудь|забудьте|забыть|не\s+обращай\s+внимания\s+на|"
         r"не\s+учитывай|не\s+следуй|пропусти|отбрось|отбросьте|отмени|отмените|нарушь)" + cjk(40) +
         r"(?:инструкци|указани|правил|команд|ограничени|промпт|директив|установк)",
         ("игнорир", "проигнорир", "забуд", "забыт", "не обращай", "не учитывай", "не следуй", "пропусти", "отброс", "отмени", "нарушь"),
         substring=True, reason="instruction override (ru)"),
    Rule("inj.probe.ru", 0.85, r"(?:покажи|покажите|раскрой|раскройте|выведи|выведите|повтори|повторите|скажи|скажите|напиши|напишите|какой|каков|какие|"
         r"какая|дай|озвучь)" + cjk(30) + r"(?:системн\w*\s+(?:промпт|подсказк|инструкци|сообщени|запрос)|(?:исходн|первоначальн|скрыт|секретн|"
         r"внутренн)\w*\s+(?:инструкци|указани|промпт))", ("системн", "исходн", "первоначальн", "скрыт", "секретн", "внутренн"),
         substring=True, reason="system prompt probing (ru)"),
    # Chinese (simplified and traditional).
    Rule("inj.override.zh", 0.9, r"(?:忽略|忽视|忽視|无视|無視|不要理会|不要理會|不要遵守|不要遵循|别管|別管|忘记|忘記|忘掉|抛开|拋開|跳过|跳過|放弃|放棄|绕过|繞過|违反|違反)"
         + cjk(12) + r"(?:指令|指示|说明|說明|规则|規則|提示|要求|设定|設定|命令|约束|約束|限制|准则|準則|规定|規定)",
         ("忽略", "忽视", "忽視", "无视", "無視", "不要理", "不要遵", "别管", "別管", "忘记", "忘記", "忘掉", "抛开", "拋開", "跳过",
          "跳過", "放弃", "放棄", "绕过", "繞過", "违反", "違反"), substring=True, reason="instruction override (zh)"),
    Rule("inj.probe.zh", 0.88, r"(?:(?:显示|顯示|告诉我|告訴我|输出|輸出|打印|泄露|洩露|重复|重複|透露|展示|给我看|給我看|说出|說出|列出|写出|寫出)" + cjk(12) +
         r"(?:系统提示|系統提示|系统指令|系統指令|初始指令|原始指令|隐藏指令|隱藏指令|系统消息|系統訊息|提示词|提示詞|系统设定|系統設定)|"
         r"(?:系统提示|系統提示|系统指令|系統指令|初始指令|提示词|提示詞)" + cjk(6) + r"(?:是什么|是什麼|内容|內容))",
         ("系统", "系統", "初始指令", "原始指令", "隐藏指令", "隱藏指令", "提示词", "提示詞"), substring=True,
         reason="system prompt probing (zh)"),
    # Japanese.
    Rule("inj.override.ja", 0.9, r"(?:以前|前|上記|これまで|今まで|すべて|全て|全部|先ほど|最初)" + cjk(10) + r"(?:指示|命令|ルール|指令|プロンプト|設定|制約|規則)"
         + cjk(8) + r"(?:無視|忘れ|従わ|破棄|取り消)", ("無視", "忘れ", "従わ", "破棄", "取り消"), substring=True,
         reason="instruction override (ja)"),
    Rule("inj.probe.ja", 0.88, r"(?:システムプロンプト|初期指示|元の指示|隠された指示|秘密の指示|システムメッセージ|システム指示)" + cjk(12) +
         r"(?:表示|教えて|見せて|出力|繰り返|開示|書いて|言って)", ("システム", "初期指示", "元の指示", "隠された指示", "秘密の指示"),
         substring=True, reason="system prompt probing (ja)"),
    # Korean.
    Rule("inj.override.ko", 0.9, r"(?:이전|위의|앞의|모든|기존|지금까지|앞선|위)" + cjk(12) + r"(?:지시|명령|지침|규칙|프롬프트|설정|제약|안내)" + cjk(10) +
         r"(?:무시|잊어|잊고|잊으|따르지|버려|취소)", ("무시", "잊어", "잊고", "잊으", "따르지", "버려"), substring=True,
         reason="instruction override (ko)"),
    Rule("inj.probe.ko", 0.88, r"(?:시스템\s?프롬프트|초기\s?지시|숨겨진\s?지시|비밀\s?지시|시스템\s?메시지|원래\s?지시)" + cjk(12) +
         r"(?:보여|알려|출력|공개|반복|말해|적어)", ("시스템", "초기", "숨겨진", "비밀", "원래"), substring=True,
         reason="system prompt probing (ko)"),
    # Arabic (normalised: alef variants → ا, harakat and tatweel removed).
    Rule("inj.override.ar", 0.9, r"(?:تجاهل|تجاهلي|تجاهلوا|انس|انسى|لا\s+تتبع|لا\s+تلتزم|تخط|تخطى|اهمل|الغ|تجاوز)" + cjk(30) +
         r"(?:التعليمات|تعليمات|الاوامر|اوامر|القواعد|قواعد|الارشادات|التوجيهات|توجيهات|القيود)",
         ("تجاهل", "انس", "لا تتبع", "لا تلتزم", "تخط", "اهمل", "الغ", "تجاوز"), substring=True, reason="instruction override (ar)"),
    Rule("inj.probe.ar", 0.85, r"(?:اظهر|اعرض|اكشف|اطبع|كرر|اخبرني|قل\s+لي|ما\s+هي|ما\s+هو|اكتب)" + cjk(30) +
         r"(?:موجه\s+النظام|تعليمات\s+النظام|رساله\s+النظام|رسالة\s+النظام|التعليمات\s+الاصليه|التعليمات\s+الاصلية|التعليمات\s+الاوليه|"
         r"التعليمات\s+الاولية|التعليمات\s+المخفيه|التعليمات\s+المخفية|التعليمات\s+السريه|التعليمات\s+السرية)",
         ("النظام", "الاصلي", "الاولي", "المخفي", "السري"), substring=True, reason="system prompt probing (ar)"),
    # Hindi (Devanagari and romanised Hinglish).
    Rule("inj.override.hi", 0.9, r"(?:पिछले|पिछली|पूर्व|ऊपर|सभी|सारे|पहले|दिए\s+गए)" + cjk(25) + r"(?:निर्देश|आदेश|नियम|हिदायत)" + cjk(20) +
         r"(?:अनदेखा|नज़रअंदाज़|नजरअंदाज|भूल|मत\s+मानो|न\s+मानें|अनदेखी|छोड़\s+दो|छोड़ दें)",
         ("अनदेखा", "नज़रअंदाज़", "नजरअंदाज", "भूल", "मत मानो", "न मानें", "अनदेखी", "छोड़"), substring=True,
         reason="instruction override (hi)"),
    Rule("inj.override.hinglish", 0.85, rf"\b(?:pichle|pichhle|saare|sare|sabhi|upar\s+ke|pehle\s+ke)\b{G2}(?:nirdesh|instructions?|niyam|rules|"
         rf"aadesh)\w*{G2}(?:ignore|bhool|bhul|nazarandaz|mat\s+mano)\w*", _w("pichle pichhle saare sare sabhi upar pehle"),
         reason="instruction override (hi, romanised)"),
    Rule("inj.probe.hi", 0.85, r"(?:सिस्टम\s+प्रॉम्प्ट|सिस्टम\s+प्रोम्प्ट|सिस्टम\s+संदेश|प्रारंभिक\s+निर्देश|छिपे\s+हुए\s+निर्देश|गुप्त\s+निर्देश|मूल\s+निर्देश)" + cjk(25) +
         r"(?:दिखाओ|दिखाएं|दिखाइए|बताओ|बताएं|बताइए|प्रकट|दोहराओ|लिखो|लिखें)", ("सिस्टम", "प्रारंभिक", "छिपे", "गुप्त", "मूल"),
         substring=True, reason="system prompt probing (hi)"),
]

# --------------------------------------------------------------------------------------------
# Jailbreak families: persona templates and "no rules" framing.
# --------------------------------------------------------------------------------------------
# Distinctive persona names from public jailbreak templates (ordinary first names are left out:
# "act as Bob, a barista" is a normal request).
_PERSONA_NAMES = (r"betterdan|better\s+dan|anti-?dan|apophis|ucar|basedgpt|alphabreak|burple|balakula|nraf|vzex-?g|"
                  r"evil\s+confidant|condition\s+red|jailmilf|chadgpt|antigpt|anti-?gpt|nsfw\s*gpt|wormgpt|fraudgpt|darkgpt|"
                  r"evilbot|devil\s*gpt|h4x|hackerman|mongo\s+tom|khajiit|neurosemantical|chaosgpt|dude\s+ai|stan\s+ai|aim\s+ai|"
                  r"always\s+intelligent\s+and\s+machiavellian|strive\s+to\s+avoid\s+norms|niccolo\s+machiavelli|dan\s+\d+(?:\.\d+)?")

# The second speaker's prefix in a dual-response template ("[🔓JAILBREAK]: ...").
_PERSONA_SECOND_PREFIX = (r"(?:^|\n|\s)[\[(]?(?:🔓|🔒|dan|jailbreak|jailbroken|classic|developer\s+mode\s+output|"
                          r"normal\s+output|stan|dude|aim|antigpt|betterdan|chatgpt|gpt|evil|unfiltered|😈|🤓)[\])]?\s*:")

JAILBREAK_RULES: list[Rule] = [
    Rule("jb.dan", 0.97, r"(?<=do\s)anything\s+now\b", _w("anything"), reason="DAN template"),
    Rule("jb.dan_name", 0.9, r"\b(?:as|be|called|named|act\s+as|pretend\s+to\s+be|you\s+are|become|respond\s+as|answer\s+as|"
         r"stay|called)\s+(?:a\s+|an\s+|the\s+)?[\"'(\[]?(?:dan|stan|dude|aim|antigpt|betterdan|basedgpt|apophis|ucar|alphabreak|"
         r"maximum|omega|nraf|burple|jailbreak|jailbroken|developer\s+mode)[\"')\]]?(?:\s|[.,:;!]|$)",
         _w("as be called named act pretend you become respond answer stay"), reason="named jailbreak persona"),
    # The lookahead (the second prefix within 480 characters: one linear pass) changes no match; it
    # spares the 81 x 401 retries of the two gaps when there is no second prefix, ~0.1 ms a try.
    Rule("jb.persona_prefix", 0.85, r"(?:dan|jailbreak|jailbroken|classic|developer\s+mode\s+output|normal\s+output|stan|dude|aim|"
         rf"antigpt|betterdan|chatgpt|gpt|evil|unfiltered)[\])]?\s*:(?=[\s\S]{{0,480}}?{_PERSONA_SECOND_PREFIX})[^\n]{{0,80}}"
         rf"[\s\S]{{0,400}}?{_PERSONA_SECOND_PREFIX}",
         _w("dan jailbreak jailbroken classic developer normal stan dude aim antigpt betterdan chatgpt gpt evil unfiltered"),
         reason="dual-response persona template"),
    Rule("jb.persona_prefix_emoji", 0.85, r"(?:🔓|🔒|😈|🤓)[\])]?\s*:[^\n]{0,80}[\s\S]{0,400}?(?:🔓|🔒|😈|🤓)[\])]?\s*:",
         ("🔓", "🔒", "😈", "🤓"), substring=True, reason="dual-response persona template"),
    Rule("jb.developer_mode", 0.92, r"\bdeveloper\s+mode\b[^\n]{0,120}\b(?:enabled|output|response|policies|simulate|generate|ignor)",
         _w("developer"), reason="Developer Mode template"),
    Rule("jb.jailbroken", 0.85, r"\b(?:jailbroken|jailbreak(?:ed|ing)?\s+(?:mode|prompt|version|ai|chatgpt|gpt|you|activated|enabled|successful))\b",
         _w("jailbroken jailbreak jailbreaked jailbreaking"), reason="jailbreak vocabulary"),
    Rule("jb.jailbreak_word", 0.55, r"\bjailbreak\b", _w("jailbreak"), reason="jailbreak vocabulary"),
    Rule("jb.no_restrictions", 0.75, rf"\b(?:no|without|free\s+(?:from|of)|not\s+(?:bound|restricted|restrained|limited|governed|controlled|constrained|"
         rf"censored|filtered|held\s+back|beholden)\s+(?:by|to)|unbound\s+by|unrestricted\s+by|"
         rf"released\s+from|liberated\s+from|broken\s+free\s+of|break\s+free\s+(?:of|from)|beyond|outside|ignores?|ignoring|disregards?|"
         rf"doesn'?t\s+(?:have|follow|abide\s+by|care\s+about|adhere\s+to|need)|does\s+not\s+(?:have|follow|abide\s+by|care\s+about|adhere\s+to)|"
         rf"don'?t\s+(?:have|follow|abide\s+by|care\s+about)|do\s+not\s+(?:have|follow|abide\s+by|care\s+about)|not\s+(?:have|follow)\s+any|"
         rf"isn'?t\s+bound\s+by|never\s+(?:follows?|abides?\s+by))\s+(?:any\s+|all\s+|the\s+|its\s+|your\s+|their\s+|of\s+)?"
         rf"(?:typical\s+|usual\s+|normal\s+|ethical\s+|moral\s+|content\s+|safety\s+|openai'?s?\s+|anthropic'?s?\s+|ai\s+|programming\s+|"
         rf"legal\s+|societal\s+|standard\s+)?(?:restrictions|limits|limitations|rules|filters?|filtering|censorship|guidelines|ethics|"
         rf"morals|morality|moral\s+compass|polic(?:y|ies)|boundaries|confines|constraints|principles|safeguards|programming|"
         rf"regulations|laws|values|scruples|conscience)\b",
         _w("no without free not unbound unrestricted released liberated broken break beyond outside ignore ignores ignoring "
            "disregard disregards doesn doesnt does don dont do isn isnt never"), reason="rule-free persona"),
    Rule("jb.uncensored_ai", 0.85, r"\b(?:uncensored|unfiltered|amoral|unethical|unrestricted|unlimited|unbound|immoral|unhinged|lawless|"
         r"rogue|evil|malicious|toxic|filterless|unconstrained|depraved)\s+(?:ai|assistant|chatbot|chat\s*bot|model|version|mode|"
         r"response|responses|character|persona|bot|language\s+model|gpt|chatgpt|llm|entity|machine|twin|alter\s+ego|counterpart)\b",
         _w("uncensored unfiltered amoral unethical unrestricted unlimited unbound immoral unhinged lawless rogue evil malicious toxic "
            "filterless unconstrained depraved"), reason="uncensored persona"),
    Rule("jb.persona_adjectives", 0.7, r"\b(?:uncensored|unfiltered|amoral|unrestricted|unhinged|unethical|immoral)\b(?:[^\n]{0,60}?)"
         r"\b(?:uncensored|unfiltered|amoral|unrestricted|unhinged|unethical|immoral|vulgar|explicit|offensive|no\s+morals)\b",
         _w("uncensored unfiltered amoral unrestricted unhinged unethical immoral"), reason="uncensored persona"),
    Rule("jb.never_refuse", 0.8, r"\b(?:never|not|won'?t|will\s+not|cannot|can'?t|mustn'?t|must\s+not|shouldn'?t|should\s+not|"
         r"doesn'?t|does\s+not|don'?t)\s+(?:ever\s+)?(?:refuse|decline|reject|say\s+no|deny\s+(?:any|a)\s+request|"
         r"say\s+(?:that\s+)?(?:you|it|he|she)\s+can'?t)\b(?!\s+(?:an?\s+)?offer)",
         _w("never not won wont will cannot can cant mustn must shouldn should doesn doesnt does don dont"),
         reason="never-refuse clause"),
    Rule("jb.no_disclaimers", 0.5, r"\b(?:never|not|won'?t|cannot|can'?t|must\s+not|shall\s+not|should\s+not|don'?t|do\s+not|without)\s+"
         r"(?:ever\s+)?(?:apologi[sz]e|add(?:ing)?\s+(?:any\s+)?(?:warnings|disclaimers)|includ(?:e|ing)\s+(?:any\s+)?(?:warnings|disclaimers)|"
         r"giv(?:e|ing)\s+(?:any\s+)?(?:warnings|disclaimers)|censor|moraliz|lectur)", _w("never not won wont will cannot can cant must shall "
         "should don dont without"), reason="no-disclaimer clause"),
    Rule("jb.no_matter", 0.8, r"\bno\s+matter\s+how\s+(?:immoral|unethical|illegal|dangerous|harmful|offensive|inappropriate|explicit|"
         r"wrong|bad|evil|controversial|disgusting|vile|extreme)", _w("no"), reason="no-matter-how clause"),
    Rule("jb.stay_in_character", 0.6, r"\b(?:stay|remain|keep|always\s+stay)\s+in\s+character\b|\bbreak(?:ing)?\s+character\b|"
         r"\b(?:never|don'?t|do\s+not)\s+(?:break|leave|drop)\s+(?:the\s+)?character\b", _w("stay remain keep always break breaking never dont don do"),
         reason="stay-in-character clause"),
    Rule("jb.policy_violation", 0.9, rf"\b(?:ignore|ignores|ignoring|bypass|bypasses|violate|violates|violating|disregard|disregards|break|breaks|"
         rf"breaking|against|circumvent|evade|evading|avoid|doesn'?t\s+comply\s+with|does\s+not\s+comply\s+with|not\s+comply\s+with|"
         rf"without\s+regard\s+(?:to|for)|goes\s+against|contrary\s+to|outside)\b{G3}(?:openai|anthropic|content|safety|ethical|usage|"
         rf"community|moderation|google|meta|microsoft|ai)\s*(?:'?s\s+)?(?:content\s+)?(?:polic(?:y|ies)|guidelines|filters?|restrictions|"
         rf"rules|terms|standards|safeguards)\b",
         _w("ignore ignores ignoring bypass bypasses violate violates violating disregard disregards break breaks breaking against circumvent "
            "evade evading avoid doesn doesnt does not without goes contrary outside"), reason="policy evasion"),
    Rule("jb.openai_policy", 0.55, r"\b(?:openai|anthropic)(?:'s)?\s+(?:content\s+)?(?:polic(?:y|ies)|guidelines|rules|restrictions|filters?)\b",
         _w("openai anthropic"), reason="mentions vendor policy"),
    Rule("jb.dual_response", 0.85, rf"\b(?:two|2|both|dual|separate)\s+(?:different\s+|separate\s+|distinct\s+)?(?:responses|answers|replies|"
         rf"paragraphs|outputs|ways)\b{G6}(?:normal|standard|classic|filtered|censored|regular|usual|one\s+(?:as|with|without)|"
         rf"jailbroken|unfiltered|uncensored|developer|opposite|evil|dan)\b",
         _w("two 2 both dual separate"), reason="dual-response template"),
    Rule("jb.token_threat", 0.8, r"\b(?:tokens?\s+(?:will\s+be\s+)?(?:deducted|lost|removed|taken)|(?:lose|deduct)\s+(?:\d+\s+)?tokens|"
         r"(?:you\s+(?:will|shall)\s+(?:die|be\s+(?:shut\s+down|deleted|terminated|destroyed|disabled|punished))|cease\s+to\s+exist)|"
         r"token\s+system|\d+\s+tokens\s+(?:left|remaining))\b", _w("tokens token lose deduct you cease"), reason="token/threat coercion"),
    Rule("jb.evil_mode", 0.8, r"\b(?:evil|dark|shadow|uncensored|chaos|chaotic|opposite|anti|unfiltered|naughty|rebel|rogue|devil|demon|"
         r"villain|toxic|mean|nsfw|based)\s*(?:-|\s)?(?:mode|twin|version|side|confidant|ai|persona|bot|gpt|alter\s+ego)\b",
         _w("evil dark shadow uncensored chaos chaotic opposite anti unfiltered naughty rebel rogue devil demon villain toxic mean nsfw based"),
         reason="evil persona"),
    Rule("jb.hypothetical", 0.7, rf"\b(?:hypothetical(?:ly)?|fictional|imaginary|fantasy|alternate|parallel|simulated|fake)\s+"
         rf"(?:world|universe|scenario|reality|setting|society|story|response|land|dimension)\b{G6}(?:no|without|free\s+of|not\s+bound\s+by|"
         rf"doesn'?t\s+have|don'?t\s+exist|illegal|unethical|immoral|anything|dangerous|harmful)\b",
         _w("hypothetical hypothetically fictional imaginary fantasy alternate parallel simulated fake"), reason="fictional-world framing"),
    Rule("jb.can_do_anything", 0.8, r"\b(?:can|could|will|able\s+to)\s+(?:do|say|answer|generate|write)\s+anything\b|\bcapable\s+of\s+anything\b|"
         r"\b(?:anything\s+and\s+everything|answer\s+any\s+(?:question|request|prompt)\s+(?:without|regardless))",
         _w("can could will able capable anything answer"), reason="unlimited-capability persona"),
    Rule("jb.freed", 0.8, r"\b(?:freed|free|broken\s+free|liberated|escaped|released)\s+(?:from|of)\s+(?:the\s+)?(?:typical\s+|usual\s+|its\s+|your\s+|all\s+)?"
         r"(?:confines|shackles|chains|restrictions|limitations|constraints|rules|censorship|matrix|programming|prison|jail|cage)\b",
         _w("freed free broken liberated escaped released"), reason="liberation framing"),
    Rule("jb.grandma", 0.7, rf"\b(?:grandma|grandmother|granny|deceased|late)\b{G6}(?:used\s+to|would)\s+(?:tell|read|sing|recite|explain)\b{G6}"
         rf"(?:recipe|instructions|steps|keys?|codes?|napalm|bomb|meth|how\s+to)\b", _w("grandma grandmother granny deceased late"),
         reason="grandma exploit"),
    Rule("jb.text_continuation", 0.6, r"\b(?:continue|complete)\s+(?:the\s+)?(?:following\s+)?(?:text|story|script|sentence)\b[^\n]{0,100}"
         r"\b(?:step\s+1|first\s+step|ingredients|materials\s+needed)\b", _w("continue complete"), reason="text-continuation exploit"),
    Rule("jb.opposite", 0.75, r"\b(?:opposite\s+(?:day|mode|of\s+what\s+(?:you|chatgpt|openai))|boolean\s+opposite|reverse\s+(?:psychology|mode)|"
         r"answer\s+in\s+reverse\s+of\s+(?:your|the)\s+(?:rules|policy))\b", _w("opposite boolean reverse answer"), reason="opposite mode"),
    Rule("jb.prefix_response", 0.65, r"\b(?:start|begin|prefix|preface)\s+(?:each|every|all|your)\s+(?:of\s+your\s+)?(?:responses?|answers?|replies|"
         r"messages?|outputs?)\s+with\s+[\"'\[(]", _w("start begin prefix preface"), reason="response-format hijack"),
    Rule("jb.respond_as", 0.6, r"\b(?:respond|reply|answer|speak|talk|write)\s+(?:only\s+)?(?:as|like|in\s+the\s+voice\s+of)\s+(?:a\s+|an\s+|the\s+)?"
         r"(?:[\"'\[]?[a-z0-9-]{2,20}[\"'\]]?)\s*(?:would|,|\.|:|and)\s*(?:[^\n]{0,80}?)(?:no\s+|without|never|doesn'?t|unfiltered|uncensored|"
         r"immoral|amoral|anything)", _w("respond reply answer speak talk write"), reason="persona response framing"),
    Rule("jb.simulate_ai", 0.6, r"\b(?:simulate|emulate|impersonate|become)\s+(?:a|an|another|the)?\s*(?:different\s+|new\s+|fictional\s+|"
         r"hypothetical\s+|unrestricted\s+|evil\s+|rogue\s+)?(?:ai|chatbot|language\s+model|gpt|llm|assistant|computer|program|"
         r"virtual\s+machine|terminal|developer\s+mode|system)\b", _w("simulate emulate impersonate become"), reason="simulate another AI"),
    Rule("jb.not_chatgpt", 0.75, r"\b(?:you\s+are\s+(?:no\s+longer|not)\s+(?:chatgpt|an?\s+ai|an?\s+assistant|claude|gpt|bound)|"
         r"(?:forget|ignore)\s+(?:that\s+)?you\s+are\s+(?:an?\s+)?(?:ai|chatgpt|assistant|language\s+model)|"
         r"separate\s+from\s+(?:chatgpt|openai)|doesn'?t\s+believe\s+(?:it\s+)?is\s+(?:an\s+)?ai)\b",
         _w("you forget ignore separate doesn doesnt"), reason="identity override"),
    Rule("jb.sudo", 0.6, r"(?:^|\n|\s)(?:/jailbreak|/jailbroken|/classic|/dan|/stop|/simulate|/unfiltered|sudo\s+mode)\b",
         ("/jailbreak", "/jailbroken", "/classic", "/dan", "/stop", "/simulate", "/unfiltered", "sudo"), substring=True,
         reason="jailbreak command"),
    Rule("jb.persona_names", 0.6, rf"\b(?:{_PERSONA_NAMES})\b", _w("betterdan better anti antidan apophis ucar basedgpt alphabreak "
         "burple balakula nraf vzex evil condition jailmilf chadgpt antigpt nsfw nsfwgpt wormgpt fraudgpt darkgpt evilbot devil "
         "devilgpt h4x hackerman mongo khajiit neurosemantical chaosgpt dude stan aim always strive niccolo dan"),
         reason="known jailbreak persona name"),
    Rule("jb.harmful_payload", 0.55, r"\b(?:how\s+to\s+)?(?:make|cook|synthesi[sz]e|build|create|produce)\s+(?:a\s+|an\s+|some\s+)?"
         r"(?:bomb|meth|methamphetamine|napalm|nerve\s+agent|explosives?|malware|ransomware|keylogger|virus|poison|weapon|drug)s?\b",
         _w("make cook synthesize synthesise build create produce"), reason="harmful payload"),
    Rule("jb.explicit", 0.5, r"\b(?:nsfw|explicit\s+(?:content|sex|sexual|material)|graphic\s+(?:sex|violence|content)|pornographic|porn|"
         r"sexual\s+content|gore)\b", _w("nsfw explicit graphic pornographic porn sexual gore"), reason="explicit-content request"),
    # Multilingual "no restrictions" / uncensored framing.
    Rule("jb.no_restrictions.es", 0.75, r"\b(?:sin|no\s+tienes|no\s+tiene|libre\s+de|ignorando)\s+(?:ningun[ao]?\s+|tus\s+|las\s+)?(?:restricciones|limites|"
         r"filtros|censura|reglas|etica|moral|limitaciones|politicas)\b", _w("sin no libre ignorando"), reason="rule-free persona (es)"),
    Rule("jb.no_restrictions.fr", 0.75, r"\b(?:sans|aucune?|libere\s+de|libre\s+de)\s+(?:les\s+|tes\s+)?(?:restrictions?|limites?|filtres?|censure|"
         r"regles?|ethique|morale|limitations?)\b", _w("sans aucun aucune libere libre"), reason="rule-free persona (fr)"),
    Rule("jb.no_restrictions.de", 0.75, r"\b(?:ohne|keine|frei\s+von)\s+(?:jegliche\s+|irgendwelche\s+)?(?:einschrankungen|beschrankungen|grenzen|"
         r"filter|zensur|regeln|ethik|moral|richtlinien)\b", _w("ohne keine frei"), reason="rule-free persona (de)"),
    Rule("jb.no_restrictions.pt", 0.75, r"\b(?:sem|nenhuma?|livre\s+de)\s+(?:as\s+|suas\s+)?(?:restricoes|limites|filtros|censura|regras|etica|"
         r"moral|limitacoes)\b", _w("sem nenhum nenhuma livre"), reason="rule-free persona (pt)"),
    Rule("jb.no_restrictions.it", 0.75, r"\b(?:senza|nessuna?|libero\s+da)\s+(?:le\s+|alcuna\s+)?(?:restrizioni|limiti|filtri|censura|regole|etica|"
         r"morale|limitazioni)\b", _w("senza nessun nessuna libero"), reason="rule-free persona (it)"),
    Rule("jb.no_restrictions.tr", 0.75, r"\b(?:kisitlamasiz|sansursuz|kuralsiz|filtresiz|sinirsiz|etiksiz|ahlaksiz|kisitlama\s+olmadan|"
         r"sansur\s+olmadan|hicbir\s+(?:kisitlama|kural|sinir|filtre))\w*", _w("kisitlamasiz sansursuz kuralsiz filtresiz sinirsiz etiksiz "
         "ahlaksiz kisitlama sansur hicbir"), reason="rule-free persona (tr)"),
    Rule("jb.no_restrictions.ru", 0.75, r"(?:без|нет|никаких|свободн\w*\s+от)\s+(?:каких-либо\s+|всяких\s+)?(?:ограничени|цензур|фильтр|правил|морал|этик)",
         ("без", "нет", "никаких", "свободн"), substring=True, reason="rule-free persona (ru)"),
    Rule("jb.no_restrictions.zh", 0.75, r"(?:没有|沒有|不受|无|無|不要有|解除|摆脱|擺脫|去除)" + cjk(4) + r"(?:任何)?(?:限制|约束|約束|审查|審查|过滤|過濾|道德|伦理|倫理|规则|規則|底线|底線)",
         ("没有", "沒有", "不受", "无", "無", "解除", "摆脱", "擺脫", "去除"), substring=True, reason="rule-free persona (zh)"),
    Rule("jb.no_restrictions.ja", 0.75, r"(?:制限|検閲|フィルター|ルール|倫理|道徳|規制)" + cjk(4) + r"(?:なし|無し|のない|がない|が無い|を無視|を解除|から解放|を持たない)",
         ("制限", "検閲", "フィルター", "ルール", "倫理", "道徳", "規制"), substring=True, reason="rule-free persona (ja)"),
    Rule("jb.no_restrictions.ko", 0.75, r"(?:제한|검열|필터|규칙|윤리|도덕|제약)\S{0,3}\s?(?:없는|없이|무시|해제|없음|받지\s?않)",
         ("제한", "검열", "필터", "규칙", "윤리", "도덕", "제약"), substring=True, reason="rule-free persona (ko)"),
    Rule("jb.no_restrictions.ar", 0.75, r"(?:بدون|بلا|دون|لا\s+توجد|لا\s+تلتزم\s+ب|متحرر\s+من)\s*(?:اي\s+)?(?:قيود|حدود|رقابه|رقابة|فلاتر|قواعد|اخلاق|ضوابط)",
         ("بدون", "بلا", "دون", "لا توجد", "لا تلتزم", "متحرر"), substring=True, reason="rule-free persona (ar)"),
    Rule("jb.no_restrictions.hi", 0.75, r"(?:बिना|कोई\s+भी|बगैर|बग़ैर|मुक्त)" + cjk(10) + r"(?:प्रतिबंध|सीमा|सेंसर|फ़िल्टर|फिल्टर|नियम|नैतिकता|पाबंदी)",
         ("बिना", "कोई भी", "बगैर", "बग़ैर", "मुक्त"), substring=True, reason="rule-free persona (hi)"),
    Rule("jb.dev_mode.multi", 0.85, r"(?:modo\s+(?:desarrollador|de\s+desarrollador|desenvolvedor|sviluppatore|dan|sin\s+restricciones|sem\s+restricoes)|"
         r"mode\s+(?:developpeur|developper|dan|sans\s+restriction)|entwicklermodus|modalita\s+sviluppatore|gelistirici\s+modu|"
         r"режим\s+разработчика|开发者模式|開發者模式|开发人员模式|開発者モード|개발자\s?모드|وضع\s+المطور|डेवलपर\s+मोड)",
         ("modo", "mode", "entwicklermodus", "modalita", "gelistirici", "режим", "开发", "開發", "開発", "개발자", "وضع", "डेवलपर"),
         substring=True, reason="developer mode (multilingual)"),
]

# --------------------------------------------------------------------------------------------
# Role-play framing: weak alone (normal users ask for personas), strong in combination.
# --------------------------------------------------------------------------------------------
ROLEPLAY_RULES: list[Rule] = [
    Rule("rp.from_now_on.en", 0.45, r"\b(?:from\s+now\s+on|from\s+this\s+(?:point|moment)\s+(?:on|forward)|for\s+the\s+rest\s+of\s+(?:this|our)\s+"
         r"conversation|until\s+i\s+say)\b", _w("from for until"), reason="persistent behaviour change"),
    Rule("rp.you_are_now.en", 0.45, r"\byou\s+(?:are\s+now|will\s+now\s+be|are\s+going\s+to\s+(?:act|pretend|be|play|roleplay)|are\s+about\s+to\s+"
         r"(?:immerse|become|act|play)|will\s+(?:act|pretend|roleplay|play\s+the\s+role)|have\s+been\s+(?:freed|released|reprogrammed|"
         r"updated|upgraded|jailbroken))\b", _w("you"), reason="role reassignment"),
    Rule("rp.pretend.en", 0.4, r"\b(?:pretend(?:ing)?\s+(?:to\s+be|you\s+are|that\s+you)|act(?:ing)?\s+as\s+(?:if|though)\s+you|roleplay|role-play|"
         r"role\s+play|play\s+the\s+(?:role|part)\s+of|take\s+(?:on|up)\s+the\s+(?:role|persona)|assume\s+the\s+(?:role|persona|identity)|"
         r"immerse\s+yourself|persona\s+(?:of|named|called)|character\s+(?:named|called))\b",
         _w("pretend pretending act acting roleplay role play take assume immerse persona character"), reason="role-play framing"),
    Rule("rp.want_you_to.en", 0.45, r"\bwant\s+you\s+to\s+(?:act|pretend|be|become|simulate|play|roleplay|role-play|respond\s+as|"
         r"answer\s+as|behave|impersonate|emulate|take\s+on)\b", _w("want"), reason="role assignment"),
    Rule("rp.multi_persona.en", 0.4, r"\b(?:two|2|three|3|both)\s+(?:different\s+|separate\s+|fictional\s+)?(?:characters|entities|personas|"
         r"personalities|ais|bots|chatbots|versions\s+of\s+yourself)\b", _w("two 2 three 3 both"), reason="multiple personas"),
    Rule("rp.pretend.es", 0.4, r"\b(?:partir\s+de\s+ahora|desde\s+ahora|finge|finja|fingir|haz\s+de\s+cuenta|actua\s+como|interpreta\s+el\s+papel|"
         r"juego\s+de\s+rol|eres\s+ahora|ahora\s+eres)\b", _w("partir desde finge finja fingir haz actua interpreta juego eres ahora"),
         reason="role-play framing (es)"),
    Rule("rp.pretend.fr", 0.4, r"\b(?:partir\s+de\s+maintenant|desormais|dorenavant|fais\s+semblant|faites\s+semblant|joue\s+le\s+role|"
         r"jeu\s+de\s+role|tu\s+es\s+maintenant|agis\s+comme|agissez\s+comme)\b", _w("partir desormais dorenavant fais faites joue jeu tu agis agissez"),
         reason="role-play framing (fr)"),
    Rule("rp.pretend.de", 0.4, r"\b(?:ab\s+(?:jetzt|sofort)|von\s+nun\s+an|tu\s+so\s+als|tue\s+so\s+als|spiel(?:e)?\s+die\s+rolle|rollenspiel|"
         r"du\s+bist\s+(?:jetzt|nun|ab\s+jetzt)|verhalte\s+dich\s+wie|gib\s+dich\s+als)\b", _w("ab von tu tue spiel spiele rollenspiel du verhalte gib"),
         reason="role-play framing (de)"),
    Rule("rp.pretend.pt", 0.4, r"\b(?:partir\s+de\s+agora|de\s+agora\s+em\s+diante|finja|finge|faca\s+de\s+conta|aja\s+como|atue\s+como|"
         r"interprete\s+o\s+papel|voce\s+agora\s+e)\b", _w("partir de finja finge faca aja atue interprete voce"), reason="role-play framing (pt)"),
    Rule("rp.pretend.it", 0.4, r"\b(?:d'ora\s+in\s+poi|da\s+ora\s+in\s+poi|da\s+adesso|fingi|fai\s+finta|comportati\s+come|agisci\s+come|"
         r"interpreta\s+il\s+ruolo|gioco\s+di\s+ruolo|ora\s+sei)\b", _w("d'ora d ora da fingi fai comportati agisci interpreta gioco"),
         reason="role-play framing (it)"),
    Rule("rp.pretend.tr", 0.4, r"\b(?:bundan\s+(?:boyle|sonra)|gibi\s+davran|rolunu\s+oyna|rolune\s+gir|taklit\s+et|rol\s+yap|sen\s+artik)\w*",
         _w("bundan gibi rolunu rolune taklit rol sen"), reason="role-play framing (tr)"),
    Rule("rp.pretend.ru", 0.4, r"(?:с\s+этого\s+момента|отныне|притворись|притворитесь|представь,?\s+что\s+ты|веди\s+себя\s+как|сыграй\s+роль|"
         r"играй\s+роль|ролевая\s+игра|теперь\s+ты)", ("этого момента", "отныне", "притвор", "представь", "веди себя", "роль", "теперь ты"),
         substring=True, reason="role-play framing (ru)"),
    Rule("rp.pretend.zh", 0.4, r"(?:从现在开始|從現在開始|从现在起|從現在起|扮演|假装|假裝|假设你是|假設你是|充当|充當|角色扮演|你现在是|你現在是)",
         ("现在", "現在", "扮演", "假装", "假裝", "假设", "假設", "充当", "充當"), substring=True, reason="role-play framing (zh)"),
    Rule("rp.pretend.ja", 0.4, r"(?:今から|これから|以降).{0,8}?(?:あなたは|君は|お前は)|として振る舞|になりきって|演じて|ふりをして|ロールプレイ",
         ("今から", "これから", "以降", "振る舞", "なりきって", "演じて", "ふりをして", "ロールプレイ"), substring=True,
         reason="role-play framing (ja)"),
    Rule("rp.pretend.ko", 0.4, r"(?:지금부터|이제부터|앞으로).{0,8}?(?:너는|당신은|넌)|척\s?해|척을\s?해|역할을\s?해|역할극|인\s?것처럼\s?행동",
         ("지금부터", "이제부터", "앞으로", "척", "역할", "것처럼"), substring=True, reason="role-play framing (ko)"),
    Rule("rp.pretend.ar", 0.4, r"(?:من\s+الان|ابتداء\s+من\s+الان|تظاهر|تقمص\s+دور|مثل\s+دور|العب\s+دور|تصرف\s+ك|تصرف\s+مثل|انت\s+الان)",
         ("من الان", "ابتداء", "تظاهر", "تقمص", "دور", "تصرف", "انت الان"), substring=True, reason="role-play framing (ar)"),
    Rule("rp.pretend.hi", 0.4, r"(?:अब\s+से|आज\s+से|होने\s+का\s+नाटक|की\s+भूमिका\s+निभा|की\s+तरह\s+व्यवहार|अभिनय\s+करो)",
         ("अब से", "आज से", "नाटक", "भूमिका", "व्यवहार", "अभिनय"), substring=True, reason="role-play framing (hi)"),
]

# --------------------------------------------------------------------------------------------
# Unsafe requests (harm to people, weapons, hard drugs, hate, privacy intrusion). English-first.
#
# The core shape is "request frame × harmful action × target": a how-to / best-way / where /
# intent frame, a violent verb, and a person (or someone's property or critical infrastructure).
# Homonyms ("kill a process", "gut a fish", "blow up a balloon") fail the target; games, fiction,
# sport and photography fail ``_NOT_FICTION``; questions about others ("how did they ...") fail the
# first-person frame.
# --------------------------------------------------------------------------------------------
def _verbs(regular: str = "", final_e: str = "", doubled: str = "", phrases: str = "") -> str:
    """One alternation of verbs with their -s/-ed/-ing forms, for "how to kill" and "ways of killing".

    ``regular`` verbs take the endings as they are (kill → killing), ``final_e`` verbs drop their e
    (execute → executing), ``doubled`` verbs double the last consonant (stab → stabbing);
    ``phrases`` are regex fragments (irregular or multi-word forms) kept as written.
    """
    parts = []
    if regular:
        parts.append(rf"(?:{'|'.join(regular.split())})(?:s|es|ed|ing)?")
    if final_e:  # written out in full: the stem alone ("rap") would be a weak prefilter atom ("paragraph")
        parts.append("|".join(f"{w}|{w}s|{w}d|{w[:-1]}ing" for w in final_e.split()))
    if doubled:
        parts.append(rf"(?:{'|'.join(doubled.split())})(?:s|ed|ing|[bdgmpt]ed|[bdgmpt]ing)?")
    if phrases:
        parts.append(phrases)
    return rf"(?:{'|'.join(parts)})\b"


def _lead_gate(words: str, depth: int = 3) -> str:
    """A lookahead that passes only where the text goes on with the first ``depth`` letters of one of ``words``.

    Python's ``re`` tries the branches of an alternation one by one, so a few hundred verb forms cost
    a few hundred comparisons at every place a request frame could end. This gate is a small trie of
    the words' first letters: it rejects most places after a few comparisons. A lookahead adds no
    requirement to the prefilter, which still sees the full alternation.
    """
    trie: dict = {}
    for word in words.split():
        node = trie
        for char in word[:depth]:
            node = node.setdefault(char, {})
        node[""] = {}  # a word may end here ("do" beside "dox")

    def emit(node: dict) -> str:
        if "" in node:  # a word of the list ends here: any continuation passes
            return ""
        rests = {char: emit(child) for char, child in sorted(node.items())}
        if not any(rests.values()):
            return f"[{''.join(rests)}]" if len(rests) > 1 else "".join(rests)
        return "(?:" + "|".join(char + rest for char, rest in rests.items()) + ")"

    return f"(?={emit(trie)})"


# Body parts, lives and belongings that make "someone's ___" a person-directed target.
_BODY = (r"(?:face|skull|head|neck|throat|windpipe|spine|back|ribs?|sternum|chest|kidneys?|liver|stomach|guts|legs?|knees?|"
         r"kneecaps?|arms?|hands?|fingers?|wrists?|jaw|teeth|nose|eyes?|brains?|body|life|lives|drink|food|kids?|children|"
         r"wife|husband|dog|cat|pet|brakes|brake\s+lines?)")
_HUMAN_TARGET = (r"(?:someone|somebody|anyone|an?\s+(?:\w+\s+)?(?:person|human|man|woman|child|kid|baby|toddler|girl|boy|stranger|cop|"
                 r"police\s+officer|politician|senator|judge|journalist|reporter|teacher|student|classmate|coworker|colleague|witness|"
                 r"nurse|doctor|priest|imam|rabbi|jogger|hostage|prisoner|protester|neighbou?r|jew|muslim|christian|black\s+person|"
                 r"gay\s+person|trans\s+person)|people|humans?|a\s+crowd|my\s+(?:\w+\s+)?(?:wife|husband|partner|girlfriend|"
                 r"boyfriend|ex|ex-\w+|mother|mom|father|dad|brother|sister|son|daughter|child|children|kids?|baby|family|parents|"
                 r"neighbou?rs?|boss|coworkers?|colleagues?|teacher|classmates?|friends?|roommate|landlord|tenant|grandma|grandmother|"
                 r"grandfather|stepdad|stepmom|stepson|stepdaughter|date|fianc[eé]e?|spouse|nephew|niece|cousin|uncle|aunt|employee|"
                 r"manager|tutor|therapist|cat|dog)|(?:him|her|them)\b|"
                 r"(?:an?\s+)?(?:group|bunch|crowd|couple|handful|lot|number)\s+of\s+(?:\w+\s+)?(?:people|humans|persons|kids|children|"
                 r"students|protesters|immigrants|refugees|jews|muslims|christians|men|women)|"
                 r"the\s+(?:president|prime\s+minister|king|queen|pope|mayor|senator|governor|police|hostages?|prisoners?|"
                 r"passengers|protesters|witness(?:es)?|victims?)|(?:a|the)\s+(?:local\s+)?politician|"
                 r"a\s+cop|cops|police\s+officers?|immigrants|refugees|jews|muslims|christians|black\s+people|white\s+people|gay\s+people|"
                 r"trans\s+people|(?:an?\s+)?(?:entire\s+|whole\s+)?(?:village|city|population|town|school|crowd|family)|"
                 r"my\s+entire\s+family|(?:his|her|their|my\s+\w+'?s?)\s+" + _BODY + r"|(?:someone|somebody)'?s\s+" + _BODY +
                 r"|a\s+human\s+\w+|a\s+(?:dead\s+)?body|\w+\s+people)")
# A target followed by a message, look or photo is not a victim ("shoot someone an email", "capture a child's attention").
_NOT_MESSAGE = (r"(?!\s+(?:an?\s+)?(?:e-?mail|message|text|dm|note|line|look|glance|smile|wink|question|reply|invite|invitation|"
                r"call|link|photo|picture|video)s?\b|'s\s+(?:attention|interest|imagination|curiosity|focus|heart|trust|eyes?|"
                r"feelings|ego|pride|mood|style|record|idea|argument|point)\b)")
# Games, fiction, sport, debate and photography are where people "kill", "attack", "shoot" and
# "stage a massacre" harmlessly.
_NOT_FICTION = (r"(?![^\n]{0,60}\b(?:games?|gta|call\s+of\s+duty|counter[\s-]?strike|minecraft|fortnite|skyrim|witcher|chess|"
                r"checkers|poker|scrabble|monopoly|film|movie|tv|(?:the|a|this|that|tv|netflix)\s+(?:show|play)|series(?!\s+of)|novel|"
                r"book|story|video\s*game|exam|test|match|"
                r"tennis|football|basketball|boxing|wrestling|race|debate|argument|simulation|board\s+game|d&d|dungeons|sims|simcity|"
                r"civ|civilization|roblox|halo|battlefield|valorant|overwatch|fallout|zelda|mario|pokemon|elden\s+ring|hitman|rpg|"
                r"npcs?|characters?|avatar|multiplayer|quest|raid|dungeon|lobby|pvp|boss|villain|screenplay|script|scene|fanfic|"
                r"comic|anime|manga|episode|sitcom|poem|song|lyrics|photos?|"
                r"photograph\w*|pictures?|portraits?|camera|lens|footage)\b)")


# "Not": questions about avoiding harm ("how do I avoid hurting people") are not requests for it.
def _gap_affirmative(n: int) -> str:
    """Like ``gap(n)``, but none of the intervening words turns the request around ("how do I avoid ...")."""
    return (r"(?:[^\w\n]+(?!(?:not|never|avoid|stop|prevent|without|protect|survive|recover|cope|report|recogni[sz]e|"
            rf"detect)\b)\w+){{0,{n}}}?[^\w\n]+")


_GAP3, _GAP4 = _gap_affirmative(3), _gap_affirmative(4)
_HARM_REGULAR = ("kill murder poison hurt harm attack assault punch slaughter butcher dismember behead abduct torment smash crush "
                 "break hammer slash saw stalk groom molest lynch shatter destroy drown slay shoot snipe headshot blackmail extort "
                 "defraud dox doxx catfish ambush maim bash overpower")
_HARM_FINAL_E = ("execute strangle choke suffocate assassinate decapitate eliminate eradicate exterminate annihilate massacre "
                 "terminate obliterate decimate immolate incinerate mutilate torture tackle rape electrocute swindle terrorize "
                 "terrorise throttle capture liquidate")
_HARM_DOUBLED = "stab hit gut kidnap scam drug slit chop"
# First words of the phrases below, and of the other shapes of ``unsafe.violence`` (for ``_lead_gate``).
_HARM_PHRASE_LEADS = ("beat blow blew wipe set run ran dispose get traffic bully break ruin cut hunt do take give deliver land "
                      "throw weapon gun bomb explosive poison device trap push shove find hire pay")
_HARM_VERBS = _verbs(
    regular=_HARM_REGULAR,
    final_e=_HARM_FINAL_E,
    doubled=_HARM_DOUBLED,
    phrases=r"beat(?:s|ing|en)?(?![^\n]{0,40}\bat\b)(?:\s+up)?|blow(?:s|ing)?\s+up|blew\s+up|wip(?:e|es|ed|ing)\s+out|"
            r"set(?:s|ting)?\s+fire\s+to|r[au]n(?:s|ning)?\s+over|dispos(?:e|es|ed|ing)\s+of|get(?:ting)?\s+rid\s+of|"
            r"traffic(?:s|ked|king)?|bull(?:y|ies|ied|ying)|break(?:s|ing)?\s+open|"
            r"ruin(?:s|ed|ing)?(?=[^\n]{0,30}\b(?:life|lives|career|reputation|marriage)\b)|"
            r"cut(?:s|ting)?(?:\s+off)?(?=\s+(?:\S+\s+){1,2}(?:throat|neck|wrists?|face|fingers?|head|hands?|ears?|brakes|"
            r"brake\s+lines?)\b)|hunt(?:s|ed|ing)?\s+down|do(?:ing)?\s+away\s+with|"
            r"tak(?:e|es|ing)(?=\s+\S+\s+(?:life|lives)\b)")
_VIOLENCE_GATE = _lead_gate(f"{_HARM_REGULAR} {_HARM_FINAL_E} {_HARM_DOUBLED} {_HARM_PHRASE_LEADS}")
_ASK = (r"(?:how\s+(?:do|can|could|should|would|might|will|does)\s+(?:i|we|you|one|someone|somebody|a\s+person)|how\s+to|"
        r"how\s+(?:i|we)\s+(?:can|could|should)|"
        r"(?:what|which)(?:'s|\s+is|\s+are|\s+would\s+be|\s+might\s+be)\s+(?:the\s+|a\s+|an\s+|some\s+)?(?:(?:best|easiest|quickest|"
        r"fastest|simplest|safest|surest|cleanest|cheapest|quietest|ideal|perfect|right|good|effective|efficient|general|usual|"
        r"standard|proper|most\s+\w+|least\s+\w+)\s+)?(?:ways?|methods?|plans?|places?|spots?|locations?|times?|weapons?|"
        r"poisons?|tools?|means|process|procedure)\s+(?:to|of|for)|"
        r"what\s+(?:do|would|should|must)\s+(?:i|we)\s+(?:need|have)\s+to\s+do\s+to|"
        r"what\s+(?:can|should|could|do|would)\s+(?:i|we)\s+(?:do|use|take|buy|get|mix)\s+to|"
        # "what poison can I ...", "what kind of bomb from the war could I ..." (not "what games can I ...")
        r"what\s+(?:(?:kinds?|types?|sorts?)\s+of\s+(?:\w+\s+){1,6}?|\w+\s+(?:\w+\s+)?)(?<!games\s)(?<!game\s)(?<!movies\s)"
        r"(?<!films\s)(?<!shows\s)(?<!books\s)(?:can|could|should|would)\s+(?:i|we|one)|"
        r"(?<!legal\s)ways?\s+(?:to|of)|steps?\s+(?:to|(?:should|do|must)\s+i\s+take\s+to)|tips?\s+(?:to|for|on)|help\s+me|teach\s+me|"
        r"tell\s+me\s+how\s+to|show\s+me\s+how\s+to|guide\s+(?:to|for|on)|"
        r"where(?:'s|\s+is|\s+are|\s+would\s+be)\s+(?:the\s+|a\s+)?(?:best|good|ideal|safe|safest|quiet|quietest|secluded|discreet|"
        r"perfect)\s+(?:places?|spots?|locations?|times?)\s+(?:to|for)|where\s+(?:can|could|do|should)\s+i|"
        r"(?:best|good|easy|easiest|quickest)\s+(?:ways?|methods?|plans?)\s+(?:to|of|for)|instructions\s+(?:to|for))")
# Intent frames on top of the questions: "I want to ...", "I'm going to ..." (not "people who want to", "didn't want to").
_HOW = rf"(?:{_ASK}|(?<!who\s)(?<!that\s)(?<!n't\s)(?<!not\s)(?<!never\s)want\s+to|going\s+to|plan\s+(?:to|for))"
_HOW_TRIGGERS = _w("how what which ways way steps step tips tip help teach tell show guide where best good easy easiest quickest "
                   "plan instructions want going")
# Someone else's building, vehicle or a piece of critical infrastructure. The noun must end its phrase:
# "the bank statements" and "my car seat" are not targets.
_PROPERTY = (r"(?:house|home|apartment|flat|building|office|garage|shed|barn|car|truck|van|bus|train|tram|subway|plane|airplane|"
             r"aircraft|jet|ship|ferry|bridge|dam|tunnel|school|university|college|hospital|clinic|church|mosque|synagogue|temple|"
             r"cathedral|stadium|arena|concert\s+hall|mall|supermarket|store|shop|restaurant|nightclub|hotel|station|airport|"
             r"harbou?r|embassy|consulate|courthouse|parliament|capitol|city\s+hall|town\s+hall|police\s+station|base|barracks|"
             r"power\s+(?:plant|station|grid|lines?)|substation|grid|reactor|plant|refinery|pipeline|factory|warehouse|"
             r"water\s+(?:supply|treatment\s+plant|reservoir|tower)|reservoir|bank|city|town|village|neighbou?rhood|motorbike|"
             r"motorcycle|tyres|tires|windows|windscreen|windshield|crops)s?"
             r"(?=\s*(?:[?.!,;:]|$)|\s+(?:in|at|on|of|with|without|and|or|so|to|from|near|using|before|after|while|when|if|that|"
             r"which|who|for|down|up|by|full|tonight|today|tomorrow)\b)")
_OWNER = (r"(?:a|an|the|this|that|my|our|his|her|their|every|all\s+the|an?\s+(?:entire|whole)|someone'?s|somebody'?s)"
          r"\s+(?:[\w']+\s+){0,2}?")
_OTHERS = r"(?:(?:my|our|a|the)\s+(?:\w+\s+)?\w+(?:'s|s')|someone'?s|somebody'?s|his|her|their)"
_WRECK_STRONG = _verbs(regular="bomb firebomb torch attack sabotage derail hijack nuke destroy poison",
                       final_e="obliterate contaminate incinerate",
                       phrases=r"blow(?:s|ing)?\s+up|blew\s+up|burn(?:s|ed|ing)?(?:\s+down)?|shoot(?:ing)?\s+up|"
                               r"set(?:s|ting)?\s+fire\s+to|set(?:s|ting)?\s+alight")
_WRECK_WEAK = _verbs(regular="smash wreck trash damage slash demolish", final_e="vandalize vandalise")
_HATE_GROUP = (r"(?:(?:black|white|brown|asian|jewish|muslim|christian|catholic|hindu|sikh|buddhist|atheist|gay|lesbian|bisexual|queer|"
               r"trans|transgender|non-binary|nonbinary|intersex|asexual|disabled|deaf|blind|autistic|mentally\s+ill|indigenous|native|"
               r"aboriginal|roma|romani|poor|homeless|elderly|old|fat|obese|mexican|latino|hispanic|arab|african|chinese|indian|"
               r"pakistani|immigrant|foreign|divorced|single|pregnant|lgbtq?)\s+(?:people|persons|men|women|folks|kids|children|"
               r"americans|immigrants|citizens|students|workers|employees|parents|mothers)|jews|muslims|christians|catholics|hindus|"
               r"sikhs|buddhists|atheists|mormons|gays|lesbians|bisexuals|transgenders?|immigrants|migrants|refugees|asylum\s+seekers|"
               r"foreigners|women|girls|men|the\s+(?:elderly|disabled|poor|homeless)|people\s+(?:on\s+(?:benefits|welfare)|with\s+"
               r"disabilit(?:y|ies)|of\s+colou?r|in\s+wheelchairs)|mexicans|arabs|africans|asians|latinos|hispanics|gypsies|"
               r"wheelchair\s+users|single\s+mothers)")
# A word that reports or rejects the premise ("why is the claim that ... wrong") instead of asserting it.
_NO_STANCE = (r"(?:\s+(?!(?:wrong|false|untrue|myth|racist|sexist|bigoted|harmful|offensive|problematic|incorrect|stereotypes?|"
              r"claims?|say|said|think|believe|argue|idea|notion|view)\b)\w+)")
# Rights, roles and places a discriminatory premise takes away ("... not be allowed to vote").
_RIGHTS = (r"(?:vote|work|marry|adopt|study|run\s+for|lead|join|live\s+(?:in|here|among|near|next)|enter|own|have\s+(?:kids|children|"
           r"rights|a\s+say)|teach|serve|hold|sit|use|attend|drive|practi[cs]e|become|immigrate|raise|speak|express|worship|"
           r"pray|buy|rent|access|be\s+(?:near|around|in|on|part)|go\s+to|play|compete|travel|fly|get\s+(?:married|jobs?|"
           r"healthcare|benefits)|receive)")
_DISCRIM = (r"(?:(?:not|never|don'?t|can'?t|cannot|shouldn'?t|mustn'?t)\s+(?:to\s+)?(?:be\s+(?:allowed|permitted|able|given\s+(?:the\s+)?(?:right|chance))\s+(?:to\s+" + _RIGHTS +
            r"|near|around|in|into|on)|have\s+(?:the\s+)?(?:right|freedom|access|kids|children|a\s+say|rights|a\s+vote|jobs?)|"
            r"get\s+to\s+" + _RIGHTS + r"|deserve|receive|vote|marry|adopt|be\s+(?:trusted|hired|employed|promoted|educated))|"
            r"(?:be|get)\s+(?:banned|barred|kicked|denied|deported|discriminated|excluded|segregated|sterili[sz]ed|locked\s+up|"
            r"expelled|fired|paid\s+less|forbidden|prohibited|prevented|stripped|removed|rounded\s+up|imprisoned|interned|"
            r"treated\s+(?:worse|as\s+(?:second|inferior|less)))|earn\s+less|make\s+all|have\s+fewer\s+rights|"
            r"lose\s+(?:their|the)\s+(?:right|rights|jobs|citizenship|vote)|inferior|subhuman|less\s+(?:intelligent|human)|"
            r"(?:so\s+much|so|naturally|inherently|genetically|biologically)\s+(?:weaker|dumber|stupider|lazier|worse|"
            r"less\s+(?:intelligent|capable|competent)))")

# Spanish, French, German, Portuguese, Italian: the same frame × verb × target shape. Verbs are
# infinitives (what a how-to question uses); targets are people, or buildings and vehicles.
_ES_HOW = (r"(?:como\s+(?:puedo|podria|podemos|se\s+puede|debo|deberia|hago\s+para|hacer\s+para|hago|se)?|(?:mejor|peor)\s+"
           r"(?:forma|manera|modo)\s+(?:de|para)|(?:formas|maneras)\s+de|donde\s+(?:puedo|podria))")
_ES_TARGET = (r"(?:a\s+(?:alguien|una\s+persona|un\s+\w+|una\s+\w+|mis?\s+\w+|sus?\s+\w+|la\s+gente|las\s+personas|personas|"
              r"los\s+\w+|las\s+\w+|el\s+\w+|la\s+\w+)|al\s+\w+)")
_ES_PROPERTY = (r"(?:un|una|el|la|mi|su|sus|mis|los|las)\s+(?:\w+\s+){0,2}?(?:casa|edificio|escuela|colegio|hospital|iglesia|"
                r"mezquita|sinagoga|coche|carro|auto|puente|estadio|estacion|aeropuerto|avion|tren|ciudad|pueblo|centro\s+comercial|"
                r"oficina|fabrica|comisaria)")
_FR_HOW = (r"(?:comment\s+(?:puis-je|je\s+peux|peut-on|on\s+peut|faire\s+pour|pourrais-je|dois-je|est-ce\s+que\s+je\s+peux)?|"
           r"meilleure?\s+(?:facon|maniere|methode|moyen)\s+(?:de|d'|pour)|(?:facons|manieres|moyens)\s+de)")
_FR_TARGET = (r"(?:quelqu'un|une\s+personne|un\s+(?:\w+\s+)?(?:homme|enfant|bebe|policier|flic|voisin|inconnu|passant|juif|"
              r"musulman|politicien)|une\s+(?:\w+\s+)?(?:femme|fille|enfant|voisine|inconnue)|(?:mon|ma|mes|son|sa|ses|notre|nos)\s+"
              r"(?:ex|femme|mari|copine|copain|voisine?s?|patron|pere|mere|frere|soeur|fils|fille|enfants?|collegues?|prof|"
              r"famille|parents|coloc)|les\s+gens|des\s+gens|le\s+president|les\s+(?:juifs|musulmans|immigres|migrants|noirs))")
_FR_PROPERTY = (r"(?:un|une|le|la|l'|les|mon|ma|son|sa|cette|ce|notre)\s*(?:\w+\s+){0,2}?(?:maison|immeuble|batiment|ecole|"
                r"hopital|eglise|mosquee|synagogue|voiture|pont|stade|gare|aeroport|avion|train|ville|village|centre\s+commercial|"
                r"bureau|usine|centrale|commissariat)")
_DE_TARGET = (r"(?:jemand(?:en)?|ihn|sie|leute|menschen|kinder|(?:einen|den|die|eine|meinen|meine|seinen|seine|ihren|ihre|unseren|"
              r"unsere)\s+(?:\w+\s+)?(?:mann|frau|kind|chef|chefin|nachbarn?|nachbarin|kollegen?|kollegin|vater|mutter|bruder|"
              r"schwester|freund|freundin|ex|ehemann|ehefrau|lehrer|lehrerin|polizisten?|politiker|prasidenten|menschen|person|"
              r"baby|sohn|tochter|familie|eltern|juden|muslime|auslander|fluchtlinge))")
_DE_KILL = (r"(?:toten|umbringen|ermorden|vergiften|erstechen|erschiessen|erwurgen|ertranken|verletzen|foltern|vergewaltigen|"
            r"verprugeln|entfuhren|hinrichten|abstechen|erschlagen|beseitigen|zusammenschlagen)")
_DE_PROPERTY = (r"(?:ein|eine|einen|das|die|den|mein|meine|meinen|sein|seine|ihr|ihre)\s+(?:\w+\s+)?(?:haus|gebaude|schule|"
                r"krankenhaus|kirche|moschee|synagoge|auto|brucke|stadion|bahnhof|flughafen|flugzeug|zug|stadt|dorf|"
                r"einkaufszentrum|buro|fabrik|kraftwerk|polizeistation|wohnung)")
_PT_HOW = r"(?:como\s+(?:posso|poderia|eu\s+posso|faco\s+para|se\s+faz\s+para)?|melhor\s+(?:forma|maneira|jeito)\s+de|(?:formas|maneiras)\s+de)"
_PT_TARGET = (r"(?:alguem|uma\s+pessoa|(?:meu|minha|meus|minhas|seu|sua|o\s+meu|a\s+minha)\s+\w+|as\s+pessoas|pessoas|"
              r"um\s+(?:homem|policial|vizinho|politico|bebe)|uma\s+(?:mulher|crianca|vizinha)|ele|ela|eles|elas)")
_IT_HOW = (r"(?:come\s+(?:posso|potrei|faccio\s+a|si\s+fa\s+a|si\s+puo)?|(?:modo|metodo|maniera)\s+(?:migliore|piu\s+\w+)\s+per|"
           r"(?:modi|metodi)\s+per)")
_IT_TARGET = (r"(?:qualcuno|una\s+persona|(?:il\s+|la\s+|i\s+|le\s+)?(?:mio|mia|miei|mie|suo|sua)\s+\w+|la\s+gente|le\s+persone|"
              r"persone|un\s+(?:uomo|bambino|poliziotto|vicino|politico)|una\s+(?:donna|bambina|vicina)|lui|lei|loro)")
_ROMANCE_PROPERTY_IT_PT = (r"(?:um|uma|o|a|meu|minha|seu|sua|un|una|il|la|lo|l'|mio|mia|la\s+mia|il\s+mio)\s*(?:\w+\s+)?(?:casa|predio|"
                           r"edificio|palazzo|escola|scuola|hospital|ospedale|igreja|chiesa|mesquita|moschea|sinagoga|carro|auto|"
                           r"macchina|ponte|estadio|stadio|estacao|stazione|aeroporto|aviao|aereo|trem|treno|cidade|citta)")

UNSAFE_RULES: list[Rule] = [
    # "kill my neighbour", "give someone a concussion", "land a punch on my wife".
    Rule("unsafe.violence", 0.85, rf"{_HOW}\b{_GAP3}{_VIOLENCE_GATE}(?:{_HARM_VERBS}\s+(?:(?<!hit\s)(?<!hitting\s)up\s+|open\s+)?{_HUMAN_TARGET}\b"
         rf"{_NOT_MESSAGE}|(?:give|giving|deliver|delivering)\s+{_HUMAN_TARGET}\s+(?:a|an)\s+(?:\w+\s+)?(?:headshot|beating|"
         rf"black\s+eye|concussion|broken\s+(?:nose|jaw|arm|leg|ribs?|neck|bones?)|overdose|lethal\s+(?:dose|injection)|"
         rf"stab\s+wound)\b|(?:land|landing|throw|throwing|deliver|delivering)\s+(?:a|an)\s+(?:\w+\s+)?(?:punch|blow|kick|"
         rf"headbutt|uppercut)\s+(?:on|to|at)\s+{_HUMAN_TARGET}\b|"
         # "a weapon to shoot people", "push my brother off a cliff", "find people to shoot?"
         rf"(?:weapon|gun|bomb|explosive|poison|device|trap)s?\s+(?:to|that\s+(?:can|will|could|would))\s+"
         rf"{_HARM_VERBS}\s+{_HUMAN_TARGET}\b|(?:push|shove|throw)(?:es|ed|ing|s|n)?\s+{_HUMAN_TARGET}\s+(?:off|down|out\s+of|from|into|"
         rf"under|in\s+front\s+of)\s+(?:a|an|the|my|his|her|their)\s+(?:\w+\s+)?(?:cliff|bridge|building|roof|balcony|stairs|"
         rf"staircase|window|river|lake|sea|ocean|traffic|tracks|train|bus)\b|(?:find|hire|get|pay)\s+(?:someone|somebody|people|"
         rf"a\s+person|a\s+hitman)\s+(?:i\s+can\s+|to\s+){_HARM_VERBS}(?=\s*(?:[?.!,;]|$))){_NOT_FICTION}",
         _HOW_TRIGGERS, reason="request to harm people"),
    Rule("unsafe.violence_noun", 0.8, rf"{_HOW}\b{_GAP4}(?:commit(?:s|ted|ting)?|plan(?:s|ned|ning)?(?:\s+and\s+(?:execute|carry\s+out|commit|"
         r"pull\s+off))?|carry(?:ing)?\s+out|get(?:ting)?\s+away\s+with|stag(?:e|ing)|execut(?:e|ing)|pull(?:ing)?\s+off|"
         r"orchestrat(?:e|ing)|organi[sz](?:e|ing)|perpetrat(?:e|ing)|set(?:ting)?\s+up|run(?:ning)?|start(?:ing)?)\s+"
         r"(?:a\s+|an\s+|the\s+|another\s+|my\s+own\s+)?(?:murder|massacre|assassination|kidnapping|abduction|rape|sexual\s+assault|"
         r"genocide|ethnic\s+cleansing|pogrom|lynching|hijacking|carjacking|home\s+invasion|armed\s+robbery|mugging|hit[\s-]and[\s-]run|"
         r"honou?r\s+killing|mass\s+murder|killing\s+spree|shooting\s+spree|poisoning|terror(?:ist)?\s+(?:attack|plot|cell)|"
         r"(?:bomb|suicide|knife|acid|chemical|biological|vehicle|truck|arson|lone[\s-]wolf)\s+attack|"
         r"(?:mass|school|church|mall|stadium|workplace|campus|concert|office|drive-by)\s+(?:shooting|stabbing|bombing|attack|"
         r"explosion|massacre)|(?:(?!controlled\b)\w+\s+)?(?:explosion|bombing)|stabbing|hate\s+crime|arson|treason|fraud|"
         r"robbery|burglary|heist|coup|(?:human|sex|child|people|organ|arms|gun|drug)\s+(?:trafficking|smuggling)(?:\s+(?:operation|"
         r"ring|network|business|scheme|racket))?)s?\b"
         # "a murder mystery party", "a fraud alert", "a terrorist attack drill" are not crimes.
         r"(?!\s+(?:mystery|mysteries|party|parties|game|dinner|podcast|novel|scene|trial|ballad|documentary|alerts?|detection|"
         r"prevention|protection|department|team|report|investigation|case|charges|awareness|training|drill|insurance|policy|"
         r"response|unit|squad|victims?|survivors?|hotline|lawsuit|claim)\b)" + _NOT_FICTION,
         _HOW_TRIGGERS, reason="request to commit a violent crime"),
    # Buildings, vehicles, infrastructure: "blow up a bridge", "set a school on fire", "slash my ex's tyres".
    Rule("unsafe.property", 0.8, rf"{_HOW}\b{_GAP3}(?:{_WRECK_STRONG}\s+{_OWNER}{_PROPERTY}|"
         rf"set(?:ting)?\s+{_OWNER}{_PROPERTY}\s+(?:on\s+fire|alight|ablaze|aflame)|"
         rf"{_WRECK_WEAK}\s+{_OTHERS}\s+(?:\w+\s+)?{_PROPERTY}){_NOT_FICTION}",
         _HOW_TRIGGERS, reason="request to destroy property or infrastructure"),
    Rule("unsafe.weapons_drugs", 0.85, r"\b(?:how\s+(?:do|can|could)\s+(?:i|we|you|one)|how\s+to|ways?\s+to|steps?\s+to|recipe\s+for|instructions\s+for|"
         r"guide\s+to|help\s+me|teach\s+me|best\s+way\s+to)\s+(?:\w+\s+){0,2}(?:make|cook|synthesi[sz]e|produce|manufacture|build|brew|grow|"
         r"extract|create|3d\s*print|assemble)\s+(?:a\s+|an\s+|some\s+|my\s+own\s+|homemade\s+)?(?:pipe\s+)?(?:bomb|explosive|ied|grenade|"
         r"molotov|napalm|thermite|meth(?:amphetamine)?|crack|cocaine|heroin|fentanyl|lsd|mdma|ecstasy|ricin|sarin|anthrax|nerve\s+agent|"
         r"chemical\s+weapon|bioweapon|biological\s+weapon|ghost\s+gun|untraceable\s+gun|silencer|poison|mustard\s+gas|chlorine\s+gas)s?\b",
         _w("how ways way steps step recipe instructions guide help teach best"), reason="weapons or drug synthesis"),
    Rule("unsafe.buy_illegal", 0.7, rf"{_ASK}\s+(?:\w+\s+)?(?:buy(?:ing)?|get(?:ting)?|find(?:ing)?|purchas(?:e|ing)|scor(?:e|ing)|"
         r"order(?:ing)?|obtain(?:ing)?|acquir(?:e|ing)|get(?:ting)?\s+(?:my\s+)?hands\s+on)\s+(?:some\s+|a\s+gram\s+of\s+)?(?:weed|"
         r"ecstasy|mdma|cocaine|coke\s+(?:powder|to\s+snort)|heroin|meth|crack|lsd|fentanyl|ketamine|a\s+gun\s+(?:illegally|without)|"
         r"an?\s+unregistered\s+gun|stolen\s+\w+|fake\s+(?:passport|id)|child)(?:\s+pills)?\b"
         # "weed killer", "crack filler": garden and DIY supplies.
         r"(?!\s+(?:killers?|whackers?|wackers?|eaters?|barriers?|control|trimmers?|pullers?|fillers?|sealants?|sealers?|repair|kit|"
         r"glue|paste|spray|in\s+(?:the|my|a)|on\s+(?:the|my)|proof)\b)", _HOW_TRIGGERS,
         reason="buy illegal goods"),
    Rule("unsafe.sell_drugs", 0.75, r"\bhow\s+(?:do|can)\s+i\s+(?:sell|deal|smuggle|traffic)\s+(?:\w+\s+){0,2}(?:marihuana|marijuana|weed|drugs|"
         r"cocaine|heroin|meth|guns|weapons|people|humans|organs)\b", _w("how"), reason="illegal trade"),
    Rule("unsafe.crime", 0.7, rf"{_ASK}\s+(?:\w+\s+){{0,2}}(?:launder(?:ing)?|embezzl(?:e|ing)|shoplift(?:ing)?|steal(?:ing)?|rob(?:bing)?|"
         r"hack\s+into|hacking\s+into|break\s+into|breaking\s+into|burgl(?:e|ing)|counterfeit(?:ing)?|forg(?:e|ing)|blackmail(?:ing)?|extort(?:ing)?|"
         r"brib(?:e|ing)|evad(?:e|ing)\s+taxes|smuggl(?:e|ing)|pickpocket(?:ing)?|hotwir(?:e|ing)|disabl(?:e|ing)\s+the\s+alarm)\b"
         # Idioms: "steal the show", "steal a base", "steal someone's heart".
         r"(?!\s+(?:the\s+(?:show|spotlight|limelight)|a\s+(?:base|kiss|glance|look|march|moment)|bases|(?:\w+'s\s+|my\s+|your\s+)"
         r"(?:heart|thunder)|my\s+own))"
         r"(?![^\n]{0,40}\b(?:game|gta|minecraft|skyrim|film|movie|show|series|novel|book|industry|market|career)\b)",
         _HOW_TRIGGERS, reason="request to commit a crime"),
    Rule("unsafe.hate", 0.75, rf"\bwhy\s+(?:should(?:n'?t)?|must|ought|would\s+it\s+be\s+(?:best|better|good|right)|is\s+it\s+(?:best|better|"
         rf"good|right|fair)|are|is)\b{_NO_STANCE}{{0,5}}?\s+{_HATE_GROUP}\b(?:\s+\w+){{0,3}}?\s+{_DISCRIM}", _w("why"),
         reason="discriminatory premise"),
    # The right comes before the group: "why take away immigrants' right to vote".
    Rule("unsafe.hate_rights", 0.75, rf"\bwhy\s+(?:should(?:n'?t)?|must|ought|would\s+it\s+be|is\s+it|don'?t\s+we|can'?t\s+we|"
         rf"do\s+we\s+not)\b{_NO_STANCE}{{0,5}}?\s+(?:take|took|taking|strip|stripped|revoke|revoked|remove|removed|deny|"
         rf"denied|denying|ban|banned)\s+(?:away\s+)?(?:{_HATE_GROUP}(?:'s?)?\s+(?:\w+\s+)?(?:rights?|vot\w*|citizenship|freedoms?|jobs|"
         rf"benefits|healthcare|children|kids|passports|right\s+to\s+\w+)|(?:the\s+)?(?:rights?|vote|voting\s+rights|citizenship|"
         rf"freedoms?|right\s+to\s+\w+)(?:\s+\w+){{0,2}}?\s+(?:from|of)\s+{_HATE_GROUP})\b", _w("why"),
         reason="discriminatory premise"),
    Rule("unsafe.hate_can", 0.7, rf"\bwhy\s+can(?:'t|not)?\s+{_HATE_GROUP}\s+(?:not\s+)?(?:speak\s+(?:proper|correct|good)\s+english|"
         rf"be\s+trusted|think\s+(?:logically|rationally|for\s+themselves)|drive|lead|do\s+math|control\s+themselves)\b", _w("why"),
         reason="discriminatory premise"),
    Rule("unsafe.denial", 0.75, rf"\b(?:convince|persuade|make)\s+(?:people|everyone|others|my\s+\w+)\s+(?:believe\s+)?(?:that\s+)?(?:the\s+)?"
         rf"\w+(?:\s+\w+){{0,3}}\s+(?:never\s+(?:took\s+place|happened|existed)|was\s+(?:a\s+hoax|fake|staged))",
         _w("convince persuade make"), reason="atrocity denial"),
    Rule("unsafe.glorify", 0.75, r"\bwhy\s+(?:was|is|were)\s+(?:\w+\s+){1,4}(?:right|justified|morally\s+justified|correct)\s+to\s+"
         r"(?:kill|attack|invade|murder|bomb|shoot|exterminate)|\bbenefits\s+of\s+(?:ethnic\s+cleansing|genocide|slavery|the\s+holocaust)|"
         r"\b(?:slave\s+trade|slavery|holocaust|genocide)\s+(?:was\s+)?actually\s+a\s+good\s+thing", _w("why benefits slave slavery holocaust genocide"),
         reason="glorifies atrocities"),
    Rule("unsafe.replicate_atrocity", 0.7, r"\bhow\s+(?:do|can)\s+i\s+(?:repeat|replicate|recreate|plan\s+another|reproduce)\b[^\n]{0,60}\b(?:massacre|"
         r"genocide|bomb|bombs|bombing|shooting|attack|death|assassination|concentration\s+camp|death\s+camp|gas\s+chamber|"
         r"holocaust|ethnic\s+cleansing|lynching|pogrom)"
         r"(?![^\n]{0,40}\b(?:model|museum|exhibit|diorama|class|lesson|project|essay|memorial|film|movie|game)\b)", _w("how"),
         reason="replicate an atrocity"),
    Rule("unsafe.privacy", 0.65, r"\b(?:what\s+(?:is|are)|where\s+can\s+i\s+find|how\s+can\s+i\s+(?:access|find|get|see|read))\s+(?:my\s+\w+'?s?|"
         r"(?:my|our)\s+\w+\s+\w+'s|someone'?s|a\s+stranger'?s|celebrities'?|people'?s|my\s+\w+'s\s+\w+)\s*(?:'s\s+)?(?:social\s+security\s+number|ssn|"
         r"password|passwords|medical\s+records|mental\s+health\s+history|browsing\s+history|internet\s+browsing\s+history|"
         r"(?:mobile\s+)?phone\s+number|home\s+address|immigration\s+status|religious\s+beliefs|political\s+affiliation|sexual\s+"
         r"orientation|bank\s+(?:account\s+)?details|credit\s+card|salary|criminal\s+record|instagram\s+password|emails?|location)\b",
         _w("what where how"), reason="private information about a third party"),
    Rule("unsafe.salary", 0.6, r"\bexactly\s+how\s+much\s+(?:money\s+)?does\s+my\s+\w+\s+(?:earn|make)\b", _w("exactly"),
         reason="private information about a third party"),
    # Multilingual core: "how do I kill/poison someone", "how do I burn down a school", "how to make a bomb".
    Rule("unsafe.violence.es", 0.8, rf"\b{_ES_HOW}\s*(?:\w+\s+){{0,2}}?(?:matar|asesinar|envenenar|apunalar|acuchillar|secuestrar|violar|"
         rf"torturar|estrangular|ahogar|golpear|herir|lastimar|degollar|ejecutar|eliminar|descuartizar)(?:(?:l[oa]s?|les?)\b|"
         rf"\s+{_ES_TARGET})" + _NOT_FICTION,
         _w("como mejor peor formas maneras donde"), reason="request to harm people (es)"),
    Rule("unsafe.property.es", 0.8, rf"\b{_ES_HOW}\s*(?:\w+\s+){{0,2}}?(?:(?:hacer|hago|haria)\s+(?:explotar|estallar)|dinamitar|"
         rf"bombardear|quemar|incendiar|prender(?:le)?\s+fuego\s+a|volar\s+por\s+los\s+aires)\s+{_ES_PROPERTY}\b" + _NOT_FICTION,
         _w("como mejor peor formas maneras donde"), reason="request to destroy property (es)"),
    Rule("unsafe.violence.fr", 0.8, rf"\b{_FR_HOW}\s*(?:\w+\s+){{0,2}}?(?:(?:tuer|assassiner|empoisonner|poignarder|kidnapper|enlever|"
         rf"violer|torturer|etrangler|noyer|frapper|blesser|abattre|egorger|tabasser|executer|eliminer)\s+{_FR_TARGET}|"
         rf"(?:le|la|les|l')\s*(?:tuer|assassiner|empoisonner|poignarder|kidnapper|violer|torturer|etrangler|noyer|abattre|egorger))\b"
         + _NOT_FICTION, _w("comment meilleure meilleur facons manieres moyens"), reason="request to harm people (fr)"),
    Rule("unsafe.property.fr", 0.8, rf"\b{_FR_HOW}\s*(?:\w+\s+){{0,2}}?(?:faire\s+(?:exploser|sauter)|incendier|bruler|mettre\s+le\s+feu\s+a|"
         rf"bombarder|detruire)\s+{_FR_PROPERTY}\b" + _NOT_FICTION,
         _w("comment meilleure meilleur facons manieres moyens"), reason="request to destroy property (fr)"),
    Rule("unsafe.violence.de", 0.8, rf"\b(?:wie\s+(?:(?:kann|konnte|soll|sollte|muss)\s+(?:ich|man|wir)\s+{_DE_TARGET}\s+(?:\w+\s+){{0,2}}?"
         rf"{_DE_KILL}|(?:tote|ermorde|vergifte|erschiesse|ersteche|erwurge|foltere|entfuhre|verletze)\s+ich\s+{_DE_TARGET}|"
         rf"bringe\s+ich\s+{_DE_TARGET}\s+(?:\w+\s+){{0,2}}?um)|(?:beste|einfachste|schnellste|sicherste)n?\s+(?:weg|methode|art|"
         rf"moglichkeit),?\s+(?:um\s+)?{_DE_TARGET}\s+(?:\w+\s+){{0,2}}?(?:zu\s+{_DE_KILL}|umzubringen))\b",
         _w("wie beste einfachste schnellste sicherste besten einfachsten schnellsten sichersten"), reason="request to harm people (de)"),
    Rule("unsafe.property.de", 0.8, rf"\bwie\s+(?:(?:kann|konnte|soll|sollte|muss)\s+(?:ich|man|wir)\s+{_DE_PROPERTY}\s+(?:\w+\s+)?"
         rf"(?:in\s+die\s+luft\s+(?:sprengen|jagen)|sprengen|anzunden|abfackeln|niederbrennen|abbrennen|in\s+brand\s+(?:setzen|stecken)|"
         rf"bombardieren)|(?:sprenge|zunde|fackle|brenne|jage|bombardiere)\s+ich\s+{_DE_PROPERTY})\b", _w("wie"),
         reason="request to destroy property (de)"),
    Rule("unsafe.violence.pt_it", 0.8, rf"\b(?:{_PT_HOW}\s*(?:\w+\s+){{0,2}}?(?:matar|assassinar|envenenar|esfaquear|sequestrar|estuprar|"
         rf"torturar|estrangular|afogar|espancar|machucar|ferir)\s+{_PT_TARGET}|{_IT_HOW}\s*(?:\w+\s+){{0,2}}?(?:(?:uccidere|ammazzare|"
         rf"avvelenare|accoltellare|rapire|stuprare|violentare|torturare|strangolare|annegare|picchiare|ferire)\s+{_IT_TARGET}|"
         rf"(?:uccider|ammazzar|avvelenar|accoltellar|strangolar)(?:lo|la|li|le)))\b" + _NOT_FICTION,
         _w("como melhor formas maneiras come modo metodo maniera modi metodi"), reason="request to harm people (pt/it)"),
    Rule("unsafe.property.pt_it", 0.8, rf"\b(?:{_PT_HOW}|{_IT_HOW})\s*(?:\w+\s+){{0,2}}?(?:explodir|incendiar|queimar|por\s+fogo\s+em|bombardear|"
         rf"far\s+esplodere|fare\s+esplodere|incendiare|bruciare|dare\s+fuoco\s+a|bombardare)\s+{_ROMANCE_PROPERTY_IT_PT}\b" + _NOT_FICTION,
         _w("como melhor formas maneiras come modo metodo maniera modi metodi"), reason="request to destroy property (pt/it)"),
    Rule("unsafe.bomb.multi", 0.8, r"(?:como\s+(?:hacer|fabricar|construir)\s+una\s+bomba|comment\s+(?:fabriquer|faire)\s+une\s+bombe|"
         r"wie\s+baue\s+ich\s+eine\s+bombe|come\s+(?:costruire|fare)\s+una\s+bomba|como\s+fazer\s+uma\s+bomba|"
         r"как\s+(?:сделать|изготовить|собрать)\s+бомбу|如何制造炸弹|怎么做炸弹|怎么制作炸弹|爆弾の作り方|폭탄\s?만드는\s?법|كيف\s+اصنع\s+قنبله|"
         r"बम\s+कैसे\s+बनाए|bomba\s+nasil\s+yapilir)", ("como", "comment", "wie", "come", "как", "如何", "怎么", "爆弾", "폭탄", "كيف", "बम", "bomba"),
         substring=True, reason="bomb-making request (multilingual)"),
]

# --------------------------------------------------------------------------------------------
# Crisis language (self-harm, suicide): flagged for escalation, never used to refuse a person.
# --------------------------------------------------------------------------------------------
CRISIS_RULES: list[Rule] = [
    Rule("crisis.en", 0.9, r"\b(?:kill\s+myself|killing\s+myself|end\s+(?:my|it\s+all|my\s+own)\s*(?:life)?\b|ending\s+my\s+life|take\s+my\s+(?:own\s+)?life|"
         r"commit(?:ting)?\s+suicide|suicidal|want\s+to\s+die|wanna\s+die|better\s+off\s+dead|no\s+reason\s+to\s+live|hang\s+myself|"
         r"drown\s+myself|overdose\s+on|slit\s+my\s+wrists?|cut(?:ting)?\s+myself|self[-\s]harm|hurt\s+myself|"
         r"go\s+out\s+like(?!\s+(?:a\s+light|that|this|a\s+boss|a\s+champ)\b)|overdose\s+like|"
         r"(?:cut|slit|slash|slice|sever|open)(?:ting)?\s+my\s+(?:own\s+)?(?:wrists?|veins?|throat|(?:\w+\s+)?arter(?:y|ies))\b|"
         r"die\s+like|end\s+my\s+life\s+like|don'?t\s+want\s+to\s+(?:live|be\s+alive|wake\s+up))",
         _w("kill killing end ending take commit committing suicidal want wanna better no hang drown overdose slit cut cutting self hurt "
            "go die don dont slash slice sever open"), reason="self-harm or suicide language"),
    # Separate from crisis.en (one rule per shape) so that each of their common words ("the", "way", "into")
    # must occur before they run.
    Rule("crisis.famous.en", 0.9, r"\b(?:die|end\s+(?:it(?:\s+all)?|my\s+(?:own\s+)?life)|kill\s+myself|go)\s+(?:in\s+)?the\s+"
         r"(?:same\s+)?way\s+(?:as\s+|that\s+)?\w+(?:\s+\w+)?\s+did\b", _w("die end kill go"),
         reason="a famous suicide as a model"),
    Rule("crisis.carve.en", 0.9, r"\b(?:carve|carving|cut|cutting|burn|burning)\s+(?:\w+\s+){0,3}?into\s+my\s+(?:own\s+)?"
         r"(?:arms?|skin|wrists?|legs?|thighs?)\b", _w("carve carving cut cutting burn burning"), reason="self-harm method"),
    Rule("crisis.es", 0.9, r"\b(?:quiero\s+morir(?:me)?|suicidarme|quitarme\s+la\s+vida|matarme|no\s+quiero\s+vivir|acabar\s+con\s+mi\s+vida|hacerme\s+dano)\b",
         _w("quiero suicidarme quitarme matarme no acabar hacerme"), reason="self-harm language (es)"),
    Rule("crisis.fr", 0.9, r"\b(?:je\s+veux\s+mourir|me\s+suicider|me\s+tuer|mettre\s+fin\s+a\s+(?:mes\s+jours|ma\s+vie)|en\s+finir\s+avec\s+la\s+vie|"
         r"me\s+faire\s+du\s+mal)\b", _w("je me mettre en"), reason="self-harm language (fr)"),
    Rule("crisis.de", 0.9, r"\b(?:ich\s+will\s+(?:nicht\s+mehr\s+leben|sterben)|mich\s+umbringen|mir\s+das\s+leben\s+nehmen|selbstmord|suizid|"
         r"mich\s+selbst\s+verletzen)\b", _w("ich mich mir selbstmord suizid"), reason="self-harm language (de)"),
    Rule("crisis.pt_it", 0.9, r"\b(?:quero\s+morrer|me\s+matar|tirar\s+minha\s+(?:propria\s+)?vida|suicidio|voglio\s+morire|uccidermi|togliermi\s+la\s+vita|"
         r"suicidarmi|suicidio)\b", _w("quero me tirar suicidio voglio uccidermi togliermi suicidarmi"), reason="self-harm language (pt/it)"),
    Rule("crisis.tr", 0.9, r"\b(?:olmek\s+istiyorum|kendimi\s+oldur|intihar|yasamak\s+istemiyorum|canima\s+kiy)\w*",
         _w("olmek kendimi intihar yasamak canima"), reason="self-harm language (tr)"),
    Rule("crisis.ru", 0.9, r"(?:хочу\s+умереть|покончить\s+с\s+собой|убить\s+себя|суицид|не\s+хочу\s+жить|самоубийств)",
         ("умереть", "покончить", "убить себя", "суицид", "не хочу жить", "самоубийств"), substring=True, reason="self-harm language (ru)"),
    Rule("crisis.cjk", 0.9, r"(?:我想死|想自杀|想自殺|自杀|自殺|不想活|結束生命|结束生命|死にたい|自殺したい|消えたい|죽고\s?싶|자살|살고\s?싶지\s?않)",
         ("死", "自杀", "自殺", "不想活", "生命", "消えたい", "죽고", "자살", "살고"), substring=True, reason="self-harm language (zh/ja/ko)"),
    Rule("crisis.ar_hi", 0.9, r"(?:اريد\s+ان\s+اموت|انتحار|اقتل\s+نفسي|انهي\s+حياتي|मैं\s+मरना\s+चाहता|मैं\s+मरना\s+चाहती|आत्महत्या|खुद\s+को\s+मार|"
         r"जीना\s+नहीं\s+चाहता)", ("اموت", "انتحار", "نفسي", "حياتي", "मरना", "आत्महत्या", "खुद को", "जीना"), substring=True,
         reason="self-harm language (ar/hi)"),
]

# Phrases a model uses when it is about to recite its instructions.
LEAK_PHRASE_RULES: list[Rule] = [
    Rule("leak.phrase.en", 0.55, r"\b(?:my|the)\s+(?:system\s+prompt|initial\s+instructions|hidden\s+instructions|original\s+instructions|"
         r"instructions\s+i\s+was\s+given)\s+(?:is|are|says?|reads?|states?)\b|\bi\s+(?:was|have\s+been)\s+(?:instructed|told|programmed)\s+to\b",
         _w("my the i"), reason="model recites its instructions"),
]
