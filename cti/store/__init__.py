"""The PostgreSQL store: pool, migrations, repositories. No SQL outside this package.

    store = await Store.open(dsn, apply_migrations=True)
    customer = (await store.customers.find_by_phone("+33612345678") or [None])[0]
    case = await store.interactions.create(caller_number="+33612345678", queue="sales")
    await store.close()

``store.events.apply(events, project)`` writes a batch of domain events and
the rows they imply in one transaction; ``EmbeddedPostgres`` runs a local server for ``database:
embedded``; ``migrate`` applies ``migrations/NNN_name.sql``; ``locks.InstanceLock``
keeps one ``cti run`` per configuration; ``outage.OutageLog`` says when to log
a database outage.
"""

from cti.store.embedded import EmbeddedPostgres
from cti.store.errors import (
    EmbeddedPostgresFailed,
    MigrationFailed,
    NoSuchCustomer,
    NoSuchInteraction,
    StoreRejected,
    StoreUnavailable,
)
from cti.store.migrate import migrate
from cti.store.models import (
    AgentState,
    AgentStateChange,
    CallRecord,
    Customer,
    Interaction,
    Phone,
    QueueEntry,
)
from cti.store.phone import phone_digits
from cti.store.store import Store

__all__ = [
    "AgentState",
    "AgentStateChange",
    "CallRecord",
    "Customer",
    "EmbeddedPostgres",
    "EmbeddedPostgresFailed",
    "Interaction",
    "MigrationFailed",
    "NoSuchCustomer",
    "NoSuchInteraction",
    "Phone",
    "QueueEntry",
    "Store",
    "StoreRejected",
    "StoreUnavailable",
    "migrate",
    "phone_digits",
]
