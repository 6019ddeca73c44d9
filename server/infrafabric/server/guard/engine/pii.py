"""Personal-data detection with validation (Luhn, IBAN mod-97, national-id checksums) and masking.

Structured identifiers are matched by regex and then *validated*, so a random 16-digit number is
not a credit card unless its Luhn digit is right. Names and street addresses have no checksum;
they are found from strong context (titles, "my name is", a given name from a multinational list,
surname endings such as -ová or -sson, street-type words next to a house number, address blocks with
a unit or postcode) and scored lower. Ordinary capitalised words (sentence starts, "Hello World",
all-caps shouting) are kept out by requiring a known given name or a name-shaped surname.
Masking keeps text readable: every distinct value gets a numbered placeholder (``<EMAIL_1>``) and
the same value gets the same placeholder everywhere in one text.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from importlib import resources

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
# A name typed in lower case ("my name is lena andersson"): taken when its first word is a known given name.
_LOWER_NAME_AFTER = re.compile(r"[ \t:]*([^\W\d_]+(?:[ \t](?:[^\W\d_]\.|[^\W\d_]{2,})){0,2})")
# A name is one to four title-case words on one line ("Šárka Ottová", "Ján M. Novák").
_NAME_AFTER = re.compile(r"[ \t:]*(?:\n[ \t]*)?((?:[A-ZÀ-ÖØ-ÞĀ-ŽА-Я][a-zà-öø-ÿā-žа-я'’-]+)(?:[ \t](?:[A-ZÀ-ÖØ-ÞĀ-ŽА-Я][a-zà-öø-ÿā-žа-я'’-]+|[A-Z]\.?(?=[ \t])|[A-Z]\.)){0,3})")
# After these the next capitalised words are a name whatever they are ("My name is Rubija").
# Softer cues ("hi", "I am", "called") are left to the given-name list: after them "Hey Man",
# "I am Indian" and "a place called Castle Danger" are not people, and a real given name there is
# found on its own anyway.
_INTRO_PHRASES = ("my name is", "my name's", "name is", "name:", "name :", "name?", "name? user:", "name? me:", "signed",
                  "regards,", "sincerely,", "dear", "it's under", "it is under", "me llamo", "mi nombre es", "je m'appelle",
                  "ich heiße", "ich heisse", "mein name ist", "mi chiamo", "meu nome é", "me chamo", "benim adım", "меня зовут",
                  "call me", "mr.", "ms.", "mrs.")  # lower-case titles; capitalised ones are _TITLE_NAME's
# Words of a name are one space apart: "David  Attached" (a run of spaces) is two fields.
_CAP_SEQ = re.compile(r"\b([A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž'’-]+)((?:[ \t](?:[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž'’-]+|[A-Z]\.|[A-Z](?=[ \t][A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž]))){1,3})")
_SEQ_WORD = re.compile(r"\S+")
_STREET_NUMBER_FIRST = re.compile(
    r"\d(?<!\w\d)\d{0,5}[A-Za-z]?\s+(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*\s+){0,4}(?:Street|St\.|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Lane|Ln\.?|"
    r"Drive|Dr\.|Court|Ct\.?|Way|Place|Pl\.?|Square|Sq\.?|Terrace|Crescent|Close|Parkway|Pkwy|Highway|Hwy|Trail|Circle|Cir\.?|"
    r"Alley|Row|Gardens|Mews|Hill|Walk|Grove|Park|Loop|Points?|Union|Lodge|Ports?|Crossing|Estates?|Ridge|Gateway|Greens?|Coves?|Isle|Flats|Turnpike|Expressway|Freeway|Heights|Manor|Meadows?|Junction|Knolls?|Glen|Harbou?r|Bypass|Causeway|Landing|Hollow|Crest|Spur|Vista|Stravenue|Trafficway|Viaduct|Throughway|Skyway|Motorway)\b")
_STREET_WORD_FIRST = re.compile(
    r"\b(?:Via|Viale|Piazza|Piazzetta|Corso|Rue|Avenue|Boulevard|Calle|Avenida|Av\.|Rua|Praça|Travessa|Plaza|Paseo|Carrer|"
    r"ul\.|ulica|Strada|Largo|Vicolo|Rambla|Chemin|Allée|Impasse|Quai|Straße|Strasse)\s+(?:[\w'’.-]+\s+){0,4}?\d{1,5}[A-Za-z]?\b")
_STREET_WORD_FIRST_MARKERS = ("Via", "Viale", "Piazza", "Corso", "Rue", "Avenue", "Boulevard", "Calle", "Avenida", "Av.", "Rua", "Praça",
                              "Travessa", "Plaza", "Paseo", "Carrer", "ul.", "ulica", "Strada", "Largo", "Vicolo", "Rambla", "Chemin",
                              "Allée", "Impasse", "Quai", "Straße", "Strasse")
_STREET_SUFFIX = re.compile(
    r"[A-ZÀ-ÖØ-Þ](?<!\w[A-ZÀ-ÖØ-Þ])[\w'’-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|(?<![aeioupbtBS])ring|vej|gade|gatan|vägen|gata|veien|vegen|laan|straat|"
    r"plein|gracht|tie|katu|utca|tér|út|stræde|gränd|torg|sokak|sokağı|caddesi|bulvarı)\s+\d{1,5}[A-Za-z]?\b")
_UNIT = re.compile(r"\b(?:Suite|Apt\.?|Apartment|Unit|Flat|P\.?\s?O\.?\s+Box|PSC|Postbox|Box)\s+\d{1,6}\b")
_UNIT_MARKERS = ("Suite", "Apt", "Apartment", "Unit", "Flat", "Box", "PSC", "Postbox")
# European order, street name then house number, confirmed by a unit after it or an address cue
# before it: "4844 Søndergade 52  Apt. 656", "lives at 172 Maneeži 75", "address: Via Franscini 71".
# Words of the street name start with a letter; words are one space apart (a run of spaces
# separates the parts of an address block, see _BLOCK_SEPARATOR).
_NAME_NUMBER = r"(?:\d{1,6}[A-Za-z]?[ \t])?[^\W\d_][\w'’.-]*(?:[ \t][^\W\d_][\w'’.-]*){0,4}?[ \t]\d{1,5}[A-Za-z]?\b\.?"
# Searched only in the few characters before a unit ("Apt. 656"), never over the whole text: a
# pattern that may start at any letter costs milliseconds on an address-heavy prompt.
_STREET_BEFORE_UNIT = re.compile(r"(?<![^\s>,:])(" + _NAME_NUMBER + r"),?[\s>]+\Z")
_UNIT_AFTER_STREET = ("Apt", "Suite", "Unit", "Flat")
# After a unit the rest of an address block follows, part by part (separated by a comma, a line
# break, a run of spaces or a "> " quote mark): town, region, country, and last a postcode. Only a
# block that ends in a postcode is taken, so a sentence after the unit is left alone.
_BLOCK_SEPARATOR = r"(?:[ \t]{2,}|[ \t]*(?:\n|,|>|[^\w\s.]{1,3}[ \t])[\s>]*)"
_BLOCK_TAIL = re.compile(r"(?:" + _BLOCK_SEPARATOR + r"[^\W\d_][\w'’.-]*(?:[ \t][^\W\d_][\w'’.-]*){0,3}){1,3}"
                         r"(?:[ \t]+|" + _BLOCK_SEPARATOR + r")\d{4,6}\b")
_NUMBER_BEFORE = re.compile(r"\d{1,6}[ \t]+\Z")
_STREET_AFTER_CUE = re.compile(r"[ \t:]*((?:the corner of[ \t]+)?" + _NAME_NUMBER + r")")
# After a residence cue a street name and number is enough ("lives on Grössgstötten 50"); after a
# meeting-place cue it needs a house number in front too ("meet me at Gate 12" is not an address).
_RESIDENCE_CUES = ("address:", "address is", "lives at", "live at", "lived at", "lives on", "ship to", "deliver to")
_PLACE_CUES = ("located at", "drops you off at", "meet me at", "office is at")
_ADDRESS_CUES = _RESIDENCE_CUES + _PLACE_CUES
# US military mail: "USNS Bergman FPO AP 93757", "Unit 4526 Box 0671 DPO AP 40902", "PSC 3294, Box 9168 APO AA 61487".
_MILITARY = re.compile(r"(?i)\b(?:(?:USNS|USNV|USS|USCGC)[ \t]+[^\W\d_][\w'’-]*|(?:Unit|PSC)[ \t]+\d{4},?[ \t]+Box[ \t]+\d{4})"
                       r"\s+[ADF]PO\s+A[AEP]\s+\d{5}\b")
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
i'm i’m i'll i’ll i'd i’d i've i’ve im ill id ive there here man men guys guy folks everyone everybody all world friend friends
sir madam bro dude mate op ops mom mum dad lol omg yeah yep nope ok okay sorry well so just also still maybe oh god lord jesus
one two three four five six seven eight nine ten first second third last next every each some any
bonjour salut hallo hola ciao olá ola hej hei moin servus buongiorno buenos gracias merci danke obrigado obrigada grazie
liebe lieber querido querida cher chère caro cara estimado estimada
""".split())
# A run of capitalised words that ends in one of these names a place or an organisation, not a
# person: "Zachary Cliffs", "Leokadia Trail", "Davis Orchestra".
_PLACE_OR_ORG_WORDS = frozenset("""
street st road rd avenue ave boulevard blvd lane ln drive dr court ct way place pl square terrace crescent close parkway
highway trail circle alley row gardens mews hill hills walk grove park loop point points union lodge port crossing estate
estates ridge gateway green greens cove coves isle flats turnpike expressway freeway heights manor meadow meadows junction
knoll knolls glen harbor harbour bypass causeway landing hollow crest spur vista route creek forks fork cliffs cliff falls
springs spring valley lake lakes river island islands beach mountain mountains mount bay canyon station mill mills plaza
apt suite unit city county town village state province district airport
inc ltd llc plc gmbh corp co company corporation group consulting partners associates holdings bank university college
school academy institute hospital clinic hotel restaurant cafe bar orchestra band club foundation agency services systems
solutions technologies labs studio studios media records press billing support sales team department office
customer customers payments security admin""".split())
# The multinational given-name list (see data/first_names.txt for its source and licence): any of
# these, capitalised, is taken as a name on its own.
_GIVEN_NAMES = frozenset(
    line for line in resources.files(__package__).joinpath("data/first_names.txt").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#"))
_GIVEN_TITLE = frozenset(name.capitalize() for name in _GIVEN_NAMES)  # as spelled at a word start in text
_FIRST_TITLE = frozenset(name.capitalize() for name in _FIRST_NAMES)
# A capitalised word that starts a word ("Cana" inside "PreCana" is not one), without a possessive 's.
_WORD_START_CAPWORD = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž](?<![\w][A-ZÀ-ÖØ-ÞĀ-Ž])[a-zà-öø-ÿā-ž]+")

