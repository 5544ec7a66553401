"""Read the migration scripts (for /readyz) without a database."""

from __future__ import annotations

from functools import lru_cache

from alembic.config import Config
from alembic.script import ScriptDirectory

from logistics.settings import get_settings


@lru_cache(maxsize=1)
def script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(get_settings().migrations_dir))
    return ScriptDirectory.from_config(config)
