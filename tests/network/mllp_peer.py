"""A real MLLP peer for tests: python-hl7's `hl7.mllp` asyncio server in its own thread, answering
each message as the test scripts it (AA, AE, AR, an ACK for another control id, silence, dropping
the connection, not listening)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import hl7.mllp

HOST = "127.0.0.1"
WAIT = 10.0  # real seconds any single wait in a test may take before it fails


@contextlib.contextmanager
def reserve_port() -> Iterator[int]:
    """A loopback port held by a bound, never-listening socket (SO_REUSEPORT): connections are
    refused, as from an engine that is down, until a peer listens on it; it stays ours while the
    peer is away."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind((HOST, 0))
    try:
        yield holder.getsockname()[1]
    finally:
        holder.close()




@dataclass(frozen=True)
class Reply:
    """What the peer does with one received message.

    code: the ACK code to answer (None: answer nothing). ack_id: MSA-2 when not the message's own.
    text: MSA-3. close: close the connection after (or instead of) answering. stop_listening:
    also close the listening socket first, so new connections are refused.
    """

    code: str | None = "AA"
    ack_id: str | None = None
    text: str = ""
    close: bool = False
    stop_listening: bool = False


Script = Callable[[str, int], Reply]  # (control id, times the peer has now seen it) -> reply


def always(code: str, text: str = "") -> Script:
    return lambda cid, seen: Reply(code, text=text)


class MllpPeer:
    """python-hl7's MLLP server in a background event loop, answering by a script.

    `received` lists every control id the peer read (hl7.mllp parsed the message), in order,
    duplicates included; `connections` counts accepted connections.
    """

    def __init__(self, port: int, script: Script, tls: ssl.SSLContext | None = None) -> None:
        self.port = port
        self.tls = tls
        self.script = script
        self.received: list[str] = []
        self.connections = 0
        self.closed_connections = 0
        self.cond = threading.Condition()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mllp-peer", daemon=True)
        self._thread.start()

    def listen(self) -> None:
        """Start (or restart) listening on the reserved port."""
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(WAIT)

    async def _listen(self) -> None:
        # hl7.mllp.start_hl7_server passes the rest to loop.create_server. UTF-8: the console's
        # messages say so in MSH-18 (hl7.mllp reads ASCII unless told).
        self._server = await hl7.mllp.start_hl7_server(self._handle, HOST, self.port,
                                                       encoding="utf-8", reuse_port=True,
                                                       ssl=self.tls)

    def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _handle(self, reader: hl7.mllp.HL7StreamReader,
                      writer: hl7.mllp.HL7StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        with self.cond:
            self.connections += 1
            self.cond.notify_all()
        try:
            while True:
                try:
                    msg = await reader.readmessage()
                except (asyncio.IncompleteReadError, ConnectionError):
                    break
                cid = str(msg.segment("MSH")(10))
                with self.cond:
                    self.received.append(cid)
                    seen = self.received.count(cid)
                reply = self.script(cid, seen)
                if reply.stop_listening:
                    self._stop_listening()
                if reply.code is not None:
                    ack = (f"MSH|^~\\&|ENGINE|CLINIC|INFUSION-CONSOLE|CHAIR1|20260105090001+0000||"
                           f"ACK^R01^ACK|ACK-{cid}-{seen}|P|2.6\r"
                           f"MSA|{reply.code}|{reply.ack_id or cid}|{reply.text}\r")
                    writer.writeblock(ack.encode("ascii"))
                    await writer.drain()
                with self.cond:
                    self.cond.notify_all()
                if reply.close:
                    break
        finally:
            if self.tls is not None:
                # No TLS close_notify exchange: the console's sender keeps its connection open
                # and would be waited for at teardown.
                writer.transport.abort()
            else:
                writer.close()
                try:
                    await writer.wait_closed()
                except (ConnectionError, asyncio.CancelledError):
                    pass
            self._tasks.discard(task)
            with self.cond:
                self.closed_connections += 1
                self.cond.notify_all()

    def wait_for(self, predicate: Callable[[], bool], what: str) -> None:
        with self.cond:
            assert self.cond.wait_for(predicate, WAIT), f"peer: {what} (received {self.received})"

    def close(self) -> None:
        async def shut() -> None:
            self._stop_listening()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(WAIT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(WAIT)
        self._loop.close()


