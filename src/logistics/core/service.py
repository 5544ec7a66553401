"""Use cases: a service's public methods, each of which completes or leaves nothing behind.

Every public coroutine method of a `Service` subclass runs inside a savepoint of the session's transaction. A
refusal (any `DomainError`) or any other exception rolls the savepoint back before it reaches the caller, so
whatever the caller does next — render a form again, redirect with a message, answer with a JSON error, try
something else — the refused use case has written nothing: the request's unit of work commits only what
completed. Nested use cases (one service calling another) get savepoints of their own. Methods that only read
can say so with `@query` and skip the savepoint.

Requests, jobs and commands all run use cases this way; the transaction around them is committed by the request's
unit of work (`logistics.db.transaction`) or by `unit_of_work()` below, never by a handler.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from logistics.core import policy
from logistics.core.actor import Actor

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
_QUERY = "__logistics_query__"


def query(method: F) -> F:
    """Mark a service method that only reads: it runs without a savepoint of its own."""
    setattr(method, _QUERY, True)
    return method


_AFTER_COMMIT = "logistics.after_commit"
log = logging.getLogger("logistics.use_cases")


def after_commit(session: AsyncSession, effect: Callable[[], Awaitable[object]]) -> None:
    """Do `effect` (send a mail, call a gateway) once the transaction has been committed — never inside it, and
    not at all if the use case that asked for it refused or the transaction was rolled back."""
    session.info.setdefault(_AFTER_COMMIT, []).append(effect)


def take_after_commit(session: AsyncSession) -> list[Callable[[], Awaitable[object]]]:
    """The effects asked for so far, removed from the session (call it after commit; or to drop them)."""
    return list(session.info.pop(_AFTER_COMMIT, []))


async def run_effects(effects: list[Callable[[], Awaitable[object]]]) -> None:
    """Do the effects of a committed transaction; a failing one is logged and does not stop the others."""
    for effect in effects:
        try:
            await effect()
        except Exception:
            log.exception("an effect after commit failed")


def _as_use_case(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def use_case(self: Service, *args: Any, **kwargs: Any) -> Any:
        effects = self.session.info.get(_AFTER_COMMIT, [])
        queued = len(effects)
        try:
            async with self.session.begin_nested():
                return await method(self, *args, **kwargs)
        except BaseException:
            del effects[queued:]  # what the refused use case asked to do afterwards is not done either
            raise

    use_case.__logistics_use_case__ = True  # type: ignore[attr-defined]
    return use_case


class Service:
    """What every use-case class starts with: the session (one transaction) and who is acting."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if name.startswith("_") or not inspect.iscoroutinefunction(value) or getattr(value, _QUERY, False):
                continue
            if getattr(value, "__logistics_use_case__", False):
                continue
            setattr(cls, name, _as_use_case(value))

    def can(self, action: str, thing: Any = None) -> bool:
        return policy.can(self.actor, action, thing)

    def require(self, action: str, thing: Any = None) -> None:
        """Forbidden (403) unless the policy lets the actor do `action` (to `thing`)."""
        policy.require(self.actor, action, thing)


@asynccontextmanager
async def unit_of_work(session_maker: Callable[[], AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction outside a request (a job, a command): committed when the block completes, rolled back when
    it raises — the same rule as a request's unit of work."""
    async with session_maker() as session:
        try:
            yield session
        except BaseException:
            take_after_commit(session)
            await session.rollback()
            raise
        await session.commit()
        await run_effects(take_after_commit(session))
