"""Free-text time zone resolution and the stored-name round trip."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from stridecoach.domain import timezones
from stridecoach.domain.timezones import (
    abbreviation_hint,
    resolve_zone,
    stored_zone,
    zone_from_name,
    zone_label,
    zone_short,
)

WINTER = datetime(2026, 1, 15, 12, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("sao paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Kolkata", "Asia/Kolkata"),
        ("mumbai", "Asia/Kolkata"),
        ("delhi", "Asia/Kolkata"),
        ("bangalore", "Asia/Kolkata"),
        ("sydney", "Australia/Sydney"),
        ("adelaide", "Australia/Adelaide"),
        ("kathmandu", "Asia/Kathmandu"),
        ("st johns", "America/St_Johns"),
        ("St. John's", "America/St_Johns"),
        ("london", "Europe/London"),
        ("tokyo", "Asia/Tokyo"),
        ("los angeles", "America/Los_Angeles"),
        ("LA", "America/Los_Angeles"),
        ("NYC", "America/New_York"),
        ("san francisco", "America/Los_Angeles"),
        ("chicago", "America/Chicago"),
        ("denver", "America/Denver"),
        ("toronto", "America/Toronto"),
        ("madrid", "Europe/Madrid"),
        ("paris", "Europe/Paris"),
        ("  PARIS  ", "Europe/Paris"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),  # canonical, not the backward link
        ("Berlin, Germany", "Europe/Berlin"),
        ("berlin time", "Europe/Berlin"),
        ("I'm in Berlin", "Europe/Berlin"),
        ("London UK", "Europe/London"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("Australia/Lord_Howe", "Australia/Lord_Howe"),
    ],
)
def test_exact_places(text: str, zone: str) -> None:
    match = resolve_zone(text)
    assert match is not None
    assert match.name == zone
    assert match.confidence == 1.0
    assert zone in match.label


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Europe/Berln", "Europe/Berlin"),
        ("America/Los_Angles", "America/Los_Angeles"),
        ("asia/kolkatta", "Asia/Kolkata"),
        ("Kolkatta", "Asia/Kolkata"),
        ("Mumbay", "Asia/Kolkata"),
        ("Londn", "Europe/London"),
        ("Tokio", "Asia/Tokyo"),
        ("Sidney", "Australia/Sydney"),
        ("new yrok", "America/New_York"),
        ("losangeles", "America/Los_Angeles"),
        ("adelade", "Australia/Adelaide"),
    ],
)
def test_typos_match_with_lower_confidence(text: str, zone: str) -> None:
    match = resolve_zone(text)
    assert match is not None
    assert match.name == zone
    assert 0.75 <= match.confidence < 1.0


@pytest.mark.parametrize(
    ("text", "name", "offset"),
    [
        ("UTC", "UTC", timedelta(0)),
        ("gmt", "UTC", timedelta(0)),
        ("UTC+2", "Etc/GMT-2", timedelta(hours=2)),  # Etc signs are inverted
        ("GMT-5", "Etc/GMT+5", timedelta(hours=-5)),
        ("utc+0", "UTC", timedelta(0)),
        ("UTC+14", "Etc/GMT-14", timedelta(hours=14)),
        ("utc-12", "Etc/GMT+12", timedelta(hours=-12)),
        ("+05:30", "UTC+05:30", timedelta(hours=5, minutes=30)),
        ("utc +5:30", "UTC+05:30", timedelta(hours=5, minutes=30)),
        ("UTC+0545", "UTC+05:45", timedelta(hours=5, minutes=45)),
        ("GMT -3:30", "UTC-03:30", timedelta(hours=-3, minutes=-30)),
        ("+02:00", "Etc/GMT-2", timedelta(hours=2)),
        ("-3", "Etc/GMT+3", timedelta(hours=-3)),
    ],
)
def test_offsets(text: str, name: str, offset: timedelta) -> None:
    match = resolve_zone(text)
    assert match is not None
    assert (match.name, match.confidence) == (name, 1.0)
    assert "daylight saving" in match.label
    assert WINTER.astimezone(zone_from_name(match.name)).utcoffset() == offset


@pytest.mark.parametrize(
    "text",
    [
        "Narnia", "asdf", "", "   ", "UTC+15", "UTC-13", "UTC+5:20", "UTC+05:60", "5", "utc 2",
        "EST", "IST", "CET", "PST", "US/Eastern", "EST5EDT", "atlantis", "earth", "home",
        "the moon", "soon", "Mordor/Capital", "../etc/passwd",
    ],
)  # fmt: skip
def test_rejects_nonsense_and_ambiguous(text: str) -> None:
    assert resolve_zone(text) is None


def test_zone_from_name_understands_every_stored_form() -> None:
    assert zone_from_name("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    assert WINTER.astimezone(zone_from_name("Etc/GMT-2")).utcoffset() == timedelta(hours=2)
    fixed = zone_from_name("UTC+05:30")
    assert fixed.utcoffset(None) == timedelta(hours=5, minutes=30)
    assert zone_from_name("UTC-09:30").utcoffset(None) == timedelta(hours=-9, minutes=-30)


@pytest.mark.parametrize("name", ["Narnia/Capital", "UTC+15:00", "", "../../etc/passwd", "utc+05:30"])
def test_zone_from_name_rejects_unknown(name: str) -> None:
    with pytest.raises(ValueError):
        zone_from_name(name)


def test_every_resolved_name_is_loadable() -> None:
    for text in ["berlin", "mumbai", "UTC+2", "+05:30", "GMT", "Europe/Berln", "nyc", "-09:30"]:
        match = resolve_zone(text)
        assert match is not None
        zone_from_name(match.name)


def test_labels() -> None:
    assert zone_label("Europe/Berlin") == "Berlin (Europe/Berlin)"
    assert zone_label("America/St_Johns") == "St Johns (America/St_Johns)"
    assert zone_label("Etc/GMT+5") == "UTC-05:00 (fixed offset, no daylight saving)"
    assert zone_label("UTC+05:30") == "UTC+05:30 (fixed offset, no daylight saving)"
    assert resolve_zone("nyc").label == "NYC (America/New_York)"
    assert resolve_zone("mumbai").label == "Mumbai (Asia/Kolkata)"


def test_index_is_built_once() -> None:
    timezones._index.cache_clear()
    for text in ["Berlin", "Berln", "Tokyo", "Tokio"]:
        resolve_zone(text)
    assert timezones._index.cache_info().misses == 1


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Etc/GMT-2", "UTC+02:00"),  # stored with the POSIX sign, shown as the runner typed it
        ("Etc/GMT+5", "UTC-05:00"),
        ("Etc/GMT-14", "UTC+14:00"),
        ("Etc/GMT+12", "UTC-12:00"),
        ("Etc/GMT", "UTC"),
        ("Etc/UTC", "UTC"),
        ("UTC", "UTC"),
        ("UTC+05:30", "UTC+05:30"),
        ("Europe/Berlin", "Europe/Berlin"),
    ],
)
def test_zone_short_never_shows_the_inverted_sign(name: str, shown: str) -> None:
    assert zone_short(name) == shown
    if shown.startswith("UTC") and shown != "UTC":
        assert zone_label(name) == f"{shown} (fixed offset, no daylight saving)"
        # The shown offset is the real one.
        resolved = resolve_zone(shown)
        assert resolved is not None and zone_from_name(resolved.name).utcoffset(None) == zone_from_name(
            name
        ).utcoffset(None)


def test_utc_spellings_are_labelled_as_utc() -> None:
    assert zone_label("Etc/UTC") == zone_label("UTC") == "UTC (no daylight saving)"


@pytest.mark.parametrize(
    ("text", "abbreviation", "city", "offset"),
    [
        ("EST", "EST", "New York", "UTC-5"),
        ("pst", "PST", "Los Angeles", "UTC-8"),
        ("CET time", "CET", "Berlin", "UTC+1"),
        ("IST", "IST", "Mumbai", "UTC+5:30"),
        ("aest", "AEST", "Sydney", "UTC+10"),
    ],
)
def test_abbreviations_are_refused_with_a_hint(text: str, abbreviation: str, city: str, offset: str) -> None:
    assert resolve_zone(text) is None
    hint = abbreviation_hint(text)
    assert hint is not None
    assert (hint.abbreviation, hint.offset) == (abbreviation, offset) and city in hint.cities
    # Every suggestion works when typed.
    for suggestion in (*hint.cities, hint.offset):
        assert resolve_zone(suggestion) is not None, suggestion


def test_every_refused_abbreviation_has_a_hint() -> None:
    assert set(timezones._ABBREVIATION_HINTS) == timezones._AMBIGUOUS
    for abbreviation in timezones._AMBIGUOUS:
        hint = abbreviation_hint(abbreviation)
        assert hint is not None
        for suggestion in (*hint.cities, hint.offset):
            assert resolve_zone(suggestion) is not None, (abbreviation, suggestion)


@pytest.mark.parametrize("text", ["Berlin", "Narnia", "UTC+2", "", "east"])
def test_no_hint_for_other_text(text: str) -> None:
    assert abbreviation_hint(text) is None


def test_a_stored_zone_reads_as_its_tzinfo_and_as_utc_when_unset_or_gone() -> None:
    assert stored_zone("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    assert stored_zone("UTC+05:30").utcoffset(None) == timedelta(hours=5, minutes=30)
    assert stored_zone(None) is timezone.utc and stored_zone("") is timezone.utc
    # A name the tz database no longer has (stored zones are checked on the way in):
    # every view of that runner falls back to UTC alike, none fails.
    assert stored_zone("Not/AZone") is timezone.utc
    with pytest.raises(ValueError):
        zone_from_name("Not/AZone")
