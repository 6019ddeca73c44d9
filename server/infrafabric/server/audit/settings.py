"""Settings of the Audit service (see infrafabric.server._common.settings for the common ones)."""

from infrafabric.server._common.settings import ServiceSettings


class AuditSettings(ServiceSettings):
    """Audit settings: INFRAFABRIC_<FIELD> in the environment or <field> in the YAML file."""


SETTINGS = AuditSettings
