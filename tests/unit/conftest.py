"""``config_dir``: a copy of the shipped config/ a test may edit (helpers in
shipped_config.py, importable from every unit test directory)."""

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shipped_config import SHIPPED


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(SHIPPED, target)
    return target
