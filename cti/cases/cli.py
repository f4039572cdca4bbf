"""``cti case show|list|note|close`` and ``cti customer show|find|add``.

They talk to the running service over its REST API (cases change only
through the service's event stream), print tables people can read, and turn
every refusal into one line.
"""

from __future__ import annotations

import argparse
from typing import Any

from cti.cli_args import add_service_options
from cti.errors import BadRequest
from cti.service_client import call
from cti.table import printable, render_table


def add_commands(sub: argparse._SubParsersAction) -> None:
    case = sub.add_parser("case", help="cases: show, list, add a note, close")
    case_sub = case.add_subparsers(dest="case_command", metavar="ACTION", required=True)

    show = case_sub.add_parser("show", help="a case with its notes, derivations and contacts")
    show.add_argument("case_id")
    _common(show)
    show.set_defaults(func=_case_show)

    listing = case_sub.add_parser("list", help="cases, newest first")
    listing.add_argument("--customer", help="a customer id")
    listing.add_argument("--status", choices=["open", "pending", "closed", "active"],
                         help="active: open or pending")
    listing.add_argument("--unit")
    listing.add_argument("--owner")
    listing.add_argument("--limit", type=int, default=50)
    _common(listing)
    listing.set_defaults(func=_case_list)

    note = case_sub.add_parser("note", help="add a note (notes are never changed)")
    note.add_argument("case_id")
    note.add_argument("text")
    note.add_argument("--by", required=True, help="who writes it (agent or user id)")
    _common(note)
    note.set_defaults(func=_case_note)

    close = case_sub.add_parser("close", help="close a case (needs its four levels)")
    close.add_argument("case_id")
    close.add_argument("--by", required=True, help="who closes it (agent or user id)")
    close.add_argument("--resolution", help="what was done")
    _common(close)
    close.set_defaults(func=_case_close)

    customer = sub.add_parser("customer", help="customers: show, find, add")
    customer_sub = customer.add_subparsers(dest="customer_command", metavar="ACTION",
                                           required=True)
    cshow = customer_sub.add_parser("show", help="a customer and its open cases")
    cshow.add_argument("customer_id")
    _common(cshow)
    cshow.set_defaults(func=_customer_show)

    find = customer_sub.add_parser("find", help="by phone, account, document or name")
    key = find.add_mutually_exclusive_group(required=True)
    key.add_argument("--phone")
    key.add_argument("--account")
    key.add_argument("--document")
    key.add_argument("--name", help="part of the name")
    _common(find)
    find.set_defaults(func=_customer_find)

    add = customer_sub.add_parser("add", help="create a customer")
    add.add_argument("name")
    add.add_argument("--phone", action="append", default=[], help="repeat for several")
    add.add_argument("--account")
    add.add_argument("--document")
    add.add_argument("--tier", default="standard")
    add.add_argument("--by", default="cli", help="who creates it")
    _common(add)
    add.set_defaults(func=_customer_add)


def _common(parser: argparse.ArgumentParser) -> None:
    add_service_options(parser)


def _request(args: argparse.Namespace, method: str, path: str, body: Any = None) -> Any:
    return call(args, method, path, body)


# --- cases ------------------------------------------------------------------------------


def _case_show(args: argparse.Namespace) -> int:
    case = _request(args, "GET", f"/api/v1/cases/{_case_id(args)}")
    print(printable(format_case(case), keep_newlines=True))
    return 0


#: A whole case id (a UUID) is this long; shorter is a prefix, looked up among the newest.
_ID_LENGTH, _PREFIX_SEARCH = 36, 500


def _case_id(args: argparse.Namespace) -> str:
    """The case's whole id from the first characters of it (``cti case list`` shows them)."""
    given = args.case_id.strip()
    if len(given) >= _ID_LENGTH:
        return given
    if not given:
        raise BadRequest("give a case id, or its first characters (`cti case list`)")
    cases = _request(args, "GET", f"/api/v1/cases?limit={_PREFIX_SEARCH}")
    found = sorted({str(c["id"]) for c in cases if str(c["id"]).startswith(given)})
    if len(found) == 1:
        return found[0]
    if not found:
        raise BadRequest(f"none of the {_PREFIX_SEARCH} newest cases has an id starting with "
                         f"{given!r}; give the whole id")
    raise BadRequest(f"{len(found)} cases start with {given!r} ({', '.join(found[:5])}); "
                     "give more characters")


def _case_list(args: argparse.Namespace) -> int:
    query = {k: v for k, v in (("customer", args.customer), ("status", args.status),
                               ("unit", args.unit), ("owner", args.owner),
                               ("limit", str(args.limit))) if v}
    path = "/api/v1/cases?" + "&".join(f"{k}={_q(v)}" for k, v in query.items())
    cases = _request(args, "GET", path)
    if not cases:
        print("no cases")
        return 0
    print(render_table(["case", "status", "opened", "customer", "classification", "unit",
                        "owner"],
                       [[c["id"], c["status"], _when(c["opened_at"]), c["customer_id"][:8],
                         _levels(c), c["unit"] or "-", c["owner"] or "-"] for c in cases]))
    return 0


