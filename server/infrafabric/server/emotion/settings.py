"""Settings of the Emotion service (see infrafabric.server._common.settings for the common ones)."""

from infrafabric.server._common.settings import ServiceSettings


class EmotionSettings(ServiceSettings):
    """Emotion settings: INFRAFABRIC_<FIELD> in the environment or <field> in the YAML file."""


SETTINGS = EmotionSettings
