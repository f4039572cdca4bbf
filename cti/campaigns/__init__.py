"""Outbound campaigns: preview, progressive, predictive and agentless dialing on the same
ACD, agents, cases and records as inbound calls (docs/outbound.md).

Modules: ``models`` (a campaign's definition and its checks), ``contacts`` (CSV
import), ``windows`` (call windows in the contact's local time), ``retries``
(what becomes of a contact after an attempt), ``dialer`` (the campaigns' state
inside the routing step), ``events`` and ``projection`` (the ``campaign.*`` facts
and their rows), ``service`` (the facade the API and the CLI call), ``cli``
(``cti campaign``). The tables are read and written by ``cti/store/campaigns.py``;
the routing step's handlers are ``cti/routing/campaigns.py`` (pacing, placing
calls), ``campaign_calls.py`` (what Asterisk reports, the end of attempts),
``campaign_admin.py`` (commands), ``previews.py`` and ``lines.py``.
"""

from cti.campaigns import projection as _projection  # noqa: F401  (registers the projections)
