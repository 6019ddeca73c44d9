"""Shared fixtures: the engine loads once per test session (about 2-3 s)."""

import pytest

from infrafabric.server.emotion.engine import EmotionEngine


@pytest.fixture(scope="session")
def engine() -> EmotionEngine:
    return EmotionEngine.load()
