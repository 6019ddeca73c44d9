"""Settings of the Router service (see infrafabric.server._common.settings for the common ones)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from infrafabric.server._common.settings import RedisServiceSettings


class RouterSettings(RedisServiceSettings):
    """Router settings: INFRAFABRIC_<FIELD> in the environment or <field> in the YAML file.

    Provider credentials are read from the environment variables the model registry names
    (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, LOCAL_LLM_BASE_URL, ...). With none set, every turn is
    answered in offline mode: from memory, marked degraded, never a made-up model answer.
    """

    models_file: Path | None = Field(None, description="model registry YAML (default: the packaged models.yaml)")
    budgets_file: Path | None = Field(None, description="budget limits YAML (default: the packaged budgets.yaml)")
    escalation_stream: str = Field("infrafabric:escalations", min_length=1)
    escalation_group: str = Field("oncall", min_length=1, description="consumer group created for the bridge")
    default_persona: str = "default"
    stage_timeout_seconds: float = Field(10.0, gt=0, description="deadline for each call to Guard, Memory, Emotion, Audit")
    turn_timeout_seconds: float = Field(110.0, gt=0, description="deadline for a whole turn when the caller sets none")
    max_message_chars: int = Field(32_000, ge=1)
    history_turns: int = Field(20, ge=0, le=500)
    memory_results: int = Field(5, ge=0, le=100)
    default_max_output_tokens: int = Field(1024, ge=1)


SETTINGS = RouterSettings
