"""How ``python app.py`` runs uvicorn: time limits for slow clients, connection caps and private access logs.

Uvicorn closes an idle keep-alive connection, but waits for ever on a client that sends half a request line, half
its headers or half its body: a few hundred such connections hold the server. Here

- the request line and headers must arrive within ``HEADER_TIMEOUT_S`` of the connection (or of the end of the
  previous response), else 408 and the connection closes;
- the body within ``BODY_TIMEOUT_S`` of the headers, else the connection closes;
- at most ``MAX_CONNECTIONS`` connections at once (uvicorn's ``limit_concurrency``: 503 beyond), and at most
  ``MAX_CONNECTIONS_PER_CLIENT`` from one address (a trusted proxy, FORWARDED_ALLOW_IPS, is exempt: every resident
  comes through it);
- access log lines carry no client address and no query string (``BOT_ACCESS_LOG_CLIENTS=on`` brings the
  address back for operators), written as uvicorn writes them, without its per-line record copies.

Behind a reverse proxy (nginx, Caddy) the proxy's own limits apply first; these are the floor when there is none.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import sys
from typing import Any

from ..config import Settings

log = logging.getLogger("bot.web.server")

HEADER_TIMEOUT_S = 10.0
BODY_TIMEOUT_S = 30.0
KEEP_ALIVE_S = 5
MAX_CONNECTIONS = 1000
MAX_CONNECTIONS_PER_CLIENT = 64
_REQUEST_TIMEOUT = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                    b"content-length: 16\r\nconnection: close\r\n\r\nrequest timeout\n")


class PrivateAccessLog(logging.Filter):
    """uvicorn's access lines (``client - "METHOD path HTTP/v" status``) without the client's address (unless
    ``clients``) and without the query string; its WebSocket lines without the address too."""

    def __init__(self, clients: bool = False) -> None:
        super().__init__()
        self.clients = clients

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args and isinstance(record.msg, str) and record.msg.startswith("%s - "):
            values = list(args)
            if not self.clients:
                values[0] = "-"
            if len(values) >= 3 and record.name == "uvicorn.access" and isinstance(values[2], str):
                values[2] = values[2].split("?", 1)[0]
            record.args = tuple(values)
        return True


class AccessLines:
    """What uvicorn's request cycle logs its access line through (``access_logger.info(msg, *args)``): the same
    record, handed to the same logger (its level, filters — ``PrivateAccessLog`` — and handlers), without logging's
    walk up the stack for the caller: the caller is the frame one up, which is what that walk finds (file, line,
    function). With ``quick_access_formatter`` an access line costs ~8 µs instead of ~13.5 µs (in a loop; about
    twice that in the server), and a chat question is two requests, two lines."""

    __slots__ = ("logger",)

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    def info(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        logger = self.logger
        if kwargs:  # not what uvicorn sends: logging's own path, one frame further up
            logger.info(msg, *args, **{"stacklevel": 2, **kwargs})
            return
        if not logger.isEnabledFor(logging.INFO):
            return
        if logging._srcfile:  # type: ignore[attr-defined]  # what Logger._log does when it is None
            frame = sys._getframe(1)
            where: tuple[str, int, str] = (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
        else:
            where = ("(unknown file)", 0, "(unknown function)")
        logger.handle(logger.makeRecord(logger.name, logging.INFO, where[0], where[1], msg, args, None, where[2]))

    def __getattr__(self, name: str) -> Any:  # anything else a cycle might ask of its logger
        return getattr(self.logger, name)


def quick_access_formatter(formatter: logging.Formatter) -> logging.Formatter:
    """The same lines as uvicorn's AccessFormatter without its two ``copy.copy`` of every record (~5 µs a line):
    one dict of the record's fields and the line's (``levelprefix``, ``client_addr``, ``request_line``,
    ``status_code``) formatted by the same format string; the status phrases looked up once. Coloured output
    (a terminal) keeps uvicorn's own code."""
    from uvicorn.logging import AccessFormatter

    if type(formatter) is not AccessFormatter:  # an operator's own log configuration: left as it is
        return formatter

    class QuickAccessFormatter(AccessFormatter):
        phrases: dict[int, str] = {}

        def formatMessage(self, record: logging.LogRecord) -> str:
            args = record.args
            if self.use_colors or not isinstance(args, tuple) or len(args) != 5:
                return super().formatMessage(record)
            client_addr, method, full_path, http_version, status_code = args
            code = int(status_code)  # type: ignore[call-overload]
            status = self.phrases.get(code)
            if status is None:
                status = self.get_status_code(code)
                if 100 <= code < 600:
                    self.phrases[code] = status
            values = dict(record.__dict__)
            values["levelprefix"] = record.levelname + ":" + " " * (8 - len(record.levelname))
            values["client_addr"] = client_addr
            values["request_line"] = f"{method} {full_path} HTTP/{http_version}"
            values["status_code"] = status
            view = logging.LogRecord.__new__(logging.LogRecord)
            view.__dict__ = values
            return self._style.format(view)

    quick = QuickAccessFormatter(formatter._fmt, formatter.datefmt, use_colors=formatter.use_colors)
    quick._style = formatter._style  # the same style object: its format string and defaults
    return quick


