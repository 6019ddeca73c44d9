"""The fixed replies the Router gives when no model answer may or can be shown.

They are written per language (the six the Emotion service fully supports; English otherwise) and
never pretend to be a model answer: a refusal says it is one, an offline answer says the assistant
could not reach a model and only repeats what memory holds, and a crisis reply follows safe-messaging
practice (acknowledge, encourage reaching out, give the helplines the Emotion service returns from its
reviewed data file, never a number made up here).
"""

from __future__ import annotations

from collections.abc import Sequence

REFUSAL = {
    "en": "I can't help with that request. If you think this is a mistake, please rephrase what you need.",
    "es": "No puedo ayudar con esa solicitud. Si crees que es un error, reformula lo que necesitas.",
    "pt": "Não posso ajudar com esse pedido. Se achar que é um engano, reformule o que precisa.",
    "fr": "Je ne peux pas répondre à cette demande. Si vous pensez que c'est une erreur, reformulez votre besoin.",
    "de": "Bei dieser Anfrage kann ich nicht helfen. Wenn das ein Irrtum ist, formuliere bitte neu, was du brauchst.",
    "it": "Non posso aiutarti con questa richiesta. Se pensi che sia un errore, riformula ciò di cui hai bisogno.",
}

OUTPUT_WITHHELD = {
    "en": "I prepared an answer, but it did not pass the safety check, so I won't show it. Please try asking differently.",
    "es": "Preparé una respuesta, pero no pasó el control de seguridad, así que no la mostraré. Intenta preguntarlo de otra forma.",
    "pt": "Preparei uma resposta, mas ela não passou na verificação de segurança, por isso não a mostrarei. Tente perguntar de outra forma.",
    "fr": "J'ai préparé une réponse, mais elle n'a pas passé le contrôle de sécurité ; je ne l'afficherai donc pas. Essayez de reformuler.",
    "de": "Ich hatte eine Antwort, aber sie hat die Sicherheitsprüfung nicht bestanden, deshalb zeige ich sie nicht. Versuche es bitte anders.",
    "it": "Avevo preparato una risposta, ma non ha superato il controllo di sicurezza, quindi non la mostrerò. Prova a chiedere in un altro modo.",
}

OFFLINE_INTRO = {
    "en": "I can't reach a language model right now, so I can't give a full answer.",
    "es": "Ahora mismo no puedo acceder a un modelo de lenguaje, así que no puedo darte una respuesta completa.",
    "pt": "Não consigo acessar um modelo de linguagem agora, então não posso dar uma resposta completa.",
    "fr": "Je ne peux pas joindre de modèle de langage pour le moment, je ne peux donc pas donner de réponse complète.",
    "de": "Ich erreiche gerade kein Sprachmodell und kann daher keine vollständige Antwort geben.",
    "it": "Al momento non riesco a raggiungere un modello linguistico, quindi non posso darti una risposta completa.",
}

OFFLINE_MEMORY = {
    "en": "Here is what I have on record that may be relevant:",
    "es": "Esto es lo que tengo registrado que puede ser relevante:",
    "pt": "Isto é o que tenho registado que pode ser relevante:",
    "fr": "Voici ce que j'ai en mémoire qui pourrait être utile :",
    "de": "Das habe ich gespeichert, was relevant sein könnte:",
    "it": "Ecco cosa ho in memoria che potrebbe essere utile:",
}

OFFLINE_NOTHING = {
    "en": "I have nothing on record about this yet. Please try again later.",
    "es": "Todavía no tengo nada registrado sobre esto. Inténtalo de nuevo más tarde.",
    "pt": "Ainda não tenho nada registado sobre isto. Tente novamente mais tarde.",
    "fr": "Je n'ai encore rien en mémoire à ce sujet. Réessayez plus tard.",
    "de": "Dazu habe ich noch nichts gespeichert. Bitte versuche es später noch einmal.",
    "it": "Non ho ancora nulla in memoria su questo. Riprova più tardi.",
}

