"""Every number the API takes refuses NaN, Infinity, 1e308 and ``true`` with a 422 naming it.

The numeric fields are found in the OpenAPI document (every JSON request body) and in the
design's own JSON schema (a design travels as a free-form document inside ``POST /products``),
so a number added later is covered without editing this test.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from typing import Any

from fastapi.testclient import TestClient
from test_api_chain import DESIGN, setup_chain

from batterycarbon.battery.design import Design

BAD_NUMBERS: list[Any] = [float("nan"), float("inf"), float("-inf"), 1e308, True]
#: A valid element for the lists and maps of a design, and the key to use in a map.
DESIGN_ELEMENTS: dict[str, Any] = {
    "transport": {"product": "cell", "mode": "sea", "distance_km": 100},
    "supplier_overrides": {"flow": "nickel_sulfate", "value": 1, "supplier": "X"},
    "cathode_ratio": [0.8, 0.1, 0.1],
}
MAP_KEYS = {
    "parts_kg": "housing",
    "green_electricity": "cell",
    "activity_data": "x_value",
    "sourcing": "lithium_hydroxide",  # a map of maps: commodity -> route -> share
    "sourcing.*": "spodumene",
}


def numeric_paths(schema: dict[str, Any], definitions: dict[str, Any]) -> set[tuple[str, ...]]:
    """Paths of the number and integer fields of a JSON schema (``*``: any key of a map)."""
    found: set[tuple[str, ...]] = set()
    stack: list[tuple[tuple[str, ...], dict[str, Any]]] = [((), schema)]
    while stack:
        path, node = stack.pop()
        while "$ref" in node:
            node = definitions[node["$ref"].rsplit("/", 1)[-1]]
        stack.extend((path, alternative) for alternative in node.get("anyOf", []))
        if node.get("type") in ("number", "integer"):
            found.add(path)
        stack.extend(((*path, key), child) for key, child in node.get("properties", {}).items())
        if isinstance(node.get("additionalProperties"), dict):
            stack.append(((*path, "*"), node["additionalProperties"]))
        if isinstance(node.get("items"), dict):
            stack.append(((*path, "0"), node["items"]))
        stack.extend(((*path, str(i)), item) for i, item in enumerate(node.get("prefixItems", [])))
    return found


def with_value(document: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of ``document`` with ``value`` at ``path``, building the containers on the way."""
    result = copy.deepcopy(document)
    node: Any = result
    for index, key in enumerate(path):
        last = index == len(path) - 1
        if key == "*":
            parent = path[index - 1]
            key = MAP_KEYS[f"{path[index - 2]}.*" if parent == "*" else parent]
        if isinstance(node, list):
            position = int(key)
            if last:
                node[position] = value
            node = node[position]
            continue
        if last:
            node[key] = value
        else:
            element = DESIGN_ELEMENTS.get(key, {})
            default: Any = [copy.deepcopy(element)] if path[index + 1] == "0" and key not in ("cathode_ratio",) else copy.deepcopy(element)  # fmt: skip
            if not isinstance(node.get(key), dict | list):
                node[key] = default
            node = node[key]
    return result


def expected_fields(path: tuple[str, ...]) -> set[str]:
    """The field a 422 may name: the path (a map's key in place of ``*``), or for a value of a
    free-form map (activity data) the map itself."""
    if "*" not in path:
        return {".".join(path)}
    star = path.index("*")
    keyed = [*path]
    for index, key in enumerate(path):
        if key == "*":
            parent = path[index - 1]
            keyed[index] = MAP_KEYS[f"{path[index - 2]}.*" if parent == "*" else parent]
    return {".".join(keyed), ".".join(path[:star])}


def refused(response: Any, path: tuple[str, ...], value: Any) -> None:
    assert response.status_code == 422, (path, value, response.status_code, response.text)
    named = {error["field"] for error in response.json()["errors"]}
    assert expected_fields(path) & named, (path, value, named)


def test_every_number_of_every_json_body_refuses_non_finite_huge_and_boolean(
    client: TestClient,
) -> None:
    admin = setup_chain(client)["admin"]["auth"]
    document = client.get("/openapi.json").json()
    definitions = document["components"]["schemas"]
    checked = 0
    for route, operations in document["paths"].items():
        url = re.sub(r"\{\w+_id\}", str(uuid.uuid4()), route)
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            for path in sorted(numeric_paths(body["schema"], definitions)):
                for value in BAD_NUMBERS:
                    content = json.dumps(with_value({}, path, value))
                    headers = {**admin, "Content-Type": "application/json"}
                    refused(client.request(method, url, headers=headers, content=content), path, value)  # fmt: skip
                    checked += 1
    assert checked >= 60  # datasets, revisions, data requests, uncertainty, passports


def test_every_number_of_a_design_refuses_non_finite_huge_and_boolean(client: TestClient) -> None:
    cell = setup_chain(client)["cell"]["auth"]
    schema = Design.model_json_schema()
    paths = numeric_paths(schema, schema.get("$defs", {}))
    assert ("cell", "capacity_ah") in paths and ("transport", "0", "distance_km") in paths
    for path in sorted(paths):
        for value in BAD_NUMBERS:
            design = with_value(DESIGN, path, value)
            content = json.dumps({"name": "Bad pack", "design": design})
            headers = {**cell, "Content-Type": "application/json"}
            refused(client.post("/products", headers=headers, content=content), path, value)
    assert client.get("/products", headers=cell).json() == []
