"""The API's operations read from its OpenAPI document, for ``/docs`` to show as plain HTML.

The page lists every operation (method, path, summary, description, parameters, request body and
responses) from the document the app serves, so it needs no script to read and costs a phone
nothing to draw; Swagger UI (vendored, see ``static/VENDOR.md``) is loaded only when the reader
asks to try the API. The words come from the document itself: a new route or parameter shows up
here without an edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Field:
    """A parameter (``location`` query, path or header) or a field of a request body."""

    name: str
    location: str
    type: str
    required: bool
    description: Markup


@dataclass(frozen=True)
class Response:
    status: str
    description: Markup
    type: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    tag: str
    operation_id: str
    anchor: str  # Swagger UI's deep link: #/{tag}/{operationId}
    summary: str
    description: Markup
    parameters: list[Field]
    body: str  # the request body's type ("" without one)
    body_fields: list[Field]
    responses: list[Response]


@dataclass(frozen=True)
class Tag:
    name: str
    operations: list[Operation]


def text(value: str | None) -> Markup:
    """A description as HTML: escaped, ``code`` and `code` as <code>, paragraphs (blank lines)
    kept apart."""
    paragraphs = re.split(r"\n\s*\n", (value or "").strip())
    escaped = "<br><br>".join(str(escape(p)) for p in paragraphs if p.strip())
    return Markup(re.sub(r"``?([^`]+?)``?", r"<code>\1</code>", escaped))


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if not ref:
        return schema
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return dict(node)


def schema_type(schema: dict[str, Any] | None) -> str:
    """A short reading of a JSON schema: ``string``, ``integer | null``, ``array of Commitment``,
    ``one of: usbp, cbp``, a referenced schema's name."""
    if not schema:
        return ""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "enum" in schema:
        return "one of: " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    for combiner in ("anyOf", "oneOf", "allOf"):
        if combiner in schema:
            parts = [schema_type(part) for part in schema[combiner]]
            return " | ".join(dict.fromkeys(p for p in parts if p))
    kind = schema.get("type", "")
    if isinstance(kind, list):
        return " | ".join(kind)
    if kind == "array":
        return f"array of {schema_type(schema.get('items')) or 'any'}"
    if kind == "object" and "additionalProperties" in schema:
        values = schema["additionalProperties"]
        return f"object of {schema_type(values) if isinstance(values, dict) else 'any'}"
    return f"{kind} ({schema['format']})" if schema.get("format") else str(kind or "any")


def _parameter(parameter: dict[str, Any], document: dict[str, Any]) -> Field:
    parameter = _resolve(parameter, document)
    schema = parameter.get("schema", {})
    kind = schema_type(schema)
    if "default" in schema and schema["default"] is not None:
        kind += f", default {schema['default']}"
    description = parameter.get("description") or schema.get("description")
    return Field(
        name=parameter["name"],
        location=parameter.get("in", ""),
        type=kind,
        required=bool(parameter.get("required")),
        description=text(description),
    )


def _body(operation: dict[str, Any], document: dict[str, Any]) -> tuple[str, list[Field]]:
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return "", []
    media, body = next(iter(content.items()))
    schema = body.get("schema", {})
    resolved = _resolve(schema, document)
    required = set(resolved.get("required", []))
    fields = [
        Field(
            name=name,
            location="body",
            type=schema_type(prop),
            required=name in required,
            description=text(prop.get("description")),
        )
        for name, prop in resolved.get("properties", {}).items()
    ]
    return f"{schema_type(schema)} ({media})", fields


def _responses(operation: dict[str, Any]) -> list[Response]:
    answers = []
    for status, response in operation.get("responses", {}).items():
        content = response.get("content", {})
        kinds = [schema_type(body.get("schema")) for body in content.values()]
        answers.append(
            Response(
                status=status,
                description=text(response.get("description")),
                type=", ".join(dict.fromkeys(k for k in kinds if k)),
            )
        )
    return answers


def operations(document: dict[str, Any]) -> list[Tag]:
    """The document's operations grouped by their first tag, in the document's order."""
    tags: dict[str, list[Operation]] = {}
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            tag = (operation.get("tags") or ["default"])[0]
            body, body_fields = _body(operation, document)
            operation_id = operation.get("operationId", f"{method}{path}")
            tags.setdefault(tag, []).append(
                Operation(
                    method=method,
                    path=path,
                    tag=tag,
                    operation_id=operation_id,
                    anchor=re.sub(r"\s", "%20", f"/{tag.strip()}/{operation_id}"),
                    summary=operation.get("summary", ""),
                    description=text(operation.get("description")),
                    parameters=[
                        _parameter(p, document) for p in [*shared, *operation.get("parameters", [])]
                    ],
                    body=body,
                    body_fields=body_fields,
                    responses=_responses(operation),
                )
            )
    return [Tag(name, ops) for name, ops in tags.items()]
