"""Base classes for every model: UUIDv7 primary key plus created/updated timestamps (UTC); money in złoty."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase, UUIDv7Base, orm_registry
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = orm_registry.metadata

GROSZ = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """An amount in złoty as a `Decimal` with two places, stored as whole grosze (BIGINT).

    SQLite has no exact decimal type (a NUMERIC column keeps 0.1 as a binary float, so `0.10 + 0.20 <= 0.30` is
    false there); whole grosze make every sum and every conditional UPDATE exact on both databases. An amount with
    more than two places is refused, never rounded silently."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        amount = Decimal(value)
        if amount != amount.quantize(GROSZ):
            raise ValueError(f"an amount in zł has at most two decimal places, not {value!r}")
        return int((amount * 100).to_integral_value(ROUND_HALF_UP))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(GROSZ)


__all__ = ["GROSZ", "DateTimeUTC", "Money", "UUIDv7AuditBase", "UUIDv7Base", "metadata"]
