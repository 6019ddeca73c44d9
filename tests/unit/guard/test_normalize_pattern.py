"""Lexicon patterns are folded like normalised text, without changing what their escapes mean."""

import re

from infrafabric.server.guard.engine.normalize import normalize_pattern


def test_letters_fold_but_escapes_keep_their_case():
    assert normalize_pattern(r"Ignore\S+\W\D Ünïcode") == r"ignore\S+\W\D " + normalize_pattern("Ünïcode")
    # \S must still mean "not a space" after folding.
    assert re.fullmatch(normalize_pattern(r"A\S+"), "abc") and not re.fullmatch(normalize_pattern(r"A\S+"), "a c")
