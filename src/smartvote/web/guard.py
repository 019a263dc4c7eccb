"""uvicorn's httptools protocol with a header deadline (slowloris).

uvicorn never closes a connection that is idle before its first request or stuck in the
middle of its headers. :class:`GuardedHttpTools` closes it when a request's headers are not
complete ``$SMARTVOTE_HEADER_TIMEOUT`` seconds (default 10) after the connection opened or
after the previous response. Its own answer to a malformed request (400) carries the
security headers of every other answer (uvicorn's has none). Defined at module level so
that uvicorn's spawned workers can unpickle it.
"""

from __future__ import annotations

import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from smartvote.web.responses import SECURITY_HEADERS

HEADER_TIMEOUT = 10.0


class GuardedHttpTools(HttpToolsProtocol):  # type: ignore[misc]
    _sv_timer: Any = None

    def _sv_arm(self) -> None:
        self._sv_disarm()
        limit = float(os.environ.get("SMARTVOTE_HEADER_TIMEOUT", HEADER_TIMEOUT))
        self._sv_timer = self.loop.call_later(limit, self._sv_expire)

    def _sv_disarm(self) -> None:
        if self._sv_timer is not None:
            self._sv_timer.cancel()
            self._sv_timer = None

    def _sv_expire(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._sv_arm()

    def on_headers_complete(self) -> None:
        self._sv_disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._sv_arm()  # the next request's headers are due in time too

    def send_400_response(self, msg: str) -> None:
        """uvicorn's 400 for a request it cannot parse, with our security headers."""
        body = msg.encode("ascii")
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        head += [k + b": " + v + b"\r\n" for k, v in SECURITY_HEADERS]
        head += [
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join([*head, body]))
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._sv_disarm()
        super().connection_lost(exc)
