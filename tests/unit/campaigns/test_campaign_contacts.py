"""CSV contact lists: every row checked, all or nothing, bad rows by line and reason."""

from __future__ import annotations

import pytest

from cti.campaigns.contacts import ColumnMapping, read_contacts
from cti.campaigns.errors import ImportRejected
from cti.errors import BadRequest
from cti.numbers import NumberPolicy

POLICY = NumberPolicy("ES", {"ES", "GB", "US"})


def read(text: str, mapping: list[str] | None = None, **kwargs: object):
    options = {"in_campaign": set(), "elsewhere": {}, **kwargs}
    return read_contacts(text, ColumnMapping.parse(mapping or []), POLICY, source="list.csv",
                         **options)  # type: ignore[arg-type]


def problems(text: str, **kwargs: object) -> list[tuple[int, str]]:
    with pytest.raises(ImportRejected) as info:
        read(text, **kwargs)
    return info.value.problems


def test_numbers_become_e164_with_their_zones_and_other_columns_attributes() -> None:
    text = "Phone;Full name;Plan;Debt\n612 34 56 78;Ana Ruiz;gold;120.50\n" \
           "+1 212-555-0100;Bob;;\n"
    rows = read(text, ["number=Phone", "name=Full name"]).rows
    assert [(r.line, r.number, r.name, r.attributes) for r in rows] == [
        (2, "+34612345678", "Ana Ruiz", {"Plan": "gold", "Debt": "120.50"}),
        (3, "+12125550100", "Bob", {})]
    assert rows[1].time_zones == ("America/New_York",)


def test_a_number_column_is_found_by_its_usual_names() -> None:
    rows = read("name,telephone\nAna,912345678\n").rows
    assert [r.number for r in rows] == ["+34912345678"]


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_kept() -> None:
    text = ("number,name\n"
            "612345678,ok\n"
            ",no number\n"
            "call me,letters\n"
            "+34 612 345 678,the same as line 2\n"
            "+33 1 23,too short\n"
            "+39 06 6982 0000,a country not allowed\n"
            "806 123 456,premium rate\n"
            "\n"
            "612000000,a,b\n")
    found = problems(text)
    lines = [line for line, _ in found]
    assert lines == [3, 4, 5, 6, 7, 8, 10]
    reasons = dict(found)
    assert reasons[3] == "no number"
    assert "'call me' is not a phone number" in reasons[4]
    assert reasons[5] == "+34612345678 is already on line 2 of this list"
    assert "not a valid phone number" in reasons[6]
    assert "allowed countries: ES, GB, US" in reasons[7]
    assert "premium_rate" in reasons[8]
    assert "3 fields for 2 columns" in reasons[10]


def test_the_message_names_the_file_the_lines_and_that_nothing_was_imported() -> None:
    with pytest.raises(ImportRejected) as info:
        read("number\n612345678\nabc\n")
    assert str(info.value).splitlines() == [
        "list.csv: line 3: 'abc' is not a phone number (only digits, an optional leading + "
        "and spaces or dashes are allowed in a number to dial)",
        "list.csv: nothing imported (1 bad row(s)); fix them and import the file again"]


def test_numbers_already_in_the_campaign_or_pending_elsewhere_are_refused() -> None:
    text = "number\n612345678\n612345679\n612345670\n"
    found = problems(text, in_campaign={"+34612345678"},
                     elsewhere={"+34612345679": "spring-sale"})
    assert [line for line, _ in found] == [2, 3]
    assert "is in this campaign already" in found[0][1]
    assert "still to be called by campaign spring-sale" in found[1][1]


def test_skip_duplicates_leaves_those_rows_out_and_says_which() -> None:
    text = "number\n612345678\n612345679\n612345670\n"
    result = read(text, in_campaign={"+34612345678"}, elsewhere={"+34612345679": "x"},
                  skip_duplicates=True)
    assert [r.number for r in result.rows] == ["+34612345670"]
    assert [line for line, _ in result.skipped] == [2, 3]


def test_a_list_without_a_number_column_says_how_to_map_one() -> None:
    found = problems("name,mobile\nAna,612345678\n")
    assert found == [(1, "no number column: name it number or phone, or map it "
                         "(--map number=COLUMN); columns: name, mobile")]


def test_a_mapping_to_a_missing_column_is_refused() -> None:
    found = problems("number\n612345678\n", mapping=["name=Nombre"])
    assert found[0][1].startswith("no column 'Nombre' (mapped to name)")


@pytest.mark.parametrize("item, message", [
    ("number", "write FIELD=COLUMN"),
    ("email=Mail", "unknown field 'email'"),
])
def test_a_bad_mapping_is_refused_in_words(item: str, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        ColumnMapping.parse([item])


def test_an_empty_file_has_no_header() -> None:
    assert problems("")[0][1].startswith("no header line")


def test_a_column_named_twice_is_refused() -> None:
    assert "named twice: plan" in problems("number,plan,plan\n612345678,a,b\n")[0][1]
