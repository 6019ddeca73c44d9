"""Settings of the Memory service (see infrafabric.server._common.settings for the common ones).

L1 (session context, turns, checkpoints) lives in Redis at `redis_url`; L2 (semantic memory) in an
embedded Chroma under `<data_dir>/chroma`, or in the Chroma server at `chroma_url` (also read from
CHROMA_URL, like REDIS_URL). An embedded Chroma has a single writer, so run one Memory replica per
data directory unless `chroma_url` is set.
"""

from __future__ import annotations

from infrafabric.server._common.settings import RedisServiceSettings
from pydantic import AliasChoices, Field


class MemorySettings(RedisServiceSettings):
    """Memory settings: INFRAFABRIC_<FIELD> in the environment or <field> in the YAML file."""

    chroma_url: str | None = Field(
        None,
        validation_alias=AliasChoices("chroma_url", "INFRAFABRIC_CHROMA_URL", "CHROMA_URL"),
        pattern=r"^https?://[^/:]+(:\d+)?/?$",
        description="Chroma server, e.g. http://127.0.0.1:8000; unset: embedded Chroma in <data_dir>/chroma.",
    )
    context_ttl_seconds: float = Field(
        24 * 3600.0, gt=0, le=90 * 86_400, description="Default sliding TTL of a session's context and turns."
    )
    max_turns_per_session: int = Field(1_000, ge=1, le=100_000, description="Turns kept per session; the oldest go first.")
    checkpoint_ttl_seconds: float = Field(24 * 3600.0, gt=0, le=90 * 86_400, description="Default TTL of a checkpoint.")
    purge_interval_seconds: float = Field(
        300.0, gt=0, description="How often expired long-term memories are swept from Chroma."
    )
    redis_probe_interval_seconds: float = Field(
        1.0, gt=0, le=60, description="How often Redis is pinged, to report and leave degraded mode."
    )
    embed_concurrency: int = Field(1, ge=1, le=8, description="Embedding batches run at once (each uses up to 2 threads).")


SETTINGS = MemorySettings
