"""The RODO access report (art. 15) as a document people read: the JSON export (`PrivacyService.export`, which
stays as it is) turned into sections per module with labels and values in the user's language and times in the
centre's time zone — shown as a page and printed as a PDF.

Each domain's part of the export has its section here; a part this module does not know (a domain added later)
still shows, as a table of its keys and values, so the report never leaves anything out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import codes, printing
from logistics.audit.labels import ACTIONS as AUDIT_ACTIONS
from logistics.core.i18n import _l, format_date, format_datetime, format_money, get_locale, local_time, ngettext
from logistics.core.i18n import gettext as _
from logistics.people import countries
from logistics.people.forms import BASIS_LABELS, LANGUAGE_LABELS, REASON_LABELS, RELATIONSHIP_LABELS, SEX_LABELS

DASH = "—"

#: The record's fields in the order the report shows them.
PERSON_LABELS = {
    "given_name": _l("Given name"),
    "family_name": _l("Family name"),
    "birth_date": _l("Date of birth"),
    "birth_year": _l("Year of birth"),
    "sex": _l("Sex"),
    "citizenship": _l("Citizenship"),
    "pesel": _l("PESEL"),
    "pesel_ukr": _l("PESEL with UKR status (refugee from Ukraine)"),
    "id_document": _l("Identity document"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "preferred_language": _l("Preferred language"),
    "needs_accessible": _l("Needs an accessible bed (disability or mobility need)"),
    "has_disability": _l("Certificate of disability"),
    "mobility_note": _l("Disability or mobility need"),
    "notes": _l("Notes for case workers"),
    "clause_given_on": _l("RODO information clause given on"),
    "clause_basis": _l("Legal basis"),
    "is_incomplete": _l("Record to be completed"),
    "created_at": _l("Registered on"),
    "id": _l("Record number"),
}
CHECKOUT_REASONS = {
    "own_housing": _l("Own housing"),
    "other_facility": _l("Another facility"),
    "hospital": _l("Hospital"),
    "left_without_notice": _l("Left without notice"),
    "rules_violation": _l("Rules violation"),
    "death": _l("Death"),
    "other": _l("Other"),
}
VOUCHER_STATUSES = {
    "issued": _l("valid"),
    "redeemed": _l("redeemed"),
    "expired": _l("expired"),
    "revoked": _l("revoked"),
}
SIGN_UP_STATUSES = {"confirmed": _l("confirmed"), "waiting": _l("on the waiting list"), "cancelled": _l("cancelled")}
ATTENDANCE_STATUSES = {"present": _l("present"), "late": _l("late"), "absent": _l("absent")}
MESSAGE_STATUSES = {"pending": _l("pending"), "sending": _l("sending"), "sent": _l("sent"), "failed": _l("failed")}
CHANNELS = {"email": _l("E-mail"), "sms": _l("SMS")}
#: The export's own keys (not a module's part).
HEADER_KEYS = frozenset({"exported_at", "exported_by", "organisation"})


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    title: str = ""


@dataclass
class Section:
    key: str
    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    #: What the section says when the module holds nothing about the person.
    empty: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.facts and not any(table.rows for table in self.tables)


@dataclass
class Report:
    organisation: str
    name: str
    prepared: str
    prepared_by: str
    sections: list[Section]


# --- values --------------------------------------------------------------------------------------------------


def when(value: Any) -> str:
    """An ISO date-time of the export as the centre's local date and time."""
    if not value:
        return DASH
    moment = datetime.fromisoformat(str(value))
    return format_datetime(moment)


def day(value: Any) -> str:
    if not value:
        return DASH
    return format_date(date.fromisoformat(str(value)[:10]))


def text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return DASH
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


def label(labels: Mapping[Any, Any], value: Any) -> str:
    return str(labels[value]) if value in labels else text(value)


def money(value: Any) -> str:
    try:
        return format_money(Decimal(str(value))) if value not in (None, "") else DASH
    except InvalidOperation:
        return text(value)


