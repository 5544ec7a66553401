"""Reading the activity form."""

from __future__ import annotations

from dataclasses import dataclass

from logistics.activities.models import Category
from logistics.core.i18n import _l
from logistics.web.forms import Form

CATEGORIES = {
    Category.LANGUAGE: _l("Language course"),
    Category.JOB_TRAINING: _l("Job training"),
    Category.PARENTING: _l("Parenting support"),
    Category.INTEGRATION: _l("Integration"),
    Category.CULTURE: _l("Culture"),
    Category.COUNSELLING: _l("Counselling"),
    Category.OTHER: _l("Other"),
}


@dataclass(frozen=True)
class ActivityInput:
    title: str
    title_en: str
    title_uk: str
    description: str
    category: str
    venue: str
    organiser: str
    age_min: int | None
    age_max: int | None
    audience: str
    capacity: int
    per_session: bool
    required_share: int


def read_activity(form: Form) -> ActivityInput | None:
    title = form.text("title", max_length=150)
    title_en = form.text("title_en", required=False, max_length=150)
    title_uk = form.text("title_uk", required=False, max_length=150)
    description = form.text("description", required=False, max_length=4000)
    category = form.choice("category", list(CATEGORIES))
    venue = form.raw("venue")
    if not venue:
        form.error("venue", str(_l("Choose the venue.")))
    organiser = form.text("organiser", required=False, max_length=120)
    age_min = form.integer("age_min", minimum=0, maximum=120)
    age_max = form.integer("age_max", minimum=0, maximum=120)
    if age_min is not None and age_max is not None and age_max < age_min:
        form.error("age_max", str(_l("The upper age is below the lower one.")))
    audience = form.text("audience", required=False, max_length=200)
    capacity = form.integer("capacity", required=True, minimum=1, maximum=1000)
    per_session = form.boolean("per_session")
    share = form.integer("required_share", minimum=1, maximum=100)
    if not form.valid or capacity is None:
        return None
    return ActivityInput(
        title,
        title_en,
        title_uk,
        description,
        category,
        venue,
        organiser,
        age_min,
        age_max,
        audience,
        capacity,
        per_session,
        share or 80,
    )
