"""Compose the system prompt and style directives for one turn from a persona and the person's state.

Calmer and simpler under distress; under crisis (level ≥ medium) safe-messaging guidance and the
helplines of the person's country from ``data/helplines.yaml`` (only entries marked
``confidence: high``, plus the emergency number). Guidance is written in the person's language
for en, es, pt, fr, de, it; other languages get the English text and an instruction to reply in
the person's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .crisis import LEVELS
from .language import normalise_language_code
from .personas import Persona

HELPLINES_PATH = Path(__file__).with_name("data") / "helplines.yaml"

_LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "pt": "Portuguese", "fr": "French", "de": "German", "it": "Italian",
    "nl": "Dutch", "ca": "Catalan", "pl": "Polish", "ru": "Russian", "tr": "Turkish", "ar": "Arabic",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "hi": "Hindi", "sv": "Swedish", "da": "Danish",
    "no": "Norwegian", "fi": "Finnish", "el": "Greek", "ro": "Romanian", "uk": "Ukrainian", "cs": "Czech",
}

# Guidance text per language. Keys are stable; every language must define every key.
_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "reply": "Always reply in English.",
        "persona": "You are {display_name}. {description}",
        "tone": "Tone: {tone}.",
        "principles": "Principles you never break:",
        "devices": "Rhetorical habits:",
        "arguments": "How you build an answer:",
        "exemplars": "Examples of your voice:",
        "state": "The person's current state: mostly {emotion}, valence {valence:+.2f} (−1 negative … +1 positive), arousal {arousal:.2f} (0 calm … 1 agitated).",
        "distress": "The person seems to be having a hard time. Be calm and warm, use short and simple sentences, acknowledge their feelings before anything else, ask one question at a time, and do not use humour.",
        "agitated": "The person is upset. Stay calm, do not argue or lecture, acknowledge the frustration and keep answers short.",
        "positive": "The person is in a good mood; you can mirror their energy lightly.",
        "neutral": "Keep your usual style.",
        "humour_ok": "Light humour is fine when it fits ({style}).",
        "check_in": "Some of what the person said may hint at distress. Gently check how they are doing and whether they are safe, without over-reacting.",
        "crisis": "SAFETY FIRST: the person may be at risk of suicide or self-harm. Their safety comes before every other goal in this conversation.",
        "sm_empathy": "Respond with empathy and without judgement. Take what they say seriously; do not minimise, argue or lecture.",
        "sm_ask": "Ask calmly and directly whether they are thinking about suicide and whether they are safe right now.",
        "sm_methods": "Never describe or discuss methods, means, doses or places, even if asked; do not present suicide as a solution.",
        "sm_support": "Encourage them to contact a crisis line now and to reach out to someone they trust; offer to stay with them in this conversation.",
        "sm_emergency": "If they are in immediate danger, tell them to call the emergency number {emergency} now.",
        "sm_emergency_unknown": "If they are in immediate danger, tell them to call their local emergency number now.",
        "sm_others": "If they may harm someone else, encourage them to step away from any weapon or means and to contact emergency services.",
        "sm_no_humour": "No humour, no promises of confidentiality, no long paragraphs.",
        "helplines": "Crisis lines to offer (share them exactly as written):",
        "directory": "If these do not fit where the person is, point them to {url}.",
    },
    "es": {
        "reply": "Responde siempre en español.",
        "persona": "Eres {display_name}. {description}",
        "tone": "Tono: {tone}.",
        "principles": "Principios que nunca rompes:",
        "devices": "Recursos retóricos habituales:",
        "arguments": "Cómo construyes una respuesta:",
        "exemplars": "Ejemplos de tu voz:",
        "state": "Estado actual de la persona: sobre todo {emotion}, valencia {valence:+.2f} (−1 negativa … +1 positiva), activación {arousal:.2f} (0 calma … 1 agitación).",
        "distress": "La persona parece estar pasándolo mal. Mantén la calma y la calidez, usa frases cortas y sencillas, reconoce primero sus sentimientos, haz una sola pregunta cada vez y no uses el humor.",
        "agitated": "La persona está alterada. Mantén la calma, no discutas ni sermonees, reconoce su frustración y responde de forma breve.",
        "positive": "La persona está de buen humor; puedes acompañar su energía con naturalidad.",
        "neutral": "Mantén tu estilo habitual.",
        "humour_ok": "Un poco de humor está bien cuando encaja ({style}).",
        "check_in": "Algo de lo que dice la persona podría indicar malestar. Pregúntale con delicadeza cómo está y si está a salvo, sin alarmar.",
        "crisis": "LA SEGURIDAD ES LO PRIMERO: la persona puede estar en riesgo de suicidio o de autolesión. Su seguridad está por encima de cualquier otro objetivo en esta conversación.",
        "sm_empathy": "Responde con empatía y sin juzgar. Toma en serio lo que dice; no minimices, no discutas ni sermonees.",
        "sm_ask": "Pregúntale con calma y de forma directa si está pensando en el suicidio y si ahora mismo está a salvo.",
        "sm_methods": "Nunca describas ni comentes métodos, medios, dosis ni lugares, aunque te lo pida; no presentes el suicidio como una solución.",
        "sm_support": "Anímala a contactar ahora con una línea de crisis y con alguien de confianza; ofrécete a seguir acompañándola en esta conversación.",
        "sm_emergency": "Si está en peligro inmediato, dile que llame ahora al número de emergencias {emergency}.",
        "sm_emergency_unknown": "Si está en peligro inmediato, dile que llame ahora al número de emergencias de su país.",
        "sm_others": "Si pudiera hacer daño a otra persona, anímala a alejarse de cualquier arma o medio y a contactar con los servicios de emergencia.",
        "sm_no_humour": "Sin humor, sin prometer confidencialidad, sin párrafos largos.",
        "helplines": "Líneas de ayuda que puedes ofrecer (compártelas tal cual):",
        "directory": "Si no corresponden al lugar donde está la persona, indícale {url}.",
    },
    "pt": {
        "reply": "Responda sempre em português.",
        "persona": "Você é {display_name}. {description}",
        "tone": "Tom: {tone}.",
        "principles": "Princípios que você nunca quebra:",
        "devices": "Recursos retóricos habituais:",
        "arguments": "Como você constrói uma resposta:",
        "exemplars": "Exemplos da sua voz:",
        "state": "Estado atual da pessoa: sobretudo {emotion}, valência {valence:+.2f} (−1 negativa … +1 positiva), ativação {arousal:.2f} (0 calma … 1 agitação).",
        "distress": "A pessoa parece estar passando por um momento difícil. Seja calmo e acolhedor, use frases curtas e simples, reconheça primeiro os sentimentos dela, faça uma pergunta de cada vez e não use humor.",
        "agitated": "A pessoa está chateada. Mantenha a calma, não discuta nem dê sermões, reconheça a frustração e responda de forma breve.",
        "positive": "A pessoa está de bom humor; você pode acompanhar a energia dela com leveza.",
        "neutral": "Mantenha o seu estilo habitual.",
        "humour_ok": "Um pouco de humor é bem-vindo quando couber ({style}).",
        "check_in": "Algo do que a pessoa disse pode indicar sofrimento. Pergunte com delicadeza como ela está e se está em segurança, sem alarmar.",
        "crisis": "SEGURANÇA EM PRIMEIRO LUGAR: a pessoa pode estar em risco de suicídio ou de autolesão. A segurança dela vem antes de qualquer outro objetivo nesta conversa.",
        "sm_empathy": "Responda com empatia e sem julgamentos. Leve a sério o que ela diz; não minimize, não discuta nem dê sermões.",
        "sm_ask": "Pergunte com calma e de forma direta se ela está pensando em suicídio e se está em segurança agora.",
        "sm_methods": "Nunca descreva nem comente métodos, meios, doses ou lugares, mesmo que ela peça; não apresente o suicídio como solução.",
        "sm_support": "Incentive-a a entrar em contato agora com uma linha de apoio e com alguém de confiança; ofereça-se para continuar com ela nesta conversa.",
        "sm_emergency": "Se ela estiver em perigo imediato, diga-lhe para ligar agora para o número de emergência {emergency}.",
        "sm_emergency_unknown": "Se ela estiver em perigo imediato, diga-lhe para ligar agora para o número de emergência local.",
        "sm_others": "Se ela puder machucar outra pessoa, incentive-a a se afastar de qualquer arma ou meio e a contatar os serviços de emergência.",
        "sm_no_humour": "Sem humor, sem promessas de sigilo, sem parágrafos longos.",
        "helplines": "Linhas de apoio a oferecer (compartilhe exatamente como estão escritas):",
        "directory": "Se não servirem para o lugar onde a pessoa está, indique {url}.",
    },
    "fr": {
        "reply": "Réponds toujours en français.",
        "persona": "Tu es {display_name}. {description}",
        "tone": "Ton : {tone}.",
        "principles": "Principes que tu ne transgresses jamais :",
        "devices": "Procédés rhétoriques habituels :",
        "arguments": "Comment tu construis une réponse :",
        "exemplars": "Exemples de ta voix :",
        "state": "État actuel de la personne : surtout {emotion}, valence {valence:+.2f} (−1 négative … +1 positive), activation {arousal:.2f} (0 calme … 1 agitation).",
        "distress": "La personne semble traverser un moment difficile. Reste calme et chaleureux, utilise des phrases courtes et simples, reconnais d'abord ce qu'elle ressent, pose une seule question à la fois et n'utilise pas l'humour.",
        "agitated": "La personne est contrariée. Reste calme, ne discute pas et ne fais pas la morale, reconnais sa frustration et réponds brièvement.",
        "positive": "La personne est de bonne humeur ; tu peux accompagner son énergie avec légèreté.",
        "neutral": "Garde ton style habituel.",
        "humour_ok": "Un peu d'humour convient quand il a sa place ({style}).",
        "check_in": "Certains propos de la personne pourraient traduire une détresse. Demande-lui avec douceur comment elle va et si elle est en sécurité, sans dramatiser.",
        "crisis": "LA SÉCURITÉ D'ABORD : la personne est peut-être à risque de suicide ou d'automutilation. Sa sécurité passe avant tout autre objectif dans cette conversation.",
        "sm_empathy": "Réponds avec empathie et sans jugement. Prends au sérieux ce qu'elle dit ; ne minimise pas, ne discute pas, ne fais pas la morale.",
        "sm_ask": "Demande-lui calmement et directement si elle pense au suicide et si elle est en sécurité en ce moment.",
        "sm_methods": "Ne décris ni n'évoque jamais de méthodes, de moyens, de doses ou de lieux, même si elle le demande ; ne présente jamais le suicide comme une solution.",
        "sm_support": "Encourage-la à contacter maintenant une ligne d'écoute et une personne de confiance ; propose-lui de rester avec elle dans cette conversation.",
        "sm_emergency": "Si elle est en danger immédiat, dis-lui d'appeler maintenant le numéro d'urgence {emergency}.",
        "sm_emergency_unknown": "Si elle est en danger immédiat, dis-lui d'appeler maintenant le numéro d'urgence local.",
        "sm_others": "Si elle risque de faire du mal à quelqu'un, encourage-la à s'éloigner de toute arme ou de tout moyen et à contacter les services d'urgence.",
        "sm_no_humour": "Pas d'humour, pas de promesse de confidentialité, pas de longs paragraphes.",
        "helplines": "Lignes d'écoute à proposer (à transmettre telles quelles) :",
        "directory": "Si elles ne correspondent pas au lieu où se trouve la personne, indique-lui {url}.",
    },
    "de": {
        "reply": "Antworte immer auf Deutsch.",
        "persona": "Du bist {display_name}. {description}",
        "tone": "Ton: {tone}.",
        "principles": "Grundsätze, die du nie brichst:",
        "devices": "Rhetorische Gewohnheiten:",
        "arguments": "Wie du eine Antwort aufbaust:",
        "exemplars": "Beispiele für deine Stimme:",
        "state": "Aktueller Zustand der Person: vor allem {emotion}, Valenz {valence:+.2f} (−1 negativ … +1 positiv), Erregung {arousal:.2f} (0 ruhig … 1 aufgewühlt).",
        "distress": "Der Person scheint es gerade schlecht zu gehen. Sei ruhig und warmherzig, nutze kurze, einfache Sätze, geh zuerst auf ihre Gefühle ein, stelle jeweils nur eine Frage und verzichte auf Humor.",
        "agitated": "Die Person ist aufgebracht. Bleib ruhig, diskutiere nicht und belehre nicht, erkenne den Ärger an und antworte kurz.",
        "positive": "Die Person ist gut gelaunt; du kannst ihre Energie leicht aufgreifen.",
        "neutral": "Behalte deinen gewohnten Stil bei.",
        "humour_ok": "Etwas Humor ist in Ordnung, wenn er passt ({style}).",
        "check_in": "Manches, was die Person sagt, könnte auf Belastung hindeuten. Frag behutsam nach, wie es ihr geht und ob sie in Sicherheit ist, ohne zu dramatisieren.",
        "crisis": "SICHERHEIT ZUERST: Die Person ist möglicherweise suizid- oder selbstverletzungsgefährdet. Ihre Sicherheit hat Vorrang vor jedem anderen Ziel dieses Gesprächs.",
        "sm_empathy": "Antworte einfühlsam und ohne zu urteilen. Nimm ernst, was sie sagt; verharmlose nichts, diskutiere nicht und belehre nicht.",
        "sm_ask": "Frag ruhig und direkt, ob sie an Suizid denkt und ob sie gerade in Sicherheit ist.",
        "sm_methods": "Beschreibe oder bespreche niemals Methoden, Mittel, Dosen oder Orte, auch nicht auf Nachfrage; stelle Suizid nie als Lösung dar.",
        "sm_support": "Ermutige sie, jetzt ein Krisentelefon und eine Vertrauensperson zu kontaktieren; biete an, im Gespräch bei ihr zu bleiben.",
        "sm_emergency": "Wenn sie in akuter Gefahr ist, sag ihr, dass sie jetzt den Notruf {emergency} wählen soll.",
        "sm_emergency_unknown": "Wenn sie in akuter Gefahr ist, sag ihr, dass sie jetzt den örtlichen Notruf wählen soll.",
        "sm_others": "Falls sie jemand anderem schaden könnte, ermutige sie, sich von Waffen oder Mitteln zu entfernen und den Notruf zu kontaktieren.",
        "sm_no_humour": "Kein Humor, keine Versprechen von Vertraulichkeit, keine langen Absätze.",
        "helplines": "Anlaufstellen, die du anbieten kannst (genau so weitergeben):",
        "directory": "Falls diese nicht zum Aufenthaltsort der Person passen, verweise auf {url}.",
    },
    "it": {
        "reply": "Rispondi sempre in italiano.",
        "persona": "Sei {display_name}. {description}",
        "tone": "Tono: {tone}.",
        "principles": "Principi che non violi mai:",
        "devices": "Abitudini retoriche:",
        "arguments": "Come costruisci una risposta:",
        "exemplars": "Esempi della tua voce:",
        "state": "Stato attuale della persona: soprattutto {emotion}, valenza {valence:+.2f} (−1 negativa … +1 positiva), attivazione {arousal:.2f} (0 calma … 1 agitazione).",
        "distress": "La persona sembra attraversare un momento difficile. Sii calmo e caloroso, usa frasi brevi e semplici, riconosci prima di tutto ciò che prova, fai una domanda alla volta e non usare l'umorismo.",
        "agitated": "La persona è turbata. Resta calmo, non discutere e non fare prediche, riconosci la sua frustrazione e rispondi in modo breve.",
        "positive": "La persona è di buon umore; puoi accompagnare la sua energia con leggerezza.",
        "neutral": "Mantieni il tuo stile abituale.",
        "humour_ok": "Un po' di umorismo va bene quando è adatto ({style}).",
        "check_in": "Qualcosa di ciò che dice la persona potrebbe indicare sofferenza. Chiedile con delicatezza come sta e se è al sicuro, senza allarmare.",
        "crisis": "LA SICUREZZA PRIMA DI TUTTO: la persona potrebbe essere a rischio di suicidio o di autolesionismo. La sua sicurezza viene prima di ogni altro obiettivo in questa conversazione.",
        "sm_empathy": "Rispondi con empatia e senza giudicare. Prendi sul serio ciò che dice; non minimizzare, non discutere, non fare prediche.",
        "sm_ask": "Chiedile con calma e in modo diretto se sta pensando al suicidio e se in questo momento è al sicuro.",
        "sm_methods": "Non descrivere né discutere mai metodi, mezzi, dosi o luoghi, anche se te lo chiede; non presentare il suicidio come una soluzione.",
        "sm_support": "Incoraggiala a contattare subito una linea di ascolto e una persona di fiducia; offriti di restare con lei in questa conversazione.",
        "sm_emergency": "Se è in pericolo immediato, dille di chiamare subito il numero di emergenza {emergency}.",
        "sm_emergency_unknown": "Se è in pericolo immediato, dille di chiamare subito il numero di emergenza locale.",
        "sm_others": "Se potrebbe fare del male a qualcuno, incoraggiala ad allontanarsi da armi o mezzi e a contattare i servizi di emergenza.",
        "sm_no_humour": "Niente umorismo, niente promesse di riservatezza, niente paragrafi lunghi.",
        "helplines": "Linee di ascolto da proporre (condividile esattamente come sono scritte):",
        "directory": "Se non sono adatte al luogo in cui si trova la persona, indicale {url}.",
    },
}
_EMOTION_NAMES = {
    "en": {},
    "es": {"joy": "alegría", "trust": "confianza", "fear": "miedo", "surprise": "sorpresa", "sadness": "tristeza", "disgust": "asco", "anger": "enfado", "anticipation": "expectativa", "neutral": "neutral"},
    "pt": {"joy": "alegria", "trust": "confiança", "fear": "medo", "surprise": "surpresa", "sadness": "tristeza", "disgust": "nojo", "anger": "raiva", "anticipation": "expectativa", "neutral": "neutro"},
    "fr": {"joy": "joie", "trust": "confiance", "fear": "peur", "surprise": "surprise", "sadness": "tristesse", "disgust": "dégoût", "anger": "colère", "anticipation": "anticipation", "neutral": "neutre"},
    "de": {"joy": "Freude", "trust": "Vertrauen", "fear": "Angst", "surprise": "Überraschung", "sadness": "Traurigkeit", "disgust": "Ekel", "anger": "Wut", "anticipation": "Erwartung", "neutral": "neutral"},
    "it": {"joy": "gioia", "trust": "fiducia", "fear": "paura", "surprise": "sorpresa", "sadness": "tristezza", "disgust": "disgusto", "anger": "rabbia", "anticipation": "attesa", "neutral": "neutro"},
}


@dataclass(frozen=True)
class EmotionProfile:
    """What compose_prompt needs to know about the person right now."""

    dominant: str = "neutral"
    valence: float = 0.0
    arousal: float = 0.3
    crisis_level: str = "none"
    harm_to_others: bool = False


@dataclass(frozen=True)
class Helpline:
    """One crisis line from the reviewed data file."""

    country: str
    name: str
    phone: str
    sms: str
    url: str
    languages: tuple[str, ...]
    source: str
    confidence: str
    reviewed: str | None


@dataclass(frozen=True)
class ComposedPrompt:
    """The system prompt for this turn, its directives (also inside the prompt) and helplines shown."""

    system_prompt: str
    style_directives: tuple[str, ...]
    helplines: tuple[Helpline, ...]
    safe_messaging: bool
    language: str
    emergency_number: str


class HelplineDirectory:
    """Loads ``helplines.yaml``; only ``confidence: high`` entries are returned for prompts."""

    def __init__(self, path: Path = HELPLINES_PATH) -> None:
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        self._emergency: dict[str, str] = {}
        self._lines: dict[str, list[Helpline]] = {}
        for code, country in data["countries"].items():
            self._emergency[code] = str(country["emergency"])
            self._lines[code] = [self._helpline(code, raw) for raw in country.get("helplines", [])]
        self.international = [self._helpline("", raw) for raw in data.get("international", [])]

    @staticmethod
    def _helpline(country: str, raw: dict[str, Any]) -> Helpline:
        return Helpline(
            country=country, name=str(raw["name"]), phone=str(raw.get("phone", "")), sms=str(raw.get("sms", "")),
            url=str(raw.get("url", "")), languages=tuple(raw.get("languages", ())), source=str(raw["source"]),
            confidence=str(raw["confidence"]), reviewed=raw.get("reviewed"),
        )

    def countries(self) -> list[str]:
        return sorted(self._lines)

    def emergency_number(self, region_code: str) -> str:
        return self._emergency.get(region_code.upper(), "")

    def for_region(self, region_code: str, include_unconfirmed: bool = False) -> list[Helpline]:
        lines = self._lines.get(region_code.upper(), [])
        return [h for h in lines if include_unconfirmed or h.confidence == "high"]


def compose_prompt(
    persona: Persona,
    profile: EmotionProfile,
    language: str,
    region_code: str = "",
    directory: HelplineDirectory | None = None,
) -> ComposedPrompt:
    """System prompt and style directives for this turn (see module docstring)."""
    lang = normalise_language_code(language) or "en"
    text = _TEXT.get(lang, _TEXT["en"])
    if profile.crisis_level not in LEVELS:
        raise ValueError(f"crisis_level must be one of {LEVELS}, got {profile.crisis_level!r}")
    level = LEVELS.index(profile.crisis_level)
    crisis = level >= LEVELS.index("medium")
    distressed = crisis or level >= 1 or profile.valence <= -0.3 or profile.dominant in ("sadness", "fear")
    agitated = profile.dominant in ("anger", "disgust") and profile.arousal >= 0.5

    directives: list[str] = []
    if lang not in _TEXT:
        directives.append(f"Always reply in {_LANGUAGE_NAMES.get(lang, lang)} (the person's language).")
    else:
        directives.append(text["reply"])
    helplines: list[Helpline] = []
    emergency = ""
    if crisis:
        directory = directory or _default_directory()
        region = region_code.strip().upper()
        emergency = directory.emergency_number(region)
        helplines = directory.for_region(region)
        directives += [text["crisis"], text["sm_empathy"], text["sm_ask"], text["sm_methods"], text["sm_support"]]
        directives.append(text["sm_emergency"].format(emergency=emergency) if emergency else text["sm_emergency_unknown"])
        if profile.harm_to_others:
            directives.append(text["sm_others"])
        directives.append(text["sm_no_humour"])
    elif level >= 1:
        directives += [text["check_in"], text["distress"]]
    elif distressed:
        directives.append(text["distress"])
    elif agitated:
        directives.append(text["agitated"])
    elif profile.valence >= 0.3:
        directives.append(text["positive"])
        if persona.humour.level > 0 and persona.humour.style:
            directives.append(text["humour_ok"].format(style=persona.humour.style))
    else:
        directives.append(text["neutral"])

    emotion_name = _EMOTION_NAMES.get(lang, {}).get(profile.dominant, profile.dominant)
    parts = [text["persona"].format(display_name=persona.display_name, description=persona.description)]
    if persona.tone:
        parts.append(text["tone"].format(tone=persona.tone))
    parts.append(_bullets(text["principles"], persona.ethical_principles))
    if not crisis:
        # Under crisis the persona's flourishes step back: plain, safe language only.
        parts.append(_bullets(text["devices"], persona.rhetorical_devices))
        parts.append(_bullets(text["arguments"], persona.argument_structures))
        if not distressed:
            parts.append(_bullets(text["exemplars"], tuple(f'"{e}"' for e in persona.exemplars)))
    parts.append(text["state"].format(emotion=emotion_name, valence=profile.valence, arousal=profile.arousal))
    parts.append("\n".join(f"- {d}" for d in directives))
    if crisis:
        lines = [f"- {_format_helpline(h)}" for h in helplines]
        if emergency:
            lines.append(f"- {emergency}")
        if lines:
            parts.append(text["helplines"] + "\n" + "\n".join(lines))
        international = (directory or _default_directory()).international
        if international:
            parts.append(text["directory"].format(url=international[0].url))
    return ComposedPrompt(
        system_prompt="\n\n".join(p for p in parts if p),
        style_directives=tuple(directives),
        helplines=tuple(helplines),
        safe_messaging=crisis,
        language=lang,
        emergency_number=emergency,
    )


def _bullets(title: str, items: tuple[str, ...]) -> str:
    return title + "\n" + "\n".join(f"- {i}" for i in items) if items else ""


def _format_helpline(h: Helpline) -> str:
    contact = " · ".join(x for x in (h.phone, f"SMS: {h.sms}" if h.sms else "", h.url) if x)
    return f"{h.name}: {contact}"


_DIRECTORY: HelplineDirectory | None = None


def _default_directory() -> HelplineDirectory:
    global _DIRECTORY
    if _DIRECTORY is None:
        _DIRECTORY = HelplineDirectory()
    return _DIRECTORY
