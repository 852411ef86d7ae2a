"""catalog.isbn: pure functions, no database."""

import pytest

from catalog import isbn


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0-306-40615-2", "0306406152"),
        ("978 0 306 40615 7", "9780306406157"),
        ("0-8044-2957-x", "080442957X"),
        ("  9781402894626  ", "9781402894626"),
        ("", ""),
    ],
)
def test_clean_drops_separators_and_uppercases_x(raw, expected):
    assert isbn.clean(raw) == expected


@pytest.mark.parametrize(
    ("first9", "check"),
    [("030640615", "2"), ("080442957", "X"), ("019853453", "1"), ("097522980", "X")],
)
def test_isbn10_check_digit(first9, check):
    assert isbn.isbn10_check_digit(first9) == check


@pytest.mark.parametrize(
    ("first12", "check"),
    [("978030640615", "7"), ("978140289462", "6"), ("979100000000", "8")],
)
def test_isbn13_check_digit(first12, check):
    assert isbn.isbn13_check_digit(first12) == check


@pytest.mark.parametrize("value", ["0306406152", "0-306-40615-2", "080442957X", "0-8044-2957-x"])
def test_valid_isbn10(value):
    assert isbn.is_valid_isbn10(value)


@pytest.mark.parametrize(
    "value", ["0306406153", "030640615", "03064061522", "X306406152", "03064O6152"]
)
def test_invalid_isbn10(value):
    assert not isbn.is_valid_isbn10(value)


@pytest.mark.parametrize("value", ["9780306406157", "978-1-4028-9462-6", "9791000000008"])
def test_valid_isbn13(value):
    assert isbn.is_valid_isbn13(value)


@pytest.mark.parametrize(
    "value",
    ["9780306406158", "978030640615", "97803064061577", "9770306406157", "978030640615X"],
)
def test_invalid_isbn13(value):
    assert not isbn.is_valid_isbn13(value)


def test_isbn10_to_isbn13():
    assert isbn.isbn10_to_isbn13("0-306-40615-2") == "9780306406157"


def test_isbn10_with_x_converts():
    assert isbn.isbn10_to_isbn13("080442957X") == "9780804429573"


def test_isbn10_to_isbn13_rejects_bad_check_digit():
    with pytest.raises(isbn.InvalidISBN, match="ISBN-10"):
        isbn.isbn10_to_isbn13("0306406153")


def test_isbn13_to_isbn10_round_trip():
    assert isbn.isbn13_to_isbn10(isbn.isbn10_to_isbn13("0306406152")) == "0306406152"


def test_979_has_no_isbn10():
    with pytest.raises(isbn.InvalidISBN, match="979"):
        isbn.isbn13_to_isbn10("9791000000008")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0-306-40615-2", "9780306406157"),
        ("978-0-306-40615-7", "9780306406157"),
        ("978 1 4028 9462 6", "9781402894626"),
    ],
)
def test_normalise_isbn(raw, expected):
    assert isbn.normalise_isbn(raw) == expected


@pytest.mark.parametrize("raw", ["", "not an isbn", "12345", "9780306406158"])
def test_normalise_isbn_rejects(raw):
    with pytest.raises(isbn.InvalidISBN):
        isbn.normalise_isbn(raw)


def test_invalid_isbn_is_a_value_error():
    assert issubclass(isbn.InvalidISBN, ValueError)


def test_format_isbn13():
    assert isbn.format_isbn13("0306406152") == "978-030640615-7"


@pytest.mark.parametrize("serial", [0, 1, 42, 999_999_999])
def test_make_isbn13_is_valid(serial):
    value = isbn.make_isbn13(serial)
    assert len(value) == 13
    assert isbn.is_valid_isbn13(value)


def test_make_isbn13_differs_by_serial():
    assert len({isbn.make_isbn13(n) for n in range(100)}) == 100


@pytest.mark.parametrize("serial", [-1, 10**9])
def test_make_isbn13_range(serial):
    with pytest.raises(ValueError, match="nine digits"):
        isbn.make_isbn13(serial)
