"""`logistics services export|import|places`: the same CSV as the web; a bad file prints each bad row with its line,
exits with 2 and imports nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from click.testing import CliRunner
from litestar.cli.main import litestar_group

from logistics.directory.models import Place, Service

from ..helpers import count
from .conftest import PLACES, row, sample, services_csv


def _run(monkeypatch: Any, *args: str) -> Any:
    monkeypatch.setenv("LITESTAR_APP", "logistics.app:create_app")
    return CliRunner().invoke(litestar_group, list(args), catch_exceptions=False)


async def test_import_export_and_places(app: Any, monkeypatch: Any, tmp_path: Any) -> None:
    source = tmp_path / "services.csv"
    source.write_bytes(services_csv())
    result = await asyncio.to_thread(_run, monkeypatch, "services", "import", str(source))
    assert result.exit_code == 0, result.output
    assert "Imported 4 entries." in result.output
    assert await count(app, Service) == 4
    out = tmp_path / "export.csv"
    result = await asyncio.to_thread(_run, monkeypatch, "services", "export", "--format", "csv", "--output", str(out))
    assert result.exit_code == 0, result.output
    exported = out.read_bytes()
    assert exported.startswith(b"id,institution,name,")
    assert len(exported.decode().strip().splitlines()) == 5
    # the export imports back: the same four entries, changed in place
    result = await asyncio.to_thread(_run, monkeypatch, "services", "import", str(out))
    assert result.exit_code == 0 and await count(app, Service) == 4
    stdout = await asyncio.to_thread(_run, monkeypatch, "services", "export")
    assert stdout.output.encode() == exported
    places = tmp_path / "places.csv"
    places.write_text(PLACES)
    result = await asyncio.to_thread(_run, monkeypatch, "services", "places", str(places))
    assert result.exit_code == 0 and "Imported 3 places." in result.output
    assert await count(app, Place) == 3


async def test_bad_file_prints_each_row_and_imports_nothing(app: Any, monkeypatch: Any, tmp_path: Any) -> None:
    source = tmp_path / "bad.csv"
    source.write_bytes(
        sample(
            row(institution="Dobra", name="Dobra", category="legal"),
            row(institution="", name="Bez instytucji", category="legal"),
            row(institution="X", name="Y", category="legal", longitude="18.6"),
        )
    )
    result = await asyncio.to_thread(_run, monkeypatch, "services", "import", str(source))
    assert result.exit_code == 2
    assert "line 3: institution:" in result.output
    assert "line 4: latitude:" in result.output
    assert "line 2" not in result.output
    assert await count(app, Service) == 0
    places = tmp_path / "places.csv"
    places.write_text("name,latitude,longitude\nA,50,18\nB,x,18\n")
    result = await asyncio.to_thread(_run, monkeypatch, "services", "places", str(places))
    assert result.exit_code == 2 and "line 3: latitude" in result.output
    assert await count(app, Place) == 0
