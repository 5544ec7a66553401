"""Attendance: a trainer checks people in at today's session (tapping the list or scanning the beneficiary card),
records late arrivals, closes the session (whoever is not checked in is a no-show), and the rates per activity and
per person; a certificate of completion for people who attended the required share of a course."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from logistics import codes, printing
from logistics.activities.models import Activity, ActivitySession, Attendance, AttendanceStatus, SessionStatus
from logistics.activities.policy import CERTIFICATE, TAKE_ATTENDANCE, own_venues_only
from logistics.activities.sessions import participants
from logistics.activities.signups import SignUpService
from logistics.audit import services as audit
from logistics.core.errors import DomainError
from logistics.core.i18n import day_start, format_date, local_today, local_zone
from logistics.core.i18n import gettext as _
from logistics.core.service import query
from logistics.people.models import BeneficiaryCard, Person
from logistics.settings import get_settings
from logistics.sites.models import Site

CARD_LENGTH = 17


@dataclass(frozen=True)
class PersonRate:
    person: Person
    attended: int  # present or late
    held: int  # sessions held so far (not cancelled, started)

    @property
    def share(self) -> int:
        return round(100 * self.attended / self.held) if self.held else 0


@dataclass(frozen=True)
class AttendanceSheet:
    activity: Activity
    activity_session: ActivitySession
    people: list[Person]  # with a place, then walk-ins
    records: dict[UUID, Attendance]  # by person


class AttendanceService(SignUpService):
    async def _session_at_venue(self, session_id: UUID) -> tuple[ActivitySession, Activity]:
        """A session the actor may take attendance at (NotFound outside their venues)."""
        activity = await self.activity_of_session(session_id, TAKE_ATTENDANCE)
        activity_session = await self.session.get(ActivitySession, session_id)
        assert activity_session is not None
        return activity_session, activity

    @query
    async def today(self) -> list[tuple[ActivitySession, Activity]]:
        """Today's sessions at the actor's venues, to open on the tablet."""
        self.require(TAKE_ATTENDANCE)
        start = day_start(local_today())
        statement = (
            select(ActivitySession, Activity)
            .join(Activity, Activity.id == ActivitySession.activity_id)
            .where(ActivitySession.starts_at >= start, ActivitySession.starts_at < start + timedelta(days=1))
            .order_by(ActivitySession.starts_at)
        )
        if own_venues_only(self.actor):
            statement = statement.where(Activity.venue_id.in_(self.actor.site_ids))
        return [(s, a) for s, a in (await self.session.execute(statement)).all()]

    @query
    async def sheet(self, session_id: UUID) -> AttendanceSheet:
        """The attendance sheet of a session: everyone with a place, walk-ins, and what has been recorded."""
        activity_session, activity = await self._session_at_venue(session_id)
        people = await participants(self.session, activity_session)
        records = {
            record.person_id: record
            for record in await self.session.scalars(
                select(Attendance).where(Attendance.session_id == activity_session.id)
            )
        }
        expected = {p.id for p in people}
        walk_ins = [await self._person(pid) for pid in records if pid not in expected]
        return AttendanceSheet(activity, activity_session, people + walk_ins, records)

    async def _card_holder(self, card_code: str) -> Person:
        if not codes.is_well_formed(card_code, CARD_LENGTH):
            raise DomainError(_("This is not a valid card code: check it and type it again."), "card")
        card = await self.session.scalar(
            select(BeneficiaryCard).where(
                BeneficiaryCard.code == codes.normalize(card_code), BeneficiaryCard.revoked_at.is_(None)
            )
        )
        if card is None:
            raise DomainError(_("No valid card has this code."), "card")
        return await self._person(card.person_id)

    async def check_in(
        self,
        session_id: UUID,
        person_id: UUID | None = None,
        card_code: str = "",
        status: str = AttendanceStatus.PRESENT,
        walk_in: bool = False,
    ) -> tuple[Person, Attendance]:
        """Mark a person present, late or absent; someone without a place only as a confirmed walk-in."""
        activity_session, _activity = await self._session_at_venue(session_id)
        if activity_session.status == SessionStatus.CANCELLED:
            raise DomainError(_("This session is cancelled."))
        if status not in set(AttendanceStatus):
            raise DomainError(_("This option is not available."), "status")
        person = await self._card_holder(card_code) if card_code else await self._person(person_id)  # type: ignore[arg-type]
        expected = {p.id for p in await participants(self.session, activity_session)}
        record = await self.session.scalar(
            select(Attendance).where(Attendance.session_id == activity_session.id, Attendance.person_id == person.id)
        )
        if person.id not in expected and record is None and not walk_in:
            raise DomainError(
                _(
                    "%(name)s is not signed up for this session. Confirm to record them as a walk-in.",
                    name=person.given_name,
                ),
                "walk_in",
            )
        now = datetime.now(UTC)
        if record is None:
            record = Attendance(
                session_id=activity_session.id,
                person_id=person.id,
                status=status,
                walk_in=person.id not in expected,
                recorded_at=now,
                recorded_by=self.actor.username,
            )
            try:
                async with self.session.begin_nested():
                    self.session.add(record)
                    await self.session.flush()
            except IntegrityError:  # checked in a moment ago from another tablet
                record = await self.session.scalar(
                    select(Attendance).where(
                        Attendance.session_id == activity_session.id, Attendance.person_id == person.id
                    )
                )
                assert record is not None
        record.status, record.recorded_at, record.recorded_by = status, now, self.actor.username
        await self.session.flush()
        await audit.record(self.session, self.actor, "activity.attendance", "person", person.id, ["status"])
        return person, record

    async def close(self, session_id: UUID) -> int:
        """Everyone with a place who was not checked in is recorded as a no-show; returns how many."""
        activity_session, activity = await self._session_at_venue(session_id)
        marked = set(
            await self.session.scalars(select(Attendance.person_id).where(Attendance.session_id == activity_session.id))
        )
        absent = [p for p in await participants(self.session, activity_session) if p.id not in marked]
        for person in absent:
            self.session.add(
                Attendance(
                    session_id=activity_session.id,
                    person_id=person.id,
                    status=AttendanceStatus.ABSENT,
                    recorded_at=datetime.now(UTC),
                    recorded_by=self.actor.username,
                )
            )
        await self.session.flush()
        await audit.record(self.session, self.actor, "activity.close_session", "activity", activity.id, ["attendance"])
        return len(absent)

    async def _rates(self, activity: Activity) -> list[PersonRate]:
        """Per participant: sessions attended (present or late) of the sessions held so far."""
        now = datetime.now(UTC)
        held = [s for s in await self._sessions(activity) if s.status == SessionStatus.SCHEDULED and s.starts_at <= now]
        records = list(
            await self.session.scalars(select(Attendance).where(Attendance.session_id.in_([s.id for s in held])))
        )
        people: dict[UUID, Person] = {}
        for activity_session in held:
            for person in await participants(self.session, activity_session):
                people[person.id] = person
        for record in records:
            if record.person_id not in people:
                people[record.person_id] = await self._person(record.person_id)
        return sorted(
            (
                PersonRate(
                    person,
                    sum(1 for r in records if r.person_id == person.id and r.status != AttendanceStatus.ABSENT),
                    len(held),
                )
                for person in people.values()
            ),
            key=lambda rate: (rate.person.family_name, rate.person.given_name),
        )

    async def certificate(self, activity_id: UUID, person_id: UUID) -> bytes:
        """A certificate of completion (Polish), once the course has ended (its last session is over), for someone
        who attended at least the required share of the sessions held."""
        activity = await self._activity(activity_id, CERTIFICATE)
        now = datetime.now(UTC)
        planned = [s for s in await self._sessions(activity) if s.status == SessionStatus.SCHEDULED]
        if not planned:
            raise DomainError(_("This activity has no sessions: there is nothing to certify."))
        if planned[-1].ends_at > now:
            raise DomainError(
                _(
                    "A certificate can be issued once the course has ended: its last session is on %(day)s.",
                    day=format_date(planned[-1].starts_at.astimezone(local_zone()).date()),
                )
            )
        found = next((r for r in await self._rates(activity) if r.person.id == person_id), None)
        # Every planned session is over now: the share is of them all (a certificate never says "2 of 2" of 4).
        rate = PersonRate(found.person, found.attended, len(planned)) if found else None
        if rate is None or rate.share < activity.required_share:
            raise DomainError(
                _("A certificate needs at least %(share)s%% of the sessions attended.", share=activity.required_share)
            )
        venue = await self.session.get(Site, activity.venue_id)
        await audit.record(self.session, self.actor, "activity.certificate", "person", person_id)
        return certificate_pdf(
            f"{rate.person.given_name} {rate.person.family_name}".strip(),
            activity.title,
            venue.name if venue else "",
            format_date(planned[0].starts_at.astimezone(local_zone()).date()),
            format_date(planned[-1].starts_at.astimezone(local_zone()).date()),
            rate,
        )


def certificate_pdf(name: str, title: str, venue: str, first: str, last: str, rate: PersonRate) -> bytes:
    """In Polish, whatever the user's language: it is an official document of a Polish institution."""
    pdf = printing.new_pdf()
    pdf.add_page()
    pdf.set_xy(20, 30)
    pdf.set_font("DejaVu", size=11)
    pdf.cell(170, 8, get_settings().org_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(20, 70)
    pdf.set_font("DejaVu", "B", 24)
    pdf.cell(170, 14, "ZAŚWIADCZENIE", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=12)
    pdf.set_x(20)
    pdf.cell(170, 10, "o ukończeniu zajęć", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(20, 110)
    pdf.cell(170, 8, "Zaświadcza się, że", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 18)
    pdf.set_x(20)
    pdf.multi_cell(170, 12, name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=12)
    pdf.set_x(20)
    pdf.multi_cell(
        170,
        8,
        f"ukończył(a) zajęcia „{title}” ({venue}) w okresie od {first} do {last}, "
        f"uczestnicząc w {rate.attended} z {rate.held} spotkań ({rate.share}%).",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_draw_color(0, 0, 0)
    pdf.line(120, 240, 190, 240)
    pdf.set_xy(120, 242)
    pdf.set_font("DejaVu", size=9)
    pdf.cell(70, 5, "podpis i pieczęć", align="C")
    pdf.set_xy(20, 242)
    pdf.cell(70, 5, f"data wydania: {format_date(local_today())}")
    return bytes(pdf.output())
