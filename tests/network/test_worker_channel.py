"""The console's end of the socket to its bus and engine workers (`worker_process._Channel`):
orders reach the worker whole and in the order given, however full the socket is.

The socket is real; the moment a new order arrives while the backlog is being written, with room
in the socket, is held open by the test (`FullSocket`), so it is reached on every run, not by
chance."""

from __future__ import annotations

import socket
import threading

from console.network.worker_process import _Channel, frame, read_frame


class FullSocket:
    """A real socket, full until the worker reads (`room`): a send without waiting writes
    nothing before that. Its sendall, once called, holds until `go`: the moment between the
    flusher taking an order from the backlog and the kernel taking its bytes."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.writing = threading.Event()   # the flusher has taken an order and is writing it
        self.room = threading.Event()      # the worker has read: the buffer has room again
        self.go = threading.Event()

    def send(self, data: bytes, flags: int = 0) -> int:
        return self.sock.send(data, flags) if self.room.is_set() else 0

    def sendall(self, data: bytes) -> None:
        self.writing.set()
        assert self.go.wait(5)
        self.sock.sendall(data)


def test_an_order_given_while_the_backlog_is_written_goes_after_it_whole() -> None:
    # A row committed while a backlog went out (a restart's greeting, the rows kept through an
    # outage) went straight to the socket while the flusher held the order before it: the worker
    # read the orders out of order (MLLP messages out of order at the engine) or, with the
    # flusher halfway through its order, a corrupt frame (the worker died, everything kept was
    # sent again, the engine's tries counted afresh).
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    socket_ = FullSocket(ours)
    channel = _Channel(socket_)  # type: ignore[arg-type]  # a socket in all the channel uses
    channel.send(frame(("submit", "kept-1", "x" * 2000)))   # full: to the backlog
    assert socket_.writing.wait(5)                            # the flusher writes it...
    socket_.room.set()                                        # ...as the worker reads
    channel.send(frame(("submit", "new-2", "y" * 20)))       # a new row meanwhile
    socket_.go.set()
    theirs.settimeout(5)
    first, second = read_frame(theirs), read_frame(theirs)
    assert first is not None and second is not None
    assert (first[1], second[1]) == ("kept-1", "new-2")
    channel.close()
    ours.close()
    theirs.close()
