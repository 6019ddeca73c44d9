"""Settings of the Router service (see infrafabric.server._common.settings for the common ones)."""

from infrafabric.server._common.settings import RedisServiceSettings


class RouterSettings(RedisServiceSettings):
    """Router settings: INFRAFABRIC_<FIELD> in the environment or <field> in the YAML file."""


SETTINGS = RouterSettings
