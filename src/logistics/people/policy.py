"""Who may do what with the registry of people and households.

Case workers register, edit, merge and erase records and keep households; coordinators read records, households
and statistics (no changes, no erasure); shelter staff find people by name to check them in, register the minimum
at the night desk, and open the records of the people staying at their sites — seeing only the name, the year of
birth and the stay (never PESEL, document, contact details, the full date of birth, notes or RODO data).
Volunteers and warehouse staff never open the registry; administrators keep the income criteria.

The thing of `people.view` is a `PersonRecord` (services.py), which carries the sites the person is linked to now
(a current stay): site-limited roles open only the records of people at their own sites.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from logistics.core.policy import Policy
from logistics.core.roles import Role

policy = Policy("people")


def sites_of(record: Any) -> frozenset[UUID]:
    """The sites a person's record is linked to now (where the person is staying)."""
    return frozenset(record.site_ids)


READERS = {Role.CASE_WORKER, Role.COORDINATOR}

#: Find people by name, PESEL or card code: a minimal result (name and year of birth), also for the night desk.
SEARCH = policy.rule("people.search", READERS | {Role.SHELTER_STAFF})
#: Register the minimum (given name, sex, year of birth) at a night desk; a case worker completes it later.
QUICK_REGISTER = policy.rule("people.quick_register", {Role.CASE_WORKER, Role.SHELTER_STAFF})
#: Register a full record.
REGISTER = policy.rule("people.register", {Role.CASE_WORKER})
#: Open a person's record: case workers and coordinators any; shelter staff those of people at their sites.
VIEW = policy.rule("people.view", READERS | {Role.SHELTER_STAFF}, site=sites_of)
#: See the identity and contact data of a record: PESEL, document, phone, e-mail, the full date of birth, the
#: RODO clause, the household and the card; and search by phone.
VIEW_IDENTITY = policy.rule("people.view_identity", READERS)
#: The case workers' notes.
VIEW_NOTES = policy.rule("people.view_notes", {Role.CASE_WORKER})
EDIT = policy.rule("people.edit", {Role.CASE_WORKER})
#: Merge a duplicate into a record.
MERGE = policy.rule("people.merge", {Role.CASE_WORKER})
#: Issue a beneficiary card (or a replacement) and revoke one.
ISSUE_CARD = policy.rule("people.issue_card", {Role.CASE_WORKER})
PRINT_CARD = policy.rule("people.print_card", READERS)
#: RODO access: everything every domain holds about the person.
EXPORT = policy.rule("people.export", READERS)
#: RODO erasure: anonymise the person in every domain.
ERASE = policy.rule("people.erase", {Role.CASE_WORKER})
STATISTICS = policy.rule("people.statistics", READERS)
VIEW_HOUSEHOLD = policy.rule("people.view_household", READERS)
#: Create a household, add and remove members, income, reasons and the case worker in charge.
EDIT_HOUSEHOLD = policy.rule("people.edit_household", {Role.CASE_WORKER})
#: The income criteria and the food-aid percentage, each valid from a date.
MANAGE_THRESHOLDS = policy.rule("people.manage_thresholds", {Role.ADMIN})
