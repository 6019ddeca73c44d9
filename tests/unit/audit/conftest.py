"""Fixtures for the audit engine tests: a fresh log in a temporary directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from infrafabric.server.audit.log import AuditLog


@pytest.fixture
async def audit_log(tmp_path: Path) -> AsyncIterator[AuditLog]:
    log = AuditLog.open(tmp_path / "data", segment_entries=8)
    yield log
    await log.close()
