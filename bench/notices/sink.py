"""The benchmark's SMTP sink, in a process of its own (a sink in a thread of the sender would share its GIL):
``python sink.py PORT FILE`` appends "<monotonic time> <Message-ID>" to FILE for every message it accepts."""

from __future__ import annotations

import email
import signal
import sys
import threading
import time
from typing import Any

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, path: str) -> None:
        self.out = open(path, "a", buffering=1, encoding="ascii")  # noqa: SIM115 - open for the process's life

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers = email.message_from_bytes(envelope.content.split(b"\r\n\r\n", 1)[0])
        self.out.write(f"{time.monotonic():.6f} {headers['Message-ID']}\n")
        return "250 OK"


def main() -> None:
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Handler(path), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
