"""Every rule tried from the wrong role, over the socket and over REST: each refusal is
a 403 ``forbidden`` whose message names who asked, what, and why; the audit log has it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from api_support import ApiEnv

IID = "0d5e3c8e-6f3a-4c1e-9a57-1f0b8e2a4d11"

#: (who, command, args, what the message says)
COMMANDS: list[tuple[str, str, dict[str, Any], str]] = [
    ("lucia", "agent.pause", {"agent_id": "a1002", "reason": "lunch"},
     "agents act on their own state only"),
    ("lucia", "agent.set_endpoint", {"agent_id": "a1002", "endpoint": "PJSIP/hotdesk-1"},
     "agents act on their own state only"),
    ("lucia", "agent.set_skills", {"agent_id": "a1001", "skills": {"vip": 9}},
     "only supervisors and admins may"),
    ("lucia", "call.listen", {"interaction_id": IID}, "only supervisors and admins may"),
    ("lucia", "call.take_over", {"interaction_id": IID}, "only supervisors and admins may"),
    ("lucia", "call.review", {"interaction_id": IID, "form": "standard", "scores": {}},
     "only supervisors and admins may"),
    ("lucia", "queue.close", {"queue": "bookings"}, "only supervisors and admins may"),
    ("lucia", "centre.set_mode", {"mode": "night"}, "only supervisors and admins may"),
    ("lucia", "message.send", {"text": "hi", "all": True}, "only supervisors and admins may"),
    ("carmen", "agent.logout", {"agent_id": "a1003"}, "not one of its agents"),
    ("carmen", "queue.close", {"queue": "bookings"}, "it is not one of its queues"),
    ("carmen", "message.send", {"text": "hi", "agents": ["a1003"]}, "not one of its agents"),
    ("crm", "call.hold", {"interaction_id": IID}, "it needs a user"),
    ("crm", "agent.ready", {"agent_id": "a1001"}, "it needs a user"),
    ("crm", "case.note", {"case_id": IID, "text": "x"}, "it needs the scope cases:write"),
    ("crm", "call.dial", {"number": "+34600111222", "agent_id": "a1001"},
     "it needs the scope calls:dial"),
]

#: (who, method, path, body)
ROUTES: list[tuple[str, str, str, Any]] = [
    ("lucia", "GET", "/api/v1/users", None),
    ("lucia", "GET", "/api/v1/users/marc", None),
    ("lucia", "PATCH", "/api/v1/users/lucia", {"role": "admin"}),
    ("lucia", "POST", "/api/v1/users/marc/password", {"password": "another password"}),
    ("lucia", "GET", "/api/v1/audit", None),
    ("lucia", "GET", "/api/v1/status", None),
    ("lucia", "GET", "/api/v1/queues", None),
    ("lucia", "GET", "/api/v1/agents/a1002", None),
    ("lucia", "GET", f"/api/v1/calls/{IID}/explain", None),
    ("lucia", "POST", "/api/v1/webhooks", {"url": "https://x.example/h", "events": ["*"]}),
    ("lucia", "POST", "/api/v1/agents/a1002/ready", {}),
    ("carmen", "POST", "/api/v1/reload", None),
    ("carmen", "GET", "/api/v1/api-keys", None),
    ("carmen", "POST", "/api/v1/users", {"id": "eve", "role": "admin",
                                         "password": "long enough"}),
    ("carmen", "GET", "/api/v1/queues/billing", None),
    ("crm", "GET", "/api/v1/users", None),
    ("crm", "POST", "/api/v1/customers", {"name": "Eve"}),
    ("crm", "GET", "/api/v1/agents", None),
    ("crm", "GET", "/api/v1/calls", None),
]


@pytest.fixture
async def people(api: ApiEnv) -> dict[str, str]:
    admin = await api.user("root", "admin")
    status, key = await api.rest("POST", "/api/v1/api-keys", admin,
                                 body={"name": "crm", "scopes": ["customers:read",
                                                                 "cases:read"]})
    assert status == 201
    return {"root": admin, "crm": key["key"],
            "lucia": await api.user("lucia", "agent", agent="a1001"),
            "marc": await api.user("marc", "agent", agent="a1002"),
            "carmen": await api.user("carmen", "supervisor", agent="s2001",
                                     queues=("vip",), units=("complaints",))}


async def test_commands_from_the_wrong_role_are_refused_with_the_reason(
        api: ApiEnv, people: dict[str, str]) -> None:
    async with asyncio.timeout(40):
        desks = {who: await api.desk(people[who]) for who in ("lucia", "carmen")}
        for who, name, args, why in COMMANDS:
            if who in desks:
                reply = await desks[who].command(name, args)
            else:
                status, reply = await api.rest("POST", "/api/v1/commands", people[who],
                                               body={"id": f"x-{name}", "name": name,
                                                     "args": args})
                assert status == 200
            assert reply["ok"] is False, (who, name, reply)
            assert reply["error"]["code"] == "forbidden", (who, name, reply)
            assert why in reply["error"]["message"] and "may not" in \
                reply["error"]["message"], (who, name, reply["error"]["message"])
        assert api.env.agent_state("a1002") == "LOGGED_OUT"       # nothing happened
    assert await api.service.api.audit.flush()
    refused = [e for e in await api.service.store.audit.find(limit=500)
               if e.error == "forbidden"]
    assert len(refused) == len(COMMANDS)
    assert {e.actor for e in refused} == {"lucia", "carmen", "key:" + people["crm"][5:17]}


async def test_routes_from_the_wrong_role_answer_403(api: ApiEnv,
                                                     people: dict[str, str]) -> None:
    async with asyncio.timeout(40):
        for who, method, path, body in ROUTES:
            status, reply = await api.rest(method, path, people[who], body=body)
            assert (status, reply["error"]) == (403, "forbidden"), (who, method, path, reply)
            assert "may not" in reply["message"]
        status, me = await api.rest("GET", "/api/v1/users/lucia", people["lucia"])
        assert status == 200 and me["role"] == "agent"


async def test_cases_belong_to_their_agents_and_units(api: ApiEnv,
                                                      people: dict[str, str]) -> None:
    async with asyncio.timeout(40):
        status, case = await api.rest("POST", "/api/v1/cases", people["root"],
                                      body={"subject": "refund", "unit": "complaints"})
        assert status == 201, case
        for who in ("lucia", "marc"):
            status, reply = await api.rest("POST", f"/api/v1/cases/{case['id']}/notes",
                                           people[who], body={"text": "hello"})
            assert (status, reply["error"]) == (403, "forbidden")
            assert "agents act on the cases of their calls" in reply["message"]
        status, note = await api.rest("POST", f"/api/v1/cases/{case['id']}/notes",
                                      people["carmen"], body={"text": "on it"})
        assert status == 201 and note["author"] == "s2001"        # her unit's case
        status, found = await api.rest("GET", f"/api/v1/cases/{case['id']}", people["crm"])
        assert status == 200 and found["notes"][0]["text"] == "on it"
        status, listed = await api.rest("GET", "/api/v1/cases", people["lucia"])
        assert status == 200 and listed == []
        status, reply = await api.rest("POST", f"/api/v1/cases/{case['id']}/notes",
                                       people["carmen"], body={"text": "x", "by": "a1005"})
        assert (status, reply["error"]) == (403, "forbidden")
        assert "may not act on behalf of 'a1005': only admins may" in reply["message"]
