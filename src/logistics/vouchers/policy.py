"""Who may do what with vouchers: case workers, coordinators and administrators issue, print and send them;
coordinators and administrators keep the programmes and the scanning devices; volunteers, warehouse workers and
coordinators hand out goods on them at a distribution point — site-limited roles only at their own points — and
see the points' end-of-day reconciliation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from logistics.core.policy import Policy
from logistics.core.roles import Role


def point_of(thing: Any) -> UUID:
    """The distribution point (or partner shop) a thing belongs to: a site itself, or a redemption's, a device's, a
    day report's, a spend's or a settlement month's `point_id`."""
    point_id: UUID | None = getattr(thing, "point_id", None)
    return point_id if point_id is not None else thing.id


policy = Policy("vouchers")

CASE_WORK = {Role.CASE_WORKER, Role.COORDINATOR, Role.ADMIN}
HANDING_OUT = {Role.VOLUNTEER, Role.WAREHOUSE, Role.COORDINATOR, Role.ADMIN}

#: The programmes with this cycle's counts, a cycle's vouchers, a voucher's page, its prints and the CSV lists.
VIEW = policy.rule("vouchers.view", CASE_WORK)
#: One household's voucher, a batch for a cycle (and its preview), a case worker's eligibility decision.
ISSUE = policy.rule("vouchers.issue", CASE_WORK)
#: Revoke a voucher, or reissue a lost one under a new code.
REVOKE = policy.rule("vouchers.revoke", CASE_WORK)
#: Send a voucher to the household by e-mail or SMS.
SEND = policy.rule("vouchers.send", CASE_WORK)
MANAGE_PROGRAMMES = policy.rule("vouchers.manage_programmes", {Role.COORDINATOR, Role.ADMIN})
#: Create and revoke the scanning devices of a point.
MANAGE_DEVICES = policy.rule("vouchers.manage_devices", {Role.COORDINATOR, Role.ADMIN}, site=point_of)
#: Scan a voucher at a point and hand out goods on it; undo one's own hand-out within five minutes.
REDEEM = policy.rule("vouchers.redeem", HANDING_OUT, site=point_of)
#: Undo anyone's hand-out at a point, however long ago.
UNDO_ANY = policy.rule("vouchers.undo_any", {Role.COORDINATOR, Role.ADMIN}, site=point_of)
#: A point's end of the day: what was handed out on vouchers against the stock ledger.
RECONCILE = policy.rule(
    "vouchers.reconcile",
    {Role.COORDINATOR, Role.ADMIN, Role.CASE_WORKER, Role.WAREHOUSE, Role.VOLUNTEER},
    site=point_of,
)
#: See the conflicts of offline redemptions at a point (a voucher handed out twice, ...) and resolve one with a note.
RESOLVE_CONFLICTS = policy.rule("vouchers.resolve_conflicts", {Role.COORDINATOR, Role.ADMIN}, site=point_of)

#: Take a value voucher at a partner shop's till (its staff at their own shop only; a till's device token acts as its
#: shop's staff); undo one's own spend within five minutes.
SPEND = policy.rule("vouchers.spend", {Role.SHOP, Role.COORDINATOR, Role.ADMIN}, site=point_of)
#: Undo anyone's spend at a shop, however long ago (unless its month is closed for settlement).
UNDO_ANY_SPEND = policy.rule("vouchers.undo_any_spend", {Role.COORDINATOR, Role.ADMIN}, site=point_of)
#: A shop's settlement for a month (its spends and the total to pay) — its staff see their own shop's only.
SETTLEMENT = policy.rule("vouchers.settlement", {Role.SHOP, Role.COORDINATOR, Role.ADMIN}, site=point_of)
#: Close a shop's month for settlement (its spends can no longer be undone).
CLOSE_SETTLEMENT = policy.rule("vouchers.close_settlement", {Role.COORDINATOR, Role.ADMIN}, site=point_of)
