"""Map what a runner types ("mumbai", "Europe/Berln", "UTC+5:30") to a stored zone name.

Storage format (a plain string, see docs/schedule.md):

* an IANA name such as ``"Europe/Berlin"``; whole-hour offsets are stored as IANA
  ``Etc/GMT±N`` names (note the inverted sign: UTC+2 is ``"Etc/GMT-2"``), UTC as ``"UTC"``;
* an offset with minutes has no IANA name, so it is stored as ``"UTC+05:30"``.

:func:`stored_zone` is the one way a stored zone becomes a ``tzinfo`` (reminders,
/progress, /history, the weekly summary, quiet hours); :func:`zone_from_name` is its
strict parser, also used to refuse an unknown zone before it is stored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import process
from rapidfuzz.distance import OSA

__all__ = [
    "AbbreviationHint",
    "ZoneMatch",
    "abbreviation_hint",
    "resolve_zone",
    "stored_zone",
    "zone_from_name",
    "zone_label",
    "zone_short",
]

MatchKind = Literal["offset", "utc", "zone", "city", "alias"]


@dataclass(frozen=True, slots=True)
class ZoneMatch:
    """A resolved time zone.

    Attributes:
        name: What to store: an IANA name or ``"UTC±HH:MM"`` (see module docstring).
        label: Human-readable text to confirm with the runner, e.g. ``"Mumbai (Asia/Kolkata)"``.
        confidence: 1.0 for exact matches, ``1 - edits/length`` for typo matches (about
            0.8..0.95); the UI should ask "did you mean ...?" below 1.0.
        kind: How it was found.
    """

    name: str
    label: str
    confidence: float
    kind: MatchKind


# Regions whose zones are real places; legacy top-level names ("EST", "Japan",
# "US/Eastern", "Canada/...") are left out of the fuzzy index on purpose:
# "EST" is a fixed -05:00 zone *without* DST, the opposite of what people mean.
_REGIONS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
)

# Cities and places people type that are not a zone's city part. Values are IANA names.
_ALIASES: dict[str, str] = {
    # India (one zone)
    "mumbai": "Asia/Kolkata", "bombay": "Asia/Kolkata", "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata", "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata",
    "chennai": "Asia/Kolkata", "hyderabad": "Asia/Kolkata", "pune": "Asia/Kolkata",
    "calcutta": "Asia/Kolkata", "india": "Asia/Kolkata",
    # USA
    "nyc": "America/New_York", "ny": "America/New_York", "new york city": "America/New_York",
    "manhattan": "America/New_York", "brooklyn": "America/New_York", "boston": "America/New_York",
    "washington": "America/New_York", "washington dc": "America/New_York", "dc": "America/New_York",
    "philadelphia": "America/New_York", "miami": "America/New_York", "atlanta": "America/New_York",
    "la": "America/Los_Angeles", "san francisco": "America/Los_Angeles", "sf": "America/Los_Angeles",
    "seattle": "America/Los_Angeles", "san diego": "America/Los_Angeles", "portland": "America/Los_Angeles",
    "las vegas": "America/Los_Angeles", "houston": "America/Chicago", "dallas": "America/Chicago",
    "austin": "America/Chicago", "minneapolis": "America/Chicago", "phoenix": "America/Phoenix",
    "salt lake city": "America/Denver", "honolulu": "Pacific/Honolulu",
    # Canada
    "montreal": "America/Toronto", "ottawa": "America/Toronto", "calgary": "America/Edmonton",
    "newfoundland": "America/St_Johns",
    # Europe
    "munich": "Europe/Berlin", "hamburg": "Europe/Berlin", "frankfurt": "Europe/Berlin",
    "cologne": "Europe/Berlin", "munchen": "Europe/Berlin", "koln": "Europe/Berlin",
    "germany": "Europe/Berlin", "barcelona": "Europe/Madrid", "spain": "Europe/Madrid",
    "milan": "Europe/Rome", "italy": "Europe/Rome", "france": "Europe/Paris", "lyon": "Europe/Paris",
    "manchester": "Europe/London", "edinburgh": "Europe/London", "glasgow": "Europe/London",
    "uk": "Europe/London", "england": "Europe/London", "geneva": "Europe/Zurich",
    "netherlands": "Europe/Amsterdam", "rotterdam": "Europe/Amsterdam", "kiev": "Europe/Kyiv",
    "st petersburg": "Europe/Moscow", "ireland": "Europe/Dublin",
    # Asia / Oceania / elsewhere
    "beijing": "Asia/Shanghai", "china": "Asia/Shanghai", "osaka": "Asia/Tokyo", "kyoto": "Asia/Tokyo",
    "japan": "Asia/Tokyo", "katmandu": "Asia/Kathmandu", "nepal": "Asia/Kathmandu",
    "saigon": "Asia/Ho_Chi_Minh", "rangoon": "Asia/Yangon", "abu dhabi": "Asia/Dubai",
    "tel aviv": "Asia/Jerusalem", "canberra": "Australia/Sydney", "wellington": "Pacific/Auckland",
    "new zealand": "Pacific/Auckland", "rio": "America/Sao_Paulo", "rio de janeiro": "America/Sao_Paulo",
    "cape town": "Africa/Johannesburg", "singapore": "Asia/Singapore",
}  # fmt: skip

# Abbreviations with a fixed meaning. Everything else (EST, CET, IST, BST, ...) is
# ambiguous or DST-dependent, so it is rejected and the runner is asked for a city.
_FIXED_ABBREVIATIONS = {"utc": "UTC", "gmt": "UTC", "z": "UTC", "zulu": "UTC"}

_AMBIGUOUS = frozenset(
    {"est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt", "akst", "hst", "ist", "bst", "cet",
     "cest", "eet", "eest", "wet", "west", "met", "aest", "aedt", "acst", "awst", "jst", "kst",
     "sast", "nzst", "nzdt", "et", "ct", "mt", "pt"}
)  # fmt: skip

# "UTC+2", "gmt -5", "+05:30", "utc +5:30", "UTC+0530", "UTC-3.30": sign required when
# there is no UTC/GMT prefix, so a bare "5" is never mistaken for an offset.
_OFFSET_RE = re.compile(r"^(?:(?:utc|gmt)\s*(?P<s1>[+-])|(?P<s2>[+-]))\s*(?P<h>\d{1,2})(?:[:.h]?(?P<m>\d{2}))?$")

# What we store for offsets with minutes, and accept back in zone_from_name.
_STORED_OFFSET_RE = re.compile(r"^UTC(?P<sign>[+-])(?P<h>\d{2}):(?P<m>\d{2})$")

# What to suggest instead of a refused abbreviation: cities (which follow summer time)
# and the fixed standard-time offset. Some abbreviations mean several places.
_ABBREVIATION_HINTS: dict[str, tuple[tuple[str, ...], str]] = {
    "est": (("New York", "Toronto"), "UTC-5"), "edt": (("New York", "Toronto"), "UTC-5"),
    "et": (("New York", "Toronto"), "UTC-5"),
    "cst": (("Chicago", "Mexico City", "Shanghai"), "UTC-6"), "cdt": (("Chicago", "Mexico City"), "UTC-6"),
    "ct": (("Chicago", "Mexico City"), "UTC-6"),
    "mst": (("Denver", "Phoenix"), "UTC-7"), "mdt": (("Denver",), "UTC-7"), "mt": (("Denver", "Phoenix"), "UTC-7"),
    "pst": (("Los Angeles", "Vancouver"), "UTC-8"), "pdt": (("Los Angeles", "Vancouver"), "UTC-8"),
    "pt": (("Los Angeles", "Vancouver"), "UTC-8"),
    "akst": (("Anchorage",), "UTC-9"), "hst": (("Honolulu",), "UTC-10"),
    "ist": (("Mumbai", "Dublin", "Jerusalem"), "UTC+5:30"), "bst": (("London", "Dhaka"), "UTC+1"),
    "cet": (("Berlin", "Paris", "Madrid"), "UTC+1"), "cest": (("Berlin", "Paris", "Madrid"), "UTC+1"),
    "met": (("Berlin", "Paris"), "UTC+1"),
    "eet": (("Athens", "Helsinki", "Cairo"), "UTC+2"), "eest": (("Athens", "Helsinki"), "UTC+2"),
    "wet": (("Lisbon",), "UTC+0"), "west": (("Lisbon",), "UTC+0"),
    "aest": (("Sydney", "Brisbane"), "UTC+10"), "aedt": (("Sydney", "Melbourne"), "UTC+10"),
    "acst": (("Adelaide", "Darwin"), "UTC+9:30"), "awst": (("Perth",), "UTC+8"),
    "jst": (("Tokyo",), "UTC+9"), "kst": (("Seoul",), "UTC+9"), "sast": (("Johannesburg",), "UTC+2"),
    "nzst": (("Auckland",), "UTC+12"), "nzdt": (("Auckland",), "UTC+12"),
}  # fmt: skip

# Names that are plain UTC whatever they are called ("Etc/GMT-2" etc. are offsets).
_UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "Etc/Greenwich",
     "Etc/Universal", "Etc/Zulu"}
)  # fmt: skip

_MIN_OFFSET = timedelta(hours=-12)  # real-world range: Baker Island .. Line Islands
_MAX_OFFSET = timedelta(hours=14)
_MIN_FUZZY_LEN = 5  # shorter input must match exactly: "home" is not a typo of Nome


def _normalise(text: str) -> str:
    """Lowercase, strip accents and punctuation so "São Paulo" == "sao paulo"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("_", " ").replace("'", "").replace("’", "")
    text = re.sub(r"[^\w/+\-:., ]", " ", text)
    text = re.sub(r"\bsaint\b|\bst\.", "st", text)
    text = text.replace(".", " ") if "/" not in text and not re.search(r"\d", text) else text
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class _Index:
    cities: dict[str, str]  # normalised city part -> IANA name
    full: dict[str, str]  # normalised full name ("europe/berlin") -> IANA name


