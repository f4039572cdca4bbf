"""The OpenAPI document: generated from the models, every route in it, every example valid."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from cti.api import schemas
from cti.api.commands import load
from cti.api.openapi import WS_PATH, document
from cti.api.routes import all_routes

COMMANDS = load()
ROUTES = all_routes()
DOC = document(ROUTES, COMMANDS.values())


def _models() -> list[type[BaseModel]]:
    return [v for v in vars(schemas).values()
            if isinstance(v, type) and issubclass(v, BaseModel) and v is not BaseModel]


def test_every_route_and_the_socket_are_in_the_document() -> None:
    paths = DOC["paths"]
    for route in ROUTES:
        assert route.method.lower() in paths[route.full_path], route.full_path
    assert "get" in paths[WS_PATH]
    operations = [op["operationId"] for p in paths.values() for op in p.values()]
    assert len(operations) == len(set(operations))


def test_every_command_is_listed_with_its_argument_schema() -> None:
    listed = {c["name"]: c for c in DOC["x-commands"]}
    assert set(listed) == set(COMMANDS)
    for name, command in COMMANDS.items():
        ref = listed[name]["args"]["$ref"].rsplit("/", 1)[1]
        assert ref == command.args.__name__
        assert ref in DOC["components"]["schemas"]


def test_refs_resolve() -> None:
    schemas_ = DOC["components"]["schemas"]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None:
                assert ref.rsplit("/", 1)[1] in schemas_, ref
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(DOC)


@pytest.mark.parametrize("model", _models(), ids=lambda m: m.__name__)
def test_every_example_validates_against_its_model(model: type[BaseModel]) -> None:
    extra = model.model_config.get("json_schema_extra") or {}
    for example in (extra.get("examples") or []) if isinstance(extra, dict) else []:
        model.model_validate(example)


def test_every_command_and_request_body_has_an_example() -> None:
    bodies = {r.body for r in ROUTES if r.body is not None}
    for model in bodies | {c.args for c in COMMANDS.values()}:
        extra = model.model_config.get("json_schema_extra") or {}
        assert extra.get("examples"), f"{model.__name__} has no example"


def test_request_examples_are_in_the_document() -> None:
    login = DOC["paths"]["/api/v1/login"]["post"]
    assert login["security"] == []
    body = login["requestBody"]["content"]["application/json"]
    assert body["examples"]["example1"]["value"]["username"] == "lucia"
