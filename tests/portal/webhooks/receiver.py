"""A webhook receiver as a third party would run it: http.server on loopback in a thread. It
checks every request with the README's verification snippet (`verify`) and records it."""

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


# --- The README's example, as a third party writes it ------------------------------------------
def verify(secret: str, timestamp: str, signatures: str, body: bytes, tolerance: int = 300) -> bool:
    """True when `body` was signed by MeterGate with `secret` less than `tolerance` seconds ago."""
    if abs(time.time() - int(timestamp)) > tolerance:
        return False  # too old (or from the future): a replayed request
    signed = timestamp.encode() + b"." + body
    expected = "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate.strip()) for candidate in signatures.split(","))


# -------------------------------------------------------------------------------------------------


@dataclass
class Received:
    headers: Message  # names compared without case, as every web framework does
    body: bytes
    verified: bool


class Receiver:
    """Answers `status` to every request whose signature verifies (400 to the others)."""

    def __init__(self):
        self.requests: list[Received] = []
        self.status = 200
        self.secret: str | None = None  # None: accept anything (not yet told the secret)
        self.tolerance = 300
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/hooks/metergate"

    def start(self) -> "Receiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def check(self, headers: Message, body: bytes) -> bool:
        if self.secret is None:
            return True
        timestamp, signatures = headers.get("MeterGate-Timestamp"), headers.get("MeterGate-Signature")
        if not timestamp or not signatures:
            return False
        return verify(self.secret, timestamp, signatures, body, tolerance=self.tolerance)


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = self.headers
        verified = receiver.check(headers, body)
        receiver.requests.append(Received(headers=headers, body=body, verified=verified))
        status = receiver.status if verified else 400
        answer = b"ok" if status < 300 else b"not accepted"
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):  # quiet test output
        pass
