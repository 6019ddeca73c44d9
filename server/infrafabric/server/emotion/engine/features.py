"""Text → sparse features for the shipped emotion model.

Shared by inference and by ``scripts/train_emotion.py`` so that both tokenise identically.
"""

from __future__ import annotations

import re
import unicodedata

# Words (letters/digits/apostrophes), emoji and emphatic punctuation. Emoji carry a lot of
# emotion in chat text, so they are kept as tokens of their own.
_TOKEN_RE = re.compile(
    r"[^\W_]+(?:'[^\W_]+)*"
    r"|[\U0001F300-\U0001FAFF\u2600-\u27BF]"
    r"|[!?]",
)
_NEGATORS = frozenset(
    {"not", "no", "never", "don't", "dont", "didn't", "didnt", "isn't", "isnt", "wasn't",
     "can't", "cant", "won't", "wont", "doesn't", "doesnt", "aren't", "nothing", "nobody"}
)
_CLAUSE_END = frozenset({"!", "?"})


def normalise(text: str) -> str:
    """Lower-case, unify apostrophes and drop the [NAME]-style placeholders of Reddit corpora."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("`", "'")
    return text.lower()


def tokenize(text: str) -> list[str]:
    """Tokens of ``text`` after :func:`normalise`."""
    return _TOKEN_RE.findall(normalise(text))


def features(text: str) -> list[str]:
    """Unigrams, bigrams and negation-scoped unigrams (``NEG_happy``) for a text.

    Negation scope (the three tokens after a negator) lets a linear model tell
    "happy" from "not happy" without needing trigrams.
    """
    tokens = tokenize(text)
    out: list[str] = list(tokens)
    out.extend(f"{a} {b}" for a, b in zip(tokens, tokens[1:]))
    scope = 0
    for tok in tokens:
        if tok in _NEGATORS:
            scope = 3
            continue
        if tok in _CLAUSE_END:
            scope = 0
        elif scope:
            out.append("NEG_" + tok)
            scope -= 1
    if text.isupper() and len(text) > 3:
        out.append("__ALLCAPS__")
    return out