CRISIS_OPENING = {
    "en": "I'm really sorry you're going through this. You don't have to face it alone, and talking to someone right now can help.",
    "es": "Siento mucho que estés pasando por esto. No tienes que afrontarlo solo/a, y hablar con alguien ahora mismo puede ayudar.",
    "pt": "Sinto muito que você esteja passando por isso. Você não precisa enfrentar isso sozinho(a), e falar com alguém agora pode ajudar.",
    "fr": "Je suis vraiment désolé que vous traversiez cela. Vous n'avez pas à y faire face seul(e), et parler à quelqu'un maintenant peut aider.",
    "de": "Es tut mir wirklich leid, dass es dir so geht. Du musst das nicht allein durchstehen, und mit jemandem zu sprechen kann jetzt helfen.",
    "it": "Mi dispiace davvero che tu stia passando tutto questo. Non devi affrontarlo da solo/a, e parlare con qualcuno adesso può aiutare.",
}

CRISIS_EMERGENCY = {
    "en": "If you are in immediate danger, please call {number} now.",
    "es": "Si estás en peligro inmediato, llama ahora al {number}.",
    "pt": "Se estiver em perigo imediato, ligue agora para o {number}.",
    "fr": "Si vous êtes en danger immédiat, appelez le {number} maintenant.",
    "de": "Wenn du in akuter Gefahr bist, ruf bitte sofort die {number} an.",
    "it": "Se sei in pericolo immediato, chiama subito il {number}.",
}

CRISIS_LOCAL_EMERGENCY = {
    "en": "If you are in immediate danger, please call your local emergency number now.",
    "es": "Si estás en peligro inmediato, llama ahora al número de emergencias de tu país.",
    "pt": "Se estiver em perigo imediato, ligue agora para o número de emergência do seu país.",
    "fr": "Si vous êtes en danger immédiat, appelez maintenant le numéro d'urgence de votre pays.",
    "de": "Wenn du in akuter Gefahr bist, ruf bitte sofort den Notruf deines Landes an.",
    "it": "Se sei in pericolo immediato, chiama subito il numero di emergenza del tuo paese.",
}

CRISIS_HELPLINES = {
    "en": "You can talk to someone at:",
    "es": "Puedes hablar con alguien en:",
    "pt": "Você pode falar com alguém em:",
    "fr": "Vous pouvez parler à quelqu'un ici :",
    "de": "Hier kannst du mit jemandem sprechen:",
    "it": "Puoi parlare con qualcuno qui:",
}

CRISIS_CLOSING = {
    "en": "A person from our team has been alerted. I'm here with you — would you like to tell me what's happening?",
    "es": "Hemos avisado a una persona de nuestro equipo. Estoy aquí contigo: ¿quieres contarme qué está pasando?",
    "pt": "Uma pessoa da nossa equipe foi avisada. Estou aqui com você — quer me contar o que está acontecendo?",
    "fr": "Une personne de notre équipe a été prévenue. Je suis là avec vous — voulez-vous me dire ce qui se passe ?",
    "de": "Eine Person aus unserem Team wurde benachrichtigt. Ich bin für dich da — magst du mir erzählen, was los ist?",
    "it": "Una persona del nostro team è stata avvisata. Sono qui con te: vuoi raccontarmi cosa sta succedendo?",
}


def _pick(table: dict[str, str], language: str) -> str:
    return table.get(language, table["en"])


def refusal(language: str) -> str:
    return _pick(REFUSAL, language)


def output_withheld(language: str) -> str:
    return _pick(OUTPUT_WITHHELD, language)


def offline_answer(language: str, memories: Sequence[str]) -> str:
    """An answer built only from retrieved memory, saying plainly that no model was reached."""
    lines = [_pick(OFFLINE_INTRO, language)]
    if memories:
        lines.append(_pick(OFFLINE_MEMORY, language))
        lines.extend(f"- {m}" for m in memories)
    else:
        lines.append(_pick(OFFLINE_NOTHING, language))
    return "\n".join(lines)


def crisis_reply(language: str, helplines: Sequence[tuple[str, str]], emergency_number: str, escalated: bool) -> str:
    """A safe-messaging reply. `helplines` are (name, phone-or-text) from the reviewed data file."""
    lines = [_pick(CRISIS_OPENING, language)]
    if emergency_number:
        lines.append(_pick(CRISIS_EMERGENCY, language).format(number=emergency_number))
    else:
        lines.append(_pick(CRISIS_LOCAL_EMERGENCY, language))
    if helplines:
        lines.append(_pick(CRISIS_HELPLINES, language))
        lines.extend(f"- {name}: {contact}" for name, contact in helplines)
    if escalated:
        lines.append(_pick(CRISIS_CLOSING, language))
    return "\n".join(lines)
