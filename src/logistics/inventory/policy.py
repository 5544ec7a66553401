"""Who may do what with stock: warehouse staff, coordinators and administrators keep the stock — warehouse staff
only at the sites they work at; volunteers also hand goods out on vouchers at their own distribution points. The
catalogue (items, kits, barcodes) is the centre's, not a site's.

The things are a location (a site that holds stock) or a stocktake of one; a transfer, which has two ends (the
sender calls it back, the receiver confirms it, both see it); or a movement, seen and reversed only by those who
see every location it touched."""

from __future__ import annotations

from uuid import UUID

from logistics.core.actor import Actor
from logistics.core.policy import Policy
from logistics.core.roles import Role
from logistics.inventory.models import Movement, Stocktake, Transfer
from logistics.sites.models import Site

policy = Policy("inventory")

STOCK_STAFF = {Role.WAREHOUSE, Role.COORDINATOR, Role.ADMIN}


def location(thing: Site | Stocktake) -> UUID:
    """A location (a site that holds stock) itself, or the location a stocktake counts."""
    return thing.id if isinstance(thing, Site) else thing.location_id


def both_ends(transfer: Transfer) -> list[UUID]:
    return [transfer.from_location_id, transfer.to_location_id]


def sender(transfer: Transfer) -> UUID:
    return transfer.from_location_id


def receiver(transfer: Transfer) -> UUID:
    return transfer.to_location_id


def _every_location_touched(actor: Actor, movement: Movement) -> bool:
    return all(actor.can_see_site(line.location_id) for line in movement.lines)


#: A location's stock by lot (page and CSV), its stocktakes and movements; the alerts, the stock per item.
VIEW_STOCK = policy.rule("inventory.view_stock", STOCK_STAFF, site=location)
#: Receive a delivery or donation at a location.
RECEIVE = policy.rule("inventory.receive", STOCK_STAFF, site=location)
#: Issue goods from a location (a shelter kitchen, another recipient).
ISSUE = policy.rule("inventory.issue", STOCK_STAFF, site=location)
#: Write off (expired, damaged, recalled) or adjust a lot at a location.
CORRECT = policy.rule("inventory.correct", STOCK_STAFF, site=location)
#: Open, count, confirm or cancel a stocktake of a location.
STOCKTAKE = policy.rule("inventory.stocktake", STOCK_STAFF, site=location)
#: Send goods from a location to another one (any stock location may receive them).
SEND = policy.rule("inventory.send", STOCK_STAFF, site=location)
VIEW_TRANSFER = policy.rule("inventory.view_transfer", STOCK_STAFF, site=both_ends)
RECEIVE_TRANSFER = policy.rule("inventory.receive_transfer", STOCK_STAFF, site=receiver)
#: Call a transfer back before it is received: the goods return to the sender.
CANCEL_TRANSFER = policy.rule("inventory.cancel_transfer", STOCK_STAFF, site=sender)
VIEW_MOVEMENT = policy.rule("inventory.view_movement", STOCK_STAFF, condition=_every_location_touched)
#: Undo a mistaken movement with a reversing one.
REVERSE = policy.rule("inventory.reverse", STOCK_STAFF, condition=_every_location_touched)
#: Set the minimum stock levels of a location (below them, items show on the alerts).
SET_MINIMUM = policy.rule("inventory.set_minimum", STOCK_STAFF, site=location)
#: Items (names, barcodes, units), and kits.
CATALOGUE = policy.rule("inventory.catalogue", STOCK_STAFF)
#: Hand out goods on a voucher at a distribution point (the vouchers domain checks the voucher itself).
HAND_OUT = policy.rule("inventory.hand_out", STOCK_STAFF | {Role.VOLUNTEER}, site=location)
#: Reverse a voucher's hand-out (the vouchers domain decides who may and until when).
UNDO_HAND_OUT = policy.rule(
    "inventory.undo_hand_out", STOCK_STAFF | {Role.VOLUNTEER}, condition=_every_location_touched
)
