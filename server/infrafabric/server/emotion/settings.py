"""Settings of the Emotion service (see infrafabric.server._common.settings for the common ones).

The shipped default persona is always loaded; ``personas_dir`` adds every ``*.yaml``/``*.yml`` file
of one more directory (a persona there with the same name overrides the shipped one). A malformed
persona file stops start-up with a message naming the file and the field.
"""

from __future__ import annotations

from pathlib import Path

from infrafabric.server._common.settings import ServiceSettings
from infrafabric.server.emotion.engine import MAX_TEXT_CHARS
from pydantic import Field


class EmotionSettings(ServiceSettings):
    """Emotion settings: INFRAFABRIC_<FIELD> in the environment or <field> in the YAML file."""

    personas_dir: Path | None = Field(None, description="Extra directory of persona YAML files, loaded at start-up.")
    learned_crisis_model: bool = Field(
        True,
        description="The learned crisis stage (hashed n-grams, numpy, ~0.1 ms): on the blind set it lifts recall on"
        " indirect phrasing from 0.19 to 0.45 at 0.9% -> 1.3% false alarms, and escalates about 0.2% more ordinary"
        " comments (bench/crisis_eval.py --patterns-only compares). False leaves the curated patterns alone.",
    )
    semantic_crisis_model: bool = Field(
        False,
        description="Add the semantic crisis stage (needs the crisis-semantic extra): multilingual e5-small embeddings"
        " and a trained logistic head. Together with the learned stage it lifts blind-set recall from 0.45 to 0.71"
        " (false alarms 1.3% -> 1.7%; 8% on the small heldout5 set) but costs 30-70 ms per message"
        " (bench/crisis_eval.py --semantic).",
    )
    max_text_chars: int = Field(
        MAX_TEXT_CHARS,
        ge=1,
        le=MAX_TEXT_CHARS,
        description="Longest text (and history turn) AnalyzeText accepts, in characters; the engine's ceiling is 20,000.",
    )


SETTINGS = EmotionSettings
