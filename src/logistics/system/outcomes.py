"""The jobs page in the user's language: what each job does, and the outcome of a run as a sentence.

The jobs themselves (each domain's jobs.py) keep writing their one-line English summary into the run history
and the log ("3 vouchers expired"): that is the record, read by whoever looks at the server. The page reads the
numbers back out of the known summaries and says them in the user's language with the right plural forms. A
summary this module does not know (a job added later) is shown as "Finished"; a failed run's traceback is only
behind "Technical details".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from babel.support import LazyProxy

from logistics.core.i18n import _l, format_date, gettext, ngettext
from logistics.scheduler import Job, JobRun

DESCRIPTIONS: dict[str, LazyProxy] = {
    "accounts.purge_expired": _l("Deletes expired sign-ins and failed log-in attempts older than a day."),
    "activities.reminders": _l("Sends reminders 24 hours and 2 hours before each session to everyone with a place."),
    "inventory.stock_alerts": _l(
        "Lists items below their minimum level and lots expiring soon or expired; e-mails the list when e-mail is "
        "configured."
    ),
    "notifications.deliver": _l(
        "Sends due e-mails and text messages; tries failed ones again later and never sends one twice."
    ),
    "people.retention": _l("Anonymises people with no activity for the retention period."),
    "referrals.overdue": _l("Marks open referrals past the date by which contact was expected as overdue."),
    "shelter.release_expired_holds": _l("Releases bed holds whose time has passed."),
    "shelter.occupancy_snapshot": _l("Stores each shelter's occupancy for the night."),
    "vouchers.expire": _l("Marks vouchers past their last valid day as expired."),
}

NAMES: dict[str, LazyProxy] = {
    "accounts.purge_expired": _l("Clean-up of sign-ins"),
    "activities.reminders": _l("Session reminders"),
    "inventory.stock_alerts": _l("Stock alerts"),
    "notifications.deliver": _l("Sending messages"),
    "people.retention": _l("Anonymisation after the retention period"),
    "referrals.overdue": _l("Overdue referrals"),
    "shelter.release_expired_holds": _l("Releasing expired holds"),
    "shelter.occupancy_snapshot": _l("Night occupancy"),
    "vouchers.expire": _l("Expiring vouchers"),
}

OUTCOMES: dict[str, LazyProxy] = {"ok": _l("done"), "failed": _l("did not finish"), "running": _l("running")}


def job_name(name: str) -> str:
    return str(NAMES.get(name, name))


def job_description(job: Job) -> str:
    return str(DESCRIPTIONS.get(job.name, job.description))


def outcome_label(outcome: str) -> str:
    return str(OUTCOMES.get(outcome, outcome))


def _n(count: str) -> int:
    return int(count)


def _deleted(m: re.Match[str]) -> str:
    return "; ".join(
        [
            ngettext("%(num)s sign-in deleted", "%(num)s sign-ins deleted", _n(m["sessions"])),
            ngettext(
                "%(num)s failed log-in attempt deleted", "%(num)s failed log-in attempts deleted", _n(m["failures"])
            ),
        ]
    )


def _delivered(m: re.Match[str]) -> str:
    parts = [
        ngettext("%(num)s message sent", "%(num)s messages sent", _n(m["sent"])),
        ngettext("%(num)s to try again", "%(num)s to try again", _n(m["retrying"])),
        ngettext("%(num)s not delivered", "%(num)s not delivered", _n(m["failed"])),
    ]
    if m["interrupted"]:
        parts.append(
            ngettext(
                "%(num)s interrupted while sending (check by hand)",
                "%(num)s interrupted while sending (check by hand)",
                _n(m["interrupted"]),
            )
        )
    if m["waiting"]:
        parts.append(
            ngettext(
                "%(num)s e-mail waits: e-mail is not configured",
                "%(num)s e-mails wait: e-mail is not configured",
                _n(m["waiting"]),
            )
        )
    return "; ".join(parts)


def _alerts(m: re.Match[str]) -> str:
    parts = [
        ngettext("%(num)s item below its minimum", "%(num)s items below their minimum", _n(m["low"])),
        ngettext(
            "%(num)s lot expiring within %(days)s days",
            "%(num)s lots expiring within %(days)s days",
            _n(m["soon"]),
            days=m["days"],
        ),
        ngettext("%(num)s lot expired", "%(num)s lots expired", _n(m["expired"])),
    ]
    if m["queued"] is not None:
        parts.append(gettext("e-mail queued for recipients: %(num)s of %(total)s", num=m["queued"], total=m["total"]))
    return "; ".join(parts)


def _snapshot(m: re.Match[str]) -> str:
    return ngettext(
        "Occupancy of %(num)s site stored for the night of %(night)s",
        "Occupancy of %(num)s sites stored for the night of %(night)s",
        _n(m["sites"]),
        night=format_date(date.fromisoformat(m["night"])),
    )


def _anonymised(m: re.Match[str]) -> str:
    text = ngettext(
        "%(num)s person anonymised (no activity since %(day)s)",
        "%(num)s people anonymised (no activity since %(day)s)",
        _n(m["people"]),
        day=format_date(date.fromisoformat(m["day"])),
    )
    if m["staying"]:
        text += "; " + ngettext(
            "%(num)s left: staying at a shelter now", "%(num)s left: staying at a shelter now", _n(m["staying"])
        )
    return text


#: The summaries the jobs write (see each domain's jobs.py), by job; a test runs every job and reads its summary.
SUMMARIES: dict[str, tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = {
    "accounts.purge_expired": (
        re.compile(r"(?P<sessions>\d+) sessions, (?P<failures>\d+) log-in failures deleted"),
        _deleted,
    ),
    "activities.reminders": (
        re.compile(r"(?P<num>\d+) reminders considered"),
        lambda m: ngettext(
            "%(num)s reminder queued or already queued", "%(num)s reminders queued or already queued", _n(m["num"])
        ),
    ),
    "notifications.deliver": (
        re.compile(
            r"(?P<sent>\d+) sent, (?P<retrying>\d+) to retry, (?P<failed>\d+) failed"
            r"(?:, (?P<interrupted>\d+) interrupted while sending \(marked failed\))?"
            r"(?:; (?P<waiting>\d+) e-mails wait: .*)?"
        ),
        _delivered,
    ),
    "shelter.release_expired_holds": (
        re.compile(r"(?P<num>\d+) expired holds released"),
        lambda m: ngettext("%(num)s expired hold released", "%(num)s expired holds released", _n(m["num"])),
    ),
    "shelter.occupancy_snapshot": (
        re.compile(r"occupancy of (?P<sites>\d+) sites stored for the night of (?P<night>\d{4}-\d{2}-\d{2})"),
        _snapshot,
    ),
    "referrals.overdue": (
        re.compile(r"(?P<num>\d+) referrals overdue"),
        lambda m: ngettext("%(num)s referral marked overdue", "%(num)s referrals marked overdue", _n(m["num"])),
    ),
    "vouchers.expire": (
        re.compile(r"(?P<num>\d+) vouchers expired"),
        lambda m: ngettext("%(num)s voucher expired", "%(num)s vouchers expired", _n(m["num"])),
    ),
    "people.retention": (
        re.compile(
            r"(?P<people>\d+) people anonymised \(no activity since (?P<day>\d{4}-\d{2}-\d{2})\)"
            r"(?:; (?P<staying>\d+) left: staying at a shelter now)?"
        ),
        _anonymised,
    ),
    "inventory.stock_alerts": (
        re.compile(
            r"(?P<low>\d+) below minimum, (?P<soon>\d+) lots expiring within (?P<days>\d+) days, (?P<expired>\d+) "
            r"expired(?:; e-mail queued for (?P<queued>\d+) of (?P<total>\d+))?"
        ),
        _alerts,
    ),
}


def run_message(run: JobRun) -> str:
    """The run's outcome as a sentence in the user's language ("" while it runs)."""
    if run.outcome == "failed":
        return gettext("The job failed; it will run again at its next time. The details are in the server log.")
    if run.outcome != "ok":
        return ""
    known = SUMMARIES.get(run.name)
    match = known[0].fullmatch(run.message.strip()) if known else None
    if known is None or match is None:
        return gettext("Finished.")
    return known[1](match)
