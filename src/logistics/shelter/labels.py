"""Labels of the shelter's choices in the user's language, and reading its forms."""

from __future__ import annotations

from logistics.core.i18n import _l
from logistics.shelter.models import BedState, Bunk, CheckoutReason, PlaceKind, RoomCategory, ServiceReason
from logistics.shelter.places import BulkBeds, RoomInput
from logistics.web.forms import Form, options

__all__ = ["options"]

CATEGORY = {
    RoomCategory.MEN: _l("Men"),
    RoomCategory.WOMEN: _l("Women"),
    RoomCategory.FAMILY: _l("Family"),
    RoomCategory.MIXED: _l("Mixed"),
}
KIND = {PlaceKind.BED: _l("Bed"), PlaceKind.SEAT: _l("Seat"), PlaceKind.MAT: _l("Mat")}
BUNK = {Bunk.NONE: _l("Single bed"), Bunk.LOWER: _l("Lower bunk"), Bunk.UPPER: _l("Upper bunk")}
STATE = {
    BedState.AVAILABLE: _l("free"),
    BedState.OCCUPIED: _l("occupied"),
    BedState.HELD: _l("held"),
    BedState.OUT_OF_SERVICE: _l("out of service"),
}
SERVICE_REASON = {
    ServiceReason.REPAIR: _l("Repair"),
    ServiceReason.DISINFECTION: _l("Disinfection"),
    ServiceReason.QUARANTINE: _l("Quarantine"),
    ServiceReason.OTHER: _l("Other"),
}
CHECKOUT_REASON = {
    CheckoutReason.OWN_HOUSING: _l("Own housing"),
    CheckoutReason.OTHER_FACILITY: _l("Another facility"),
    CheckoutReason.HOSPITAL: _l("Hospital"),
    CheckoutReason.LEFT_WITHOUT_NOTICE: _l("Left without notice"),
    CheckoutReason.RULES_VIOLATION: _l("Rules violation"),
    CheckoutReason.DEATH: _l("Death"),
    CheckoutReason.OTHER: _l("Other"),
}


def read_room_form(form: Form) -> RoomInput | None:
    name = form.text("name", max_length=60)
    category = form.choice("category", [c.value for c in RoomCategory])
    accessible = form.boolean("accessible")
    floor = form.text("floor", required=False, max_length=60)
    if not form.valid:
        return None
    return RoomInput(name=name, category=category, accessible=accessible, floor=floor)


def read_bulk_form(form: Form) -> BulkBeds | None:
    first = form.integer("first", required=True, minimum=1, maximum=9999)
    last = form.integer("last", required=True, minimum=1, maximum=9999)
    prefix = form.text("prefix", required=False, max_length=10)
    kind = form.choice("kind", [k.value for k in PlaceKind])
    bunk = form.choice("bunk", [b.value for b in Bunk], required=False)
    accessible = form.boolean("accessible")
    if not form.valid or first is None or last is None:
        return None
    return BulkBeds(first=first, last=last, prefix=prefix, kind=kind, bunk=bunk, accessible=accessible)
