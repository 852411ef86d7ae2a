"""ISBN-10 / ISBN-13 checking and conversion. Pure functions, no database."""

from __future__ import annotations

import re


class InvalidISBN(ValueError):
    pass


_SEPARATORS = re.compile(r"[\s\-]")


def clean(raw: str) -> str:
    """Drop spaces and hyphens and upper-case a trailing x."""
    return _SEPARATORS.sub("", raw or "").upper()


def isbn10_check_digit(first9: str) -> str:
    total = sum((10 - i) * int(d) for i, d in enumerate(first9))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def isbn13_check_digit(first12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def is_valid_isbn10(value: str) -> bool:
    value = clean(value)
    return (
        len(value) == 10
        and value[:9].isdigit()
        and (value[9].isdigit() or value[9] == "X")
        and isbn10_check_digit(value[:9]) == value[9]
    )


def is_valid_isbn13(value: str) -> bool:
    value = clean(value)
    return (
        len(value) == 13
        and value.isdigit()
        and value[:3] in {"978", "979"}
        and isbn13_check_digit(value[:12]) == value[12]
    )


def isbn10_to_isbn13(value: str) -> str:
    value = clean(value)
    if not is_valid_isbn10(value):
        raise InvalidISBN(f"not a valid ISBN-10: {value!r}")
    first12 = "978" + value[:9]
    return first12 + isbn13_check_digit(first12)


def isbn13_to_isbn10(value: str) -> str:
    value = clean(value)
    if not is_valid_isbn13(value):
        raise InvalidISBN(f"not a valid ISBN-13: {value!r}")
    if not value.startswith("978"):
        raise InvalidISBN(f"979 ISBNs have no ISBN-10 form: {value!r}")
    first9 = value[3:12]
    return first9 + isbn10_check_digit(first9)


def normalise_isbn(raw: str) -> str:
    """Any valid ISBN, with or without punctuation, as its 13 bare digits."""
    value = clean(raw)
    if len(value) == 10:
        return isbn10_to_isbn13(value)
    if is_valid_isbn13(value):
        return value
    raise InvalidISBN(f"not a valid ISBN: {raw!r}")


def format_isbn13(value: str) -> str:
    """978-0306406157 style: prefix, body, check digit."""
    value = normalise_isbn(value)
    return f"{value[:3]}-{value[3:12]}-{value[12]}"


def make_isbn13(serial: int, prefix: str = "979") -> str:
    """A valid ISBN-13 built from a serial number (for fixtures and imports)."""
    if not 0 <= serial < 10**9:
        raise ValueError("serial must have at most nine digits")
    first12 = f"{prefix}{serial:09d}"
    return first12 + isbn13_check_digit(first12)
