"""Errors of the store.

StoreError (cti.errors)             the database refused or is unreachable
 ├── StoreUnavailable               cannot connect, or the connection was lost
 ├── StoreRejected                  PostgreSQL refused a statement (constraint, bad value)
 ├── MigrationFailed                a migration file failed or was edited after being applied
 └── EmbeddedPostgresFailed         the embedded server could not be initialised or started
CtiError (cti.errors)
 ├── NoSuchCustomer                 404 no-such-customer
 └── NoSuchInteraction              404 no-such-interaction

Messages never contain a password: DSNs are shown as ``host:port/database``.
"""

from __future__ import annotations

from uuid import UUID

from cti.errors import CtiError, StoreError


class StoreUnavailable(StoreError):
    """PostgreSQL cannot be reached, or dropped the connection mid-statement."""

    unreachable = True


class StoreRejected(StoreError):
    """PostgreSQL refused a statement: a constraint or a value out of range."""

    status, code = 409, "store-rejected"


class MigrationFailed(StoreError):
    """A migration could not be applied; nothing of it was kept."""


class EmbeddedPostgresFailed(StoreError):
    """The embedded PostgreSQL could not be initialised, started or stopped."""


class NoSuchCustomer(CtiError):
    status, code = 404, "no-such-customer"

    def __init__(self, customer_id: UUID | str) -> None:
        super().__init__(f"no customer with id {str(customer_id)!r}")
        self.customer_id = customer_id


class NoSuchInteraction(CtiError):
    status, code = 404, "no-such-interaction"

    def __init__(self, interaction_id: UUID | str) -> None:
        super().__init__(f"no interaction with id {str(interaction_id)!r}")
        self.interaction_id = interaction_id
