"""A loopback ntfy server stand-in: records each message apprise's ntfy:// plugin posts.

Shape as apprise 2.2 sends it (checked by hand against the plugin): POST / with a JSON
body {"topic", "title", "message"}; ntfy answers 200 with the stored message as JSON.
`hold` makes it keep the answer back (to kill the sender after delivery, before it hears back).
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class NtfyReceiver:
    """ntfy://127.0.0.1:<port>/<topic> for apprise; .messages holds what arrived."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.arrived = threading.Event()
        self.hold = threading.Event()
        self.hold.set()  # set = answer at once
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.messages.append(json.loads(body or b"{}"))
                receiver.arrived.set()
                receiver.hold.wait(30)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"id":"standin","event":"message"}')

            def log_message(self, *args):  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        """The apprise URL for this receiver."""
        return f"ntfy://127.0.0.1:{self.server.server_address[1]}/shop-alerts"

    def stop(self) -> None:
        """Stop listening."""
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()
