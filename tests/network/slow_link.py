"""A slow link to a test broker (tests/tcp_relay.TcpRelay underneath, closed by the tests): the
broker's answers come `delay_s` late, as over a slow clinic link, a Wi-Fi hop or a broker at
another site. Nothing is lost, only slow.

    with SlowLink(broker.port, 0.05) as link:   # 50 ms answers
        chair = Chair(..., bus_config(link.url), ...)
"""
from __future__ import annotations

import socket
import time

from tests.tcp_relay import TcpRelay, close_socket


class SlowLink(TcpRelay):
    """A TCP relay to the broker on 127.0.0.1:`upstream_port` that forwards everything, the
    broker's bytes `delay_s` (> 0) late, or lost once `mute()` was called."""

    def __init__(self, upstream_port: int, delay_s: float) -> None:
        super().__init__("slow-link")
        self.upstream = ("127.0.0.1", upstream_port)
        self.delay_s = delay_s
        self.muted = False   # `mute()`: the broker's bytes are lost on the way

    def mute(self) -> None:
        """From now on the broker's answers are lost on the way (a one-way fault: what the
        client sends still reaches the broker, which hears nothing wrong)."""
        self.muted = True

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def accepted(self, client: socket.socket) -> None:
        upstream = self.connect(self.upstream, client)
        if upstream is None:
            return
        self.spawn(self._pipe, client, upstream, 0.0)
        self.spawn(self._pipe, upstream, client, self.delay_s)

    def _pipe(self, src: socket.socket, dst: socket.socket, delay: float) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                close_socket(dst)
                close_socket(src)
                return
            if delay:
                time.sleep(delay)   # the link's latency (the network's time, not a clock's)
                if self.muted:
                    continue
            try:
                dst.sendall(data)
            except OSError:
                close_socket(src)
                return
