"""The campaign step tests use the call control tests' helpers (a router on the shipped
config, a fake tracker's channels)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "control"))