def bed_nights(checked_in: Any, checked_out: Any) -> int:
    """The stay's bed-nights from its dates, when the shelter did not count them (see `add_bed_nights`): as the
    shelter counts, a night is the local day of a moment less six hours, from the night of check-in up to the night
    of check-out (not included) — for a stay not ended, up to tonight (included)."""

    def night(value: Any) -> date:
        return (local_time(datetime.fromisoformat(str(value))) - timedelta(hours=6)).date()

    first = night(checked_in)
    stop = night(checked_out) if checked_out else night(datetime.now(UTC).isoformat()) + timedelta(days=1)
    return max((stop - first).days, 0)


async def add_bed_nights(session: AsyncSession, person_id: UUID, data: dict[str, Any]) -> None:
    """Give each stay of the export its bed-nights as the shelter counts them (`shelter.occupancy.bed_nights`: per
    bed held, night by night), for the report only — the JSON export stays as the shelter gives it."""
    stays = data.get("shelter")
    if not stays:
        return
    from logistics.shelter.models import Stay  # the shelter depends on the registry, not the other way round
    from logistics.shelter.occupancy import bed_nights as counted_bed_nights

    counted = await counted_bed_nights(session, person_id=person_id)
    # The shelter's export lists the stays in this order.
    ids = list(await session.scalars(select(Stay.id).where(Stay.person_id == person_id).order_by(Stay.started_at)))
    if len(ids) == len(stays):
        for stay, stay_id in zip(stays, ids, strict=True):
            stay["bed_nights"] = counted.by_stay.get(stay_id, 0)


# --- sections ------------------------------------------------------------------------------------------------


def _person(part: dict[str, Any]) -> Section:
    person = part.get("person") or {}
    facts = []
    for key, title in PERSON_LABELS.items():
        if key not in person:
            continue
        value = person[key]
        if key in {"birth_date", "clause_given_on"}:
            shown = day(value)
        elif key == "created_at":
            shown = when(value)
        elif key == "sex":
            shown = label(SEX_LABELS, value)
        elif key == "preferred_language":
            shown = label(LANGUAGE_LABELS, value)
        elif key == "clause_basis":
            shown = label(BASIS_LABELS, value)
        elif key == "citizenship":
            shown = countries.country_name(value, get_locale()) or DASH
        else:
            shown = text(value)
        facts.append((str(title), shown))
    facts += [(key, text(value)) for key, value in person.items() if key not in PERSON_LABELS]
    cards = Table(
        [_("Code"), _("Issued"), _("Revoked")],
        [
            [codes.format_code(card.get("code", "")), when(card.get("issued_at")), when(card.get("revoked_at"))]
            for card in part.get("cards") or []
        ],
        _("Beneficiary cards"),
    )
    return Section("person", _("Person"), facts, [cards])


def _household(part: dict[str, Any]) -> Section:
    home = part.get("household")
    if not home:
        return Section("household", _("Household"), empty=_("The person belongs to no household."))
    facts = [
        (_("Relationship to the head"), label(RELATIONSHIP_LABELS, home.get("relationship"))),
        (_("Number of members"), text(home.get("size"))),
        (_("Income per person"), money(home.get("income_per_person"))),
        (_("Income verified on"), day(home.get("income_verified_on"))),
        (_("Reasons for help"), ", ".join(label(REASON_LABELS, r) for r in home.get("reasons") or []) or DASH),
    ]
    members = Table(
        [_("Full name"), _("Relationship to the head")],
        [[text(m.get("name")), label(RELATIONSHIP_LABELS, m.get("relationship"))] for m in home.get("members") or []],
        _("Members"),
    )
    return Section("household", _("Household"), facts, [members])