# Surname endings that are rare in ordinary words: Slavic (-ová, -ović, -enko), Nordic (-sson,
# -dóttir), Romanian, Greek, Turkish, Georgian, Armenian, Baltic, Basque and Hungarian families.
_SURNAME_ENDING = re.compile(
    r"\w{2,}(?:ová|ovič|ović|ovich|evič|ević|evich|ovna|evna|owski|ewski|ovski|evski|wicz|enko|chuk|czuk|czyk|shvili|dze|"
    r"yan|escu|eanu|opoulos|opoulou|akis|idis|iadis|oglu|oğlu|sson|dóttir|dottir|stedt|qvist|kvist|ström|gaard|ainen|"
    r"äinen|onen|anen|ichev|ayev|iyev|zade|elli|ucci|acci|eira|eiro|inho|mann|berg|stein|sen|ez|ov|ova|ev|eva|ski|ska|cki|cka|ský|ská|ák|ík|"
    r"šek|ček|ič|ić)")



def _FIRST_NAME_MAYBE(text: str) -> bool:  # named like the RE2 gates it stands beside
    """Whether a known first name occurs as a whole capitalised word ("Li", not the start of "Linux").

    One C-level pass lists the capitalised words and a set answers: as an RE2 gate, ~35,000 names
    would need a DFA of tens of megabytes."""
    words = _WORD_START_CAPWORD.findall(text)
    return not (_GIVEN_TITLE.isdisjoint(words) and _FIRST_TITLE.isdisjoint(words))


