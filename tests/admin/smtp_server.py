"""A tiny SMTP server for tests: speaks the few verbs smtplib uses, in a thread.

``reject`` set to a reply such as ``"451 4.3.0 Réessayez plus tard"`` makes
every MAIL FROM fail with it, as a busy or broken relay would.
"""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class SMTPState:
    received: list[Received] = field(default_factory=list)
    reject: str | None = None


class _Handler(socketserver.StreamRequestHandler):
    timeout = 10

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        state: SMTPState = self.server.state  # type: ignore[attr-defined]
        mail_from, rcpt_to = None, []
        self._reply("220 localhost ESMTP test")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self._reply("250-localhost")
                self._reply("250 8BITMIME")
            elif verb == "HELO":
                self._reply("250 localhost")
            elif verb == "MAIL":
                if state.reject:
                    self._reply(state.reject)
                    continue
                mail_from, rcpt_to = command.split(":", 1)[1].strip(), []
                self._reply("250 OK")
            elif verb == "RCPT":
                rcpt_to.append(command.split(":", 1)[1].strip().strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    line = self.rfile.readline()
                    if not line or line == b".\r\n":
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                state.received.append(Received(mail_from or "", rcpt_to, b"".join(lines)))
                self._reply("250 OK queued")
            elif verb in {"RSET", "NOOP"}:
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPServer:
    """``with SMTPServer() as smtp:`` listens on 127.0.0.1:``smtp.port``."""

    def __init__(self) -> None:
        self.state = SMTPState()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def received(self) -> list[Received]:
        return self.state.received

    def reject_with(self, reply: str | None) -> None:
        self.state.reject = reply

    def __enter__(self) -> SMTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
