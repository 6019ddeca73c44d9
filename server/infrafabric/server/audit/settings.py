"""Settings of the Audit service (see infrafabric.server._common.settings for the common ones).

The log lives in ``<data_dir>/audit`` unless ``audit_dir`` says otherwise; sealed segments go to
``<audit dir>/cold`` unless ``cold_dir`` says otherwise. ``origin`` and ``segment_entries`` are fixed
when the log is first created (they are stored in its log.json): changing ``origin`` later stops
start-up with a message, and a later ``segment_entries`` is ignored for an existing log.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from infrafabric.server._common.settings import ServiceSettings
from infrafabric.server.audit.log import DEFAULT_ORIGIN
from infrafabric.transparency.entry import MAX_PAYLOAD_BYTES


class AuditSettings(ServiceSettings):
    """Audit settings: INFRAFABRIC_<FIELD> in the environment or <field> in the YAML file."""

    origin: str = Field(
        DEFAULT_ORIGIN,
        # A C2SP key name: no whitespace, no '+', not empty (the checkpoint key is named after it).
        pattern=r"^[^\s+]+$",
        description="Checkpoint origin line and signing key name; citations are if://audit/<origin>/<index>.",
    )
    segment_entries: int = Field(1 << 16, ge=1, description="Entries per segment file (the unit of retention).")
    audit_dir: Path | None = Field(None, description="Where the log lives (default <data_dir>/audit).")
    cold_dir: Path | None = Field(None, description="Where sealed segments go (default <audit dir>/cold).")
    max_payload_bytes: int = Field(
        MAX_PAYLOAD_BYTES,
        ge=2,
        le=MAX_PAYLOAD_BYTES,
        description="Largest payload accepted, measured as canonical JSON (the engine's own ceiling is 64 KiB).",
    )
    max_batch: int = Field(4096, ge=1, description="Most entries one group commit (one fsync) may carry.")

    @property
    def log_dir(self) -> Path:
        return (self.audit_dir or self.data_dir / "audit").expanduser()

    @property
    def cold_storage_dir(self) -> Path:
        return (self.cold_dir or self.log_dir / "cold").expanduser()


SETTINGS = AuditSettings