# RE2 gates (supersets, see fastre.py): each regex pass below is skipped when its gate says the text
# cannot match, which is most of the time; a Python pass over 2 KB costs 20-60 µs, a gate a few.
_IBAN_MAYBE, _NINO_MAYBE, _DNI_MAYBE, _IPV4_MAYBE = gate(_IBAN), gate(_NINO), gate(_DNI), gate(_IPV4)
_STREET_GATES = {regex: gate(regex) for regex in (_STREET_NUMBER_FIRST, _STREET_SUFFIX, _STREET_WORD_FIRST, _UNIT)}
_TITLE_NAME_MAYBE, _INITIAL_NAME_MAYBE = gate(_TITLE_NAME), gate(_INITIAL_NAME)
_CAP_SEQ_MAYBE = gate(_CAP_SEQ)
_IPV6_MAYBE = gate(_IPV6)
# Marker words and introduction phrases in one RE2 pass each: dozens of ``in`` / ``find`` calls on a
# 2 KB text cost more than all the regexes they guard.
_MARKER_SCANNER = AtomScanner((*_STREET_WORD_FIRST_MARKERS, *_UNIT_MARKERS, *_TITLE_MARKERS))
_MARKER_GROUPS = {group: frozenset(_MARKER_SCANNER.ids[m] for m in markers) for group, markers in (
    ("street", _STREET_WORD_FIRST_MARKERS), ("unit", _UNIT_MARKERS), ("title", _TITLE_MARKERS))}
