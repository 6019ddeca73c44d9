"""In-process emotion engine: language, emotions, crisis risk, personas and prompt composition.

Typical use (the Emotion servicer)::

    engine = EmotionEngine.load()                # once per process (~2 s)
    personas = PersonaStore(extra_dirs)           # PersonaFormatError on a malformed file
    analysis = engine.analyze(text, history=[("user", "..."), ("assistant", "...")], language_hint="es")
    prompt = compose_prompt(personas.get(name), analysis.profile(), analysis.language, region_code="ES")

Errors: see :mod:`.errors` (InvalidInputError → INVALID_ARGUMENT, PersonaNotFoundError → NOT_FOUND).
"""

from .crisis import LEVELS, SIGNAL_TYPES, CrisisAssessment, CrisisDetector, Signal
from .engine import EKMAN, MAX_TEXT_CHARS, PLUTCHIK_AND_NEUTRAL, Analysis, EmotionEngine
from .errors import EmotionEngineError, InvalidInputError, PersonaFormatError, PersonaNotFoundError
from .language import SUPPORTED_LANGUAGES
from .personas import DEFAULT_PERSONA, Persona, PersonaStore, load_persona_file
from .prompt import ComposedPrompt, EmotionProfile, Helpline, HelplineDirectory, compose_prompt

__all__ = [
    "DEFAULT_PERSONA", "EKMAN", "LEVELS", "MAX_TEXT_CHARS", "PLUTCHIK_AND_NEUTRAL", "SIGNAL_TYPES",
    "SUPPORTED_LANGUAGES", "Analysis", "ComposedPrompt", "CrisisAssessment", "CrisisDetector",
    "EmotionEngine", "EmotionEngineError", "EmotionProfile", "Helpline", "HelplineDirectory",
    "InvalidInputError", "Persona", "PersonaFormatError", "PersonaNotFoundError", "PersonaStore",
    "Signal", "compose_prompt", "load_persona_file",
]
