"""The options every ``cti`` command takes the same way.

    --config DIR   the config directory: default $CTI_CONFIG, else ./config
    --flows DIR    the IVR flows: default ivr.flows_dir of cti.yaml
    --url URL      a running service: default http: host and port of cti.yaml

Only the standard library is imported here: building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

CONFIG_ENV = "CTI_CONFIG"


def default_config_dir() -> Path:
    """$CTI_CONFIG, else ./config."""
    return Path(os.environ.get(CONFIG_ENV) or "config")


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=default_config_dir(), metavar="DIR",
                        help=f"config directory (default: ${CONFIG_ENV}, else ./config)")


def add_flows(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--flows", type=Path, default=None, metavar="DIR",
                        help="IVR flows directory (default: ivr.flows_dir of cti.yaml)")


def add_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", metavar="URL",
                        help="the running service's HTTP address, e.g. http://127.0.0.1:8080 "
                             "(default: http: host and port of cti.yaml in --config)")


def add_service_options(parser: argparse.ArgumentParser) -> None:
    """--url and --config: for the commands that talk to a running service."""
    add_url(parser)
    add_config(parser)