@lru_cache(maxsize=1)
def _index() -> _Index:
    """Build the lookup tables once (about 600 names, a few ms)."""
    cities: dict[str, str] = {}
    full: dict[str, str] = {}
    for name in available_timezones():
        if name.split("/", 1)[0] not in _REGIONS or "/" not in name:
            continue
        full[_normalise(name)] = name
        city = _normalise(name.rsplit("/", 1)[1])
        # Deeper paths are the canonical ones ("America/Argentina/Buenos_Aires" over the
        # backward link "America/Buenos_Aires"), so they win a clash.
        if city not in cities or name.count("/") > cities[city].count("/"):
            cities[city] = name
    return _Index(cities=cities, full=full)


def _offset_name(offset: timedelta) -> str:
    """Storage name for a fixed offset (see module docstring)."""
    if offset == timedelta(0):
        return "UTC"
    total_minutes = int(offset.total_seconds()) // 60
    hours, minutes = divmod(abs(total_minutes), 60)
    sign = "+" if total_minutes > 0 else "-"
    if minutes == 0:
        # Etc/GMT names use POSIX signs: east of Greenwich is *minus*.
        return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _parse_offset(text: str) -> timedelta | None:
    m = _OFFSET_RE.match(re.sub(r"\s+", "", text))  # "utc +5:30" == "utc+5:30"
    if m is None:
        return None
    hours, minutes = int(m["h"]), int(m["m"] or 0)
    if minutes >= 60 or minutes % 15:  # every real offset is a multiple of 15 minutes (+05:45 Nepal, +12:45 Chatham)
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    if (m["s1"] or m["s2"]) == "-":
        offset = -offset
    if not _MIN_OFFSET <= offset <= _MAX_OFFSET:
        return None
    return offset


