"""One error model for every API answer that is not a success, and the handlers that make it.

Every error answer is ``{"detail": …, "error_id": "…"}`` (:class:`ErrorBody`):

* 4xx: ``detail`` says what was wrong with the request. A 422 always lists its problems as
  ``[{"loc", "msg", "type"}]`` (FastAPI's shape), also when an endpoint raised it with a sentence;
  other 4xx carry a sentence.
* 5xx: ``detail`` is a generic sentence with the id. What went wrong (paths, database host and
  user, exception text) goes only to the server log, under the same ``error_id``, so an operator
  can find it and a client learns nothing about the server.

:func:`install_error_handlers` puts the handlers on an app; :data:`ERROR_RESPONSES` declares the
model in the OpenAPI document for every route it is passed to (``responses=``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("rootcauses.api")

GENERIC_5XX = {
    500: "internal server error",
    503: "service unavailable: the server cannot read its data right now; try again later",
}


class ErrorItem(BaseModel):
    """One problem of a request: where (``loc``), what (``msg``) and its kind (``type``)."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error answer: what was wrong (or, for 5xx, a generic message) and an id to quote."""

    detail: list[ErrorItem] | str = Field(
        description="the request's problems (always a list for 422), or a sentence"
    )
    error_id: str = Field(description="quote it to the operator: the server log has the details")


def _declared(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _declared("Bad request"),
    401: _declared("No valid API token"),
    403: _declared("The token's role may not do this"),
    404: _declared("Not found"),
    409: _declared("Conflict with the current state; nothing was changed"),
    413: _declared("Request body too large"),
    422: _declared("Invalid request: every problem with its location"),
    429: _declared("Too many queued requests; retry later"),
    500: _declared("Internal server error (details in the server log)"),
    503: _declared("Service unavailable (details in the server log)"),
}


def new_error_id() -> str:
    return secrets.token_hex(6)


def public_message(status: int, error_id: str) -> str:
    """What a client is told about a server error: never its cause."""
    text = GENERIC_5XX.get(status, "server error")
    return f"{text} (error id {error_id}); the server log has the details"


def as_problems(detail: Any, where: str = "request") -> list[Mapping[str, Any]]:
    """A 422's detail as a list of problems (a sentence becomes one problem at ``where``)."""
    if isinstance(detail, list):
        return [
            d if isinstance(d, Mapping) else {"loc": [where], "msg": str(d), "type": "value_error"}
            for d in detail
        ]
    return [{"loc": [where], "msg": str(detail), "type": "value_error"}]


def error_response(
    status: int,
    detail: Any,
    *,
    headers: Mapping[str, str] | None = None,
    request: Request | None = None,
    cause: BaseException | None = None,
) -> JSONResponse:
    """The :class:`ErrorBody` answer for ``status``; logs ``detail`` (and ``cause``) with its id.

    Server errors are logged at ERROR with the cause's traceback and answered generically; client
    errors are logged at INFO and answered with their detail."""
    error_id = new_error_id()
    where = f"{request.method} {request.url.path}" if request is not None else "-"
    if status >= 500:
        log.error(
            "error %s: %s answered %d: %s",
            error_id,
            where,
            status,
            detail,
            exc_info=(type(cause), cause, cause.__traceback__) if cause is not None else None,
        )
        public: Any = public_message(status, error_id)
    else:
        log.info("error %s: %s answered %d: %s", error_id, where, status, detail)
        public = as_problems(detail) if status == 422 else detail
    body = {"detail": jsonable_encoder(public), "error_id": error_id}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code < 400:  # e.g. 304: not an error, and no body
        return Response(status_code=exc.status_code, headers=exc.headers)
    return error_response(
        exc.status_code, exc.detail, headers=exc.headers, request=request, cause=exc.__cause__
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, exc.errors(), request=request)


def install_error_handlers(app: FastAPI) -> None:
    """Make every HTTP and validation error of ``app`` an :class:`ErrorBody` answer."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


__all__ = [
    "ERROR_RESPONSES",
    "ErrorBody",
    "ErrorItem",
    "error_response",
    "install_error_handlers",
    "new_error_id",
    "public_message",
]
