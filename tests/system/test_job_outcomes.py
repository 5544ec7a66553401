"""The jobs page in the user's language: every job has a name and a description there, and every job's run
summary is read back and said as a sentence with Polish and Ukrainian plural forms — no English, no codes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from logistics.core.i18n import in_locale
from logistics.scheduler import JobRun, JobRunner, load_jobs
from logistics.system.outcomes import DESCRIPTIONS, NAMES, SUMMARIES, job_description, run_message

from ..conftest import login
from ..helpers import db_session, post_form


def _run(name: str, message: str, outcome: str = "ok") -> JobRun:
    return JobRun(name=name, runner="w", started_at=datetime.now(UTC), outcome=outcome, message=message)


def test_every_registered_job_has_a_name_a_description_and_a_known_summary():
    jobs = load_jobs()
    assert set(jobs) <= set(NAMES) & set(DESCRIPTIONS) & set(SUMMARIES), set(jobs) - set(SUMMARIES)
    with in_locale("pl"):
        for job in jobs.values():
            assert job_description(job) != job.description, job.name


async def test_every_jobs_real_summary_is_read_back(settings, app, people):
    """Run each job for real: a summary whose wording changed in its jobs.py would show as a bare "Finished."."""
    engine = create_async_engine(settings.database_url)
    try:
        runner = JobRunner(async_sessionmaker(engine, expire_on_commit=False), "test")
        for name in sorted(load_jobs()):
            record = await runner.run(name, force=True)
            assert record is not None and record.outcome == "ok", (name, record and record.message)
            assert SUMMARIES[name][0].fullmatch(record.message), (name, record.message)
            with in_locale("uk"):
                assert run_message(record) not in {"", "Завершено."}, name
    finally:
        await engine.dispose()


def test_summaries_in_polish_and_ukrainian_with_three_plural_forms():
    cases = {
        "vouchers.expire": {
            "1 vouchers expired": ("Wygasł 1 bon", "Завершилася дія 1 талона"),
            "3 vouchers expired": ("Wygasły 3 bony", "Завершилася дія 3 талонів"),
            "5 vouchers expired": ("Wygasło 5 bonów", "Завершилася дія 5 талонів"),
        },
        "shelter.release_expired_holds": {
            "22 expired holds released": ("Zwolniono 22 wygasłe rezerwacje", "Знято 22 прострочені бронювання"),
            "12 expired holds released": ("Zwolniono 12 wygasłych rezerwacji", "Знято 12 прострочених бронювань"),
        },
        "shelter.occupancy_snapshot": {
            "occupancy of 2 sites stored for the night of 2026-03-29": (
                "Zapisano obłożenie 2 placówek na noc 29.03.2026",
                "Збережено заповненість 2 закладів на ніч 29.03.2026",
            ),
        },
    }
    for name, summaries in cases.items():
        for summary, (polish, ukrainian) in summaries.items():
            with in_locale("pl"):
                assert run_message(_run(name, summary)) == polish
            with in_locale("uk"):
                assert run_message(_run(name, summary)) == ukrainian


def test_a_failed_run_and_an_unknown_summary():
    with in_locale("pl"):
        failed = run_message(_run("vouchers.expire", "Traceback (most recent call last):\n ...", "failed"))
        assert "Traceback" not in failed and failed.startswith("Zadanie nie powiodło się")
        assert run_message(_run("vouchers.expire", "something new")) == "Zakończone."
        assert run_message(_run("vouchers.expire", "", "running")) == ""


async def test_the_jobs_page_in_polish_and_ukrainian_has_no_english(settings, app, client, people):
    async with db_session(app) as session:
        session.add_all(
            [
                _run("accounts.purge_expired", "2 sessions, 5 log-in failures deleted"),
                _run("notifications.deliver", "0 sent, 0 to retry, 1 failed", "failed"),
            ]
        )
        await session.commit()
    await login(client, "admin")
    english = [job.description for job in load_jobs().values()]
    english += ["2 sessions", "log-in failures", ">ok<", ">failed<", "accounts.purge_expired</"]
    for locale, expected in (
        ("pl", ["Usunięto 2 sesje logowania; usunięto 5 nieudanych prób logowania", "nie powiodło się"]),
        ("uk", ["Видалено 2 сеанси входу; видалено 5 невдалих спроб входу", "не вдалося"]),
    ):
        await post_form(client, "/language", {"locale": locale, "next": "/"})
        page = await client.get("/admin/jobs")
        assert page.status_code == 200
        assert f'<html lang="{locale}">' in page.text
        for text in expected:
            assert text in page.text, (locale, text)
        for text in english:
            assert text not in page.text, (locale, text)
