"""Matching service addresses for the CDS `addresses` preselection (WG3-01 §7.1.13.1).

A premise's address is `{street address}, {city}, {state} {postal code}` (the service point
address the CDS lists show). A typical address (its street starts with a house number) is
normalised: the street address's postal abbreviations spelled out (`St` street, `Ave` avenue, `#`
unit, `N` north, ...; `ABBREVIATIONS`; city and state stay as written), lower case, one `, `
between segments, single spaces. An atypical one (a
description such as "Pump station, FM 5555") is only lower-cased and its whitespace collapsed.

A client's value is normalised the atypical way (lower case, line breaks to spaces, whitespace
collapsed; abbreviations are NOT expanded), then must equal exactly one of the addresses it may
match; none, or two or more, is no match. Example: "100 Congress Ave #4, Austin, TX 78701" is
normalised to "100 congress avenue unit 4, austin, tx 78701", which a client sends as
"100 Congress Avenue Unit 4, Austin, TX 78701".
"""

import re

ABBREVIATIONS = {
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "blvd": "boulevard",
    "rd": "road",
    "dr": "drive",
    "ln": "lane",
    "ct": "court",
    "pl": "place",
    "pkwy": "parkway",
    "hwy": "highway",
    "fwy": "freeway",
    "expy": "expressway",
    "cir": "circle",
    "ter": "terrace",
    "trl": "trail",
    "sq": "square",
    "apt": "apartment",
    "ste": "suite",
    "bldg": "building",
    "fl": "floor",
    "rm": "room",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "ne": "northeast",
    "nw": "northwest",
    "se": "southeast",
    "sw": "southwest",
}
_WHITESPACE = re.compile(r"\s+")


def full_address(premise) -> str:
    """The premise's address as the CDS lists show it."""
    locality = " ".join(part for part in (premise.state, premise.postal_code) if part)
    return ", ".join(part for part in (premise.service_address, premise.city, locality) if part)


def normalized_input(text: str) -> str:
    """A client's address value, normalised as an atypical address."""
    return _WHITESPACE.sub(" ", text.lower()).strip()


def _expanded(word: str) -> str:
    if word.startswith("#") and len(word) > 1:
        return f"unit {word[1:]}"
    bare = word.rstrip(".")
    return ABBREVIATIONS.get(bare, bare)


def normalized_address(premise) -> str:
    """The premise's address normalised (typical or atypical, as the module docstring says)."""
    if not premise.service_address.strip()[:1].isdigit():
        return normalized_input(full_address(premise))
    segments = [
        " ".join(_expanded(word) for word in segment.split())
        for segment in re.split(r"[,\n]", premise.service_address.lower())
    ]
    locality = " ".join(part for part in (premise.state, premise.postal_code) if part)
    segments += [normalized_input(part) for part in (premise.city, locality)]
    return ", ".join(segment for segment in segments if segment)


def premises_at(premises, values: list[str]) -> set[int]:
    """Ids of the premises (of those given: the ones the client may match) each value names
    exactly; a value matching no premise, or several, names none."""
    by_address: dict[str, list[int]] = {}
    for premise in premises:
        by_address.setdefault(normalized_address(premise), []).append(premise.pk)
    matched = set()
    for value in values:
        found = by_address.get(normalized_input(value), [])
        if len(found) == 1:
            matched.add(found[0])
    return matched
