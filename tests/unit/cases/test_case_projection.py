"""The rows of case and customer events, and their registration with cti.records."""

from __future__ import annotations

import subprocess
import sys
import uuid

from cti.cases import events as ce
from cti.cases.model import UNIDENTIFIED_CUSTOMER_ID
from cti.records import project
from cti.store.rows import Append, Update, Upsert, compact

CASE = str(uuid.uuid4())


def test_importing_the_case_events_registers_their_projections() -> None:
    """A producer imports cti.cases.events; that alone must make the recorder store rows."""
    code = ("import cti.records, cti.cases.events as ce; "
            f"e = ce.CaseOpened(seq=1, at=0.0, case_id='{CASE}'); "
            "assert cti.records.project(e), 'no projection'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_a_case_opened_without_a_customer_belongs_to_the_unidentified_one() -> None:
    [op] = project(ce.CaseOpened(seq=1, at=0.0, case_id=CASE, opened_by="a1", topic="x"))
    assert isinstance(op, Upsert) and op.table == "cases"
    assert str(op.create["customer_id"]) == UNIDENTIFIED_CUSTOMER_ID
    assert op.set["topic"] == "x" and "reason" not in op.set


def test_a_derivation_and_its_answer_count_in_one_batch() -> None:
    d = str(uuid.uuid4())
    ops = [*project(ce.CaseDerived(seq=1, at=0.0, case_id=CASE, derivation_id=d,
                                   unit="finance", reason="r", by="a1")),
           *project(ce.CaseDerivationAnswered(seq=2, at=1.0, case_id=CASE, derivation_id=d,
                                              unit="finance", answer="ok", by="f"))]
    batch = compact(ops)
    [case] = batch.rows["cases"].values()
    assert case.add == {"open_derivations": 0.0}
    assert [type(op) for op in ops] == [Append, Update, Update, Update]


def test_a_customer_s_phones_keep_their_digits() -> None:
    [op] = project(ce.CustomerCreated(seq=1, at=0.0, customer_id=CASE, name="Ana",
                                      phones=("+34 600 11 22 33", "none")))
    assert op.set["phones"] == [{"number": "+34 600 11 22 33", "digits": "34600112233",
                                 "label": None}]
