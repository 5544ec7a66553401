"""Base classes for every model: UUIDv7 primary key plus created/updated timestamps (UTC)."""

from advanced_alchemy.base import UUIDv7AuditBase, UUIDv7Base, orm_registry
from advanced_alchemy.types import DateTimeUTC

metadata = orm_registry.metadata

__all__ = ["DateTimeUTC", "UUIDv7AuditBase", "UUIDv7Base", "metadata"]
