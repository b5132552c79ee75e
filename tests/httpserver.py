"""A local HTTP server for fetch tests: routes map a path (with query) to a behaviour."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes
    content_type: str = "application/octet-stream"
    fail_first: int = 0  # answer 503 this many times before succeeding
    truncate_to: int | None = None  # send only this many bytes of the body (Content-Length full)
    status: int = 200
    hits: int = 0


@dataclass
class LocalServer:
    routes: dict[str, Route] = field(default_factory=dict)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def add(self, path: str, body: bytes, **kwargs) -> Route:
        route = Route(body=body, **kwargs)
        self.routes[path] = route
        return route

    def start(self) -> LocalServer:
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                route = routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                route.hits += 1
                if route.hits <= route.fail_first:
                    self.send_error(503)
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                body = route.body if route.truncate_to is None else route.body[: route.truncate_to]
                self.wfile.write(body)
                if route.truncate_to is not None:
                    self.wfile.flush()
                    self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


Factory = Callable[[], LocalServer]