def zone_label(name: str) -> str:
    """A short human label for a stored zone name.

    Args:
        name: A stored name ("Europe/Berlin", "Etc/GMT-2", "UTC+05:30", "UTC").

    Returns:
        E.g. "Berlin (Europe/Berlin)", "UTC+02:00 (fixed offset, no daylight saving)".
    """
    short = zone_short(name)
    if short == "UTC":
        return "UTC (no daylight saving)"
    if short != name or _STORED_OFFSET_RE.match(name):
        return f"{short} (fixed offset, no daylight saving)"
    city = name.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} ({name})"


def zone_short(name: str) -> str:
    """The stored name as a runner should read it.

    ``Etc/GMT±N`` names invert the sign (POSIX), which reads as the opposite offset,
    so they are shown as ``"UTC∓NN:00"``; UTC spellings as ``"UTC"``; anything else
    (IANA names, ``"UTC+05:30"``) as stored.

    Args:
        name: A stored name ("Etc/GMT-2", "Europe/Berlin", "UTC+05:30").

    Returns:
        E.g. "UTC+02:00", "Europe/Berlin", "UTC+05:30", "UTC".
    """
    if name in _UTC_NAMES:
        return "UTC"
    m = re.fullmatch(r"Etc/GMT([+-])(\d{1,2})", name)
    if m:
        sign = "-" if m[1] == "+" else "+"
        return f"UTC{sign}{int(m[2]):02d}:00"
    return name


