"""The `logistics` command: seed, users, sites, scheduler, and its help texts."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from litestar.cli.main import litestar_group

import logistics.cli  # noqa: F401 — sets up nothing at import; main() sets LITESTAR_APP

from ..conftest import TEST_DB


@pytest.fixture
def cli(settings, monkeypatch):
    monkeypatch.setenv("LITESTAR_APP", "logistics.app:create_app")
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None):
        return runner.invoke(litestar_group, list(args), input=stdin, catch_exceptions=False)

    return invoke


def _sites_csv(cli) -> list[dict[str, str]]:
    result = cli("sites", "list", "--format", "csv")
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


@pytest.mark.skipif(
    TEST_DB == "postgres", reason="a minute per load; on PostgreSQL the demo loads in every run (demo_snapshot)"
)
def test_seed_demo_is_idempotent(cli):
    first = cli("seed", "demo")
    assert first.exit_code == 0, first.output
    assert "10 sites and 7 users added" in first.output
    assert "pomoc-demo-2026" in first.output
    rows = _sites_csv(cli)
    second = cli("seed", "demo")
    assert "0 sites and 0 users added" in second.output
    assert _sites_csv(cli) == rows
    assert "The database already has users" in cli("seed", "demo", "--if-empty").output
    assert "64 items" in first.output
    verified = cli("inventory", "verify")  # the demo stock history was written through the ledger
    assert verified.exit_code == 0, verified.output


def test_seed_demo_again_adds_nothing(demo, cli):
    """Idempotency on each database (the first load, above, runs once: on PostgreSQL `demo_snapshot` loads it)."""
    rows = _sites_csv(cli)
    again = cli("seed", "demo")
    assert again.exit_code == 0, again.output
    assert "0 sites and 0 users added" in again.output
    assert _sites_csv(cli) == rows
    verified = cli("inventory", "verify")
    assert verified.exit_code == 0, verified.output


def test_sites_list_formats(demo, cli):
    rows = _sites_csv(cli)
    assert list(rows[0]) == ["id", "name", "kinds"]
    assert len(rows) == 10
    assert {"Magazyn centralny": "warehouse"}.items() <= {r["name"]: r["kinds"] for r in rows}.items()
    table = cli("sites", "list")
    assert table.output.splitlines()[0].split() == ["id", "name", "kinds"]


def test_users_create_reads_the_password_from_stdin_and_limits_to_sites(demo, cli):
    result = cli(
        "users",
        "create",
        "--username",
        "nowa.osoba",
        "--role",
        "shelter_staff",
        "--site",
        "Magazyn centralny",
        stdin="bardzo-dlugie-haslo\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created user nowa.osoba (shelter_staff)" in result.output


def test_users_create_refusals(demo, cli):
    taken = cli("users", "create", "--username", "admin", "--role", "admin", stdin="bardzo-dlugie-haslo\n")
    assert taken.exit_code == 1
    assert "already taken" in taken.output or "zajęta" in taken.output
    short = cli("users", "create", "--username", "krotki", "--role", "admin", stdin="krotkie\n")
    assert short.exit_code == 1
    unknown_site = cli(
        "users", "create", "--username", "inny", "--role", "volunteer", "--site", "Nie ma takiej", stdin="x" * 20 + "\n"
    )
    assert unknown_site.exit_code == 1
    assert "Nie ma takiej" in unknown_site.output
    bad_role = cli("users", "create", "--username", "inny", "--role", "king", stdin="x" * 20 + "\n")
    assert bad_role.exit_code == 2


def test_scheduler_run_one_job(cli):
    result = cli("scheduler", "run", "accounts.purge_expired")
    assert result.exit_code == 0, result.output
    assert "accounts.purge_expired: ok" in result.output
    assert cli("scheduler", "run", "no.such.job").exit_code == 1


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (["serve", "--help"], "--workers"),
        (["seed", "demo", "--help"], "pomoc-demo-2026"),
        (["users", "create", "--help"], "standard input"),
        (["sites", "list", "--help"], "id,name,kinds"),
        (["scheduler", "--help"], "LOGISTICS_SCHEDULER=off"),
        (["database", "--help"], "upgrade"),
    ],
)
def test_help_texts_document_the_commands(cli, command, words):
    result = cli(*command)
    assert result.exit_code == 0
    assert words in result.output
