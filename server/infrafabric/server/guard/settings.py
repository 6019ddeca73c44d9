"""Settings of the Guard service (see infrafabric.server._common.settings for the common ones).

Every field is INFRAFABRIC_<FIELD> in the environment or <field> in the service's YAML file, e.g.
INFRAFABRIC_POLICY_FILE=/etc/infrafabric/guard_policy.yaml or INFRAFABRIC_OFFENDER_LIMIT=3.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from infrafabric.server._common.settings import RedisServiceSettings


class GuardSettings(RedisServiceSettings):
    """Guard settings: INFRAFABRIC_<FIELD> in the environment or <field> in the YAML file."""

    policy_file: Path | None = Field(
        None,
        description="Per-tenant screening policy (YAML, see engine/default_policy.yaml); unset uses the packaged safe default.",
    )
    max_input_chars: int = Field(
        4_000_000,
        ge=1,
        description=(
            "Most code points one request may carry in text + history + documents together. Each single text is "
            "also bounded by the tenant policy's max_text_chars (1,000,000 by default, ~250K tokens). The default "
            "admits a ~200K-token (~800 KB) document plus a prompt; gRPC's max_message_bytes (8 MiB) caps the "
            "encoded request anyway, so raising this past it has no effect."
        ),
    )
    offender_limit: int = Field(5, ge=1, description="Blocked requests within the window that start a cool-down.")
    offender_window_seconds: float = Field(600.0, gt=0, description="Sliding window in which blocks are counted.")
    offender_cooldown_seconds: float = Field(900.0, gt=0, description="How long a repeat offender is refused.")
    audit_security_events: bool = Field(
        True, description="Append a guard.repeat_offender event to Audit when a user enters a cool-down."
    )
    audit_timeout_seconds: float = Field(2.0, gt=0, description="Deadline of the call to Audit for a security event.")
    redis_timeout_seconds: float = Field(
        0.5, gt=0, description="Socket timeout for offender tracking; past it tracking is skipped, screening goes on."
    )

    @field_validator("policy_file")
    @classmethod
    def _policy_file_exists(cls, path: Path | None) -> Path | None:
        # Fail at start-up with a message naming this setting (and the bad key inside the file),
        # rather than with a traceback from build() or on the first call.
        if path is None:
            return None
        if not path.is_file():
            raise ValueError("not a readable file")
        from infrafabric.server.guard.engine import PolicyError, load_policy_set

        try:
            load_policy_set(path)
        except (PolicyError, OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"invalid guard policy: {exc}") from None
        return path


SETTINGS = GuardSettings
