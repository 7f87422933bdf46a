"""What each middleware of the portal's stack costs a request, measured in process.

Serves ``/bench/bare/`` (three bytes) through Django's WSGI handler, logged in as a partner
user, first with no middleware, then with the stack's first one, the first two, and so on; each
step's difference is that middleware's cost (a later one may depend on an earlier one, so the
stack is built up in its order rather than taken apart). No server, no network: what Django
and the stack cost on one core.
"""

from __future__ import annotations

import io
import time
import urllib.parse

ROUNDS = 7


def environ(path: str, cookie: str) -> dict:
    path, _mark, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": urllib.parse.unquote(path),
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def _start_response(status, headers, exc_info=None):
    assert status.startswith("200"), status


def _time(handler, path: str, cookie: str, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        b"".join(handler(environ(path, cookie), _start_response))
    return (time.perf_counter() - started) / requests * 1e6


def time_handlers(handlers: list, path: str, cookie: str, requests: int) -> list[float]:
    """Microseconds per request through each WSGI handler: the fastest of ``ROUNDS`` rounds,
    the handlers taking turns within each round (other work on the machine only adds, and
    taking turns spreads it over all of them)."""
    for handler in handlers:
        for _ in range(50):  # warm: templates, translations, connections, caches
            b"".join(handler(environ(path, cookie), _start_response))
    best = [float("inf")] * len(handlers)
    for _ in range(ROUNDS):
        for index, handler in enumerate(handlers):
            best[index] = min(best[index], _time(handler, path, cookie, requests))
    return best


def time_handler(path: str, cookie: str, requests: int) -> float:
    """Microseconds per request through a WSGIHandler of the current settings."""
    from django.core.handlers.wsgi import WSGIHandler

    return time_handlers([WSGIHandler()], path, cookie, requests)[0]


def middleware_costs(cookie: str, requests: int = 200) -> tuple[float, list[tuple[str, float]]]:
    """The whole stack's microseconds per bare request, and each middleware's share."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    full = list(settings.MIDDLEWARE)
    handlers = []
    for index in range(len(full) + 1):
        with override_settings(MIDDLEWARE=full[:index]):
            handlers.append(WSGIHandler())
    times = time_handlers(handlers, "/bench/bare/", cookie, requests)
    costs = [("(none: Django's handler, URL resolving, the view)", times[0])]
    costs += [(name, times[i + 1] - times[i]) for i, name in enumerate(full)]
    return times[-1], costs
