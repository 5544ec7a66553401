"""create_app(): the one place that assembles plugins, routes and middleware."""

from __future__ import annotations

import gc
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import HTTPException
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from logistics.accounts.controllers import AccountController, AuthController, UserAdminController
from logistics.activities import privacy as _activity_privacy  # noqa: F401 — registers the activities' RODO provider
from logistics.activities import start as _activities_start  # noqa: F401 — registers its start-page panel
from logistics.activities.attendance_controllers import AttendanceController
from logistics.activities.controllers import ActivityController
from logistics.audit.controllers import AuditController
from logistics.auth import create_session_auth
from logistics.cli import CLIPlugin
from logistics.core.errors import DomainError
from logistics.core.roles import Role
from logistics.dashboard import start as _dashboard_start  # noqa: F401 — the dashboard as a start-page panel
from logistics.dashboard.controllers import DashboardController
from logistics.db import make_alchemy_config
from logistics.db.transaction import TransactionMiddleware
from logistics.directory import start as _directory_start  # noqa: F401 — registers its start-page panel
from logistics.directory.controllers import DirectoryController, public_directory
from logistics.health.controllers import healthz, readyz
from logistics.inventory import start as _inventory_start  # noqa: F401 — registers its start-page panel
from logistics.inventory.catalogue_controllers import CatalogueController
from logistics.inventory.controllers import StockController
from logistics.inventory.history_controllers import StockHistoryController
from logistics.inventory.outgoing_controllers import OutgoingController, TransferController
from logistics.inventory.stocktake_controllers import StocktakeController
from logistics.notifications import start as _notifications_start  # noqa: F401 — registers its start-page panel
from logistics.notifications.controllers import MessagesController
from logistics.people import start as _people_start  # noqa: F401 — registers its start-page panel
from logistics.people.controllers import PeopleController
from logistics.people.household_controllers import HouseholdController, ThresholdController
from logistics.referrals import privacy as _referral_privacy  # noqa: F401 — registers the referrals' RODO provider
from logistics.referrals import start as _referrals_start  # noqa: F401 — registers its start-page panel
from logistics.referrals.controllers import ReferralController
from logistics.referrals.public import PublicReferralController
from logistics.reports.controllers import ReportsController
from logistics.scheduler import JobRunner, create_scheduler
from logistics.settings import Settings, get_settings
from logistics.shelter import privacy as _shelter_privacy  # noqa: F401 — registers the shelter's RODO provider
from logistics.shelter import start as _shelter_start  # noqa: F401 — registers its start-page panel
from logistics.shelter.controllers import ShelterController, occupancy_api, public_free_places
from logistics.shelter.night_controllers import (
    HistoryController,
    ReviewController,
    RollCallController,
    WaitingController,
)
from logistics.sites.controllers import SiteController
from logistics.system import start as _system_start  # noqa: F401 — registers its start-page panel
from logistics.system.controllers import JobsController
from logistics.vouchers import privacy as _voucher_privacy  # noqa: F401 — registers the vouchers' RODO provider
from logistics.vouchers import start as _vouchers_start  # noqa: F401 — registers its start-page panel
from logistics.vouchers.api import COMPONENTS as API_COMPONENTS
from logistics.vouchers.api import VoucherApi
from logistics.vouchers.api_docs import LocalSwaggerRenderPlugin
from logistics.vouchers.conflict_controllers import ConflictController
from logistics.vouchers.controllers import VoucherController
from logistics.vouchers.manifest_api import ManifestApi
from logistics.vouchers.point_controllers import DeviceController, ReconciliationController
from logistics.vouchers.programme_controllers import ProgrammeController
from logistics.vouchers.public import public_voucher
from logistics.vouchers.scan_controllers import ScanController
from logistics.vouchers.settlement_controllers import SettlementController
from logistics.web.api_body import refuse_hostile_input
from logistics.web.dependencies import APP_DEPENDENCIES
from logistics.web.errors import handle_domain_error, handle_http_exception, handle_server_error
from logistics.web.guards import requires
from logistics.web.home import HomeController
from logistics.web.middleware import LocaleMiddleware, RequestContextMiddleware
from logistics.web.templating import create_template_engine

