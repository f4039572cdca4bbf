"""Who really talks: bridges read through Local channel pairs.

A Local channel is a pair of halves (``Local/1101@agent-dial-0084;1`` and
``;2``). A half whose partner sits in another bridge is a pipe between the
two bridges, not a party: the parties are on the far side. A half whose
partner runs the dialplan (``Answer``, ``Wait``, an IVR) is itself the end
of the call, the pair acting as one phone. A half whose partner is still
dialling the real phone (``Dial()`` running, or a DialBegin with no bridge
yet) stands for nobody yet: the phone may never answer.

Pure functions over the tracker's ``NodeState``; nothing here mutates it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from cti.ami.channels import Channel, NodeState

#: Dialplan applications that ring someone: a Local half whose partner runs one
#: of these outside any bridge has no party behind it yet.
DIALLING_APPS = frozenset({"Dial", "Queue", "FollowMe", "Page", "RetryDial"})


def still_dialling(ch: Channel) -> bool:
    """The channel is ringing someone it has not been bridged with yet."""
    return ch.bridge_id is None and (ch.app in DIALLING_APPS or bool(ch.ringing))


def talkers(st: NodeState, bridge_id: str, *, seen: Iterable[str] = (),
            swap: str | None = None) -> list[Channel]:
    """The parties that really talk through ``bridge_id``, following Local pairs.

    seen: bridges not to cross into (the caller already stands in them);
    swap: a channel that is being swapped out of the bridge (its BridgeLeave
    follows the BridgeEnter that names it as SwapUniqueid).
    """
    out: list[Channel] = []
    visited = {bridge_id, *seen}
    stack = [bridge_id]
    channels = st.channels
    while stack:
        for uid in st.bridges.get(stack.pop(), ()):
            ch = channels.get(uid)
            if ch is None or uid == swap:
                continue
            partner = channels.get(ch.partner) if ch.partner else None
            if partner is not None:
                if partner.bridge_id is not None:  # a pipe: the far bridge's parties
                    if partner.bridge_id not in visited:
                        visited.add(partner.bridge_id)
                        stack.append(partner.bridge_id)
                    continue
                if still_dialling(partner):  # the phone behind it still rings
                    continue
            out.append(ch)
    return out


def behind(st: NodeState, ch: Channel, seen: Iterable[str | None] = ()) -> list[Channel]:
    """The real parties a channel stands for: itself, unless it is a Local half
    piping into another bridge (not one of ``seen``), then that bridge's parties."""
    partner = st.channels.get(ch.partner) if ch.partner else None
    if partner is None or partner.bridge_id is None:
        return [ch]
    visited = {b for b in (*seen, ch.bridge_id) if b}
    if partner.bridge_id in visited:
        return [ch]
    return talkers(st, partner.bridge_id, seen=visited)


def who_hung_up(st: NodeState, ch: Channel) -> Channel:
    """The party a hang-up stands for.

    A Local half that carried the call between two bridges hangs up because
    someone on its own side left (Asterisk tears a pipe down from the side the
    hang-up came from): that someone, when still known. Any other channel
    stands for itself.
    """
    partner = st.channels.get(ch.partner) if ch.partner else None
    if partner is None or ch.last_bridge is None or partner.last_bridge is None:
        return ch
    for uid in ch.peers:
        peer = st.channels.get(uid)
        if peer is not None and peer is not partner:
            found = behind(st, peer, seen=(ch.last_bridge, partner.last_bridge))
            if found:
                return found[0]
    return ch


def transfer_sides(st: NodeState, first: str | None, second: str | None,
                   excluded: Collection[str]) -> tuple[list[Channel], list[Channel]]:
    """Who was in each of two bridges just before an attended transfer joined them.

    Asterisk reports the transfer after its moves, so a channel now in one of
    the bridges that came from the other one (a merge or swap moved it) counts
    for the bridge it came from. ``excluded``: the transferer legs and the Local
    pair linking the bridges. Local pipes are followed to the real party.
    """
    pair = {b for b in (first, second) if b}
    sides: dict[str | None, list[Channel]] = {first: [], second: []}
    for bridge in pair:
        for uid in st.bridges.get(bridge, ()):
            ch = st.channels.get(uid)
            if ch is None or uid in excluded:
                continue
            came_from = ch.prev_bridge if ch.prev_bridge in pair - {bridge} else bridge
            sides[came_from].extend(behind(st, ch, seen=pair))
    return sides[first], sides[second]
