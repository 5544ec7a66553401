"""Issuing vouchers: eligibility by a programme's rule, one voucher for a household, a batch for every eligible
household of a cycle (previewed first: who gets one, who is left out and why), a grant (a value voucher issued with
the case worker's decision behind it), revoking and reissuing a lost one, and the nightly expiry.

One voucher per household, programme and cycle is enforced by a partial unique index (revoked vouchers excluded),
so running a batch twice, or two case workers issuing at once, never issues twice.

A batch is set-based: who is eligible is read in a few queries (the same rule as `verdict`, applied to rows, not
ORM objects), codes are drawn in memory, and vouchers and their lines go in with multi-row INSERTs that skip a
household given its voucher meanwhile (`ON CONFLICT DO NOTHING` on the one-per-cycle index). `issue_batch` does it
inside the caller's transaction (all or nothing); `issue_cycle` — a region's month, tens of thousands of vouchers —
commits it in chunks of `BATCH_CHUNK`, so no transaction holds SQLite's write lock for long (see its docstring for
what a failure leaves and how a re-run completes it).
"""

from __future__ import annotations

import asyncio
import calendar
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from uuid_utils.compat import uuid7

from logistics import codes
from logistics.audit import services as audit
from logistics.core.actor import Actor
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import format_date, format_money, local_today, ngettext
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, after_commit, query, unit_of_work
from logistics.db import lock_keys, write_intent
from logistics.people.households import threshold_on
from logistics.people.models import EligibilityThreshold, Household, HouseholdMember, Person, Relationship
from logistics.sites.models import Site
from logistics.vouchers import grants
from logistics.vouchers.conflicts import over_redeemed, over_text
from logistics.vouchers.documents import entitlement, voucher_prints
from logistics.vouchers.models import (
    AmountBasis,
    Cycle,
    EligibilityDecision,
    GrantDecision,
    Programme,
    Redemption,
    Rule,
    Spend,
    Voucher,
    VoucherLine,
    VoucherStatus,
)
from logistics.vouchers.policy import ISSUE, REVOKE, VIEW
from logistics.vouchers.printing import VoucherPrint

CODE_BITS = 80
CODE_LENGTH = codes.code_length(CODE_BITS)
DEFAULT_VALID_DAYS = 30  # a one-off programme without an end date
MONTHS_AHEAD = 12  # a batch may be issued for a month up to a year ahead; further is a typing mistake
#: How old a grant's decision may be when its voucher is issued: anything older is a typing mistake.
DECISION_DAYS = 366
#: Vouchers written per transaction by `issue_cycle` (with their lines: well under a second on SQLite, even on a
#: busy machine), and the largest batch the web's "Issue" still issues within its request.
BATCH_CHUNK = 500
#: The pause between two chunks: longer than SQLite's busy handler sleeps between two tries (100 ms at most), so a
#: writer of another process (the server's redemptions, when the batch runs from the command line) gets its turn.
CHUNK_PAUSE_S = 0.12


class AlreadyIssued(DomainError):
    """The household has this cycle's voucher of the programme (maybe issued a moment ago by someone else)."""


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    reason: str  # why not (or the decision's reason)


@dataclass(frozen=True)
class GrantInput:
    """The decision behind a grant: its number and date, the legal basis (a code of `grants.legal_bases()`), the
    purpose (one of the programme's categories) and, for a programme whose amount the case worker sets, the amount."""

    number: str
    decided_on: date
    legal_basis: str
    purpose: str
    purpose_note: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class BatchPreview:
    programme: Programme
    cycle: str
    eligible: list[Household]
    excluded: list[tuple[Household, str]]
    already: int  # households that have this cycle's voucher already
    problem: str = ""  # why no voucher of this cycle can be issued (it has ended, ...): then nobody is eligible


@dataclass(frozen=True)
class Candidate:
    """A household a batch would give a voucher: what the voucher copies from it."""

    household_id: UUID
    size: int
    holder: str


@dataclass(frozen=True)
class Survey:
    """Who a batch would issue to (oldest household first), who is left out (id, why) and how many have one."""

    programme: Programme
    cycle: str
    eligible: list[Candidate]
    excluded: list[tuple[UUID, str]]
    already: int


@dataclass(frozen=True)
class BatchResult:
    """What `issue_cycle` did: the vouchers it issued (ids, oldest household first), in how many transactions,
    and who was left out before it started."""

    programme: Programme
    cycle: str
    voucher_ids: list[UUID]
    chunks: int
    excluded: list[tuple[UUID, str]]
    already: int

    @property
    def issued(self) -> int:
        return len(self.voucher_ids)


@dataclass(frozen=True)
class VoucherPage:
    """A voucher as its page shows it: what is printed on it, its programme and where it was redeemed."""

    voucher: Voucher
    printed: VoucherPrint
    lines: list[str]
    programme: Programme
    redemptions: list[tuple[Redemption, str]]  # with the point's name, oldest first
    over: str = ""  # handed out beyond the voucher by offline hand-outs (conflicts), e.g. "1 × Paczka A"
    decision: GrantDecision | None = None  # a value voucher's grant decision
    spends: list[tuple[Spend, str]] = field(default_factory=list)  # a value voucher's, with the shop's name


