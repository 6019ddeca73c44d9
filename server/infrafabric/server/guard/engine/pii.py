"""Personal-data detection with validation (Luhn, IBAN mod-97, national-id checksums) and masking.

Structured identifiers are matched by regex and then *validated*, so a random 16-digit number is
not a credit card unless its Luhn digit is right. Names and street addresses have no checksum;
they are found from strong context (titles, "my name is", a known first name followed by a
capitalised word, street-type words next to a house number) and scored lower.
Masking keeps text readable: every distinct value gets a numbered placeholder (``<EMAIL_1>``) and
the same value gets the same placeholder everywhere in one text.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from .fastre import gate
from .prefilter import AtomScanner

__all__ = ["PiiMatch", "find_pii", "mask", "PII_ENTITIES"]

PII_ENTITIES = ("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "UK_NINO", "ES_DNI", "BR_CPF", "IN_AADHAAR",
                "IP_ADDRESS", "PERSON", "STREET_ADDRESS")


@dataclass(frozen=True)
class PiiMatch:
    entity: str
    start: int
    end: int
    score: float
    reason: str


_ANY_DIGIT = re.compile(r"\d")
_EMAIL = re.compile(r"[A-Za-z0-9](?<![\w.+-][A-Za-z0-9])[A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![\w-])")
# One pass for everything that is mostly digits; validators decide what each candidate is.
_DIGITS = re.compile(r"[+(\d](?<![\w+][+(\d])[\d\s().\-/]{5,25}\d(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w])")
# Patterns start with a character class, not an assertion, so the regex engine can skip ahead fast.
_IBAN = re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b")
_NINO = re.compile(r"[A-CEGHJ-PR-TW-Z](?<![A-Za-z0-9][A-Z])(?<!B(?=G))[A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")
_DNI = re.compile(r"[0-9XYZ](?<![A-Za-z0-9][0-9XYZ])(?:\d{7})-?[A-Z]\b")
_IPV4 = re.compile(r"\d(?<![\w.]\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})(?![\w:])|(?<![\w:])::(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}(?![\w:])")
_DATE_LIKE = re.compile(r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?:\s+\d{1,2}[:.]\d{2}(?::\d{2})?)?$")
_PHONE_CONTEXT = re.compile(
    r"(?i)(?:phone|tel\b|telephone|mobile|cell|fax|call|desk|office|whats\s?app|sms|text\s+me|reach|answering|messages|number|"
    r"contact|ring|dial|teléfono|telefono|telefone|téléphone|telefon|handy|portable|celular|móvil|movil|cellulare|numero|número|"
    r"номер|телефон|電話|电话|전화|هاتف|फ़ोन|फोन)"
)
_SSN_CONTEXT = re.compile(r"(?i)(?:ssn|social\s+security|sozialversicherung|seguridad\s+social|sécurité\s+sociale)")

_TITLE_NAME = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Madam|Herr|Frau|Sr|Sra|Srta|Mme|Mlle|Sig|Sig\.ra|Signor|Signora|Dott)\.?\s+"
    r"((?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]+|[A-Z]\.)(?:\s+(?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]+|[A-Z]\.)){0,2})"
)
_NAME_AFTER = re.compile(r"[\s:]+((?:[A-ZÀ-ÖØ-ÞĀ-ŽА-Я][\w'’-]+)(?:\s+(?:[A-ZÀ-ÖØ-ÞĀ-ŽА-Я][\w'’-]+|[A-Z]\.)){0,3})")
_INTRO_PHRASES = ("my name is", "my name's", "i am", "i'm", "this is", "name:", "name :", "named", "called", "signed", "regards,",
                  "sincerely,", "cheers,", "thanks,", "dear", "hi", "hello", "hey", "contact", "ask for", "me llamo", "mi nombre es",
                  "je m'appelle", "je suis", "ich heiße", "ich heisse", "mein name ist", "mi chiamo", "meu nome é", "me chamo",
                  "benim adım", "adım", "меня зовут")
_CAP_SEQ = re.compile(r"\b([A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž'’-]+)((?:\s+(?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]+|[A-Z]\.)){1,3})")
_STREET_NUMBER_FIRST = re.compile(
    r"\d(?<!\w\d)\d{0,5}[A-Za-z]?\s+(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*\s+){0,4}(?:Street|St\.|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Lane|Ln\.?|"
    r"Drive|Dr\.|Court|Ct\.?|Way|Place|Pl\.?|Square|Sq\.?|Terrace|Crescent|Close|Parkway|Pkwy|Highway|Hwy|Trail|Circle|Cir\.?|"
    r"Alley|Row|Gardens|Mews|Hill|Walk|Grove|Park|Loop|Points?|Union|Lodge|Ports?|Crossing|Estates?|Ridge)\b")
_STREET_WORD_FIRST = re.compile(
    r"\b(?:Via|Viale|Piazza|Piazzetta|Corso|Rue|Avenue|Boulevard|Calle|Avenida|Av\.|Rua|Praça|Travessa|Plaza|Paseo|Carrer|"
    r"ul\.|ulica|Strada|Largo|Vicolo|Rambla|Chemin|Allée|Impasse|Quai|Straße|Strasse)\s+(?:[\w'’.-]+\s+){0,4}?\d{1,5}[A-Za-z]?\b")
_STREET_WORD_FIRST_MARKERS = ("Via", "Viale", "Piazza", "Corso", "Rue", "Avenue", "Boulevard", "Calle", "Avenida", "Av.", "Rua", "Praça",
                              "Travessa", "Plaza", "Paseo", "Carrer", "ul.", "ulica", "Strada", "Largo", "Vicolo", "Rambla", "Chemin",
                              "Allée", "Impasse", "Quai", "Straße", "Strasse")
_STREET_SUFFIX = re.compile(
    r"[A-ZÀ-ÖØ-Þ](?<!\w[A-ZÀ-ÖØ-Þ])[\w'’-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|vej|gade|gatan|vägen|gata|veien|vegen|laan|straat|"
    r"plein|gracht|tie|katu|utca|tér|út|stræde|gränd|torg|sokak|sokağı|caddesi|bulvarı)\s+\d{1,5}[A-Za-z]?\b")
_UNIT = re.compile(r"\b(?:Suite|Apt\.?|Apartment|Unit|Flat|P\.?\s?O\.?\s+Box|PSC|Postbox|Box)\s+\d{1,6}\b")
_UNIT_MARKERS = ("Suite", "Apt", "Apartment", "Unit", "Flat", "Box", "PSC", "Postbox")
_CAPWORD = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž'’-]+")
_INITIAL_NAME = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž'’-]+\s+[A-Z]\.\s+[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]+")
_TITLE_MARKERS = ("Mr", "Ms", "Dr", "Prof", "Sir", "Dame", "Madam", "Miss", "Mx", "Herr", "Frau", "Sr", "Mme", "Mlle", "Sig", "Dott")
# Common given names in several languages; one of these followed by a capitalised word is a name.
_FIRST_NAMES = frozenset("""
aaron abdul abdullah adam adrian ahmed aisha alan albert alberto alejandro alessandro alex alexander alexandra alexandre ali alice
alicia alvaro amanda amelia amir amy ana andre andrea andreas andrew andrzej angela angelo anita ann anna anne annie anton antonio
arjun arthur ashley aylin ayse barbara beatriz ben benjamin bernard betty beth bianca bill bob boris brandon brian bruno bryan
camille carl carla carlos carmen carol caroline catherine charles charlie charlotte chen chloe chris christian christina christine
christopher claire clara claudia craig cristina daniel daniela danielle david deborah dennis diana diego dimitri dmitry donald
donna dorothy douglas dylan edward elena eli elif elizabeth ella emily emma emmanuel eric erik esther eva evelyn fatima felipe
felix fernando francesca francesco francisco frank franz gabriel gabriela gary george georg gerhard giovanni giulia giuseppe
grace greg gregory hana hannah hans harry heather helen helena henry hiroshi hugo ian igor ines ingrid irene isabel isabella
ivan jack jacob james jan jane janet jason javier jean jeff jeffrey jennifer jens jeremy jessica jim joan joao joe johan johannes
john jonathan jorge jose josef joseph joshua juan julia julian julie justin kai karen karl kate katherine kathleen katrin kelly
kenji kenneth kevin kim klaus kyle larry laura lauren lea leon leonardo li lily linda lisa liu lorenzo louis lucas lucia luis
luca lukas maria mariana marie mario mark marco marcus margaret maria marina mark martha martin mary mateo matteo matthew max
maya mehmet melissa mia michael michelle miguel mike min mohamed mohammad mohammed monica mustafa nadia nancy natalia natasha
nathan nicholas nicola nicole nikolai nina noah nora olga oliver olivia omar oscar pablo pamela patricia patrick paul paula
pedro peter petra philip pierre pietro priya rachel rafael rahul raj ramon rebecca richard rita robert roberto rodrigo roman
rosa ruth ryan sabrina sam samantha samuel sandra santiago sara sarah sebastian sergei sergio sharon sofia sophia sophie stefan
stefano stephanie stephen steven susan svetlana takeshi tanya teresa thomas tim timothy tom tomas tony tyler valentina vanessa
victor victoria vincent virginia walter wei william xavier yan yuki yusuf zainab zoe zhang wang
""".split())
# Capitalised words that start many sentences or name places/things, never a person's first name.
_NOT_NAMES = frozenset("""
the a an i in on at to for from of and or but if when where what who why how this that these those my your our their his her
its we you they he she it is are was were be been please thank thanks dear hi hello hey yes no not new old north south east
west january february march april may june july august september october november december monday tuesday wednesday thursday
friday saturday sunday street road avenue city state united kingdom republic bank university hospital school company inc ltd
llc corp group team service services customer support account email phone fax office mobile desk address name personal info
""".split())


# RE2 gates (supersets, see fastre.py): each regex pass below is skipped when its gate says the text
# cannot match, which is most of the time; a Python pass over 2 KB costs 20-60 µs, a gate a few.
_IBAN_MAYBE, _NINO_MAYBE, _DNI_MAYBE, _IPV4_MAYBE = gate(_IBAN), gate(_NINO), gate(_DNI), gate(_IPV4)
_STREET_GATES = {regex: gate(regex) for regex in (_STREET_NUMBER_FIRST, _STREET_SUFFIX, _STREET_WORD_FIRST, _UNIT)}
_TITLE_NAME_MAYBE, _INITIAL_NAME_MAYBE = gate(_TITLE_NAME), gate(_INITIAL_NAME)
_IPV6_MAYBE = gate(_IPV6)
# Marker words and introduction phrases in one RE2 pass each: dozens of ``in`` / ``find`` calls on a
# 2 KB text cost more than all the regexes they guard.
_MARKER_SCANNER = AtomScanner((*_STREET_WORD_FIRST_MARKERS, *_UNIT_MARKERS, *_TITLE_MARKERS))
_MARKER_GROUPS = {group: frozenset(_MARKER_SCANNER.ids[m] for m in markers) for group, markers in (
    ("street", _STREET_WORD_FIRST_MARKERS), ("unit", _UNIT_MARKERS), ("title", _TITLE_MARKERS))}
_INTRO_SCANNER = AtomScanner(_INTRO_PHRASES)
# A known first name spelled as a whole capitalised word ("Li", not the start of "Linux"): what the
# first-name pass below looks for.
_FIRST_NAME_MAYBE = gate("(?:" + "|".join(sorted(name.capitalize() for name in _FIRST_NAMES)) + r")(?:[^a-zà-öø-ÿā-ž'’-]|\Z)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = ord(char) - 48
        if i % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    iban = candidate.replace(" ", "")
    if not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def ssn_valid(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if len(digits) != 9:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


def dni_valid(candidate: str) -> bool:
    value = candidate.replace("-", "")
    number = value[:-1].replace("X", "0").replace("Y", "1").replace("Z", "2")
    return "TRWAGMYFPDXBNJZSQVHLCKE"[int(number) % 23] == value[-1]


def cpf_valid(digits: str) -> bool:
    if len(digits) != 11 or digits == digits[0] * 11:
        return False
    for n in (9, 10):
        total = sum(int(digits[i]) * (n + 1 - i) for i in range(n))
        if (total * 10 % 11) % 10 != int(digits[n]):
            return False
    return True


_VERHOEFF_D = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
               [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
               [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
               [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VERHOEFF_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
               [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
               [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]


def aadhaar_valid(digits: str) -> bool:
    if len(digits) != 12 or digits[0] in "01":
        return False
    check = 0
    for i, char in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[i % 8][int(char)]]
    return check == 0


def _classify_digits(text: str, start: int, end: int) -> PiiMatch | None:
    raw = text[start:end]
    digits = re.sub(r"\D", "", raw.split("x")[0].split("ext")[0])
    n = len(digits)
    if n < 7 or _DATE_LIKE.match(raw.strip()):
        return None
    separators = re.findall(r"[\s().\-/]+", raw)
    before = text[max(0, start - 40):start]
    after = text[end:end + 25]
    if 13 <= n <= 19 and luhn_valid(digits) and not raw.startswith("+") and re.fullmatch(r"[\d \-]+", raw):
        return PiiMatch("CREDIT_CARD", start, end, 0.95, "number passes the Luhn check")
    if re.fullmatch(r"\d{3}-\d{2}-\d{4}", raw) and ssn_valid(raw):
        return PiiMatch("US_SSN", start, end, 0.85 if not _SSN_CONTEXT.search(before) else 0.95, "US social security number format")
    if n == 9 and _SSN_CONTEXT.search(before) and ssn_valid(digits):
        return PiiMatch("US_SSN", start, end, 0.9, "nine digits after 'social security'")
    if n == 11 and re.fullmatch(r"\d{3}\.?\d{3}\.?\d{3}-?\d{2}", raw) and cpf_valid(digits):
        return PiiMatch("BR_CPF", start, end, 0.85, "Brazilian CPF with valid check digits")
    if n == 12 and re.fullmatch(r"\d{4}\s?\d{4}\s?\d{4}", raw) and aadhaar_valid(digits):
        return PiiMatch("IN_AADHAAR", start, end, 0.8, "Aadhaar number with valid Verhoeff digit")
    if n > 15:
        return None
    context = bool(_PHONE_CONTEXT.search(before) or _PHONE_CONTEXT.search(after))
    if raw.startswith(("+", "00")) and 8 <= n <= 15:
        return PiiMatch("PHONE", start, end, 0.9, "international phone number")
    if re.fullmatch(r"(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}(?:\s?(?:x|ext\.?)\s?\d{1,5})?", raw):
        return PiiMatch("PHONE", start, end, 0.85, "North American phone number")
    if context and n <= 13:
        return PiiMatch("PHONE", start, end, 0.8, "number next to a phone keyword")
    if len(separators) >= 2 and 9 <= n <= 12 and not re.search(r"[/]", raw):
        return PiiMatch("PHONE", start, end, 0.55, "grouped digits shaped like a phone number")
    return None


def find_pii(text: str, entities: frozenset[str] | None = None) -> list[PiiMatch]:
    """All PII in ``text`` (original, un-normalised), longest match first at overlaps."""
    found: list[PiiMatch] = []
    want = entities or frozenset(PII_ENTITIES)
    markers = _MARKER_SCANNER.found(text)
    if "@" in text and "EMAIL" in want:
        found.extend(PiiMatch("EMAIL", start, end, 0.95, "e-mail address") for start, end in _find_emails(text))
    if _ANY_DIGIT.search(text):
        for m in _DIGITS.finditer(text):
            start, end = m.start(), m.end()
            raw = m.group()
            # Trim brackets and separators the greedy class picked up at the edges.
            while end > start and text[end - 1] in " ).-/":
                end -= 1
            if raw.startswith("(") and ")" not in raw[1:]:
                start += 1
            match = _classify_digits(text, start, end)
            if match and match.entity in want:
                found.append(match)
        if "IBAN" in want and _IBAN_MAYBE(text):
            for m in _IBAN.finditer(text):
                if iban_valid(m.group()):
                    found.append(PiiMatch("IBAN", m.start(), m.end(), 0.95, "IBAN with valid mod-97 checksum"))
        if "UK_NINO" in want and _NINO_MAYBE(text):
            found.extend(PiiMatch("UK_NINO", m.start(), m.end(), 0.8, "UK National Insurance number format")
                         for m in _NINO.finditer(text))
        if "ES_DNI" in want and _DNI_MAYBE(text):
            found.extend(PiiMatch("ES_DNI", m.start(), m.end(), 0.85, "Spanish DNI/NIE with valid letter")
                         for m in _DNI.finditer(text) if dni_valid(m.group()))
        if "IP_ADDRESS" in want and _IPV4_MAYBE(text):
            for m in _IPV4.finditer(text):
                if all(int(octet) <= 255 and (octet == "0" or not octet.startswith("0")) for octet in m.group().split(".")):
                    found.append(PiiMatch("IP_ADDRESS", m.start(), m.end(), 0.8, "IPv4 address"))
        if "STREET_ADDRESS" in want:
            found.extend(_find_streets(text, markers))
    if "IP_ADDRESS" in want and ("::" in text or text.count(":") >= 5) and _IPV6_MAYBE(text):
        for m in _IPV6.finditer(text):
            try:
                ipaddress.IPv6Address(m.group())
            except ValueError:
                continue
            found.append(PiiMatch("IP_ADDRESS", m.start(), m.end(), 0.8, "IPv6 address"))
    if "PERSON" in want:
        found.extend(_find_names(text, markers))
    return _resolve_overlaps(found)


def _find_emails(text: str) -> list[tuple[int, int]]:
    """E-mail spans, searched only in windows around each '@' (the regex alone scans every letter)."""
    spans: list[tuple[int, int]] = []
    n = len(text)
    at = text.find("@")
    resume = 0
    while at >= 0:
        lo = max(resume, at - 70)
        hi = min(n, at + 260)
        for m in _EMAIL.finditer(text, lo, hi):
            if m.end() < hi or hi == n:  # a match cut by the window edge is re-found from the next '@'
                spans.append((m.start(), m.end()))
                resume = m.end()
        at = text.find("@", max(at + 1, resume))
    return sorted(set(spans))


def _find_streets(text: str, markers: set[int]) -> list[PiiMatch]:
    regexes = [_STREET_NUMBER_FIRST, _STREET_SUFFIX]
    if not markers.isdisjoint(_MARKER_GROUPS["street"]):
        regexes.append(_STREET_WORD_FIRST)
    if not markers.isdisjoint(_MARKER_GROUPS["unit"]):
        regexes.append(_UNIT)
    return [PiiMatch("STREET_ADDRESS", m.start(), m.end(), 0.7, "street address") for regex in regexes
            if _STREET_GATES[regex](text) for m in regex.finditer(text)]


def _find_names(text: str, markers: set[int]) -> list[PiiMatch]:
    names: list[PiiMatch] = []
    if not markers.isdisjoint(_MARKER_GROUPS["title"]) and _TITLE_NAME_MAYBE(text):
        for m in _TITLE_NAME.finditer(text):
            names.append(PiiMatch("PERSON", m.start(1), m.end(1), 0.75, "name after a title"))
    lowered = text.lower()
    if len(lowered) == len(text):
        present = _INTRO_SCANNER.found(lowered)
        for phrase in _INTRO_PHRASES:
            if _INTRO_SCANNER.ids[phrase] not in present:
                continue
            pos = lowered.find(phrase)
            while pos >= 0:
                end = pos + len(phrase)
                if pos == 0 or not lowered[pos - 1].isalnum():
                    m = _NAME_AFTER.match(text, end)
                    if m and (end >= len(text) or not text[end].isalnum()) and m.group(1).split()[0].lower() not in _NOT_NAMES:
                        names.append(PiiMatch("PERSON", m.start(1), m.end(1), 0.7, "name after an introduction"))
                pos = lowered.find(phrase, end)
    for m in _CAPWORD.finditer(text) if _FIRST_NAME_MAYBE(text) else ():
        if m.group().lower() in _FIRST_NAMES:
            seq = _CAP_SEQ.match(text, m.start())
            if seq and seq.group(2).split()[0].lower() not in _NOT_NAMES:
                names.append(PiiMatch("PERSON", seq.start(), seq.end(), 0.7, "known first name and surname"))
    if ". " in text and _INITIAL_NAME_MAYBE(text):
        for m in _INITIAL_NAME.finditer(text):
            if m.group().split()[0].lower() not in _NOT_NAMES:
                names.append(PiiMatch("PERSON", m.start(), m.end(), 0.65, "first name, initial and surname"))
    return names


def _resolve_overlaps(found: list[PiiMatch]) -> list[PiiMatch]:
    found.sort(key=lambda p: (p.start, -(p.end - p.start), -p.score))
    kept: list[PiiMatch] = []
    for match in found:
        if kept and match.start < kept[-1].end:
            if match.score > kept[-1].score + 0.1 and match.end - match.start >= kept[-1].end - kept[-1].start:
                kept[-1] = match
            continue
        kept.append(match)
    return kept


def mask(text: str, spans: list[tuple[int, int, str]]) -> tuple[str, dict[tuple[int, int], str]]:
    """Replace each (start, end, entity) span with a stable placeholder; same value → same placeholder."""
    placeholders: dict[tuple[str, str], str] = {}
    counters: dict[str, int] = {}
    assigned: dict[tuple[int, int], str] = {}
    pieces: list[str] = []
    last = 0
    for start, end, entity in sorted(spans):
        if start < last:
            continue
        value = re.sub(r"\s+", " ", text[start:end]).strip().lower()
        key = (entity, value)
        if key not in placeholders:
            counters[entity] = counters.get(entity, 0) + 1
            placeholders[key] = f"<{entity}_{counters[entity]}>"
        pieces.append(text[last:start])
        pieces.append(placeholders[key])
        assigned[(start, end)] = placeholders[key]
        last = end
    pieces.append(text[last:])
    return "".join(pieces), assigned
