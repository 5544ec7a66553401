"""The demo directory (`logistics seed demo`): the services of seeds/demo/services.csv and the places of
seeds/demo/places.csv (a city like Gliwice), loaded through the same import as a coordinator's CSV file.

services.csv is an ordinary import file (it doubles as a sample of the format): its `verified_on` dates are real
dates, written for DIRECTORY_WRITTEN_FOR. Once imported, every entry's date moves by the days from that day to the
load day — so whatever day the demo is loaded, the entries were verified over the past 18 months and a few of them,
more than 12 months ago, carry the warning.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.directory.models import Place, Service
from logistics.directory.services import DirectoryService

#: The day services.csv was written for (its `verified_on` dates lie in the 18 months before it).
DIRECTORY_WRITTEN_FOR = date(2026, 12, 1)


async def load_directory_demo(session: AsyncSession, seeds: Path, today: date) -> tuple[int, int]:
    """Once (when the directory is empty): the demo's services and places; how many of each were added."""
    if await session.scalar(select(func.count()).select_from(Service)):
        return 0, 0
    directory = DirectoryService(session, Actor.system("demo"))
    places = 0
    if not await session.scalar(select(func.count()).select_from(Place)):
        places = await directory.import_places((seeds / "places.csv").read_bytes())
    services = await directory.import_csv((seeds / "services.csv").read_bytes())
    shift = today - DIRECTORY_WRITTEN_FOR
    # never after the load day, nor after the real one (a test may load the demo for a day ahead)
    latest = min(today, local_today())
    for service in await session.scalars(select(Service).where(Service.verified_on.is_not(None))):
        assert service.verified_on is not None
        service.verified_on = min(latest, service.verified_on + shift)
    await session.flush()
    return services, places
