"""STUB — helper B replaces this module (the RODO provider)."""