MAX_REQUEST_BODY = 1024 * 1024  # 1 MiB: forms and API calls are small


def _request_context_outermost(app_config: AppConfig) -> AppConfig:
    app_config.middleware.insert(0, RequestContextMiddleware)
    return app_config


def _freeze_startup_objects() -> None:
    """Move everything loaded at start (modules, metadata, templates: ~190,000 objects) out of the garbage
    collector's reach: otherwise each full collection walks them all, a 50–80 ms pause in the middle of a request
    (measured on the stock page of a large warehouse, benchmarks/RESULTS.md)."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    alchemy = make_alchemy_config(settings)
    session_auth = create_session_auth(settings, alchemy)
    engine = create_template_engine(settings)
    template_config = TemplateConfig(instance=engine)

    @asynccontextmanager
    async def run_scheduler(_app: Litestar) -> AsyncGenerator[None, None]:
        if not settings.scheduler:
            yield
            return
        scheduler = create_scheduler(JobRunner(alchemy.create_session_maker()))
        scheduler.start()
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)

    openapi_router = Router(path="/api/docs", route_handlers=[], guards=[requires(*Role)])
    return Litestar(
        route_handlers=[
            HomeController,
            DashboardController,
            AuthController,
            AccountController,
            UserAdminController,
            SiteController,
            PeopleController,
            HouseholdController,
            ThresholdController,
            ShelterController,
            StockController,
            CatalogueController,
            OutgoingController,
            TransferController,
            StocktakeController,
            StockHistoryController,
            ScanController,
            AttendanceController,
            ActivityController,
            VoucherApi,
            ManifestApi,
            VoucherController,
            ProgrammeController,
            DeviceController,
            ReconciliationController,
            ConflictController,
            SettlementController,
            public_voucher,
            RollCallController,
            HistoryController,
            ReviewController,
            WaitingController,
            occupancy_api,
            public_free_places,
            DirectoryController,
            public_directory,
            ReferralController,
            PublicReferralController,
            ReportsController,
            AuditController,
            MessagesController,
            JobsController,
            healthz,
            readyz,
            create_static_files_router(
                path="/static",
                directories=[settings.static_dir],
                opt={"exclude_from_auth": True},
                name="static",
            ),
        ],
        dependencies=APP_DEPENDENCIES,
        include_in_schema=False,  # the OpenAPI schema describes the JSON API only: its routes say so themselves
        before_request=refuse_hostile_input,
        plugins=[
            SQLAlchemyPlugin(config=alchemy),
            HTMXPlugin(),
            CLIPlugin(),
        ],
        # Session auth puts its middleware first; the request context goes before it (outermost).
        on_app_init=[session_auth.on_app_init, _request_context_outermost],
        middleware=[
            LocaleMiddleware,
            DefineMiddleware(
                TransactionMiddleware,
                session_scope_key=alchemy.session_scope_key,
                one_writer=settings.is_sqlite,
                max_body=MAX_REQUEST_BODY,
            ),
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="przystan_csrf",
            header_name="x-csrftoken",
            cookie_httponly=True,
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
        ),
        template_config=template_config,
        exception_handlers={
            DomainError: handle_domain_error,
            HTTPException: handle_http_exception,
            Exception: handle_server_error,
        },
        openapi_config=OpenAPIConfig(
            title="Przystań API",
            version="1",
            path="/api/docs",
            use_handler_docstrings=True,
            components=API_COMPONENTS,
            render_plugins=[LocalSwaggerRenderPlugin()],
            openapi_router=openapi_router,
        ),
        lifespan=[run_scheduler],
        on_startup=[_freeze_startup_objects],
        on_shutdown=[alchemy.get_engine().dispose],  # close the pool's connections when the process stops
        request_max_body_size=MAX_REQUEST_BODY,
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            formatters={"standard": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
            log_exceptions="debug" if settings.debug else "never",
        ),
        debug=settings.debug,
    )