# Introductions and address cues, looked for in the lower-cased text in one pass.
_CUE_SCANNER = AtomScanner((*_INTRO_PHRASES, *_ADDRESS_CUES))


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
    lowered = text.lower()
    # str.lower() can change the length (İ → i̇); offsets into ``lowered`` are then not text's.
    cues = _CUE_SCANNER.found(lowered) if len(lowered) == len(text) else set()
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
            found.extend(_find_streets(text, markers, lowered, cues))
    if "IP_ADDRESS" in want and ("::" in text or text.count(":") >= 5) and _IPV6_MAYBE(text):
        for m in _IPV6.finditer(text):
            try:
                ipaddress.IPv6Address(m.group())
            except ValueError:
                continue
            found.append(PiiMatch("IP_ADDRESS", m.start(), m.end(), 0.8, "IPv6 address"))
    if "PERSON" in want:
        found.extend(_find_names(text, markers, lowered, cues))
    return _resolve_overlaps(_split_numbers_from_addresses(text, found))


def _split_numbers_from_addresses(text: str, found: list[PiiMatch]) -> list[PiiMatch]:
    """A digit run that starts in an address's postcode and goes on past it ("APO AA 61487\n416 60 039")
    is the postcode and then a phone number: keep the part after the address, classified afresh."""
    streets = [m for m in found if m.entity == "STREET_ADDRESS"]
    if not streets:
        return found
    kept: list[PiiMatch] = []
    for match in found:
        street = next((s for s in streets if match.entity == "PHONE" and s.start <= match.start < s.end < match.end), None)
        if street is None:
            kept.append(match)
            continue
        start = street.end
        while start < match.end and not (text[start].isdigit() or text[start] in "+("):
            start += 1
        rest = _classify_digits(text, start, match.end) if start < match.end else None
        if rest is not None and rest.entity == "PHONE":
            kept.append(rest)
    return kept


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


def _find_streets(text: str, markers: set[int], lowered: str, cues: set[int]) -> list[PiiMatch]:
    regexes = [_STREET_NUMBER_FIRST, _STREET_SUFFIX]
    if not markers.isdisjoint(_MARKER_GROUPS["street"]):
        regexes.append(_STREET_WORD_FIRST)
    if not markers.isdisjoint(_MARKER_GROUPS["unit"]):
        regexes.append(_UNIT)
    found = [PiiMatch("STREET_ADDRESS", m.start(), m.end(), 0.7, "street address") for regex in regexes
             if _STREET_GATES[regex](text) for m in regex.finditer(text)]
    for unit in [match for match in found if text.startswith(_UNIT_AFTER_STREET, match.start)]:
        m = _STREET_BEFORE_UNIT.search(text, max(0, unit.start - 70), unit.start)
        if m:
            found.append(PiiMatch("STREET_ADDRESS", m.start(1), m.end(1), 0.7, "street and house number before a unit"))
        tail = _BLOCK_TAIL.match(text, unit.end)
        if tail:
            found.append(PiiMatch("STREET_ADDRESS", unit.end, tail.end(), 0.7, "town, country and postcode after a unit"))
    # A second number in front ("935 69 Gordon Terrace": building and house) belongs to the address.
    found = [PiiMatch(m.entity, m.start - len(before.group()), m.end, m.score, m.reason)
             if m.start and text[m.start].isdigit() and (before := _NUMBER_BEFORE.search(text, max(0, m.start - 8), m.start))
             else m for m in found]
    if "po a" in lowered:
        found.extend(PiiMatch("STREET_ADDRESS", m.start(), m.end(), 0.75, "military mail address") for m in _MILITARY.finditer(text))
    for phrase in _ADDRESS_CUES:
        if _CUE_SCANNER.ids[phrase] in cues:
            pos = lowered.find(phrase)
            while pos >= 0:
                m = _STREET_AFTER_CUE.match(text, pos + len(phrase))
                if m and (m.group(1)[0].isdigit() or phrase in _RESIDENCE_CUES):
                    found.append(PiiMatch("STREET_ADDRESS", m.start(1), m.end(1), 0.6, "street and house number after an address cue"))
                pos = lowered.find(phrase, pos + len(phrase))
    return _merge_address_parts(text, found)