@dataclass(frozen=True, slots=True)
class AbbreviationHint:
    """What to suggest when a runner types a refused abbreviation such as "EST".

    Attributes:
        abbreviation: As typed, upper case ("EST").
        cities: Cities it is commonly used for; a city follows summer time.
        offset: The standard-time offset to type instead ("UTC-5"), fixed all year.
    """

    abbreviation: str
    cities: tuple[str, ...]
    offset: str


def abbreviation_hint(text: str) -> AbbreviationHint | None:
    """A suggestion for an ambiguous or DST-dependent abbreviation ("EST", "cet time").

    Args:
        text: What the runner typed.

    Returns:
        The hint, or None when the text is not one of the refused abbreviations.
    """
    query = re.sub(r"\s+(?:time|timezone|time zone|tz|zone)$", "", _normalise(text))
    if query not in _ABBREVIATION_HINTS:
        return None
    cities, offset = _ABBREVIATION_HINTS[query]
    return AbbreviationHint(query.upper(), cities, offset)


@lru_cache(maxsize=512)
def zone_from_name(name: str) -> tzinfo:
    """Turn a stored zone name back into a tzinfo.

    Args:
        name: An IANA name or a fixed offset stored as "UTC±HH:MM".

    Returns:
        A ``ZoneInfo`` for IANA names, a ``datetime.timezone`` for "UTC±HH:MM".

    Raises:
        ValueError: The name is neither a known IANA zone nor a valid stored offset.
    """
    m = _STORED_OFFSET_RE.match(name)
    if m:
        offset = timedelta(hours=int(m["h"]), minutes=int(m["m"]))
        offset = -offset if m["sign"] == "-" else offset
        if not _MIN_OFFSET <= offset <= _MAX_OFFSET or int(m["m"]) >= 60:
            raise ValueError(f"offset out of range: {name!r}")
        return timezone(offset, name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # ValueError: malformed keys like "../x"
        raise ValueError(f"unknown time zone: {name!r}") from exc


def stored_zone(name: str | None) -> tzinfo:
    """A runner's stored zone as a ``tzinfo``: the one conversion every reader uses.

    UTC when the runner set none. Zones are checked before they are stored
    (``zone_from_name``), so an unknown one can only be a name the installed tz
    database no longer has: UTC then too, so that every view of that runner agrees
    (reminders, /progress and /history in the same zone) instead of one failing.
    """
    if not name:
        return timezone.utc
    try:
        return zone_from_name(name)
    except ValueError:
        return timezone.utc


def _candidates(text: str) -> list[str]:
    """The place without filler words, the whole text, then without trailing words ("paris france").

    Handles "Berlin, Germany", "berlin time", "I'm in Berlin", "London UK".
    """
    place = text.split(",", 1)[0].strip()
    place = re.sub(r"^(?:i ?a?m in|i live in|in|near)\s+", "", place)
    place = re.sub(r"\s+(?:time|timezone|time zone|tz|zone)$", "", place)
    words = place.split()
    shorter = [" ".join(words[:n]) for n in range(len(words) - 1, 0, -1)]
    return list(dict.fromkeys([place, text, *shorter]))


def resolve_zone(text: str) -> ZoneMatch | None:
    """Resolve free text to a time zone.

    Tries, in order: fixed abbreviations (UTC, GMT), offsets ("UTC+2", "+05:30"), exact
    IANA names, the alias table, exact city parts, then fuzzy matching of full names
    (if the text contains "/") or city parts.

    Args:
        text: What the runner typed.

    Returns:
        The match, or None for empty, ambiguous ("EST", "IST") or unrecognised input
        ("Narnia", "UTC+15").
    """
    raw = text.strip()
    if not raw:
        return None
    if "/" in raw:  # exact IANA name first, case-sensitive keys are the common case
        try:
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            if raw.split("/", 1)[0] in _REGIONS | {"Etc"}:
                return ZoneMatch(raw, zone_label(raw), 1.0, "zone")
    query = _normalise(raw)
    if not query:
        return None
    if query in _FIXED_ABBREVIATIONS:
        name = _FIXED_ABBREVIATIONS[query]
        return ZoneMatch(name, zone_label(name), 1.0, "utc")
    if query in _AMBIGUOUS:
        return None
    if re.search(r"\d", query) or query[:1] in "+-":
        offset = _parse_offset(query)
        if offset is None:
            return None
        name = _offset_name(offset)
        return ZoneMatch(name, zone_label(name), 1.0, "offset")

    index = _index()
    if "/" in query:
        if query in index.full:
            name = index.full[query]
            return ZoneMatch(name, zone_label(name), 1.0, "zone")
        return _fuzzy(query, index.full, "zone")

    candidates = _candidates(query)
    for candidate in candidates:
        if candidate in _ALIASES:
            name = _ALIASES[candidate]
            return ZoneMatch(name, _alias_label(candidate, name), 1.0, "alias")
        if candidate in index.cities:
            name = index.cities[candidate]
            return ZoneMatch(name, zone_label(name), 1.0, "city")
    # Typos: fuzzy over city parts and aliases together ("Kolkatta", "Mumbay").
    choices = {**index.cities, **_ALIASES}
    return _fuzzy(candidates[0], choices, "city")


def _alias_label(alias: str, name: str) -> str:
    shown = alias.upper() if len(alias) <= 3 else alias.title()  # "NYC", "LA", "Mumbai"
    return f"{shown} ({name})"


def _fuzzy(query: str, choices: dict[str, str], kind: MatchKind) -> ZoneMatch | None:
    """Typo tolerance by edit distance (OSA: a swap of two letters counts as one edit).

    A similarity ratio would also accept real words that merely look alike ("earth" →
    Perth, "atlantis" → Atlanta), so only one edit is allowed up to 8 characters, two
    beyond that; a tie between two different zones is ambiguous and rejected.
    """
    if len(query) < _MIN_FUZZY_LEN:
        return None
    max_edits = 1 if len(query) <= 8 else 2
    hits = process.extract(query, choices.keys(), scorer=OSA.distance, score_cutoff=max_edits, limit=2)
    if not hits:
        return None
    (key, edits, _), *rest = hits
    if rest and rest[0][1] == edits and choices[rest[0][0]] != choices[key]:
        return None
    name = choices[key]
    label = _alias_label(key, name) if key in _ALIASES else zone_label(name)
    return ZoneMatch(name, label, round(1 - edits / max(len(query), len(key)), 3), kind)
