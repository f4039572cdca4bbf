"""Everything that speaks the Asterisk Manager Interface lives here.

- ``AmiClient``: one node's connection (login, timeouts, watchdog, reconnect),
  with typed action helpers (``redirect``, ``originate``, ``hangup``, ...).
- ``CallTracker``: sans-I/O, raw AMI messages in, typed events out
  (``cti.ami.events``).
- ``AmiFeed`` / ``AmiCluster``: connection + tracker + resync per node,
  delivering events in order to one consumer.
- ``replay``: captures through the tracker (``cti ami replay``).
"""

from cti.ami.backoff import Backoff
from cti.ami.client import AmiClient, ListResponse
from cti.ami.errors import (
    AmiActionFailed,
    AmiActionTimeout,
    AmiConnectError,
    AmiError,
    AmiLinkLost,
    AmiLoginFailed,
    AmiNotConnected,
)
from cti.ami.feed import AmiCluster, AmiFeed, NodeConfig
from cti.ami.tracker import CallTracker

__all__ = [
    "AmiActionFailed",
    "AmiActionTimeout",
    "AmiClient",
    "AmiCluster",
    "AmiConnectError",
    "AmiError",
    "AmiFeed",
    "AmiLinkLost",
    "AmiLoginFailed",
    "AmiNotConnected",
    "Backoff",
    "CallTracker",
    "ListResponse",
    "NodeConfig",
]
