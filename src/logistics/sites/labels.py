"""Labels of the site kinds in the user's language, and the shelter kinds in the order reports use."""

from __future__ import annotations

from logistics.core.i18n import _l
from logistics.sites.models import SiteKind

KIND_LABELS = {
    SiteKind.NIGHT_SHELTER: _l("Night shelter"),
    SiteKind.SHELTER: _l("Shelter"),
    SiteKind.SHELTER_WITH_CARE: _l("Shelter with care services"),
    SiteKind.WARMING_CENTRE: _l("Warming centre"),
    SiteKind.SUPPORTED_FLAT: _l("Supported flat"),
    SiteKind.COLLECTIVE_ACCOMMODATION: _l("Collective accommodation"),
    SiteKind.WAREHOUSE: _l("Warehouse"),
    SiteKind.DISTRIBUTION_POINT: _l("Distribution point"),
    SiteKind.ACTIVITY_VENUE: _l("Activity venue"),
    SiteKind.SHOP: _l("Partner shop"),
}

#: The shelter kinds in a fixed order: the kinds of facility of art. 48a of the Social Assistance Act first
#: (noclegownia, schronisko, schronisko z usługami opiekuńczymi, ogrzewalnia), then the others. A site of several
#: shelter kinds is counted, in reports, under the first of its kinds in this order.
SHELTER_ORDER = (
    SiteKind.NIGHT_SHELTER,
    SiteKind.SHELTER,
    SiteKind.SHELTER_WITH_CARE,
    SiteKind.WARMING_CENTRE,
    SiteKind.COLLECTIVE_ACCOMMODATION,
    SiteKind.SUPPORTED_FLAT,
)
