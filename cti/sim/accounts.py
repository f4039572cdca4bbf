"""AMI accounts as manager.conf defines them: secret, read/write classes, permit/deny.

``load_accounts(path)`` reads a manager.conf-style file (one ``[user]`` section
each: ``secret``, ``read``, ``write``, ``permit``, ``deny``; ``[general]`` and
other options are ignored, ``#include`` lines are not followed). As in
Asterisk, a user without ``read`` or ``write`` has no class, and the address
rules are applied in order starting from "allowed": the last rule that matches
the client's address decides (``ast_apply_acl``). A denied address fails the
login exactly like a wrong secret (main/manager.c ``authenticate``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from cti.ami.privileges import ALL, parse_classes
from cti.sim.errors import SimError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Account:
    """One manager user.

    Attributes:
        username, secret: the Login credentials (a user with no secret cannot log
            in, as in Asterisk).
        read: classes of the events it receives.
        write: classes of the actions it may send.
        rules: ("permit" | "deny", network) in file order.
    """

    username: str
    secret: str | None
    read: frozenset[str] = ALL
    write: frozenset[str] = ALL
    rules: tuple[tuple[str, Network], ...] = field(default=())

    def admits(self, address: str) -> bool:
        """The client at ``address`` may log in as this user."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return not self.rules
        allowed = True
        for sense, network in self.rules:
            if ip.version == network.version and ip in network:
                allowed = sense == "permit"
        return allowed

    @classmethod
    def of(cls, username: str, secret: str, *, read: str = "all", write: str = "all",
           permit: tuple[str, ...] = (), deny: tuple[str, ...] = ()) -> Account:
        """An account from manager.conf-style values; deny rules come before permit
        rules, as manager.conf files usually list them."""
        try:
            rules = tuple([("deny", _network(d)) for d in deny] +
                          [("permit", _network(p)) for p in permit])
            return cls(username, secret, parse_classes(read), parse_classes(write), rules)
        except ValueError as exc:
            raise SimError(f"AMI account {username!r}: {exc}") from None


def _network(text: str) -> Network:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not an address or network "
                         "(use 127.0.0.1/255.255.255.255 or 10.0.0.0/8)") from None


def load_accounts(path: Path | str) -> dict[str, Account]:
    """The users of a manager.conf-style file, by name."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SimError(f"AMI accounts {path}: cannot read: {exc.strerror}") from None
    return parse_accounts(text, str(path))


def parse_accounts(text: str, source: str = "<manager.conf>") -> dict[str, Account]:
    sections: dict[str, dict[str, object]] = {}
    current: dict[str, object] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(";", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            name = line[1:line.index("]")].strip() if "]" in line else ""
            if not name:
                raise SimError(f"{source}:{number}: bad section header {raw.strip()!r}")
            current = None if name == "general" else \
                sections.setdefault(name, {"rules": [], "line": number})
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip().lower(), value.strip().lstrip(">").strip()  # = or =>
        if not sep:
            raise SimError(f"{source}:{number}: expected 'option = value', got {raw.strip()!r}")
        if current is None:
            continue
        try:
            if key in ("read", "write"):
                current[key] = parse_classes(value)
            elif key == "secret":
                current["secret"] = value
            elif key in ("permit", "deny"):
                rules = current["rules"]
                assert isinstance(rules, list)
                rules.append((key, _network(value)))
        except ValueError as exc:
            raise SimError(f"{source}:{number}: {exc}") from None
    accounts = {}
    for name, values in sections.items():
        rules = values["rules"]
        assert isinstance(rules, list)
        secret = str(values["secret"]) if "secret" in values else None
        accounts[name] = Account(name, secret,
                                 read=values.get("read", frozenset()),  # type: ignore[arg-type]
                                 write=values.get("write", frozenset()),  # type: ignore[arg-type]
                                 rules=tuple(rules))
    return accounts
