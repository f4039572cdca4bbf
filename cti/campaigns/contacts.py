"""Contact lists: a CSV file in, checked contacts out, or every bad row with its reason.

Pure (no database): the numbers already in the campaign and the numbers other
campaigns still have to call are passed in. Every row is checked before
anything is kept, so a list imports whole or not at all:

    mapping = ColumnMapping.parse(["number=Phone", "name=Full name"])
    contacts = read_contacts(text, mapping, policy, source="renewals.csv",
                             in_campaign=set(), elsewhere={})

Columns: ``number`` (required; the header ``number`` or ``phone`` unless mapped)
and ``name`` (optional) are the contact's; every other column is a free
attribute the screen-pop shows. Numbers are read with the centre's number
policy (``numbers:`` of cti.yaml) into E.164 with their time zones. A bad row
is reported with its line (the header is line 1) and why.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cti.campaigns.errors import ImportRejected
from cti.errors import BadRequest
from cti.numbers import NumberPolicy, NumberRefused

#: Columns the importer understands; the rest are attributes.
FIELDS = ("number", "name")
#: Header names taken for ``number`` when the mapping does not name one.
NUMBER_HEADERS = ("number", "phone", "telephone", "msisdn", "e164")
MAX_ROWS = 1_000_000
MAX_ATTRIBUTES = 50
MAX_VALUE = 500


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Our field -> the CSV column holding it."""

    columns: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, items: Iterable[str]) -> ColumnMapping:
        """``["number=Phone", "name=Full name"]`` (the CLI's ``--map``)."""
        out: dict[str, str] = {}
        for item in items:
            ours, sep, theirs = item.partition("=")
            ours, theirs = ours.strip(), theirs.strip()
            if not sep or not theirs:
                raise BadRequest(f"column mapping {item!r}: write FIELD=COLUMN, e.g. "
                                 "number=Phone")
            if ours not in FIELDS:
                raise BadRequest(f"column mapping {item!r}: unknown field {ours!r}; map "
                                 f"{' or '.join(FIELDS)} (other columns are kept as "
                                 "attributes)")
            if ours in out:
                raise BadRequest(f"column mapping: {ours} is mapped twice")
            out[ours] = theirs
        return cls(out)


@dataclass(frozen=True, slots=True)
class ContactRow:
    line: int
    number: str                       #: E.164
    time_zones: tuple[str, ...]
    name: str | None
    attributes: dict[str, str]


@dataclass(frozen=True, slots=True)
class ReadContacts:
    rows: list[ContactRow]
    #: (line, why) of rows left out on purpose (duplicates allowed to be skipped)
    skipped: list[tuple[int, str]]


def read_contacts(text: str, mapping: ColumnMapping, policy: NumberPolicy, *,
                  source: str, in_campaign: set[str], elsewhere: Mapping[str, str],
                  skip_duplicates: bool = False) -> ReadContacts:
    """Check every row of a CSV list.

    Args:
        in_campaign: E.164 numbers the campaign holds already.
        elsewhere: E.164 number -> the other campaign that still has to call it.
        skip_duplicates: numbers already in this campaign or pending in another are
            skipped (and listed) instead of refusing the list; duplicates within
            the list are always refused.

    Raises:
        ImportRejected: one or more bad rows (all of them listed); nothing is kept.
    """
    reader = _reader(text, source)
    header = next(reader, None)
    if header is None or not any(h.strip() for h in header):
        raise ImportRejected(source, [(1, "no header line: the first line must name the "
                                          "columns, e.g. number,name,...")])
    header = [h.strip() for h in header]
    index = _columns(header, mapping, source)
    attributes = [(i, h) for i, h in enumerate(header)
                  if i not in index.values() and h]
    if len(attributes) > MAX_ATTRIBUTES:
        raise ImportRejected(source, [(1, f"{len(attributes)} attribute columns; at most "
                                          f"{MAX_ATTRIBUTES}")])
    rows: list[ContactRow] = []
    problems: list[tuple[int, str]] = []
    skipped: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(rows) + len(problems) + len(skipped) >= MAX_ROWS:
            problems.append((line, f"more than {MAX_ROWS} rows; split the list"))
            break
        problem, row = _row(values, line, header, index, attributes, policy)
        if problem is not None:
            problems.append((line, problem))
            continue
        assert row is not None
        first = seen.get(row.number)
        if first is not None:
            problems.append((line, f"{row.number} is already on line {first} of this list"))
            continue
        seen[row.number] = line
        duplicate = (f"{row.number} is in this campaign already" if row.number in in_campaign
                     else f"{row.number} is still to be called by campaign "
                          f"{elsewhere[row.number]}" if row.number in elsewhere else None)
        if duplicate is not None:
            if skip_duplicates:
                skipped.append((line, duplicate))
            else:
                problems.append((line, duplicate + " (--skip-duplicates leaves such rows "
                                                   "out)"))
            continue
        rows.append(row)
    if problems:
        raise ImportRejected(source, problems)
    return ReadContacts(rows, skipped)