_ACCESS_LINES: AccessLines | None = None


def install_access_log(settings: Settings) -> None:
    """Filters on uvicorn's loggers, the quick formatter on the access log's handlers (call after uvicorn
    configured logging, i.e. after ``uvicorn.Config``)."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, PrivateAccessLog)]:
            logger.removeFilter(old)
        logger.addFilter(PrivateAccessLog(clients=settings.access_log_clients))
    for handler in logging.getLogger("uvicorn.access").handlers:
        if handler.formatter is not None:
            handler.setFormatter(quick_access_formatter(handler.formatter))


def access_lines() -> AccessLines:
    global _ACCESS_LINES
    if _ACCESS_LINES is None:
        _ACCESS_LINES = AccessLines(logging.getLogger("uvicorn.access"))
    return _ACCESS_LINES


def _trusted(forwarded_allow_ips: Any) -> tuple[str, ...]:
    """uvicorn's forwarded_allow_ips as the key ``_exempt`` is cached by (it is parsed once per value, not on every
    connection: ~7 µs)."""
    items = forwarded_allow_ips if isinstance(forwarded_allow_ips, list) else str(forwarded_allow_ips).split(",")
    return tuple(str(i).strip() for i in items)


@functools.lru_cache(maxsize=16)
def _trusted_nets(items: tuple[str, ...]) -> tuple[bool, tuple[Any, ...]]:
    """(everyone is trusted, the trusted networks) from forwarded_allow_ips' items."""
    nets = []
    for item in items:
        if item == "*":
            return True, ()
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            continue  # a unix socket path or a host name: not an address to match
    return False, tuple(nets)


@functools.lru_cache(maxsize=4096)
def _exempt(host: str, trusted: tuple[str, ...]) -> bool:
    """A connection from ``host`` is not counted against the per-client cap: it comes from a trusted proxy (or is
    not an address)."""
    everyone, nets = _trusted_nets(trusted)
    if everyone:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return any(address in net for net in nets)


def protocol_class() -> type:
    """uvicorn's httptools protocol with header and body deadlines and a per-client connection cap."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class GuardedProtocol(HttpToolsProtocol):
        _per_client: dict[str, int] = {}

        def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(config, *args, **kwargs)
            self.access_logger = access_lines()  # type: ignore[assignment]  # access_log was read off the logger
            self._deadline: asyncio.TimerHandle | None = None
            self._peer: str | None = None
            self._trusted = _trusted(config.forwarded_allow_ips)

        def _arm(self, seconds: float, what: str) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, self._expired, what)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self, what: str) -> None:
            self._deadline = None
            if self.transport.is_closing():
                return
            log.info("closed a connection whose %s did not arrive in time", what)
            if what == "request headers" and (self.cycle is None or self.cycle.response_complete):
                self.transport.write(_REQUEST_TIMEOUT)
            self.transport.close()

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            host = self.client[0] if self.client else None
            if host is not None and not _exempt(host, self._trusted):
                count = self._per_client.get(host, 0) + 1
                self._per_client[host] = count
                self._peer = host
                if count > MAX_CONNECTIONS_PER_CLIENT:
                    log.warning("refused a connection: more than %d open from one client", MAX_CONNECTIONS_PER_CLIENT)
                    transport.close()
                    return
            self._arm(HEADER_TIMEOUT_S, "request headers")

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._peer is not None:
                left = self._per_client.get(self._peer, 1) - 1
                if left > 0:
                    self._per_client[self._peer] = left
                else:
                    self._per_client.pop(self._peer, None)
                self._peer = None
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm(HEADER_TIMEOUT_S, "request headers")

        def on_headers_complete(self) -> None:
            self._arm(BODY_TIMEOUT_S, "request body")
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._disarm()
            super().on_message_complete()

    return GuardedProtocol


def server_config(app: Any, settings: Settings, **overrides: Any) -> Any:
    """The uvicorn configuration ``python app.py`` runs with (``overrides`` for tests: e.g. ``port=0``)."""
    import uvicorn

    options: dict[str, Any] = {"host": settings.host, "port": settings.port, "log_level": "info",
                               "timeout_keep_alive": KEEP_ALIVE_S, "limit_concurrency": MAX_CONNECTIONS,
                               "backlog": 2048, "h11_max_incomplete_event_size": 64 * 1024}
    try:
        options["http"] = protocol_class()
    except ImportError:  # no httptools: uvicorn's h11 protocol, without the header and body deadlines
        log.warning("httptools is missing: slow clients are not timed out — pip install httptools")
    options.update(overrides)
    return uvicorn.Config(app, **options)


def run(app: Any, settings: Settings) -> None:
    import uvicorn

    config = server_config(app, settings)
    install_access_log(settings)
    uvicorn.Server(config).run()
