"""Who may do what with referrals.

Case workers refer people and households to any service or activity and see every referral; shelter staff refer
the people staying at their shelters to shelters of other communes, and see and act on the referrals of their own
sites only; coordinators see every referral (the lists, the figures) and may undo a confirmation. Volunteers,
warehouse and shop staff see no referrals. The receiving institution confirms at `/r/<code>` without a log-in —
the code is the key, and that page shows nothing but the first name and initial and the service.

The thing of these rules is a `Referral` (its `site_id` is the referring shelter, or none).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from logistics.core.policy import Policy
from logistics.core.roles import Role

policy = Policy("referrals")


def site_of(referral: Any) -> UUID | None:
    return referral.site_id


#: See referrals: the lists, a referral's page, a person's referrals, the letter.
VIEW = policy.rule("referrals.view", {Role.CASE_WORKER, Role.COORDINATOR, Role.SHELTER_STAFF}, site=site_of)
#: Issue a referral of any kind.
ISSUE = policy.rule("referrals.issue", {Role.CASE_WORKER})
#: Issue a referral to a shelter of another commune, from one's own shelter.
ISSUE_TO_SHELTER = policy.rule("referrals.issue_to_shelter", {Role.CASE_WORKER, Role.SHELTER_STAFF})
#: Withdraw an open referral.
CANCEL = policy.rule("referrals.cancel", {Role.CASE_WORKER, Role.SHELTER_STAFF}, site=site_of)
#: Undo the receiving institution's confirmation (the person did not come after all, a wrong code was typed).
UNDO_CONFIRMATION = policy.rule(
    "referrals.undo_confirmation", {Role.CASE_WORKER, Role.COORDINATOR, Role.SHELTER_STAFF}, site=site_of
)