def _stays(part: list[dict[str, Any]]) -> Section:
    stays, beds = [], []
    total = 0
    for stay in part or []:
        nights = stay.get("bed_nights")
        if nights is None:
            nights = bed_nights(stay["checked_in"], stay.get("checked_out"))
        total += int(nights)
        sites = sorted({str(bed.get("site", "")) for bed in stay.get("beds") or []})
        stays.append(
            [
                ", ".join(sites) or DASH,
                when(stay.get("checked_in")),
                when(stay.get("checked_out")) if stay.get("checked_out") else _("staying now"),
                label(CHECKOUT_REASONS, stay.get("checkout_reason")),
                text(stay.get("destination")),
                str(nights),
            ]
        )
        for bed in stay.get("beds") or []:
            beds.append(
                [
                    text(bed.get("site")),
                    text(bed.get("room")),
                    text(bed.get("bed")),
                    when(bed.get("from")),
                    when(bed.get("to")),
                ]
            )
    columns = [_("Site"), _("Checked in"), _("Checked out"), _("Reason"), _("Destination"), _("Bed-nights")]
    facts = [(_("Bed-nights in all"), ngettext("%(num)d night", "%(num)d nights", total))] if stays else []
    return Section(
        "shelter",
        _("Stays at the shelter"),
        facts,
        [
            Table(columns, stays),
            Table([_("Site"), _("Room"), _("Bed"), _("From"), _("To")], beds, _("Beds")),
        ],
        empty=_("No stays."),
    )


def _vouchers(part: list[dict[str, Any]]) -> Section:
    vouchers, handed_out = [], []
    for voucher in part or []:
        code = text(voucher.get("code"))
        vouchers.append(
            [
                text(voucher.get("programme")),
                code,
                text(voucher.get("cycle")),
                f"{day(voucher.get('valid_from'))} – {day(voucher.get('valid_until'))}",
                label(VOUCHER_STATUSES, voucher.get("status")),
                text(voucher.get("issued_by")),
            ]
        )
        for redemption in voucher.get("redemptions") or []:
            handed_out.append(
                [
                    code,
                    when(redemption.get("at")),
                    text(redemption.get("point")),
                    _("undone") if redemption.get("undone") else _("handed out"),
                ]
            )
    columns = [_("Programme"), _("Code"), _("Cycle"), _("Valid"), _("Status"), _("Issued by")]
    return Section(
        "vouchers",
        _("Food-aid vouchers of the household"),
        tables=[
            Table(columns, vouchers),
            Table([_("Voucher"), _("When"), _("Point"), _("Result")], handed_out, _("Goods handed out")),
        ],
        empty=_("No vouchers."),
    )


def _activities(part: dict[str, Any]) -> Section:
    part = part or {}
    sign_ups = Table(
        [_("Activity"), _("Status"), _("Signed up"), _("Signed up by")],
        [
            [
                text(s.get("activity")),
                label(SIGN_UP_STATUSES, s.get("status")),
                when(s.get("signed_up")),
                text(s.get("signed_up_by")),
            ]
            for s in part.get("sign_ups") or []
        ],
        _("Sign-ups"),
    )
    attendance = Table(
        [_("Activity"), _("Session"), _("Attendance"), _("Walk-in")],
        [
            [
                text(a.get("activity")),
                when(a.get("session")),
                label(ATTENDANCE_STATUSES, a.get("status")),
                text(bool(a.get("walk_in"))),
            ]
            for a in part.get("attendance") or []
        ],
        _("Attendance"),
    )
    return Section("activities", _("Activities"), tables=[sign_ups, attendance], empty=_("No activities."))


def _messages(part: list[dict[str, Any]]) -> Section:
    rows = [
        [
            when(m.get("created_at")),
            label(CHANNELS, m.get("channel")),
            text(m.get("recipient")),
            text(m.get("subject") or m.get("body")),
            label(MESSAGE_STATUSES, m.get("status")),
            when(m.get("sent_at")),
        ]
        for m in part or []
    ]
    columns = [_("Created"), _("Channel"), _("Recipient"), _("Message"), _("Status"), _("Sent")]
    return Section(
        "notifications", _("Messages sent to the person"), tables=[Table(columns, rows)], empty=_("No messages.")
    )


def _audit(part: list[dict[str, Any]]) -> Section:
    rows = [
        [
            when(entry.get("at")),
            text(entry.get("who")),
            label(AUDIT_ACTIONS, entry.get("action")),
            ", ".join(str(PERSON_LABELS.get(name, name)) for name in entry.get("fields") or []) or DASH,
        ]
        for entry in part or []
    ]
    return Section(
        "audit",
        _("Who looked at the data and what changed"),
        tables=[Table([_("When"), _("User"), _("Action"), _("Fields")], rows)],
        empty=_("Nothing recorded."),
    )


