"""Fixtures of the service's end-to-end tests (helpers live in service_env.py)."""

from service_env import env  # noqa: F401  (the fixture)
