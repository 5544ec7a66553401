"""Each request's unit of work: commit what its use cases completed, before anything else touches the database.

A use case that refused has already rolled back its own savepoint (`logistics.core.service`), so the unit of work
commits every answer below 500 — a redirect with a message, a form shown again with its errors (422), a JSON
refusal, the counted failure of a sign-in (401) — and rolls back on a server error or an exception.

This middleware sits innermost, so the request's transaction is committed (or rolled back) before the session
middleware outside it stores the session — on SQLite a still-open write transaction would make that store wait
for its own request. A commit that fails is not hidden: the response becomes an error and nothing was saved.

On SQLite, which has one writer at a time, the write requests of a process also queue here, first come first
served, from when their body has arrived until their commit. Left to SQLite, a waiting writer polls the lock with
sleeps that grow to 100 ms and may lose it to a later arrival, which made the slowest of 50 concurrent scanners
wait seconds (benchmarks/RESULTS.md). The body is read before queueing so that a slow client (a bad mobile link)
holds up nobody. Other processes (a second app process, a command) still wait through the busy timeout.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from advanced_alchemy.extensions.litestar._utils import delete_aa_scope_state, get_aa_scope_state
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from logistics.core.service import run_effects, take_after_commit
from logistics.db import write_intent

log = logging.getLogger("logistics.db")
#: The write requests' queue of each event loop (one per process): an asyncio.Lock serves first come, first served.
_writer_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _writer_queue() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    queue = _writer_queues.get(loop)
    if queue is None:
        queue = _writer_queues[loop] = asyncio.Lock()
    return queue


async def _body_read_first(receive: Receive, max_body: int) -> Receive:
    """Read the request's body now (up to `max_body`: a larger one is left for the application to refuse) and
    hand it on as if it were arriving."""
    messages: list[ReceiveMessage] = []
    size = 0
    while size <= max_body:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body"):
            break
        size += len(message.get("body", b""))

    async def replay() -> ReceiveMessage:
        return messages.pop(0) if messages else await receive()

    return replay


class TransactionMiddleware:
    def __init__(
        self, app: ASGIApp, session_scope_key: str, one_writer: bool = False, max_body: int = 1024 * 1024
    ) -> None:
        self.app = app
        self.session_scope_key = session_scope_key
        self.one_writer = one_writer
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not (self.one_writer and write_intent.get()):
            await self._unit_of_work(scope, receive, send, lambda: None)
            return
        receive = await _body_read_first(receive, self.max_body)
        queue = _writer_queue()
        await queue.acquire()
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                queue.release()

        try:
            await self._unit_of_work(scope, receive, send, release)
        finally:
            release()

    async def _unit_of_work(self, scope: Scope, receive: Receive, send: Send, finished: Callable[[], None]) -> None:
        """Run the request; at its response, commit or roll back, close the session and call `finished`; once the
        response has been sent, do what the committed use cases asked to do after commit (mail, SMS)."""
        failed = False
        effects: list[Callable[[], Awaitable[object]]] = []

        async def send_wrapper(message: Message) -> None:
            nonlocal failed
            if failed:
                return
            if message["type"] == "http.response.start":
                session: Any = get_aa_scope_state(scope, self.session_scope_key)
                if session is not None:
                    try:
                        if message["status"] < 500:
                            await session.commit()
                            effects.extend(take_after_commit(session))
                        else:
                            await session.rollback()
                    except Exception:
                        log.exception("commit failed")
                        failed = True
                        await session.rollback()
                        await _send_commit_failure(scope, send)
                        return
                    finally:
                        take_after_commit(session)
                        await session.close()
                        delete_aa_scope_state(scope, self.session_scope_key)
                finished()  # the transaction is over: the next writer may go while this response is sent
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except BaseException:
            session: Any = get_aa_scope_state(scope, self.session_scope_key)
            if session is not None:
                take_after_commit(session)
                await session.rollback()
            raise
        await run_effects(effects)


async def _send_commit_failure(scope: Scope, send: Send) -> None:
    from logistics.core.i18n import gettext as _

    message = _("The change could not be saved. Nothing was changed; please try again.")
    if scope["path"].startswith("/api/"):
        body = json.dumps({"error": "commit_failed", "message": message}).encode()
        content_type = b"application/json"
    else:
        body = f"<!doctype html><meta charset=utf-8><title>500</title><p>{message}</p>".encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
