"""Every message used in the templates or the code has a Polish and a Ukrainian translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from logistics.settings import PACKAGE_DIR, PROJECT_ROOT

KEYWORDS = {"_": None, "_l": None, "gettext": None, "ngettext": (1, 2)}


def _used_messages() -> set[str]:
    method_map = [("src/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    used = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT, method_map, options, keywords=KEYWORDS
    ):
        used.add(message[0] if isinstance(message, tuple) else message)
    return used


@pytest.mark.parametrize("locale", ["pl", "uk"])
def test_every_used_message_is_translated(locale):
    path = Path(PACKAGE_DIR) / "translations" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    translated = {
        message.id[0] if isinstance(message.id, tuple) else message.id
        for message in catalog
        if message.id
        and (all(message.string) if isinstance(message.string, tuple) else message.string)
        and not message.fuzzy
    }
    missing = sorted(_used_messages() - translated)
    assert missing == [], f"{len(missing)} messages without a {locale} translation (run `make translations-update`)"


def test_placeholders_survive_translation():
    import re

    for locale in ("pl", "uk"):
        path = Path(PACKAGE_DIR) / "translations" / locale / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if not message.id:
                    continue
                source = message.id if isinstance(message.id, str) else message.id[1]
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                wanted = set(re.findall(r"%\(\w+\)s", source)) - {"%(num)s"}
                for string in strings:
                    if string:
                        assert wanted <= set(re.findall(r"%\(\w+\)s", string)), (locale, message.id)
