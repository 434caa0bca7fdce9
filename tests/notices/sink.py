"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives, and can misbehave on purpose."""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Handler:
    """Stores each accepted message. ``reject_after``: answer 451 to the data of every message after the N-th;
    ``drop_after``: keep the (N+1)-th message but close the connection before answering (the reply is lost)."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    reject_after: int | None = None
    drop_after: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            if self.reject_after is not None and len(self.messages) >= self.reject_after:
                return "451 4.3.0 Try again later"
            self.messages.append({"message_id": parsed["Message-ID"], "to": list(envelope.rcpt_tos), "message": parsed})
            if self.drop_after is not None and len(self.messages) == self.drop_after + 1:
                server.transport.close()  # stored, but the client never hears the 250
                return "250 OK"
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [m["message_id"] for m in self.messages]


class Sink:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = Handler()
        self.controller: Controller | None = None

    def start(self) -> Sink:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, decode_data=False)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
