"""Test and benchmark support that speaks real protocols: the Sheets API emulator, a free local port."""

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (the browser tests' and the benchmark's servers)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
