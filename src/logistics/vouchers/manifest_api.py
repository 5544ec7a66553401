"""JSON API: a distribution point's manifest for scanning offline (documented in the OpenAPI schema at /api/docs).

The same callers, credentials and error shape as the scanning API (`logistics.vouchers.api`): a device token of
the point or a signed-in user who hands out goods there. The manifest is sent gzipped to a client that accepts it
(every browser does): 5,000 vouchers are about 100 kB on the wire instead of 500 kB."""

from __future__ import annotations

import gzip
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, MediaType, Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ValidationException
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.db import WRITES
from logistics.vouchers.api import API_OPT, DEVICE_SCHEME, _errors, validation_error
from logistics.vouchers.devices import scanner_guard
from logistics.vouchers.offline import Manifest, ManifestService


async def provide_manifests(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
) -> ManifestService:
    """The manifest for the caller the scanner guard admitted: a device (as its point's volunteer) or a user."""
    actor, _device_id = request.state.scanner
    return ManifestService(db_session, actor)


class ManifestApi(Controller):
    path = "/api/v1"
    guards = [scanner_guard]
    opt = API_OPT
    tags = ["offline scanning"]
    include_in_schema = True
    security = [{DEVICE_SCHEME: []}, {"sessionCookie": []}]
    dependencies = {"manifests": Provide(provide_manifests)}
    exception_handlers = {ValidationException: validation_error}

    @get(
        "/points/{point_id:uuid}/manifest",
        opt=WRITES,  # a full manifest is audit-logged
        cache_control=CacheControlHeader(no_store=True),
        responses={
            200: ResponseSpec(Manifest, description="The manifest (gzipped when the client accepts it)."),
            **_errors({404: "The point does not exist or is not the caller's."}),
        },
    )
    async def manifest(
        self,
        request: Request[Any, Any, Any],
        manifests: NamedDependency[ManifestService],
        point_id: FromPath[UUID],
        since: Annotated[
            str | None,
            Parameter(
                description="The `generated_at` of the last manifest: only what changed since (`full: false`). "
                "Without it — or when it is not a time, of another day or more than an hour old — the whole "
                "manifest (`full: true`)."
            ),
        ] = None,
    ) -> Response[bytes]:
        """What the point's scanning page needs to decide scans offline: the vouchers valid here with their
        remaining lines, the revoked ones and those valid only elsewhere, each by a keyed hash of its code."""
        body = msgspec.json.encode(await manifests.manifest(point_id, since))
        headers = {"vary": "accept-encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            body, headers["content-encoding"] = gzip.compress(body, compresslevel=6), "gzip"
        return Response(body, media_type=MediaType.JSON, headers=headers)