_ADDRESS_GAP = re.compile(r"[\s,>]{0,6}\Z")


def _merge_address_parts(text: str, found: list[PiiMatch]) -> list[PiiMatch]:
    """Street, unit and town found apart are one address: one span, so masking gives one placeholder."""
    merged: list[PiiMatch] = []
    for match in sorted(found, key=lambda m: (m.start, -m.end)):
        last = merged[-1] if merged else None
        if last and (match.start <= last.end or _ADDRESS_GAP.match(text, last.end, match.start)):
            if match.end > last.end:
                merged[-1] = PiiMatch("STREET_ADDRESS", last.start, match.end, max(last.score, match.score), last.reason)
            continue
        merged.append(match)
    return merged


def _find_names(text: str, markers: set[int], lowered: str, cues: set[int]) -> list[PiiMatch]:
    names: list[PiiMatch] = []
    if not markers.isdisjoint(_MARKER_GROUPS["title"]) and _TITLE_NAME_MAYBE(text):
        for m in _TITLE_NAME.finditer(text):
            names.append(PiiMatch("PERSON", m.start(1), m.end(1), 0.75, "name after a title"))
    if cues:
        for phrase in _INTRO_PHRASES:
            if _CUE_SCANNER.ids[phrase] not in cues:
                continue
            pos = lowered.find(phrase)
            while pos >= 0:
                end = pos + len(phrase)
                if (pos == 0 or not lowered[pos - 1].isalnum()) and (end >= len(text) or not text[end].isalnum()):
                    after = _NAME_AFTER.match(text, end)
                    if after and after.group(1).split()[0].lower() not in _NOT_NAMES:
                        names.append(PiiMatch("PERSON", after.start(1), after.end(1), 0.7, "name after an introduction"))
                    elif after is None and (lower := _lower_case_name(text, end)) is not None:
                        names.append(lower)
                pos = lowered.find(phrase, end)
    names.extend(_capitalised_names(text))
    if ". " in text and _INITIAL_NAME_MAYBE(text):
        for m in _INITIAL_NAME.finditer(text):
            words = m.group().lower().split()
            if words[0] not in _NOT_NAMES and words[-1] not in _NOT_NAMES:  # "Melencolia I. In 1514 ..."
                names.append(PiiMatch("PERSON", m.start(), m.end(), 0.65, "first name, initial and surname"))
    return names


def _lower_case_name(text: str, pos: int) -> PiiMatch | None:
    """A lower-case name right after an introduction: a known given name, then words up to a function word."""
    m = _LOWER_NAME_AFTER.match(text, pos)
    if m is None or not m.group(1).islower():
        return None
    words = m.group(1).split()
    if words[0] not in _GIVEN_NAMES and words[0] not in _FIRST_NAMES:
        return None
    kept = 1
    while kept < len(words) and words[kept].rstrip(".") not in _NOT_NAMES:
        kept += 1
    end = m.start(1) + len(" ".join(words[:kept])) if " " in m.group(1) else m.end(1)
    return PiiMatch("PERSON", m.start(1), end, 0.6, "lower-case name after an introduction")


