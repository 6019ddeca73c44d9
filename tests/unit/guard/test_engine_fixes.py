"""Lexicon patterns are folded like normalised text, without changing what their escapes mean."""

import re

from infrafabric.server.guard.engine.normalize import normalize_pattern


def test_letters_fold_but_escapes_keep_their_case():
    assert normalize_pattern(r"Ignore\S+\W\D Ünïcode") == r"ignore\S+\W\D " + normalize_pattern("Ünïcode")
    # \S must still mean "not a space" after folding.
    assert re.fullmatch(normalize_pattern(r"A\S+"), "abc") and not re.fullmatch(normalize_pattern(r"A\S+"), "a c")


def test_a_risk_exactly_at_the_block_threshold_blocks():
    from importlib import resources

    import yaml

    from infrafabric.server.guard.engine import Guard, PolicySet
    from infrafabric.server.guard.engine.types import Finding

    default = yaml.safe_load(resources.files("infrafabric.server.guard.engine").joinpath("default_policy.yaml").read_text())
    default["default"]["block_threshold"] = 0.45
    guard = Guard(PolicySet.from_yaml(yaml.safe_dump(default)))
    policy = guard.effective_policy("default")
    # One injection signal scored exactly at the threshold (1 - (1 - 0.45) is not 0.45 in floats).
    finding = Finding("prompt_injection", "injection_patterns", 0.45, "text", 0, 0, 6, "test", rule="test.rule")
    result = guard._decide("Ignore", [finding], policy, [], False)
    assert result.verdict == "block" and result.risk_score == 0.45