def _generic(key: str, part: Any) -> Section:
    """A part this module does not know: its keys and values as they are, so nothing is left out."""
    section = Section(key, key, empty=_("No data."))
    items = part if isinstance(part, list) else [part] if part else []
    for item in items:
        if isinstance(item, dict):
            columns = list(item)
            section.tables.append(Table(columns, [[text(item[c]) for c in columns]]))
        else:
            section.facts.append((key, text(item)))
    return section


SECTIONS: list[tuple[str, Callable[[Any], Iterable[Section]]]] = [
    ("registry", lambda part: [_person(part or {}), _household(part or {})]),
    ("shelter", lambda part: [_stays(part)]),
    ("vouchers", lambda part: [_vouchers(part)]),
    ("activities", lambda part: [_activities(part)]),
    ("notifications", lambda part: [_messages(part)]),
    ("audit", lambda part: [_audit(part)]),
]


def build_report(data: dict[str, Any]) -> Report:
    """The readable report of `data` (what `PrivacyService.export` returned), in the current language."""
    sections: list[Section] = []
    known = {key for key, _build in SECTIONS}
    for key, build in SECTIONS[:-1]:
        if key in data:
            sections.extend(build(data[key]))
    for key in sorted(set(data) - known - HEADER_KEYS):
        sections.append(_generic(key, data[key]))
    sections.extend(SECTIONS[-1][1](data.get("audit")))
    person = (data.get("registry") or {}).get("person") or {}
    name = " ".join(filter(None, [person.get("given_name"), person.get("family_name")])) or _("Anonymised person")
    return Report(
        organisation=str(data.get("organisation", "")),
        name=name,
        prepared=when(data.get("exported_at")),
        prepared_by=text(data.get("exported_by")),
        sections=sections,
    )


# --- the PDF -------------------------------------------------------------------------------------------------

PAGE_WIDTH, MARGIN = 210.0, 15.0
CONTENT = PAGE_WIDTH - 2 * MARGIN


def report_pdf(report: Report) -> bytes:
    """The report on A4 pages: a heading, then each section's facts and tables (cells wrap, rows never split)."""
    pdf = printing.new_pdf()
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.add_page()
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    pdf.set_font("DejaVu", size=9)
    pdf.multi_cell(CONTENT, 5, report.organisation, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(CONTENT, 8, _("Data held about %(name)s", name=report.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=9)
    pdf.multi_cell(
        CONTENT,
        5,
        _("Prepared on %(date)s by %(user)s", date=report.prepared, user=report.prepared_by),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for section in report.sections:
        _pdf_section(pdf, section)
    return bytes(pdf.output())


def _pdf_section(pdf: printing.FPDF, section: Section) -> None:
    if pdf.get_y() > 250:
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(CONTENT, 7, section.title, new_x="LMARGIN", new_y="NEXT")
    if section.is_empty:
        pdf.set_font("DejaVu", size=9)
        pdf.multi_cell(CONTENT, 5, section.empty or DASH, new_x="LMARGIN", new_y="NEXT")
        return
    if section.facts:
        pdf.set_font("DejaVu", size=9)
        with pdf.table(
            width=CONTENT,
            col_widths=(60, CONTENT - 60),
            line_height=4.6,
            text_align="LEFT",
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
        ) as grid:
            for title, value in section.facts:
                cells = grid.row()
                cells.cell(title, style=printing.bold())
                cells.cell(value)
    for table in section.tables:
        if not table.rows:
            continue
        if table.title:
            pdf.ln(1)
            pdf.set_font("DejaVu", "B", 10)
            pdf.multi_cell(CONTENT, 6, table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=8)
        with pdf.table(
            width=CONTENT, line_height=4.2, text_align="LEFT", headings_style=printing.table_headings()
        ) as grid:
            for row in [table.columns, *table.rows]:
                cells = grid.row()
                for value in row:
                    cells.cell(value)