@dataclass(frozen=True)
class HouseholdVouchers:
    """On a household's page: each active programme with the verdict and this cycle's voucher; every voucher."""

    household: Household
    programmes: list[tuple[Programme, Verdict, Voucher | None]]
    vouchers: list[Voucher]
    names: dict[UUID, str]  # programme id → name
    decisions: dict[UUID, GrantDecision] = field(default_factory=dict)  # voucher id → its grant decision


def cycle_of(programme: Programme, day: date, cycle: str | None = None) -> str:
    """The cycle a voucher issued on `day` belongs to: "YYYY-MM" for monthly programmes, "once" for one-off."""
    if programme.cycle == Cycle.ONE_OFF:
        return "once"
    if cycle is None:
        return f"{day:%Y-%m}"
    try:
        parsed = datetime.strptime(cycle, "%Y-%m")
    except ValueError as error:
        raise DomainError(_("A cycle is a month written as YYYY-MM, e.g. 2026-11."), "cycle") from error
    return f"{parsed:%Y-%m}"


def check_cycle(programme: Programme, cycle: str, today: date) -> tuple[date, date]:
    """The validity of the cycle's vouchers issued today; refused when they would already be expired (a month or
    a one-off programme's last day that has passed) or the month is more than MONTHS_AHEAD ahead."""
    if cycle != "once" and (int(cycle[:4]) - today.year) * 12 + int(cycle[5:]) - today.month > MONTHS_AHEAD:
        raise DomainError(
            ngettext(
                "Vouchers can be issued at most %(num)s month ahead.",
                "Vouchers can be issued at most %(num)s months ahead.",
                MONTHS_AHEAD,
            ),
            "cycle",
        )
    valid_from, valid_until = validity(programme, cycle, today)
    if valid_until < valid_from:
        if cycle == "once":
            raise DomainError(
                _(
                    "The programme ended on %(day)s: its vouchers would already be expired.",
                    day=format_date(valid_until),
                ),
                "cycle",
            )
        raise DomainError(
            _("The cycle %(cycle)s has ended: its vouchers would already be expired.", cycle=cycle), "cycle"
        )
    return valid_from, valid_until


def validity(programme: Programme, cycle: str, today: date) -> tuple[date, date]:
    """From today (or the cycle's first day, when issued ahead) to N days later or the end of the cycle's month."""
    if cycle == "once":
        start = today
        end = programme.valid_until or start + timedelta(days=(programme.valid_days or DEFAULT_VALID_DAYS) - 1)
        if programme.valid_days:
            end = min(end, start + timedelta(days=programme.valid_days - 1))
        return start, end
    year, month = int(cycle[:4]), int(cycle[5:])
    first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    start = max(today, first)
    end = start + timedelta(days=programme.valid_days - 1) if programme.valid_days else last
    return start, end


def holder_of(household: Household) -> str:
    """First name and initial of the head: the most a scanning volunteer is shown."""
    head = household.head
    if head is None:
        return ""
    initial = f" {head.family_name[:1]}." if head.family_name else ""
    return f"{head.given_name}{initial}"[:80]