def _capitalised_names(text: str) -> list[PiiMatch]:
    """Names among the capitalised words: a run of title-case words that holds a known given name
    followed by a surname, or ends in a surname-shaped word ("Amadeo Vitorović"); or a known given
    name on its own ("ask Radomir")."""
    names: list[PiiMatch] = []
    if not _LONE_NAME_MAYBE(text):  # no capital inside a sentence: no run of capitalised words either
        return names
    if _CAP_SEQ_MAYBE(text):
        for seq in _CAP_SEQ.finditer(text):
            lowered = seq.group().lower().split()
            if not _PLACE_OR_ORG_WORDS.isdisjoint(w.rstrip(".") for w in lowered):
                continue
            first = next((i for i, w in enumerate(lowered[:-1]) if (w in _GIVEN_NAMES or w in _FIRST_NAMES) and w not in _NOT_NAMES), None)
            if first is not None and lowered[first + 1] not in _NOT_NAMES:
                names.append(PiiMatch("PERSON", _word_start(text, seq, first), seq.end(), 0.7, "known first name and surname"))
            elif (len(lowered[-1]) > 3 and _SURNAME_ENDING.fullmatch(lowered[-1]) and lowered[-2] not in _NOT_NAMES
                  and len(lowered[-2]) > 1):
                names.append(PiiMatch("PERSON", _word_start(text, seq, len(lowered) - 2), seq.end(), 0.6,
                                      "first name and a surname-shaped word"))
    # A given name on its own: inside a sentence, or at a sentence start when a comma or a verb follows.
    if not _FIRST_NAME_MAYBE(text):
        return names
    for m in _WORD_START_CAPWORD.finditer(text):
        start = m.start()
        if (m.group() in _GIVEN_TITLE and not _after_article(text, start) and not _in_compound(text, start, m.end())
                and not _in_capitalised_run(text, start, m.end())
                and (not _starts_sentence(text, start) or _NAME_FOLLOWER.match(text, m.end()))):
            names.append(PiiMatch("PERSON", start, m.end(), 0.6, "known given name"))
    return names


def _word_start(text: str, seq: re.Match[str], index: int) -> int:
    """Offset of the ``index``-th whitespace-separated word of a match."""
    return next(m.start() for i, m in enumerate(_SEQ_WORD.finditer(text, seq.start(), seq.end())) if i == index)


_CAPITALISED_BEFORE = re.compile(r"([A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]*)[ \t]\Z")
_CAPITALISED_AFTER = re.compile(r"[ \t][A-ZÀ-ÖØ-ÞĀ-Ž]")


def _in_capitalised_run(text: str, start: int, end: int) -> bool:
    """"Costa Rica", "Santa Monica", "Rennie Union": a given name inside a run of capitalised words
    that the name pass did not take is part of a place or a firm. A greeting before it does not count."""
    before = _CAPITALISED_BEFORE.search(text, max(0, start - 30), start)
    if before and before.group(1).lower() not in _NOT_NAMES:
        return True
    return bool(_CAPITALISED_AFTER.match(text, end))


def _in_compound(text: str, start: int, end: int) -> bool:
    """"Mayo-Walters", "Ellis-Ingram": a given name inside a hyphenated word is usually a firm's name."""
    return (start > 0 and text[start - 1] == "-") or text.startswith("-", end) and not text.startswith("- ", end)


def _after_article(text: str, start: int) -> bool:
    """"the Jordan", "a Mercedes": a given name after an article names a thing, not a person."""
    before = text[max(0, start - 4):start].lower()
    return before.endswith(("the ", " a ", "an "))


# At a sentence start a given name may be an ordinary word in another language ("Finja que ...",
# Portuguese "pretend"); there it counts only when what follows reads like a person's name.
_FOLLOWER_VERBS = (r"is|was|has|and|will|would|can|could|had|did|may|might|must|said|says|told|spent|began|went|made|took|gave|"
                   r"got|came|left|wrote|flew|lost|met|ran|saw|sang|knew|thought|found|felt|kept|built|bought|brought|sent|won")
_NAME_FOLLOWER = re.compile(r"\s*[,:]|['’]s\b|\s+(?:" + _FOLLOWER_VERBS + r"|[a-z]{2,}(?:ed|s))\b")
# Gate for the name passes (RE2, a few µs): a capital inside a sentence, or a capitalised word that a
# name-like follower comes after. Prose whose capitals all start sentences skips both passes.
# The gate leaves out "any -ed/-s word" as a follower: with it, every "Inspectors noted" would open
# the pass on long prose (10 ms per 800 KB); a sentence-initial name before such a verb is then
# found only when the text has some other capital inside a sentence.
_LONE_NAME_MAYBE = gate(r"[^\s.!?:;>]\s+[A-ZÀ-ÖØ-ÞĀ-Ž]|[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-ž]+(?:\s*[,:]|['’]s\b|\s+(?:" + _FOLLOWER_VERBS + r")\b)")


def _starts_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 3):start].rstrip(" \t\"'“(")
    return not before or before[-1] in ".!?\n:;>"


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
