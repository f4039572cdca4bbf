"""The CLI's end-to-end tests run the service as tests/integration/service does."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))

from service_env import env  # noqa: F401  (the fixture)
