"""Hand-written multilingual emotion lexicon (word stems → Plutchik emotion) for non-English text.

The shipped model is trained on English only; for Spanish, Portuguese, French, German and
Italian this lexicon supplies the emotion evidence. Stems are matched as word prefixes on
lower-cased, accent-stripped text ("trist" matches triste, tristeza, tristemente), so keep them
long enough not to hit unrelated words. A negator in the three words before a stem dampens it
("no estoy feliz"). Coverage is the main emotion vocabulary, not a full lexicon.
"""

from __future__ import annotations

import re
from collections import Counter

PLUTCHIK: tuple[str, ...] = ("joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation")

_STEMS: dict[str, dict[str, str]] = {
    "es": {
        "joy": "feliz felic alegr contento contenta genial maravill encant fantastic divert jaja estupend orgullos disfrut celebr risa sonri guay chevere bacan buenisim",
        "trust": "confi gracias agradec amor ador admir respet apoy cariño carino te_quiero",
        "fear": "miedo asust terror aterr panico ansied ansios nervios preocup temo temer angusti inquiet pavor",
        "surprise": "sorpr asombr increibl impresion inesperad guau no_me_lo_creo",
        "sadness": "trist deprim llor soledad dolor desanim melancol vacio vacia desesper infeliz luto destroz decepcion dolid sufr lament echo_de_menos",
        "disgust": "asco asquer repugn repuls nause vomit",
        "anger": "enoj enfad furi rabia odio odi molest irrit cabre indign harto harta ira bronca",
        "anticipation": "ojala ganas impacien esperanz deseando ilusion",
    },
    "pt": {
        "joy": "feliz felic alegr content otimo maravilh divert rsrs kkk legal sorri amei animad orgulh",
        "trust": "confi obrigad agradec amo amor admir respeit apoi gratid",
        "fear": "medo assust terror aterroriz panico ansied nervos preocup angusti pavor receio",
        "surprise": "surpre espant chocad uau inesperad incrivel",
        "sadness": "trist deprimid depress chor solid sozinh doloros sofrimento desanim vazi desesper infeliz luto saudade magoad decepcion sofr arrasad",
        "disgust": "nojo nojent repugn repuls enjo asco",
        "anger": "raiva irrit furios odio odeio brav chatead revolt indign irad",
        "anticipation": "esperanc mal_posso_esperar expectativ vontade ansios",
    },
    "fr": {
        "joy": "heureu content joie joyeu ravi genial formidable excellent amus rigol sourire haha fier fiere enchant super",
        "trust": "confian merci reconnaiss aime amour admir respect soutien",
        "fear": "peur effray terrifi terreur panique angoiss anxi inquiet nerveu crain stress",
        "surprise": "surpri etonn choqu incroyable inattendu",
        "sadness": "triste tristesse deprim pleur solitude douleur chagrin malheureu desesp decu deception souffr deuil",
        "disgust": "degout degueu repugn ecoeur beurk nause",
        "anger": "colere enerv furieu rage haine deteste agac irrit marre fache enrag indign",
        "anticipation": "hate impatien espoir espere",
    },
    "de": {
        "joy": "glucklich freu froh toll genial wunderbar lustig lach spass begeist stolz klasse prima super",
        "trust": "vertrau danke dankbar liebe bewunder respekt unterstutz",
        "fear": "angst furcht panik besorgt sorge sorgen nervos beunruhig erschrock schreck verangstigt",
        "surprise": "uberrasch erstaun unglaublich krass verbluff schock",
        "sadness": "traurig trauer deprimiert depress weine weinen einsam allein schmerz kummer leer verzweif enttausch unglucklich vermiss",
        "disgust": "eklig ekel widerlich abstoss igitt pfui angewidert",
        "anger": "wut wutend sauer arger argerl zorn hass hasse genervt nervt gereizt emport",
        "anticipation": "gespannt vorfreude hoffe hoffnung ungeduld",
    },
    "it": {
        "joy": "felic content gioi allegr fantastic meravigli divert ahah haha sorri entusias orgogli bellissim",
        "trust": "fiduc grazie gratitud amo amore ammir rispett sosten ti_voglio_bene",
        "fear": "paura spavent terror panico ansia ansios preoccup angosci timore impaurit",
        "surprise": "sorpres stupit incredibil inaspettat sconvolt scioccat",
        "sadness": "triste tristezza depress piang solitudine dolore infelic vuot dispera delus soffr lutto mi_manca addolorat abbattut",
        "disgust": "schif disgust ripugn nause vomit",
        "anger": "rabbia arrabb furios odio odi irrit incazz nervos fastid indign",
        "anticipation": "speran non_vedo_l'ora impazien desider",
    },
    # English is covered by the trained model; these few stems only back it up on short texts.
    "en": {
        "joy": "happy happi glad joy delight amaz awesome haha lol excit",
        "trust": "thank grateful love admire trust",
        "fear": "afraid scared terrif anxious anxiety panic worried nervous",
        "surprise": "surpris shock wow astonish",
        "sadness": "sad depress lonely miserable heartbroken grief crying hopeless",
        "disgust": "disgust gross revolting nause",
        "anger": "angry furious hate pissed annoyed rage",
        "anticipation": "hope hoping can't_wait looking_forward",
    },
}
_NEGATORS = {
    "es": {"no", "nunca", "jamas", "ni", "tampoco"},
    "pt": {"nao", "nunca", "jamais", "nem"},
    "fr": {"ne", "pas", "jamais", "plus", "n'"},
    "de": {"nicht", "nie", "kein", "keine", "niemals"},
    "it": {"non", "mai", "nessun", "nessuna"},
    "en": {"not", "no", "never", "don't", "isn't", "wasn't", "can't"},
}
_TOKEN_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_MIN_STEM = 3


class Lexicon:
    """Per-language stem lexicon; :meth:`score` returns emotion → evidence and the hit count."""

    def __init__(self) -> None:
        self._single: dict[str, dict[str, str]] = {}
        self._phrases: dict[str, list[tuple[str, str]]] = {}
        for lang, by_emotion in _STEMS.items():
            singles: dict[str, str] = {}
            phrases: list[tuple[str, str]] = []
            for emotion, stems in by_emotion.items():
                for stem in stems.split():
                    if "_" in stem:
                        phrases.append((stem.replace("_", " "), emotion))
                    else:
                        singles[stem] = emotion
            self._single[lang] = singles
            self._phrases[lang] = phrases

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._single)

    def score(self, folded_text: str, lang: str) -> tuple[dict[str, float], int]:
        """Emotion evidence in ``folded_text`` (already lower-cased and accent-stripped)."""
        singles = self._single.get(lang)
        if singles is None:
            return {}, 0
        evidence: Counter[str] = Counter()
        hits = 0
        negators = _NEGATORS[lang]
        tokens = _TOKEN_RE.findall(folded_text)
        for i, token in enumerate(tokens):
            emotion = None
            for end in range(len(token), _MIN_STEM - 1, -1):
                emotion = singles.get(token[:end])
                if emotion:
                    break
            if emotion is None:
                continue
            hits += 1
            if any(t in negators for t in tokens[max(0, i - 3):i]):
                # "not happy" reads as mild sadness; a negated negative emotion just fades.
                if emotion in ("joy", "trust", "anticipation"):
                    evidence["sadness"] += 0.5
                continue
            evidence[emotion] += 1.0
        for phrase, emotion in self._phrases[lang]:
            if phrase in folded_text:
                evidence[emotion] += 1.0
                hits += 1
        return dict(evidence), hits
