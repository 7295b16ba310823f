"""Local development: the embedded defaults (SQLite, file-system broker), DEBUG on."""

from connector_site.settings.base import *  # noqa: F403
from connector_site.settings.base import env

DEBUG = env.bool("DEBUG", default=True)
