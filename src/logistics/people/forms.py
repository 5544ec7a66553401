"""Reading the registry's forms into service inputs, and the labels their choices show."""

from __future__ import annotations

from decimal import Decimal

from logistics.core.i18n import _, _l, get_locale, local_today
from logistics.people import countries
from logistics.people.countries import country_codes
from logistics.people.households import (
    CENT,
    CRITERIA_SINCE,
    FOOD_AID_PERCENT,
    MAX_CRITERION,
    MAX_INCOME_PER_PERSON,
    HouseholdInput,
    ThresholdInput,
    criterion_dates,
)
from logistics.people.models import Language, LegalBasis, Reason, Relationship, Sex
from logistics.people.services import BORN_SINCE, CLAUSE_SINCE, PersonInput
from logistics.web.forms import Form

SEX_LABELS = {Sex.FEMALE: _l("Female"), Sex.MALE: _l("Male")}
LANGUAGE_LABELS = {
    Language.PL: _l("Polish"),
    Language.UK: _l("Ukrainian"),
    Language.EN: _l("English"),
    Language.OTHER: _l("Other"),
}
BASIS_LABELS = {
    LegalBasis.LEGAL_OBLIGATION: _l("Legal obligation (art. 6(1)(c) RODO, Social Assistance Act)"),
    LegalBasis.PUBLIC_TASK: _l("Public task (art. 6(1)(e) RODO)"),
    LegalBasis.VITAL_INTEREST: _l("Vital interest (art. 6(1)(d) RODO)"),
    LegalBasis.CONSENT: _l("Consent (art. 6(1)(a) RODO)"),
}
RELATIONSHIP_LABELS = {
    Relationship.HEAD: _l("Head of household"),
    Relationship.SPOUSE: _l("Spouse"),
    Relationship.PARTNER: _l("Partner"),
    Relationship.CHILD: _l("Child"),
    Relationship.PARENT: _l("Parent"),
    Relationship.SIBLING: _l("Sibling"),
    Relationship.GRANDCHILD: _l("Grandchild"),
    Relationship.GRANDPARENT: _l("Grandparent"),
    Relationship.OTHER_RELATIVE: _l("Other relative"),
    Relationship.OTHER: _l("Other person"),
}
REASON_LABELS = {
    Reason.POVERTY: _l("Poverty"),
    Reason.ORPHANHOOD: _l("Orphanhood"),
    Reason.HOMELESSNESS: _l("Homelessness"),
    Reason.UNEMPLOYMENT: _l("Unemployment"),
    Reason.DISABILITY: _l("Disability"),
    Reason.LONG_TERM_ILLNESS: _l("Long-term or serious illness"),
    Reason.DOMESTIC_VIOLENCE: _l("Domestic violence"),
    Reason.TRAFFICKING_VICTIM: _l("Victim of human trafficking"),
    Reason.MATERNITY_PROTECTION: _l("Protection of maternity"),
    Reason.LARGE_FAMILY: _l("Large family"),
    Reason.SINGLE_PARENT: _l("Single parent"),
    Reason.CARE_HELPLESSNESS: _l("Helplessness in care and upbringing"),
    Reason.INTEGRATION_DIFFICULTIES: _l("Integration difficulties (refugees, migrants)"),
    Reason.PRISON_RELEASE: _l("Difficulties after release from prison"),
    Reason.ADDICTION: _l("Alcohol or drug addiction"),
    Reason.CRISIS_EVENT: _l("Random event or crisis situation"),
    Reason.NATURAL_DISASTER: _l("Natural or ecological disaster"),
}
NAME_PATTERN = r"[^<>{}\[\]\\/@#$%^*=+|~`0-9]+"


def country_options() -> list[tuple[str, str]]:
    """PL and UA first, then every country (no pseudo-territories) by its name in the user's language."""
    return countries.country_options(get_locale())


def country_name(code: str) -> str:
    """The country's name in the user's language (for a record's page)."""
    return countries.country_name(code, get_locale())


def read_person_form(form: Form) -> PersonInput | None:
    bad_name = _("Use letters, spaces, hyphens and apostrophes only.")
    given_name = form.pattern("given_name", NAME_PATTERN, bad_name, max_length=80)
    family_name = form.pattern("family_name", NAME_PATTERN, bad_name, max_length=80)
    today = local_today()
    birth_date = form.date("birth_date", earliest=BORN_SINCE, latest=today)
    birth_year = form.integer("birth_year", minimum=BORN_SINCE.year, maximum=today.year)
    sex = form.choice("sex", [s.value for s in Sex])
    citizenship = form.choice("citizenship", sorted(country_codes()), required=False)
    pesel = form.text("pesel", required=False, max_length=11)
    pesel_ukr = form.boolean("pesel_ukr")
    id_document = form.text("id_document", required=False, max_length=80)
    phone = form.pattern(
        "phone", r"[0-9+()\- ]{5,32}", _("Use digits, spaces and + ( ) - only."), required=False, max_length=32
    )
    email = form.text("email", required=False, max_length=120)
    language = form.choice("preferred_language", [lang.value for lang in Language])
    needs_accessible = form.boolean("needs_accessible")
    has_disability = form.boolean("has_disability")
    mobility_note = form.text("mobility_note", required=False, max_length=200)
    notes = form.text("notes", required=False, max_length=4000)
    clause_given_on = form.date("clause_given_on", earliest=CLAUSE_SINCE, latest=today)
    clause_basis = form.choice("clause_basis", [b.value for b in LegalBasis], required=False)
    if not form.valid:
        return None
    return PersonInput(
        given_name=given_name,
        family_name=family_name,
        birth_date=birth_date,
        birth_year=birth_year,
        sex=sex,
        citizenship=citizenship,
        pesel=pesel or None,
        pesel_ukr=pesel_ukr,
        id_document=id_document,
        phone=phone,
        email=email,
        preferred_language=language,
        needs_accessible=needs_accessible,
        has_disability=has_disability,
        mobility_note=mobility_note,
        notes=notes,
        clause_given_on=clause_given_on,
        clause_basis=clause_basis,
    )


def read_household_form(form: Form) -> HouseholdInput | None:
    income = form.decimal("income_per_person", minimum=Decimal(0), maximum=MAX_INCOME_PER_PERSON)
    verified_on = form.date("income_verified_on", earliest=CRITERIA_SINCE, latest=local_today())
    case_worker = form.uuids("case_worker")
    reasons = form.choices("reasons", [r.value for r in Reason])
    if not form.valid:
        return None
    return HouseholdInput(
        income_per_person=income,
        income_verified_on=verified_on,
        case_worker_id=case_worker[0] if case_worker else None,
        reasons=reasons,
    )


def read_threshold_form(form: Form) -> ThresholdInput | None:
    earliest, latest = criterion_dates()
    valid_from = form.date("valid_from", required=True, earliest=earliest, latest=latest)
    single = form.decimal("single_person", required=True, minimum=CENT, maximum=MAX_CRITERION)
    family = form.decimal("per_person_in_family", required=True, minimum=CENT, maximum=MAX_CRITERION)
    low, high = FOOD_AID_PERCENT
    percent = form.decimal("food_aid_percent", required=True, minimum=low, maximum=high)
    if not form.valid or valid_from is None or single is None or family is None or percent is None:
        return None
    return ThresholdInput(
        valid_from=valid_from, single_person=single, per_person_in_family=family, food_aid_percent=percent
    )
