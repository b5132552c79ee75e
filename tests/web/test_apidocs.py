"""The operations /docs draws from the OpenAPI document (rootcauses.web.apidocs), on a hand-built
document and on the app's own: every operation listed, readable without a script."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.web.apidocs import operations, schema_type, text
from rootcauses.web.app import create_app

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/api/things/{thing_id}": {
            "parameters": [{"$ref": "#/components/parameters/ThingId"}],
            "get": {
                "tags": ["things"],
                "summary": "Get Thing",
                "operationId": "get_thing",
                "description": "One thing, ``as_of`` a date.\n\nSecond <b>paragraph</b>.",
                "parameters": [
                    {
                        "name": "as_of",
                        "in": "query",
                        "schema": {
                            "anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]
                        },
                    },
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 50}},
                ],
                "responses": {
                    "200": {
                        "description": "The thing",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        },
                    },
                    "404": {"description": "No such thing"},
                },
            },
            "patch": {
                "tags": ["things"],
                "summary": "Update Thing",
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ThingUpdate"}}
                    }
                },
                "responses": {"200": {"description": "Updated"}},
            },
        },
        "/api/other": {"post": {"tags": ["policy lab"], "operationId": "start", "responses": {}}},
    },
    "components": {
        "parameters": {
            "ThingId": {
                "name": "thing_id",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
            }
        },
        "schemas": {
            "Thing": {"type": "object"},
            "ThingUpdate": {
                "type": "object",
                "required": ["version"],
                "properties": {
                    "version": {"type": "integer", "description": "the current version"},
                    "kind": {"enum": ["a", "b"]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


@pytest.mark.parametrize(
    ("schema", "reading"),
    [
        ({"type": "string"}, "string"),
        ({"type": "string", "format": "date"}, "string (date)"),
        ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, "integer | null"),
        ({"type": "array", "items": {"$ref": "#/components/schemas/Target"}}, "array of Target"),
        ({"enum": ["usbp", "cbp"]}, "one of: usbp, cbp"),
        ({"type": "object", "additionalProperties": {"type": "number"}}, "object of number"),
        ({"type": ["string", "null"]}, "string | null"),
        ({}, ""),
        ({"description": "anything"}, "any"),
    ],
)
def test_schema_type_reads_a_schema_in_a_few_words(schema: dict[str, Any], reading: str) -> None:
    assert schema_type(schema) == reading


def test_text_escapes_and_marks_code() -> None:
    html = str(text("Use ``limit`` <script>x</script>.\n\nMore."))
    assert html == "Use <code>limit</code> &lt;script&gt;x&lt;/script&gt;.<br><br>More."


def test_operations_group_by_tag_and_resolve_references() -> None:
    tags = operations(DOCUMENT)
    assert [t.name for t in tags] == ["things", "policy lab"]
    get, patch = tags[0].operations
    assert (get.method, get.path, get.summary) == ("get", "/api/things/{thing_id}", "Get Thing")
    assert get.anchor == "/things/get_thing"
    assert tags[1].operations[0].anchor == "/policy%20lab/start"  # as Swagger UI's deep links
    assert [(p.name, p.location, p.type, p.required) for p in get.parameters] == [
        ("thing_id", "path", "string", True),  # the path's shared parameter, from components
        ("as_of", "query", "string (date) | null", False),
        ("limit", "query", "integer, default 50", False),
    ]
    assert "<code>as_of</code>" in get.description and "&lt;b&gt;" in get.description
    assert [(r.status, str(r.description), r.type) for r in get.responses] == [
        ("200", "The thing", "Thing"),
        ("404", "No such thing", ""),
    ]
    assert patch.body == "ThingUpdate (application/json)"
    assert [(f.name, f.type, f.required) for f in patch.body_fields] == [
        ("version", "integer", True),
        ("kind", "one of: a, b", False),
        ("tags", "array of string", False),
    ]
    assert get.body == "" and get.body_fields == []


def test_docs_lists_every_operation_of_the_served_document_without_a_script(
    tmp_path: Path,
) -> None:
    client = TestClient(create_app(Settings(home=tmp_path)))
    page = client.get("/docs").text
    document = client.get("/openapi.json").json()
    listed = set(
        re.findall(r'<span class="method">(\w+)</span> <code class="path">([^<]+)</code>', page)
    )
    expected = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert len(expected) > 30 and listed == expected
    # Swagger UI is named for docs.js to load on demand, never loaded with the page
    assert "swagger-ui-bundle.js" in page
    assert not re.search(r"<script[^>]+swagger-ui-bundle", page)
    assert not re.search(r"<link[^>]+swagger-ui\.css", page)
    assert "Try the API in Swagger UI" in page


def test_docs_in_spanish_keeps_the_api_in_english(tmp_path: Path) -> None:
    page = TestClient(create_app(Settings(home=tmp_path))).get("/docs?lang=es").text
    assert "Documento OpenAPI" in page and "Probar la API en Swagger UI" in page
    assert "/api/encounters" in page and "Monthly Southwest-border encounters" in page
