"""STUB — helper B replaces this module (the case worker's start-page panel)."""

from logistics.referrals import models as _models  # noqa: F401
