"""STUB — helper B replaces this module (the overdue job)."""
