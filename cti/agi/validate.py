"""Checks across steps and flows that pydantic cannot make on one field.

Unknown step references, unreachable steps, menus and inputs with no way
out, loops that never wait for the caller, unknown variables, queues,
skills and flows. Every error reads ``FILE: STEP: FIELD: message``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from cti.agi.models import (
    INPUT_KINDS,
    TERMINAL_KINDS,
    CallbackStep,
    CaseStep,
    Flow,
    GotoStep,
    HttpStep,
    InputStep,
    LookupStep,
    MenuStep,
    PlayStep,
    QueueStep,
    SayStep,
    SetStep,
    SurveyStep,
    TransferStep,
    VoicemailStep,
    successors,
)
from cti.agi.outside import template_problem
from cti.cases.catalogue import classification_problems, entries_at
from cti.cases.model import CALL_TYPES
from cti.config import LEVELS, Catalogue

if TYPE_CHECKING:
    from cti.agi.loader import LoadedFlow
    from cti.numbers import NumberPolicy

#: Variables every flow has (from the agi_ environment and the service).
BUILTIN_VARS = frozenset({
    "caller_number", "caller_name", "dnid", "extension", "channel", "call_id",
    "interaction_id", "flow", "queue", "priority", "centre_mode",
})
#: Set by a lookup step (plus customer_attr_<name> for the customer's attributes).
CUSTOMER_VARS = frozenset({
    "customer_found", "customer_id", "customer_name", "customer_tier", "customer_value",
    "customer_open_cases",
})
CLASSIFICATION_FIELDS = ("topic", "reason", "sub_reason", "question", "call_type")
#: Set by a case step.
CASE_VARS = frozenset({"case_id", "case_linked"})

_TEMPLATE = re.compile(r"\$\{([^}]*)\}")


def template_vars(value: Any) -> set[str]:
    """Variable names used as ``${name}`` anywhere in a string, list or dict."""
    if isinstance(value, str):
        return set(_TEMPLATE.findall(value))
    if isinstance(value, dict):
        return set().union(*(template_vars(v) for v in value.values())) if value else set()
    if isinstance(value, list | tuple):
        return set().union(*(template_vars(v) for v in value)) if value else set()
    return set()


def vars_set_by(flow: Flow) -> set[str]:
    names: set[str] = set(flow.vars)
    for step in flow.steps.values():
        if isinstance(step, InputStep):
            names.add(step.var)
        elif isinstance(step, SetStep):
            names |= set(step.vars)
            names |= {f for f in CLASSIFICATION_FIELDS if getattr(step, f) is not None}
        elif isinstance(step, HttpStep):
            names |= set(step.map)
        elif isinstance(step, LookupStep):
            names |= CUSTOMER_VARS
        elif isinstance(step, SurveyStep):
            names.add("survey_score")
        elif isinstance(step, CaseStep):
            names |= CASE_VARS
    return names


def _known_vars(flows: Mapping[str, LoadedFlow]) -> dict[str, set[str]]:
    """Per flow: builtins, what it sets, and what any flow that goes to it sets."""
    known = {name: BUILTIN_VARS | vars_set_by(lf.flow) for name, lf in flows.items()}
    callers: dict[str, set[str]] = {name: set() for name in flows}
    for name, lf in flows.items():
        for step in lf.flow.steps.values():
            if isinstance(step, GotoStep) and step.flow in callers:
                callers[step.flow].add(name)
    changed = True
    while changed:
        changed = False
        for name in flows:
            before = len(known[name])
            for caller in callers[name]:
                known[name] |= known[caller]
            changed |= len(known[name]) != before
    return known


def _is_known(name: str, known: set[str]) -> bool:
    return name in known or (name.startswith("customer_attr_") and "customer_found" in known)


def check_flows(flows: Mapping[str, LoadedFlow], *, queues: set[str] | None = None,
                skills: set[str] | None = None,
                policy: NumberPolicy | None = None,
                catalogue: Catalogue | None = None) -> list[str]:
    """Return the error lines for a set of parsed flows (empty when all is well).

    ``policy`` checks the outside numbers flows transfer to (cti.yaml numbers:). With
    a catalogue that has topics, classifications must name its entries and call
    types must be the case call types.
    """
    known = _known_vars(flows)
    errors: list[str] = []
    for name, lf in flows.items():
        errors += [f"{lf.path.name}: {where}: {message}"
                   for where, message in _check_flow(lf.flow, flows, known[name], queues, skills)]
        errors += [f"{lf.path.name}: {where}: {message}"
                   for where, message in _check_outside(lf.flow, policy)]
        if catalogue is not None and catalogue.topics:
            errors += [f"{lf.path.name}: {sid}: {field}: {message}"
                       for sid, step in lf.flow.steps.items()
                       for field, message in _check_classification(step, catalogue)]
    errors += _check_loops(flows)
    return errors


def check_entries(flows: Mapping[str, object], *, numbers: Mapping[str, str],
                  default_flow: str, survey_flow: str) -> list[str]:
    """The flows cti.yaml starts (ivr.numbers, default_flow, survey_flow) must exist."""
    known = ", ".join(sorted(flows))
    errors = [f"cti.yaml: ivr.numbers.{number}: no flow named {flow!r}; flows: {known}"
              for number, flow in numbers.items() if flow not in flows]
    for field, flow in (("default_flow", default_flow), ("survey_flow", survey_flow)):
        if flow not in flows:
            errors.append(f"cti.yaml: ivr.{field}: no flow named {flow!r}; flows: {known}")
    return errors


def _check_outside(flow: Flow, policy: NumberPolicy | None) -> Iterator[tuple[str, str]]:
    """What leaves Asterisk: one dial destination, one mailbox, numbers the policy allows."""
    from cti.numbers import NumberRefused

    for sid, step in flow.steps.items():
        if isinstance(step, CallbackStep) and step.on_invalid is None:
            yield (f"{sid}: on_invalid", "a callback needs on_invalid: where a caller whose "
                   "number cannot be called back goes (voicemail, a queue, a hangup)")
        if isinstance(step, TransferStep) and step.target is not None:
            problem = template_problem(step.target, "target")
            if problem:
                yield f"{sid}: target", problem
        if isinstance(step, TransferStep) and step.number is not None \
                and "${" not in step.number and policy is not None:
            try:
                policy.check(step.number)
            except NumberRefused as exc:
                yield f"{sid}: number", str(exc)
        if isinstance(step, VoicemailStep):
            problem = template_problem(step.mailbox, "mailbox")
            if problem:
                yield f"{sid}: mailbox", problem


def _check_classification(step: Any, catalogue: Catalogue) -> Iterator[tuple[str, str]]:
    """A set step's classification (or a case step's topic) against the catalogue."""
    if not isinstance(step, SetStep | CaseStep):
        return
    if isinstance(step, SetStep):
        given = {level: getattr(step, level) for level in LEVELS
                 if getattr(step, level) is not None}
    else:
        given = {"topic": step.topic} if step.topic is not None else {}
    call_type = getattr(step, "call_type", None)
    if call_type is not None and call_type not in CALL_TYPES:
        yield "call_type", (f"{call_type!r} is not a call type; use {', '.join(CALL_TYPES)} "
                            "(or leave it to the agent)")
    for level, value in given.items():
        if "${" in value:
            yield level, ("a classification names catalogue entries; a ${variable} cannot "
                          "be checked: keep the value in vars")
            return
    if not given:
        return
    if "topic" in given:
        for level, message in classification_problems(
                catalogue, {lv: given.get(lv) for lv in LEVELS}):
            yield level, message.removeprefix(f"{level} ")
        return
    first = next(lv for lv in LEVELS if lv in given)  # the levels above come from earlier steps
    if given[first] not in entries_at(catalogue, first):
        yield first, (f"{given[first]!r} is no {first.replace('_', '-')} of any topic in the "
                      "catalogue")


def _check_flow(flow: Flow, flows: Mapping[str, LoadedFlow], known: set[str],
                queues: set[str] | None, skills: set[str] | None) -> Iterator[tuple[str, str]]:
    steps = flow.steps
    if flow.start not in steps:
        yield "start", f"no step named {flow.start!r}; steps: {_names(steps)}"
    for sid, step in steps.items():
        for field, target in successors(step).items():
            if target not in steps:
                yield f"{sid}: {field}", f"no step named {target!r}; steps: {_names(steps)}"
        yield from _check_step(sid, step, flows, known, queues, skills)
    yield from _check_reachable(flow, flows)
    yield from _check_exits(flow)


def _check_step(sid: str, step: Any, flows: Mapping[str, LoadedFlow], known: set[str],
                queues: set[str] | None, skills: set[str] | None) -> Iterator[tuple[str, str]]:
    if isinstance(step, MenuStep):
        if not step.options:
            yield f"{sid}: options", "a menu needs at least one digit option"
        if step.on_fail is None:
            yield (f"{sid}: on_fail", "menu has no way out after the last retry; "
                   "set on_fail to a step (a queue, a hangup)")
    if isinstance(step, InputStep):
        if step.on_fail is None:
            yield (f"{sid}: on_fail", "input has no way out after the last retry; "
                   "set on_fail to a step")
        if step.min_digits > step.max_digits:
            yield f"{sid}: min_digits", f"is more than digits ({step.max_digits})"
    if isinstance(step, GotoStep):
        target = flows.get(step.flow)
        if target is None:
            yield f"{sid}: flow", f"no flow named {step.flow!r}; flows: {_names(flows)}"
        elif step.step is not None and step.step not in target.flow.steps:
            yield f"{sid}: step", f"flow {step.flow!r} has no step {step.step!r}"
    if isinstance(step, QueueStep | CallbackStep) and queues is not None \
            and step.queue not in queues:
        yield f"{sid}: queue", f"no queue named {step.queue!r}; queues: {_names(queues)}"
    step_skills = getattr(step, "skills", None) or {}
    if skills is not None:
        for skill in step_skills:
            if skill not in skills:
                yield f"{sid}: skills.{skill}", (f"unknown skill {skill!r}; "
                                                 f"skills: {_names(skills)}")
    for skill, level in step_skills.items():
        if not 1 <= level <= 10:
            yield f"{sid}: skills.{skill}", f"level {level} is not between 1 and 10"
    for field, names in _used_vars(step).items():
        for var in sorted(names):
            if not _is_known(var, known):
                yield f"{sid}: {field}", (f"unknown variable {var!r}: no step sets it "
                                          "(set, input, http map, lookup) and it is not built in")


def _used_vars(step: Any) -> dict[str, set[str]]:
    """Variables a step reads, by field."""
    used: dict[str, set[str]] = {}
    if hasattr(step, "cases"):
        for i, case in enumerate(step.cases):
            used[f"cases.{i}.when"] = case.when.variables()
    if isinstance(step, LookupStep) and step.var:
        used["var"] = {step.var}
    fields = {
        PlayStep: ("prompts",), MenuStep: ("prompt",), InputStep: ("prompt",),
        SetStep: ("vars",), SayStep: ("items",), HttpStep: ("url", "body", "headers"),
        TransferStep: ("target", "number"), VoicemailStep: ("mailbox",),
        CallbackStep: ("number",),
        QueueStep: ("prompt",), SurveyStep: ("prompt",),
    }.get(type(step), ())
    for field in fields:
        value = getattr(step, field)
        if field == "items":
            value = [item.value for item in value]
        names = template_vars(value)
        if names:
            used[field] = names
    return used


def _check_reachable(flow: Flow, flows: Mapping[str, LoadedFlow]) -> Iterator[tuple[str, str]]:
    entries = {flow.start}
    for other in flows.values():      # a goto may enter at a named step
        for step in other.flow.steps.values():
            if isinstance(step, GotoStep) and step.step and other.flow is not flow \
                    and flows.get(step.flow) is not None and flows[step.flow].flow is flow:
                entries.add(step.step)
    seen: set[str] = set()
    todo = [e for e in entries if e in flow.steps]
    while todo:
        sid = todo.pop()
        if sid in seen:
            continue
        seen.add(sid)
        todo += [t for t in successors(flow.steps[sid]).values() if t in flow.steps]
    for sid in flow.steps:
        if sid not in seen:
            yield f"{sid}: type", f"unreachable: no step leads to it from start {flow.start!r}"


def _check_exits(flow: Flow) -> Iterator[tuple[str, str]]:
    """Menus and inputs from which no path leads out of the flow (all ways loop back)."""
    into: dict[str, set[str]] = {sid: set() for sid in flow.steps}
    for sid, step in flow.steps.items():
        for target in successors(step).values():
            if target in into:
                into[target].add(sid)
    can_leave = {sid for sid, step in flow.steps.items()
                 if step.type in TERMINAL_KINDS or (isinstance(step, SurveyStep)
                                                    and step.next is None)}
    todo = list(can_leave)
    while todo:
        for source in into[todo.pop()]:
            if source not in can_leave:
                can_leave.add(source)
                todo.append(source)
    for sid, step in flow.steps.items():
        if sid not in can_leave and step.type in INPUT_KINDS:
            yield (f"{sid}: type", "no way out: every path from this step loops back; "
                   "lead one option or on_fail to a queue, transfer, voicemail, callback, "
                   "goto or hangup")


def _check_loops(flows: Mapping[str, LoadedFlow]) -> list[str]:
    """Cycles through steps that never wait for a digit: a caller would go round forever."""
    graph: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for name, lf in flows.items():
        for sid, step in lf.flow.steps.items():
            if step.type in INPUT_KINDS:
                continue
            nexts = [(name, t) for t in successors(step).values()]
            if isinstance(step, GotoStep) and step.flow in flows:
                target = flows[step.flow].flow
                nexts.append((step.flow, step.step or target.start))
            graph[(name, sid)] = [n for n in nexts if n in graph or _plain(flows, n)]
    errors = []
    for component in _cycles(graph):
        first = min(component)
        path = " -> ".join(f"{f}.{s}" for f, s in _order(component, graph, first))
        lf = flows[first[0]]
        errors.append(f"{lf.path.name}: {first[1]}: next: loop with no input ({path}); "
                      "a caller would go round forever: put a menu or input in it")
    return errors


def _plain(flows: Mapping[str, LoadedFlow], node: tuple[str, str]) -> bool:
    flow = flows.get(node[0])
    step = flow.flow.steps.get(node[1]) if flow else None
    return step is not None and step.type not in INPUT_KINDS


def _cycles(graph: Mapping[tuple[str, str], list[tuple[str, str]]]) -> list[set[tuple[str, str]]]:
    """Strongly connected components that contain a cycle (Tarjan, iterative)."""
    index: dict[Any, int] = {}
    low: dict[Any, int] = {}
    on_stack: set[Any] = set()
    stack: list[Any] = []
    found: list[set[Any]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph.get(root, [])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, []))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, []):
                    found.append(component)
    return found


def _order(component: set[Any], graph: Mapping[Any, list[Any]], first: Any) -> list[Any]:
    """Walk the cycle from ``first`` inside the component, for the message."""
    path, node = [first], first
    for _ in range(len(component)):
        node = next(n for n in graph[node] if n in component)
        path.append(node)
        if node == first:
            break
    return path


def _names(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))
