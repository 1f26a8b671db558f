"""A loopback relay that loses answers: it forwards a request, lets it land, then hangs up.

This is the failure FACTS.md 4 warns about: a timeout, a reset or a killed process
after Google applied a `values.append`. The upstream has done the write; the client
sees only a dropped connection and cannot know. Requests that match `drop_when`
(until `drops` runs out) get that treatment; all others are relayed unchanged.
"""
from __future__ import annotations

import socket
import socketserver
import threading
from typing import Callable
from urllib.parse import urlsplit


def _read_request(conn: socket.socket) -> bytes | None:
    """One HTTP request (head + Content-Length body), or None when the client closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(min(1 << 20, length - len(body)))
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


class LossyRelay:
    """Relay 127.0.0.1:<port> -> upstream; drop the answer of matching requests after they landed."""

    def __init__(self, upstream: str, drop_when: Callable[[str, str], bool], drops: int = 1) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.drop_when, self.drops = drop_when, drops
        self.dropped: list[str] = []
        self.lock = threading.Lock()
        self.server: socketserver.ThreadingTCPServer | None = None
        self.url = ""

    def start(self) -> "LossyRelay":
        """Listen on a free loopback port in a daemon thread."""
        relay = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):  # noqa: D401 - socketserver API
                relay._serve(self.request)

        socketserver.ThreadingTCPServer.daemon_threads = True
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True, name="lossy-relay").start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _serve(self, client: socket.socket) -> None:
        """Relay requests on one client connection until it closes (or we hang up on purpose)."""
        while True:
            request = _read_request(client)
            if request is None:
                return
            line = request.split(b"\r\n", 1)[0].decode("latin-1")
            method, _, rest = line.partition(" ")
            path = rest.rsplit(" ", 1)[0]
            # One upstream connection per request, told to close, so the answer ends at EOF.
            head, _, body = request.partition(b"\r\n\r\n")
            lines = [h for h in head.split(b"\r\n") if not h.lower().startswith(b"connection:")]
            request = b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n" + body
            with socket.create_connection(self.upstream, timeout=30) as up:
                up.sendall(request)
                answer = b""
                while chunk := up.recv(65536):
                    answer += chunk
            with self.lock:
                drop = self.drops > 0 and self.drop_when(method, path)
                if drop:
                    self.drops -= 1
                    self.dropped.append(f"{method} {path}")
            if drop:
                # The write landed upstream; the client gets a reset instead of the answer.
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                client.close()
                return
            client.sendall(answer)
            if b"\r\nconnection: close" in answer.split(b"\r\n\r\n", 1)[0].lower() or answer.startswith(
                    b"HTTP/1.0"):
                return


def is_orders_append(method: str, path: str) -> bool:
    """An append to the Orders tab (the request whose lost answer used to double rows)."""
    from urllib.parse import unquote

    return method == "POST" and ":append" in path and "Orders" in unquote(path)
