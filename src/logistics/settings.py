"""Typed settings read once from LOGISTICS_* environment variables (a .env file may provide them)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(__file__).resolve().parent
LOCALES = ("pl", "en", "uk")


def _env(name: str, default: str) -> str:
    return os.environ.get(f"LOGISTICS_{name}", default)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(f"LOGISTICS_{name}")
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _secret_key(var_dir: Path) -> str:
    """LOGISTICS_SECRET_KEY, or a key generated once into var/secret_key and reused after."""
    configured = os.environ.get("LOGISTICS_SECRET_KEY")
    if configured:
        return configured
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once keep whichever key was written first.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 587
    username: str = ""
    password: str = ""
    sender: str = "przystan@localhost"
    starttls: bool = True


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    org_name: str
    default_locale: str
    timezone: str
    scheduler: bool
    secure_cookies: bool
    session_idle_minutes: int
    login_max_failures: int
    login_lockout_minutes: int
    retention_years: int
    public_free_places: bool
    public_directory: bool
    absence_nights: int
    board_refresh_seconds: int
    stock_alert_days: int
    stock_alerts_to: tuple[str, ...]
    sms_gateway: str
    var_dir: Path
    debug: bool
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    #: The FEPŻ report: the programme whose vouchers are EU food aid (its code), and the children's age bands.
    fepz_programme: str = "FEPZ"
    fepz_child_bands: str = "0-15,16-17"
    #: How long after its last manifest a scanning page still decides scans offline (then it refuses to decide).
    offline_hours: int = 8
    #: Value vouchers (grants for urgent needs): what they may be spent on, and the legal bases of the decisions —
    #: codes, each optionally with its label ("food,fuel,pets=Karma dla zwierząt"); see `vouchers.grants`.
    spend_categories: str = "food,hygiene,clothing,medicines,fuel,household,school"
    grant_bases: str = "art39,art40,art41"
    templates_dir: Path = PROJECT_ROOT / "templates"
    static_dir: Path = PROJECT_ROOT / "static"
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    translations_dir: Path = PACKAGE_DIR / "translations"
    migrations_dir: Path = PACKAGE_DIR / "db" / "migrations"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def parse_age_bands(text: str) -> tuple[tuple[int, int], ...]:
    """Age bands written "0-15,16-17" (years, both included; ascending, not overlapping, under 18)."""
    bands: list[tuple[int, int]] = []
    for part in text.replace("\u2013", "-").split(","):
        low, dash, high = part.strip().partition("-")
        if not dash or not low.strip().isdigit() or not high.strip().isdigit():
            raise ValueError(f"an age band is written like 0-15, not {part.strip()!r}")
        band = (int(low), int(high))
        if band[0] > band[1] or band[1] > 17:
            raise ValueError(f"a children's age band goes from a lower to a higher age under 18, not {part.strip()!r}")
        if bands and band[0] <= bands[-1][1]:
            raise ValueError(f"age bands must be ascending and not overlap: {text!r}")
        bands.append(band)
    if not bands:
        raise ValueError("name at least one age band")
    return tuple(bands)


#: Never a category a grant may be spent on, whatever the configuration says.
FORBIDDEN_CATEGORIES = ("alcohol", "alkohol", "tobacco", "tyton", "tytoń", "papierosy", "cigarettes")


def parse_choices(text: str, what: str) -> tuple[tuple[str, str], ...]:
    """A configured list of codes with optional labels: "food,fuel,pets=Karma" → (("food", ""), ("fuel", ""),
    ("pets", "Karma")); codes of lowercase letters, digits and underscores, at most 20, none twice."""
    choices: list[tuple[str, str]] = []
    for part in text.split(","):
        code, _equals, label = part.strip().partition("=")
        code = code.strip()
        if not code:
            continue
        if not code.replace("_", "").isalnum() or not code.isascii() or code != code.lower() or len(code) > 20:
            raise ValueError(f"a {what} code has lowercase letters, digits and _ (at most 20), not {code!r}")
        if code in {known for known, _label in choices}:
            raise ValueError(f"the {what} {code!r} is listed twice")
        choices.append((code, label.strip()[:80]))
    if not choices:
        raise ValueError(f"name at least one {what}")
    return tuple(choices)


def load_settings() -> Settings:
    """Read the environment (after a .env file that never overrides it) into Settings."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    var_dir = Path(_env("VAR_DIR", str(PROJECT_ROOT / "var")))
    default_locale = _env("DEFAULT_LOCALE", "pl")
    if default_locale not in LOCALES:
        msg = f"LOGISTICS_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}, not {default_locale!r}"
        raise ValueError(msg)
    child_bands = _env("FEPZ_CHILD_BANDS", "0-15,16-17")
    try:
        parse_age_bands(child_bands)
    except ValueError as error:
        raise ValueError(f"LOGISTICS_FEPZ_CHILD_BANDS: {error}") from None
    offline_hours = _env("OFFLINE_HOURS", "8").strip()
    if not offline_hours.isdigit() or not 1 <= int(offline_hours) <= 72:
        raise ValueError(f"LOGISTICS_OFFLINE_HOURS must be a whole number of hours from 1 to 72, not {offline_hours!r}")
    spend_categories = _env("SPEND_CATEGORIES", "food,hygiene,clothing,medicines,fuel,household,school")
    grant_bases = _env("GRANT_BASES", "art39,art40,art41")
    try:
        categories = parse_choices(spend_categories, "category")
        parse_choices(grant_bases, "legal basis")
    except ValueError as error:
        raise ValueError(f"LOGISTICS_SPEND_CATEGORIES / LOGISTICS_GRANT_BASES: {error}") from None
    for code, label in categories:
        if any(word in f"{code} {label}".lower() for word in FORBIDDEN_CATEGORIES):
            raise ValueError(f"LOGISTICS_SPEND_CATEGORIES: a grant is never spent on alcohol or tobacco ({code!r})")
    return Settings(
        database_url=_env("DATABASE_URL", f"sqlite+aiosqlite:///{var_dir / 'logistics.db'}"),
        secret_key=_secret_key(var_dir),
        org_name=_env("ORG_NAME", "Ośrodek Pomocy Społecznej"),
        default_locale=default_locale,
        timezone=_env("TIMEZONE", "Europe/Warsaw"),
        scheduler=_env_bool("SCHEDULER", True),
        secure_cookies=_env_bool("SECURE_COOKIES", False),
        session_idle_minutes=_env_int("SESSION_IDLE_MINUTES", 60),
        login_max_failures=_env_int("LOGIN_MAX_FAILURES", 5),
        login_lockout_minutes=_env_int("LOGIN_LOCKOUT_MINUTES", 15),
        retention_years=_env_int("RETENTION_YEARS", 5),
        public_free_places=_env_bool("PUBLIC_FREE_PLACES", False),
        public_directory=_env_bool("PUBLIC_DIRECTORY", False),
        absence_nights=_env_int("ABSENCE_NIGHTS", 3),
        board_refresh_seconds=max(_env_int("BOARD_REFRESH_SECONDS", 20), 1),
        stock_alert_days=max(_env_int("STOCK_ALERT_DAYS", 14), 0),
        sms_gateway=_env("SMS_GATEWAY", "log"),
        stock_alerts_to=tuple(address.strip() for address in _env("STOCK_ALERTS_TO", "").split(",") if address.strip()),
        var_dir=var_dir,
        debug=_env_bool("DEBUG", False),
        smtp=SmtpSettings(
            host=_env("SMTP_HOST", ""),
            port=_env_int("SMTP_PORT", 587),
            username=_env("SMTP_USERNAME", ""),
            password=_env("SMTP_PASSWORD", ""),
            sender=_env("SMTP_FROM", "przystan@localhost"),
            starttls=_env_bool("SMTP_STARTTLS", True),
        ),
        fepz_programme=_env("FEPZ_PROGRAMME", "FEPZ").strip().upper(),
        fepz_child_bands=child_bands,
        offline_hours=int(offline_hours),
        spend_categories=spend_categories,
        grant_bases=grant_bases,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
