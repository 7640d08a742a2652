"""A raw MLLP peer: a thread per connection, scripted per connection number, so a test can do
what python-hl7's server cannot (close after reading, as a TLS proxy whose engine is down does;
answer by the real time, as an engine whose database is locked for a moment does)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

HOST = "127.0.0.1"


def ack(code: str, cid: str, text: str = "") -> bytes:
    body = (f"MSH|^~\\&|ENGINE|CLINIC|IC|CHAIR|20260105090001+0000||ACK^R01^ACK|A-{cid}|P|2.6\r"
            f"MSA|{code}|{cid}|{text}\r")
    return b"\x0b" + body.encode() + b"\x1c\r"


def read_frame(conn: socket.socket, buf: bytearray) -> bytes | None:
    while True:
        end = buf.find(b"\x1c")
        if end >= 0:
            start = buf.find(b"\x0b")
            frame = bytes(buf[start + 1:end])
            del buf[:end + 2]
            return frame
        try:
            got = conn.recv(65536)
        except OSError:
            return None
        if not got:
            return None
        buf += got


def msh10(frame: bytes) -> str:
    return frame.decode().split("\r", 1)[0].split("|")[9]


# handler(conn_number, conn, peer) runs in its own thread for each accepted connection
Handler = Callable[[int, socket.socket, "RawPeer"], None]


class RawPeer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind((HOST, 0))
        self.srv.listen(16)
        self.port = self.srv.getsockname()[1]
        self.cond = threading.Condition()
        self.received: list[str] = []
        self.connections = 0
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"mllp://{HOST}:{self.port}"

    def got(self, cid: str) -> None:
        with self.cond:
            self.received.append(cid)
            self.cond.notify_all()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            with self.cond:
                self.connections += 1
                n = self.connections
                self.cond.notify_all()
            threading.Thread(target=self._run, args=(n, conn), daemon=True).start()

    def _run(self, n: int, conn: socket.socket) -> None:
        try:
            self.handler(n, conn, self)
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)

    def close(self) -> None:
        self._stop = True
        self.srv.close()
