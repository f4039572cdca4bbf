"""catalogue.yaml, units.yaml and dispositions: the shipped files load; each mistake
gets one line naming the file and the path."""

from __future__ import annotations

from pathlib import Path

import pytest
from shipped_config import SHIPPED, edit, load_errors

from cti.config import load_config


def test_shipped_catalogue_units_and_dispositions_load() -> None:
    config = load_config(SHIPPED)
    assert list(config.catalogue.topics) == ["bookings", "changes", "billing", "complaints",
                                             "general"]
    assert config.catalogue.answer("changes", "cancellation", "by the customer",
                                   "refund time").startswith("Refunds reach the card")
    assert config.default_unit == "agents"
    assert config.units["complaints"].kind == "complaints"
    complaints = config.queues["complaints"]
    assert complaints.wrapup_requires_disposition
    assert complaints.disposition("complaint-filed").name == "Complaint filed and derived"
    # a queue without its own list takes the file's
    assert [d.code for d in config.queues["billing"].dispositions][:2] == ["resolved",
                                                                           "info-given"]
    assert config.service.cases.fcr_days == 7


def test_without_catalogue_and_units_files_cases_take_any_words(config_dir: Path) -> None:
    (config_dir / "catalogue.yaml").unlink()
    (config_dir / "units.yaml").unlink()
    config = load_config(config_dir)
    assert config.catalogue.topics == {} and config.units == {}
    assert config.default_unit is None


BAD = [
    ("catalogue.yaml", "          hotel only:\n", "          hotel only: {}\n          x:\n",
     "catalogue.yaml: topics.bookings.reasons.new booking.sub_reasons.hotel only.questions: "
     "required field is missing"),
    ("catalogue.yaml", "  general:\n", "  General Info:\n",
     "catalogue.yaml: topics: 'General Info' is not a catalogue key: use "
     "lower-case words (a-z, 0-9, spaces, - _ . ' /), at most 80 characters, e.g. "
     "'new booking'"),
    ("units.yaml", "members: [s2001]", "members: [s2009]",
     "units.yaml: units[1].members[0]: no agent with id 's2009' in agents.yaml (members of a "
     "supervisors unit are agents)"),
    ("units.yaml", "members: [a1005, a1009, s2001]", "members: [a1005, zz99]",
     "units.yaml: units[2].members[1]: no agent with id 'zz99' in agents.yaml (members of a "
     "complaints unit are agents)"),
    ("units.yaml", "default_unit: agents", "default_unit: sales",
     "units.yaml: default_unit: no unit named 'sales'; known: agents, complaints, finance, "
     "operations, supervisors"),
    ("units.yaml", "    kind: pool\n", "    kind: team\n",
     "units.yaml: units[0].kind: must be 'pool', 'supervisors', 'complaints' or "
     "'department'"),
    ("queues.yaml", "  - {code: derived, name: Derived to a unit}",
     "  - {code: resolved, name: again}",
     "queues.yaml: dispositions: duplicate disposition code 'resolved'"),
    ("cti.yaml", "content_types: [application/pdf,", "content_types: [pdf,",
     "cti.yaml: cases.attachments.content_types: 'pdf' is not a content type "
     "like application/pdf"),
    ("cti.yaml", "  fcr_days: 7", "  fcr_days: 0",
     "cti.yaml: cases.fcr_days: must be 1 or more"),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"),
                         BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_a_mistake_gets_one_line_naming_file_and_path(
        config_dir: Path, name: str, old: str, new: str, expected: str) -> None:
    edit(config_dir, name, old, new)
    assert load_errors(config_dir) == [expected]


def test_a_question_without_its_answer_is_named_with_the_allowed_fields(
        config_dir: Path) -> None:
    edit(config_dir, "catalogue.yaml", "              when are you open:\n                answer:",
          "              when are you open:\n                anser:")
    assert load_errors(config_dir) == [
        "catalogue.yaml: topics.general.reasons.information.sub_reasons.opening hours."
        "questions.when are you open.answer: required field is missing",
        "catalogue.yaml: topics.general.reasons.information.sub_reasons.opening hours."
        "questions.when are you open.anser: unknown field 'anser'; allowed: answer, name"]


def test_a_queue_waiting_for_a_disposition_needs_dispositions(config_dir: Path) -> None:
    text = (config_dir / "queues.yaml").read_text()
    start = text.index("\n# Wrap-up codes of every queue")
    end = text.index("\nqueues:")
    text = text[:start] + text[end:]
    text = text.replace("""    wrapup_requires_disposition: true
    dispositions:
      - {code: complaint-filed, name: Complaint filed and derived}
      - {code: complaint-resolved, name: Resolved on the call}
      - {code: complaint-follow-up, name: Follow-up of an open complaint}
      - {code: improper, name: Improper call}
""", "    wrapup_requires_disposition: true\n")
    (config_dir / "queues.yaml").write_text(text)
    assert load_errors(config_dir) == [
        "queues.yaml: queues[3].wrapup_requires_disposition: the queue has no dispositions "
        "to give; list them under dispositions (in the queue or at the top of the file)"]
