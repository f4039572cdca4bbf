"""Customers and cases ("trámites"): the contact centre's record of the work done.

Importing any module of this package (``cti.cases.events`` above all, which
every producer of case events imports) registers the projections of the case
and customer events with ``cti.records``, so the recorder stores their rows.

    events.py      the case and customer events (the contract)
    model.py       the case as the rules see it, folded from its events
    rules.py       commands -> events, or the reason they are refused (pure)
    catalogue.py   the script catalogue: checks, labels, answers
    projection.py  events -> rows
    service.py     CaseService: validate, publish, wait until stored
    customers.py   the customer commands of the service
    attachments.py what an attachment may be, and where its content is kept
    screenpop.py   the customer's history for the screen-pop, in a time budget
    ivr.py         what the IVR asks of the case domain (lookups, the case step)
    cli.py         `cti case` and `cti customer`
"""

from cti.cases import projection as _projection  # noqa: F401  (registers the projections)
