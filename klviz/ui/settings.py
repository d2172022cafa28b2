"""Where the window remembers things between runs (QSettings "klviz" / "klviz")."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from klviz.core.distributions import preset_names

__all__ = ["APPLICATION", "DEFAULT_PRESET", "ORGANIZATION", "app_settings", "remembered_preset"]

ORGANIZATION = "klviz"
APPLICATION = "klviz"
DEFAULT_PRESET = "bimodal"


def app_settings() -> QSettings:
    """The user's klviz settings (window geometry, last preset, view options)."""
    return QSettings(ORGANIZATION, APPLICATION)


def remembered_preset() -> str:
    """The preset shown when the window was last closed, if it still exists; else the default."""
    name = app_settings().value("data/preset", DEFAULT_PRESET)
    return name if isinstance(name, str) and name in preset_names() else DEFAULT_PRESET
