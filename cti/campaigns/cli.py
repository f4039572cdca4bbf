"""``cti campaign create|import|start|pause|stop|status|dnc``.

They talk to the running service over its REST API (campaigns change only through
the service), print what people can read, and turn every refusal into one line
per problem (a CSV list's bad rows each with its line).

    cti campaign create renewals.yaml
    cti campaign import renewals customers.csv --map number=Phone --map name="Full name"
    cti campaign start renewals
    cti campaign status [renewals]
    cti campaign dnc 612345678 699000111 [--campaign renewals] [--file numbers.txt]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cti.cli_args import add_service_options
from cti.errors import BadRequest, ConfigError
from cti.service_client import call
from cti.table import printable, render_table


def add_commands(sub: argparse._SubParsersAction) -> None:
    campaign = sub.add_parser("campaign", help="outbound campaigns: create, import a list, "
                                               "start, pause, stop, status")
    actions = campaign.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)

    create = actions.add_parser(
        "create", help="create a campaign from a YAML (or JSON) definition",
        description="Create a campaign (status created) from a definition file; see "
                    "docs/outbound.md for every field. Every problem is one line.")
    create.add_argument("file", type=Path, help="the definition, e.g. renewals.yaml")
    create.add_argument("--by", default="cli", help="who creates it")
    add_service_options(create)
    create.set_defaults(func=_create)

    imp = actions.add_parser(
        "import", help="import a CSV contact list (all rows or none)",
        description="Every row is checked (the number read into E.164 with the centre's "
                    "number rules, duplicates within the list, the campaign and the other "
                    "live campaigns); a list with bad rows is refused whole, each bad row "
                    "with its line and why. Columns other than number and name are kept "
                    "as attributes the screen-pop shows.")
    imp.add_argument("name", help="the campaign")
    imp.add_argument("file", type=Path, help="the CSV file (UTF-8; , ; tab or | separated)")
    imp.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                     help="which column holds number or name (default: a column named "
                          "number or phone, and name)")
    imp.add_argument("--skip-duplicates", action="store_true",
                     help="leave out numbers already in the campaign or pending in another "
                          "(they are listed) instead of refusing the list")
    imp.add_argument("--by", default="cli")
    add_service_options(imp)
    imp.set_defaults(func=_import)

    for name, text in (("start", "start dialing (or resume a paused campaign)"),
                       ("pause", "stop placing new calls for now (calls under way go on)"),
                       ("stop", "stop for good (calls under way end normally)")):
        p = actions.add_parser(name, help=text)
        p.add_argument("name", help="the campaign")
        if name != "start":
            p.add_argument("--reason", help="why (kept with the campaign's status)")
        p.add_argument("--by", default="cli")
        add_service_options(p)
        p.set_defaults(func=_action, action=name)

    status = actions.add_parser("status", help="campaigns, or one in detail with its pacing")
    status.add_argument("name", nargs="?", help="one campaign (default: all)")
    status.add_argument("--json", action="store_true", help="print the raw JSON")
    add_service_options(status)
    status.set_defaults(func=_status)

    dnc = actions.add_parser("dnc", help="add numbers to a do-not-call list",
                             description="Add numbers to the system's do-not-call list (or "
                                         "a campaign's with --campaign); they are checked at "
                                         "dial time, so a number added now is never called.")
    dnc.add_argument("numbers", nargs="*", help="phone numbers")
    dnc.add_argument("--file", type=Path, help="a file of numbers, one a line (or a CSV "
                                                "whose first column is the number)")
    dnc.add_argument("--campaign", help="the campaign's own list (default: the system's)")
    dnc.add_argument("--by", default="cli")
    add_service_options(dnc)
    dnc.set_defaults(func=_dnc)


def _path(name: str) -> str:
    return quote(name, safe="")


def _create(args: argparse.Namespace) -> int:
    from cti.yaml_files import parse_yaml

    text = _read(args.file)
    try:
        definition = parse_yaml(text, args.file.name)
    except ConfigError as exc:
        raise BadRequest(str(exc)) from None
    if not isinstance(definition, dict):
        raise BadRequest(f"{args.file}: a campaign definition is a mapping of field: value")
    result = call(args, "POST", f"/api/v1/campaigns?by={quote(args.by)}", definition)
    d = result["definition"]
    print(f"campaign {printable(result['campaign'])} created ({d['mode']}"
          + (f", queue {d['queue']}" if d.get("queue") else "")
          + f", caller id {d['caller_id']}); next: `cti campaign import "
          f"{result['campaign']} LIST.csv`, then `cti campaign start {result['campaign']}`")
    return 0


def _import(args: argparse.Namespace) -> int:
    text = _read(args.file)
    body = {"csv": text, "map": args.map, "source": args.file.name,
            "skip_duplicates": args.skip_duplicates, "by": args.by}
    result = call(args, "POST", f"/api/v1/campaigns/{_path(args.name)}/contacts", body)
    print(f"{args.file}: {result['imported']} contact(s) imported into {args.name}"
          + (f", {result['skipped']} duplicate(s) left out:" if result["skipped"] else ""))
    for row in result.get("skipped_rows", []):
        print(printable(f"  line {row['line']}: {row['reason']}"))
    return 0


def _action(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"by": args.by}
    if getattr(args, "reason", None):
        body["reason"] = args.reason
    result = call(args, "POST", f"/api/v1/campaigns/{_path(args.name)}/{args.action}", body)
    print(f"campaign {printable(result['campaign'])}: {result['status']}")
    return 0


def _status(args: argparse.Namespace) -> int:
    if args.name:
        found = call(args, "GET", f"/api/v1/campaigns/{_path(args.name)}")
        if args.json:
            print(json.dumps(found, indent=2))
            return 0
        print(printable(format_detail(found), keep_newlines=True))
        return 0
    found = call(args, "GET", "/api/v1/campaigns")
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    if not found:
        print("no campaign yet; `cti campaign create FILE` makes one")
        return 0
    print(render_table(_COLUMNS, [_row(c) for c in found]))
    return 0


def _dnc(args: argparse.Namespace) -> int:
    numbers = list(args.numbers)
    if args.file is not None:
        for line in _read(args.file).splitlines():
            first = line.split(",")[0].split(";")[0].strip()
            if first and first.lower() not in ("number", "phone"):
                numbers.append(first)
    if not numbers:
        raise BadRequest("give numbers, or --file with one number a line")
    path = f"/api/v1/campaigns/{_path(args.campaign)}/dnc" if args.campaign else "/api/v1/dnc"
    result = call(args, "POST", path, {"numbers": numbers, "by": args.by,
                                       "source": args.file.name if args.file else "cli"})
    print(f"{result['added']} number(s) added to the {result['scope']} do-not-call list"
          + (f" ({result['already']} were on it)" if result["already"] else ""))
    return 0


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadRequest(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise BadRequest(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise BadRequest(f"{path}: cannot read it: {exc.strerror}") from None


_COLUMNS = ["campaign", "status", "mode", "queue", "pending", "done", "failed", "lines",
            "answer", "abandon"]


def _row(c: dict[str, Any]) -> list[str]:
    contacts = c.get("contacts") or {}
    live = c.get("live") or {}
    abandon = live.get("abandon") or {}
    rate = abandon.get("rate")
    return [c["campaign"], c["status"], c.get("mode") or "-", c.get("queue") or "-",
            str(contacts.get("pending", 0) + contacts.get("dialing", 0)),
            str(contacts.get("done", 0)),
            str(contacts.get("failed", 0) + contacts.get("dnc", 0)),
            f"{live['lines_in_use']}/{live['max_lines']}" if live else "-",
            _pct(live.get("answer_rate")),
            f"{_pct(rate)} of {_pct(abandon.get('limit'))}" if abandon else "-"]


def _pct(value: Any) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def format_detail(c: dict[str, Any]) -> str:
    d = c.get("definition") or {}
    lines = [f"campaign {c['campaign']}: {c['status']}"
             + (f" ({c['status_reason']})" if c.get("status_reason") else ""),
             f"  mode {d.get('mode')}, queue {d.get('queue') or '-'}, caller id "
             f"{d.get('caller_id')}, rules {d.get('rules') or 'site default'}"]
    contacts = c.get("contacts") or {}
    lines.append("  contacts: " + (", ".join(f"{n} {s}" for s, n in sorted(contacts.items()))
                                   or "none imported"))
    outcomes = c.get("outcomes") or {}
    if outcomes:
        lines.append("  attempts: " + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())))
    live = c.get("live")
    if live:
        lines.append(f"  lines {live['lines_in_use']} of {live['max_lines']}, answered "
                     f"{_pct(live.get('answer_rate'))} of {live['placed']} placed, "
                     f"{live['connected']} connected, {live['abandoned']} abandoned")
        if live.get("to_agent_p50") is not None:
            lines.append(f"  greeting to agent: p50 {live['to_agent_p50']:.3f} s, p99 "
                         f"{live['to_agent_p99']:.3f} s")
        abandon = live.get("abandon")
        if abandon:
            lines.append(f"  abandon rate {_pct(abandon.get('rate'))} of {abandon['live']} live "
                         f"calls ({abandon['rules']} limit {_pct(abandon['limit'])}), budget "
                         f"left {abandon['budget_left']} abandon(s)")
        agents = live.get("agents")
        if agents:
            lines.append(f"  agents {agents['logged_in']} logged in, {agents['free']} free, "
                         f"{agents['busy']} busy, occupancy {_pct(agents.get('occupancy'))}")
        pacing = live.get("pacing")
        if pacing:
            lines.append(f"  pacing: {pacing['explanation']}")
    return "\n".join(lines)
