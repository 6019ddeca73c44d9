"""Pins the engine's public API so the servicer's imports do not break silently."""

import infrafabric.server.emotion.engine as engine_pkg


def test_public_names() -> None:
    assert sorted(engine_pkg.__all__) == sorted([
        "DEFAULT_PERSONA", "EKMAN", "LEVELS", "MAX_TEXT_CHARS", "PLUTCHIK_AND_NEUTRAL", "SIGNAL_TYPES",
        "SUPPORTED_LANGUAGES", "Analysis", "ComposedPrompt", "CrisisAssessment", "CrisisDetector",
        "EmotionEngine", "EmotionEngineError", "EmotionProfile", "Helpline", "HelplineDirectory",
        "InvalidInputError", "Persona", "PersonaFormatError", "PersonaNotFoundError", "PersonaStore",
        "Signal", "compose_prompt", "load_persona_file",
    ])
    assert all(hasattr(engine_pkg, name) for name in engine_pkg.__all__)
