"""STUB — helper A may fill this module (a start-page panel for coordinators: entries to verify, suggestions)."""

from logistics.directory import models as _models  # noqa: F401
