"""Outbound campaigns: preview, progressive, predictive and agentless dialing on the same
ACD, agents, cases and records as inbound calls (docs/outbound.md).

Modules: ``models`` (a campaign's definition and its checks), ``contacts`` (CSV
import), ``windows`` (call windows in the contact's local time), ``retries``
(what becomes of a contact after an attempt), ``dialer`` (the campaigns' state
inside the routing step), ``events`` and ``projection`` (the ``campaign.*`` facts
and their rows), ``records`` (reading and writing the campaign tables),
``service`` (the facade the API and the CLI call), ``cli`` (``cti campaign``).
The routing step's handlers are in ``cti/routing/campaigns.py``,
``previews.py`` and ``lines.py``.
"""

from cti.campaigns import projection as _projection  # noqa: F401  (registers the projections)