class VoucherService(Service):
    @query
    async def programme(self, programme_id: UUID) -> Programme:
        programme = await self.session.get(Programme, programme_id)
        if programme is None:
            raise NotFound(_("This programme does not exist."))
        return programme

    @query
    async def programme_by_code(self, code: str) -> Programme:
        programme = await self.session.scalar(select(Programme).where(Programme.code == code.strip().upper()))
        if programme is None:
            raise NotFound(_("There is no programme with the code %(code)s.", code=code))
        return programme

    @query
    async def household(self, household_id: UUID) -> Household:
        household = await self.session.get(Household, household_id)
        if household is None:
            raise NotFound(_("This household does not exist."))
        return household

    # --- eligibility -------------------------------------------------------------------------------------

    @query
    async def verdict(self, programme: Programme, household: Household, day: date) -> Verdict:
        decision = None
        if programme.rule == Rule.DECISION and not programme.is_value:
            decision = await self.session.scalar(
                select(EligibilityDecision).where(
                    EligibilityDecision.programme_id == programme.id,
                    EligibilityDecision.household_id == household.id,
                )
            )
        threshold = await threshold_on(self.session, day) if programme.rule != Rule.DECISION else None
        return judge(
            programme,
            household.size,
            household.income_per_person,
            threshold,
            (decision.eligible, decision.reason) if decision else None,
        )

    async def decide(self, programme_id: UUID, household_id: UUID, eligible: bool, reason: str) -> None:
        """A case worker's decision for a programme whose rule is the decision (kept; a new one replaces it)."""
        self.require(ISSUE)
        if not reason.strip():
            raise DomainError(_("Give the reason."), "reason")
        programme, household = await self.programme(programme_id), await self.household(household_id)
        # Two case workers deciding at once: the second waits for the first, then changes its decision (on SQLite
        # write transactions take turns anyway); without the lock both would insert and one would fail.
        await lock_keys(self.session, f"eligibility:{programme.id}:{household.id}")
        decision = await self.session.scalar(
            select(EligibilityDecision).where(
                EligibilityDecision.programme_id == programme.id, EligibilityDecision.household_id == household.id
            )
        )
        if decision is None:
            decision = EligibilityDecision(programme_id=programme.id, household_id=household.id)
            self.session.add(decision)
        decision.eligible, decision.reason, decision.decided_by = eligible, reason[:300], self.actor.username
        await self.session.flush()
        await audit.record(self.session, self.actor, "voucher.decision", "household", household.id, ["eligible"])

    # --- issuing -----------------------------------------------------------------------------------------

    @query
    async def current(self, programme: Programme, household_id: UUID, cycle: str) -> Voucher | None:
        return await self.session.scalar(
            select(Voucher).where(
                Voucher.programme_id == programme.id,
                Voucher.household_id == household_id,
                Voucher.cycle == cycle,
                Voucher.status != VoucherStatus.REVOKED,
            )
        )

    async def issue(
        self, programme_id: UUID, household_id: UUID, cycle: str | None = None, today: date | None = None
    ) -> Voucher:
        """This cycle's voucher for one eligible household; refused when it has one already."""
        self.require(ISSUE)
        today = today or local_today()
        programme, household = await self.programme(programme_id), await self.household(household_id)
        if programme.is_value:
            raise DomainError(_("A grant is issued with its decision: fill in the decision's number, date and basis."))
        cycle = await self._issuable(programme, household, cycle, today)
        voucher = await self._create(programme, household, cycle, today)
        await audit.record(self.session, self.actor, "voucher.issue", "household", household.id, ["voucher"])
        return voucher

    async def _issuable(self, programme: Programme, household: Household, cycle: str | None, today: date) -> str:
        """The cycle a voucher of `programme` would be issued for now; refused when the programme is closed, the
        household has this cycle's voucher already or is not eligible."""
        if not programme.is_active:
            raise DomainError(_("This programme is closed."))
        cycle = cycle_of(programme, today, cycle)
        if await self.current(programme, household.id, cycle) is not None:
            raise AlreadyIssued(_("This household already has a voucher of this programme for %(cycle)s.", cycle=cycle))
        verdict = await self.verdict(programme, household, today)
        if not verdict.eligible:
            raise DomainError(_("Not eligible: %(reason)s", reason=verdict.reason))
        return cycle

    async def grant(
        self,
        programme_id: UUID,
        household_id: UUID,
        decision: GrantInput,
        cycle: str | None = None,
        today: date | None = None,
    ) -> Voucher:
        """A value voucher for one household with the case worker's decision behind it, both written together:
        the amount per household, per person (× the household's size) or as the case worker set it (up to the
        programme's amount). Refused — leaving neither — when the decision is incomplete, the household is not
        eligible (the income rule; under the decision rule the grant's decision is the eligibility) or has this
        cycle's voucher already."""
        self.require(ISSUE)
        today = today or local_today()
        programme, household = await self.programme(programme_id), await self.household(household_id)
        if not programme.is_value:
            raise DomainError(_("This programme's vouchers hold goods: issue them without a grant decision."))
        cycle = await self._issuable(programme, household, cycle, today)
        self._check_decision(programme, decision, today)
        amount = self._grant_amount(programme, household, decision.amount)
        voucher = await self._create(programme, household, cycle, today, amount=amount)
        self.session.add(
            GrantDecision(
                voucher_id=voucher.id,
                household_id=household.id,
                decided_by=self.actor.username,
                number=decision.number.strip(),
                decided_on=decision.decided_on,
                legal_basis=decision.legal_basis,
                purpose=decision.purpose,
                purpose_note=decision.purpose_note.strip(),
            )
        )
        await self.session.flush()
        await audit.record(
            self.session, self.actor, "voucher.grant", "household", household.id, ["voucher", "decision"]
        )
        return voucher

    @staticmethod
    def _grant_amount(programme: Programme, household: Household, typed: Decimal | None) -> Decimal:
        assert programme.amount is not None  # a value programme always has one
        if programme.amount_basis == AmountBasis.SET:
            if typed is None:
                raise DomainError(_("Enter the amount of the grant in zł."), "amount")
            if not typed.is_finite() or typed != typed.quantize(Decimal("0.01")):
                raise DomainError(_("Enter the amount in zł with at most two decimal places."), "amount")
            if not Decimal("0.01") <= typed <= programme.amount:
                raise DomainError(
                    _(
                        "The amount is from %(least)s to %(most)s (the programme's maximum).",
                        least=format_money(Decimal("0.01")),
                        most=format_money(programme.amount),
                    ),
                    "amount",
                )
            return typed
        if typed is not None:
            raise DomainError(_("The programme sets this grant's amount; leave it empty."), "amount")
        if programme.amount_basis == AmountBasis.PERSON:
            amount = programme.amount * max(household.size, 1)
            if amount > grants.MAX_AMOUNT:
                raise DomainError(
                    _("A voucher holds at most %(most)s.", most=format_money(grants.MAX_AMOUNT)), "amount"
                )
            return amount
        return programme.amount

    @staticmethod
    def _check_decision(programme: Programme, decision: GrantInput, today: date) -> None:
        number = decision.number.strip()
        if not number:
            raise DomainError(_("Enter the decision's number."), "number")
        if len(number) > 40:
            raise DomainError(ngettext("At most %(num)s character.", "At most %(num)s characters.", 40), "number")
        earliest = today - timedelta(days=DECISION_DAYS)
        if decision.decided_on > today:
            raise DomainError(_("The decision cannot be dated in the future."), "decided_on")
        if decision.decided_on < earliest:
            raise DomainError(
                _("The decision is dated from %(earliest)s to today.", earliest=format_date(earliest)), "decided_on"
            )
        if decision.legal_basis not in {code for code, _label in grants.legal_bases()}:
            raise DomainError(_("Choose the legal basis."), "legal_basis")
        if decision.purpose not in programme.categories:
            raise DomainError(_("Choose the purpose among the programme's categories."), "purpose")
        if len(decision.purpose_note.strip()) > 300:
            raise DomainError(
                ngettext("At most %(num)s character.", "At most %(num)s characters.", 300), "purpose_note"
            )

    async def _create(
        self,
        programme: Programme,
        household: Household,
        cycle: str,
        today: date,
        replaces: UUID | None = None,
        amount: Decimal | None = None,
    ) -> Voucher:
        valid_from, valid_until = check_cycle(programme, cycle, today)
        for _attempt in range(5):  # a new code on the (astronomically unlikely) clash with an existing one
            voucher = Voucher(
                code=codes.normalize(codes.generate(CODE_BITS)),
                programme_id=programme.id,
                household_id=household.id,
                cycle=cycle,
                valid_from=valid_from,
                valid_until=valid_until,
                household_size=household.size,
                holder=holder_of(household),
                issued_by=self.actor.username,
                replaces_id=replaces,
                amount=amount,
                spent=Decimal("0.00"),
                lines=[
                    VoucherLine(
                        position=line.position,
                        item_id=line.item_id,
                        kit_id=line.kit_id,
                        entitled=line.quantity * (household.size if line.per_person else 1),
                    )
                    for line in ([] if amount is not None else programme.lines)
                ],
            )
            try:
                async with self.session.begin_nested():
                    self.session.add(voucher)
                    await self.session.flush()
                return voucher
            except IntegrityError as error:
                if "code" not in str(error.orig).lower():  # not the code: the one-per-cycle index
                    raise AlreadyIssued(
                        _("This household already has a voucher of this programme for %(cycle)s.", cycle=cycle)
                    ) from error
        raise DomainError(_("No free code could be drawn; try again."))

    @query
    async def preview(self, programme_id: UUID, cycle: str | None = None, today: date | None = None) -> BatchPreview:
        """Who would get this cycle's voucher, who is left out and why, and how many have one already — exactly
        what the batch would issue: for a cycle that cannot be issued (it has ended, or is too far ahead) nobody,
        and the `problem` says why."""
        self.require(ISSUE)
        today = today or local_today()
        programme = await self.programme(programme_id)
        cycle = cycle_of(programme, today, cycle)
        have = set(
            await self.session.scalars(
                select(Voucher.household_id).where(
                    Voucher.programme_id == programme.id,
                    Voucher.cycle == cycle,
                    Voucher.status != VoucherStatus.REVOKED,
                )
            )
        )
        eligible, excluded = [], []
        if programme.is_value:
            refused = _(
                "Value vouchers are not issued in a batch: each grant needs its own decision. Grant them one by one "
                "on the household's page."
            )
            return BatchPreview(programme, cycle, [], [], len(have), refused)
        try:
            check_cycle(programme, cycle, today)
        except DomainError as error:
            return BatchPreview(programme, cycle, [], [], len(have), error.message)
        threshold, decisions = await self._rule_inputs(programme, today)
        for household in await self.session.scalars(select(Household).order_by(Household.created_at)):
            if household.id in have:
                continue
            verdict = judge(
                programme, household.size, household.income_per_person, threshold, decisions.get(household.id)
            )
            if verdict.eligible:
                eligible.append(household)
            else:
                excluded.append((household, verdict.reason))
        return BatchPreview(programme, cycle, eligible, excluded, len(have))

    async def _rule_inputs(
        self, programme: Programme, today: date
    ) -> tuple[EligibilityThreshold | None, dict[UUID, tuple[bool, str]]]:
        """What `judge` needs besides the household, read once for a whole batch."""
        if programme.rule != Rule.DECISION:
            return await threshold_on(self.session, today), {}
        rows = await self.session.execute(
            select(EligibilityDecision.household_id, EligibilityDecision.eligible, EligibilityDecision.reason).where(
                EligibilityDecision.programme_id == programme.id
            )
        )
        return None, {household_id: (eligible, reason) for household_id, eligible, reason in rows.all()}

    @query
    async def survey(
        self,
        programme_id: UUID,
        cycle: str | None = None,
        today: date | None = None,
        households: list[UUID] | None = None,
    ) -> Survey:
        """What `preview` says, as rows instead of households (a few queries for any number of households): who
        the batch would issue to, who is left out and why. Refused (nobody to issue to) when the programme is
        closed or of value vouchers, or the cycle cannot be issued."""
        self.require(ISSUE)
        today = today or local_today()
        programme = await self.programme(programme_id)
        if not programme.is_active:
            raise DomainError(_("This programme is closed."))
        if programme.is_value:
            raise DomainError(
                _(
                    "Value vouchers are not issued in a batch: each grant needs its own decision. Grant them one by "
                    "one on the household's page."
                ),
                "cycle",
            )
        cycle = cycle_of(programme, today, cycle)
        check_cycle(programme, cycle, today)
        have = set(
            await self.session.scalars(
                select(Voucher.household_id).where(
                    Voucher.programme_id == programme.id,
                    Voucher.cycle == cycle,
                    Voucher.status != VoucherStatus.REVOKED,
                )
            )
        )
        wanted = None if households is None else set(households)
        threshold, decisions = await self._rule_inputs(programme, today)
        sizes = (
            select(HouseholdMember.household_id, func.count().label("size"))
            .group_by(HouseholdMember.household_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(Household.id, Household.income_per_person, func.coalesce(sizes.c.size, 0))
            .outerjoin(sizes, sizes.c.household_id == Household.id)
            .order_by(Household.created_at, Household.id)
        )
        heads: dict[UUID, str] = {}
        for household_id, given, family in (
            await self.session.execute(
                select(HouseholdMember.household_id, Person.given_name, Person.family_name)
                .join(Person, Person.id == HouseholdMember.person_id)
                .where(HouseholdMember.relationship == Relationship.HEAD)
                .order_by(HouseholdMember.position.desc())  # the first head, as `Household.head`, wins
            )
        ).all():
            heads[household_id] = f"{given} {family[:1]}.".strip() if family else given
        eligible, excluded = [], []
        for number, (household_id, income, size) in enumerate(rows.all()):
            if number % 5_000 == 4_999:
                await asyncio.sleep(0)  # a region's households: let the other requests of this process run
            if household_id in have or (wanted is not None and household_id not in wanted):
                continue
            verdict = judge(programme, size, income, threshold, decisions.get(household_id))
            if verdict.eligible:
                eligible.append(Candidate(household_id, size, heads.get(household_id, "")[:80]))
            else:
                excluded.append((household_id, verdict.reason))
        return Survey(programme, cycle, eligible, excluded, len(have))

    async def issue_batch(
        self,
        programme_id: UUID,
        cycle: str | None = None,
        today: date | None = None,
        households: list[UUID] | None = None,
    ) -> list[Voucher]:
        """Vouchers for every eligible household (or the listed ones) without one this cycle, in this one
        transaction — all or nothing; a rerun adds none. For a region's month use `issue_cycle`, which commits in
        chunks."""
        today = today or local_today()
        survey = await self.survey(programme_id, cycle, today, households)
        ids: list[UUID] = []
        for start in range(0, len(survey.eligible), BATCH_CHUNK):
            ids += await self._insert(
                survey.programme, survey.cycle, survey.eligible[start : start + BATCH_CHUNK], today
            )
        await audit.record(
            self.session, self.actor, "voucher.issue_batch", "programme", survey.programme.id, [f"{len(ids)}"]
        )
        return await self.vouchers_of(ids)

    @query
    async def vouchers_of(self, ids: Sequence[UUID]) -> list[Voucher]:
        """The vouchers of `ids` in that order (read in pieces: SQLite takes at most 32,766 parameters)."""
        found: dict[UUID, Voucher] = {}
        for start in range(0, len(ids), 5_000):
            part = ids[start : start + 5_000]
            found |= {v.id: v for v in await self.session.scalars(select(Voucher).where(Voucher.id.in_(part)))}
        return [found[voucher_id] for voucher_id in ids]

    async def issue_chunk(self, programme_id: UUID, cycle: str, candidates: list[Candidate], today: date) -> list[UUID]:
        """One chunk of `issue_cycle`, a use case of its own: the vouchers of `candidates` that have none yet,
        and the batch's audit entry for them (with how many), kept exactly when they are."""
        self.require(ISSUE)
        programme = await self.programme(programme_id)
        if not programme.is_active:  # closed while the batch ran: what was issued stays, no more
            raise DomainError(_("This programme is closed."))
        ids = await self._insert(programme, cycle, candidates, today)
        if ids:
            await audit.record(
                self.session, self.actor, "voucher.issue_batch", "programme", programme.id, [f"{len(ids)}"]
            )
        return ids

    async def _insert(self, programme: Programme, cycle: str, candidates: list[Candidate], today: date) -> list[UUID]:
        """Vouchers and their lines for `candidates` with multi-row INSERTs; a household that has this cycle's
        voucher by now (someone issued it a moment ago) is skipped by the one-per-cycle index. Returns the new
        vouchers' ids in the order of `candidates`."""
        if not candidates:
            return []
        valid_from, valid_until = check_cycle(programme, cycle, today)
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        now = datetime.now(UTC)
        issued: dict[UUID, UUID] = {}  # household -> voucher
        waiting = list(candidates)
        for _attempt in range(5):  # new codes for those that lost theirs to an (astronomically unlikely) clash
            rows = []
            for number, candidate in enumerate(waiting):
                at = now + timedelta(microseconds=number)  # the list's order is the order of issue
                rows.append(
                    {
                        "id": uuid7(),
                        "code": codes.normalize(codes.generate(CODE_BITS)),
                        "programme_id": programme.id,
                        "household_id": candidate.household_id,
                        "cycle": cycle,
                        "status": VoucherStatus.ISSUED,
                        "valid_from": valid_from,
                        "valid_until": valid_until,
                        "household_size": candidate.size,
                        "holder": candidate.holder,
                        "issued_by": self.actor.username,
                        "revoked_reason": "",
                        "spent": Decimal("0.00"),
                        "created_at": at,
                        "updated_at": at,
                    }
                )
            result = await self.session.execute(
                insert(Voucher).on_conflict_do_nothing().returning(Voucher.id, Voucher.household_id), rows
            )
            inserted = {household: voucher for voucher, household in result.all() if household is not None}
            issued |= inserted
            missing = [c for c in waiting if c.household_id not in inserted]
            if not missing:
                break
            taken = set(
                await self.session.scalars(
                    select(Voucher.household_id).where(
                        Voucher.programme_id == programme.id,
                        Voucher.cycle == cycle,
                        Voucher.status != VoucherStatus.REVOKED,
                        Voucher.household_id.in_([c.household_id for c in missing]),
                    )
                )
            )
            waiting = [c for c in missing if c.household_id not in taken]  # the rest clashed on the code
            if not waiting:
                break
        else:
            raise DomainError(_("No free code could be drawn; try again."))
        lines = [
            {
                "id": uuid7(),
                "voucher_id": issued[candidate.household_id],
                "position": line.position,
                "item_id": line.item_id,
                "kit_id": line.kit_id,
                "entitled": line.quantity * (candidate.size if line.per_person else 1),
                "redeemed": Decimal(0),
            }
            for candidate in candidates
            if candidate.household_id in issued
            for line in programme.lines
        ]
        if lines:
            await self.session.execute(insert(VoucherLine), lines)
        return [issued[c.household_id] for c in candidates if c.household_id in issued]

    async def start_batch(self, programme_id: UUID, cycle: str | None = None) -> tuple[int, bool]:
        """The coordinator's "Issue": a batch of up to `BATCH_CHUNK` vouchers is issued now, in this transaction
        (all or nothing); a larger one by `issue_cycle` once this transaction has committed, in the background
        (chunk by chunk, resumable: issuing again completes it). Returns how many are to be issued and whether
        it happens in the background. Refused, issuing nothing, as `survey` is."""
        survey = await self.survey(programme_id, cycle)
        if len(survey.eligible) <= BATCH_CHUNK:
            return len(await self.issue_batch(programme_id, survey.cycle)), False
        bind = self.session.bind
        sessions = async_sessionmaker(bind, expire_on_commit=False)
        actor, programme = self.actor, survey.programme

        async def in_background() -> None:
            await issue_cycle(sessions, actor, programme.id, survey.cycle, chunk=BATCH_CHUNK)

        after_commit(self.session, in_background)
        return len(survey.eligible), True

    # --- pages -------------------------------------------------------------------------------------------

    @query
    async def overview(self, today: date | None = None) -> list[tuple[Programme, str, dict[str, int]]]:
        """Every programme (the active ones first) with its current cycle and that cycle's vouchers by status."""
        self.require(VIEW)
        today = today or local_today()
        programmes = list(
            await self.session.scalars(select(Programme).order_by(Programme.is_active.desc(), Programme.code))
        )
        cycles = {programme.id: cycle_of(programme, today) for programme in programmes}
        counts: dict[tuple[UUID, str], dict[str, int]] = {}
        if programmes:
            rows = await self.session.execute(
                select(Voucher.programme_id, Voucher.cycle, Voucher.status, func.count())
                .where(Voucher.programme_id.in_(cycles), Voucher.cycle.in_(set(cycles.values())))
                .group_by(Voucher.programme_id, Voucher.cycle, Voucher.status)
            )
            for programme_id, cycle, status, n in rows.all():
                counts.setdefault((programme_id, cycle), {})[status] = n
        return [(p, cycles[p.id], counts.get((p.id, cycles[p.id]), {})) for p in programmes]

    @query
    async def cycle_vouchers(
        self, programme_id: UUID, cycle: str | None = None, *, only_valid: bool = False
    ) -> tuple[Programme, str, list[Voucher]]:
        """A cycle's vouchers (this cycle's when not said), oldest first; `only_valid`: those still valid."""
        self.require(VIEW)
        programme = await self.programme(programme_id)
        cycle = cycle or cycle_of(programme, local_today())
        conditions = [Voucher.programme_id == programme.id, Voucher.cycle == cycle]
        if only_valid:
            conditions.append(Voucher.status == VoucherStatus.ISSUED)
        vouchers = list(await self.session.scalars(select(Voucher).where(*conditions).order_by(Voucher.created_at)))
        return programme, cycle, vouchers

    @query
    async def households_of(self, vouchers: list[Voucher]) -> dict[UUID, Household]:
        ids = {voucher.household_id for voucher in vouchers if voucher.household_id}
        return {h.id: h for h in await self.session.scalars(select(Household).where(Household.id.in_(ids)))}

    async def show(self, voucher_id: UUID) -> VoucherPage:
        """A voucher's page; the view is logged (it shows the household's name)."""
        self.require(VIEW)
        voucher = await self.voucher(voucher_id)
        await audit.record(self.session, self.actor, "voucher.view", "voucher", voucher.id)
        redemptions = await self.session.execute(
            select(Redemption, Site.name)
            .join(Site, Site.id == Redemption.point_id)
            .where(Redemption.voucher_id == voucher.id)
            .order_by(Redemption.at)
        )
        spends = await self.session.execute(
            select(Spend, Site.name)
            .join(Site, Site.id == Spend.shop_id)
            .where(Spend.voucher_id == voucher.id)
            .order_by(Spend.at)
        )
        [printed] = await voucher_prints(self.session, [voucher])
        return VoucherPage(
            voucher,
            printed,
            await entitlement(self.session, voucher),
            await self.programme(voucher.programme_id),
            [(redemption, point) for redemption, point in redemptions.all()],
            over_text(await over_redeemed(self.session, voucher.id)),
            await self.session.scalar(select(GrantDecision).where(GrantDecision.voucher_id == voucher.id)),
            [(spend, shop) for spend, shop in spends.all()],
        )

    @query
    async def household_panel(self, household: Household, today: date | None = None) -> HouseholdVouchers:
        self.require(VIEW)
        today = today or local_today()
        programmes = []
        for programme in await self.session.scalars(
            select(Programme).where(Programme.is_active.is_(True)).order_by(Programme.code)
        ):
            cycle = cycle_of(programme, today)
            verdict = await self.verdict(programme, household, today)
            programmes.append((programme, verdict, await self.current(programme, household.id, cycle)))
        vouchers = list(
            await self.session.scalars(
                select(Voucher).where(Voucher.household_id == household.id).order_by(Voucher.created_at.desc())
            )
        )
        names = {programme.id: programme.name for programme, _verdict, _current in programmes}
        missing = {voucher.programme_id for voucher in vouchers} - set(names)  # of closed programmes
        if missing:
            names |= dict(
                (await self.session.execute(select(Programme.id, Programme.name).where(Programme.id.in_(missing))))
                .tuples()
                .all()
            )
        decisions = {
            decision.voucher_id: decision
            for decision in await self.session.scalars(
                select(GrantDecision).where(GrantDecision.voucher_id.in_([voucher.id for voucher in vouchers]))
            )
        }
        return HouseholdVouchers(household, programmes, vouchers, names, decisions)

    # --- lost vouchers -----------------------------------------------------------------------------------

    @query
    async def voucher(self, voucher_id: UUID) -> Voucher:
        voucher = await self.session.get(Voucher, voucher_id)
        if voucher is None:
            raise NotFound(_("This voucher does not exist."))
        return voucher

    async def revoke(self, voucher_id: UUID, reason: str) -> Voucher:
        """The code stops working at once (one conditional UPDATE: a voucher being redeemed finishes first)."""
        self.require(REVOKE)
        if not reason.strip():
            raise DomainError(_("Give the reason."), "reason")
        voucher = await self.voucher(voucher_id)
        result = await self.session.execute(
            update(Voucher)
            .where(Voucher.id == voucher.id, Voucher.status == VoucherStatus.ISSUED)
            .values(status=VoucherStatus.REVOKED, revoked_at=datetime.now(UTC), revoked_reason=reason[:200])
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise DomainError(_("Only a voucher that is still valid can be revoked."))
        await self.session.refresh(voucher)
        await audit.record(self.session, self.actor, "voucher.revoke", "household", voucher.household_id, ["status"])
        return voucher

    async def reissue(self, voucher_id: UUID, reason: str, today: date | None = None) -> Voucher:
        """A lost voucher: revoke it and issue a new code with what was not yet redeemed — for a value voucher the
        balance left (the amount less what was spent), with its grant decision copied to the new voucher."""
        old = await self.revoke(voucher_id, reason)
        if old.household_id is None:
            raise DomainError(_("The household of this voucher no longer exists."))
        programme, household = await self.programme(old.programme_id), await self.household(old.household_id)
        if old.is_value:  # revoked by a conditional UPDATE: no spend can follow, so its balance is final
            if old.balance <= 0:
                raise DomainError(_("Nothing is left to spend on this voucher."))
            new = await self._create(
                programme, household, old.cycle, today or local_today(), replaces=old.id, amount=old.balance
            )
            decision = await self.session.scalar(select(GrantDecision).where(GrantDecision.voucher_id == old.id))
            if decision is not None:
                self.session.add(
                    GrantDecision(
                        voucher_id=new.id,
                        household_id=decision.household_id,
                        decided_by=decision.decided_by,
                        number=decision.number,
                        decided_on=decision.decided_on,
                        legal_basis=decision.legal_basis,
                        purpose=decision.purpose,
                        purpose_note=decision.purpose_note,
                    )
                )
                await self.session.flush()
            await audit.record(self.session, self.actor, "voucher.reissue", "household", household.id, ["voucher"])
            return new
        new = await self._create(programme, household, old.cycle, today or local_today(), replaces=old.id)
        remaining = {line.position: line.remaining for line in old.lines}
        for line in list(new.lines):
            line.entitled = min(line.entitled, remaining.get(line.position, line.entitled))
            if line.entitled <= 0:
                new.lines.remove(line)
                await self.session.delete(line)
        await self.session.flush()
        await audit.record(self.session, self.actor, "voucher.reissue", "household", household.id, ["voucher"])
        return new


async def expire_vouchers(session: AsyncSession, today: date | None = None) -> int:
    """Mark vouchers past their last valid day as expired."""
    result = await session.execute(
        update(Voucher)
        .where(Voucher.status == VoucherStatus.ISSUED, Voucher.valid_until < (today or local_today()))
        .values(status=VoucherStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def judge(
    programme: Programme,
    size: int,
    income: Decimal | None,
    threshold: EligibilityThreshold | None,
    decision: tuple[bool, str] | None,
) -> Verdict:
    """The programme's rule for a household of `size` members with `income` per person: under the income rule
    against the criterion in force (`threshold`), under the decision rule by the case worker's `decision`
    (eligible, reason), if any. One rule for a household's page and for a batch of a region."""
    if not size:
        return Verdict(False, _("The household has no members."))
    if programme.rule == Rule.DECISION and programme.is_value:
        # A grant is decided case by case: its own decision, recorded with the voucher, is the eligibility.
        return Verdict(True, _("Decided with each grant."))
    if programme.rule == Rule.DECISION:
        if decision is None:
            return Verdict(False, _("No case worker's decision for this programme."))
        eligible, reason = decision
        if not eligible:
            return Verdict(False, _("Decided not eligible: %(reason)s", reason=reason))
        return Verdict(True, reason)
    if income is None:
        return Verdict(False, _("The income is not known."))
    if threshold is None:
        return Verdict(False, _("No income criterion is in force on this day."))
    criterion = threshold.single_person if size <= 1 else threshold.per_person_in_family
    limit = (criterion * programme.income_percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if income > limit:
        return Verdict(
            False,
            _(
                "Income per person %(income)s is above %(limit)s.",
                income=format_money(income),
                limit=format_money(limit),
            ),
        )
    return Verdict(True, "")


async def issue_cycle(
    sessions: Callable[[], AsyncSession],
    actor: Actor,
    programme_id: UUID,
    cycle: str | None = None,
    today: date | None = None,
    households: list[UUID] | None = None,
    *,
    chunk: int = BATCH_CHUNK,
) -> BatchResult:
    """A cycle's vouchers for every eligible household without one (or for the listed ones, each of which must be
    eligible), committed `chunk` vouchers at a time: a region's month (50,000 vouchers) without any transaction
    holding SQLite's write lock for long, so the scanners keep working while it runs. What `logistics vouchers
    issue` and the coordinator's "Issue" (for a batch larger than one chunk) run.

    First, in a read transaction (no lock), who gets a voucher (`VoucherService.survey`): a refusal — no
    permission, the programme closed or of value vouchers, the cycle ended or too far ahead, a listed household
    not eligible — leaves nothing behind. Then each chunk is a transaction of its own (`issue_chunk`: its vouchers,
    their lines and one audit entry "voucher.issue_batch" with the chunk's count), taken in turn with this
    process's other writers on SQLite, with a pause between chunks for the writers of other processes. A household
    given its voucher meanwhile (a case worker, another batch) is skipped by the one-per-cycle index, never issued
    twice.

    Resumable: if it stops half-way (the server restarted, the programme was closed, the database failed), the
    chunks committed so far stay issued — valid vouchers, each with its audit entry — and running the batch again
    issues exactly to the households still without one: together one voucher per household, no duplicates."""
    today = today or local_today()
    token = write_intent.set(False)  # the survey only reads: SQLite's BEGIN, not BEGIN IMMEDIATE
    try:
        async with sessions() as session:
            survey = await VoucherService(session, actor).survey(programme_id, cycle, today, households)
    finally:
        write_intent.reset(token)
    if households is not None and survey.excluded:
        household_id, reason = survey.excluded[0]
        raise DomainError(_("Household %(household)s: %(reason)s", household=str(household_id), reason=reason))
    if households is not None and len(survey.eligible) < len(set(households)):
        found = {candidate.household_id for candidate in survey.eligible}
        missing = next(h for h in households if h not in found)
        raise DomainError(
            _("Household %(household)s has this voucher already or does not exist.", household=str(missing))
        )
    ids: list[UUID] = []
    chunks = 0
    for start in range(0, len(survey.eligible), chunk):
        part = survey.eligible[start : start + chunk]
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(_one_writer(sessions))
            session = await stack.enter_async_context(unit_of_work(sessions))
            ids += await VoucherService(session, actor).issue_chunk(survey.programme.id, survey.cycle, part, today)
        chunks += 1
        await asyncio.sleep(CHUNK_PAUSE_S)
    return BatchResult(survey.programme, survey.cycle, ids, chunks, survey.excluded, survey.already)


def _one_writer(sessions: Callable[[], AsyncSession]) -> asyncio.Lock:
    """On SQLite, the queue of this process's write requests (`logistics.db.transaction`): a chunk waits its turn
    with them, first come first served, instead of polling SQLite's lock. A no-op lock on PostgreSQL."""
    from logistics.db.transaction import _writer_queue

    bind = getattr(sessions, "kw", {}).get("bind")
    if bind is not None and bind.dialect.name != "sqlite":
        return asyncio.Lock()
    return _writer_queue()