def _case_note(args: argparse.Namespace) -> int:
    args.case_id = _case_id(args)
    note = _request(args, "POST", f"/api/v1/cases/{args.case_id}/notes",
                    {"text": args.text, "by": args.by})
    print(printable(_stored(note, f"note {note.get('id')} added to case {args.case_id}")))
    return 0


def _case_close(args: argparse.Namespace) -> int:
    args.case_id = _case_id(args)
    case = _request(args, "POST", f"/api/v1/cases/{args.case_id}/status",
                    {"status": "closed", "by": args.by, "resolution": args.resolution})
    print(printable(_stored(case, f"case {args.case_id} closed ({case.get('call_type')})")))
    return 0


def format_case(case: dict[str, Any]) -> str:
    customer = case.get("customer") or {}
    follow = f"   follow-up {_when(case['follow_up_at'])}" if case.get("follow_up_at") else ""
    lines = [
        f"case {case['id']}   {case['status'].upper()}   call type "
        f"{case.get('call_type') or '-'}",
        f"customer: {customer.get('name', '-')} ({case['customer_id']})",
        f"opened {_when(case['opened_at'])} by {case['opened_by']}   unit "
        f"{case['unit'] or '-'}   owner {case['owner'] or '-'}{follow}",
        f"classification: {_levels(case)}",
    ]
    missing = case["classification"]["missing"]
    if missing:
        lines.append(f"  missing before it can close: {', '.join(missing)}")
    if case["classification"].get("answer"):
        lines.append(f"  answer: {case['classification']['answer']}")
    if case["status"] == "closed":
        lines.append(f"closed {_when(case['closed_at'])} by {case['closed_by']}: "
                     f"{case.get('resolution') or '-'}")
    if case["derivations"]:
        lines += ["", render_table(
            ["derivation", "unit", "reason", "answer"],
            [[d["id"][:8], d["unit"], d["reason"], d["answer"] or "(waiting)"]
             for d in case["derivations"]])]
    if case["interactions"]:
        lines += ["", render_table(
            ["contact", "when", "channel", "queue", "agent", "outcome"],
            [[i["id"][:8], _when(i["created_at"]), i["channel"], i["queue"] or "-",
              i["agent_id"] or "-", i["outcome"] or "-"] for i in case["interactions"]])]
    if case["notes"]:
        lines += ["", "notes:"] + [f"  {_when(n['at'])} {n['author']}: {n['text']}"
                                   for n in case["notes"]]
    if case["attachments"]:
        lines += ["", render_table(
            ["attachment", "name", "type", "bytes"],
            [[a["id"][:8], a["name"], a["content_type"], a["size"]]
             for a in case["attachments"]])]
    return "\n".join(lines)


# --- customers ------------------------------------------------------------------------


def _customer_show(args: argparse.Namespace) -> int:
    customer = _request(args, "GET", f"/api/v1/customers/{args.customer_id}")
    print(printable(f"{customer['name']} ({customer['id']})   tier {customer['tier']}"))
    print(printable(f"phones: {', '.join(customer['phones']) or '-'}   account "
                    f"{customer['account_number'] or '-'}   document "
                    f"{customer['document'] or '-'}"))
    cases = customer["open_cases"]
    if cases:
        print()
        print(render_table(["open case", "status", "opened", "classification", "owner"],
                           [[c["id"], c["status"], _when(c["opened_at"]), _levels(c),
                             c["owner"] or "-"] for c in cases]))
    else:
        print("no open cases")
    return 0


def _customer_find(args: argparse.Namespace) -> int:
    key, value = next((k, v) for k in ("phone", "account", "document", "name")
                      if (v := getattr(args, k)))
    found = _request(args, "GET", f"/api/v1/customers?{key}={_q(value)}")
    if not found:
        print(printable(f"no customer with {key} {value!r}"))
        return 0
    print(render_table(["customer", "name", "tier", "phones", "account", "document"],
                       [[c["id"], c["name"], c["tier"], ", ".join(c["phones"]) or "-",
                         c["account_number"] or "-", c["document"] or "-"] for c in found]))
    return 0


def _customer_add(args: argparse.Namespace) -> int:
    if not args.name.strip():
        raise BadRequest("a customer needs a name")
    customer = _request(args, "POST", "/api/v1/customers", {
        "name": args.name, "phones": args.phone, "account_number": args.account,
        "document": args.document, "tier": args.tier, "by": args.by})
    print(printable(_stored(customer, f"customer {customer.get('id')} created: {args.name}")))
    return 0


# --- formatting --------------------------------------------------------------------------


def _levels(case: dict[str, Any]) -> str:
    levels = [case.get(k) for k in ("topic", "reason", "sub_reason", "question")]
    given = [str(v) for v in levels if v]
    return " > ".join(given) if given else "-"


def _when(text: str | None) -> str:
    return "-" if not text else text[:16].replace("T", " ")


def _stored(reply: dict[str, Any], done: str) -> str:
    if reply.get("stored") is False:
        return f"accepted, not stored yet (event {reply.get('seq')}): {reply.get('message')}"
    return done


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