def _reader(text: str, source: str) -> csv.reader:  # type: ignore[valid-type]
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t|")
    except csv.Error:
        dialect = csv.excel
    if "\x00" in sample:
        raise ImportRejected(source, [(1, "not a text file (NUL bytes): save the list as "
                                          "CSV, UTF-8")])
    return csv.reader(io.StringIO(text), dialect)


def _columns(header: Sequence[str], mapping: ColumnMapping,
             source: str) -> dict[str, int]:
    """Our field -> its column index."""
    lower = [h.lower() for h in header]
    out: dict[str, int] = {}
    problems: list[tuple[int, str]] = []
    for ours in FIELDS:
        theirs = mapping.columns.get(ours)
        if theirs is not None:
            if theirs not in header:
                problems.append((1, f"no column {theirs!r} (mapped to {ours}); columns: "
                                    f"{', '.join(header)}"))
                continue
            out[ours] = header.index(theirs)
        elif ours == "number":
            found = next((lower.index(h) for h in NUMBER_HEADERS if h in lower), None)
            if found is None:
                problems.append((1, "no number column: name it number or phone, or map it "
                                    "(--map number=COLUMN); columns: " + ", ".join(header)))
                continue
            out[ours] = found
        elif ours in lower:
            out[ours] = lower.index(ours)
    duplicates = {h for h in header if h and header.count(h) > 1}
    if duplicates:
        problems.append((1, f"column(s) named twice: {', '.join(sorted(duplicates))}"))
    if problems:
        raise ImportRejected(source, problems)
    return out


def _row(values: Sequence[str], line: int, header: Sequence[str], index: Mapping[str, int],
         attributes: Sequence[tuple[int, str]],
         policy: NumberPolicy) -> tuple[str | None, ContactRow | None]:
    if len(values) > len(header):
        return f"{len(values)} fields for {len(header)} columns (a separator in a value " \
               "needs quotes)", None
    values = [*values, *([""] * (len(header) - len(values)))]
    text = values[index["number"]].strip()
    if not text:
        return "no number", None
    try:
        number = policy.check(text)
    except NumberRefused as exc:
        return exc.detail if exc.reason != "not-a-number" else \
            f"{text!r} is not a phone number ({exc.detail})", None
    attrs = {}
    for i, name in attributes:
        value = values[i].strip()
        if len(value) > MAX_VALUE:
            return f"column {name}: longer than {MAX_VALUE} characters", None
        if value:
            attrs[name] = value
    name_at = index.get("name")
    name = values[name_at].strip() or None if name_at is not None else None
    if name is not None and len(name) > MAX_VALUE:
        return f"name longer than {MAX_VALUE} characters", None
    return None, ContactRow(line, number.e164, number.time_zones, name, attrs)
