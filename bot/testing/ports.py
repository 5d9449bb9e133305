"""Ports for the servers the tests and benchmarks start on this machine.

Binding port 0 and closing the probe, the usual trick, draws from the kernel's
ephemeral range, the range outgoing connections use too: between the probe closing and
the server binding, an outgoing connection took the port once in a CI run ("Address
already in use"). Here the ports come from below that range, a block per pytest-xdist
worker, from a random place in it (another run on the machine starts elsewhere), so no
outgoing connection and no other worker is given the same port.
"""

from __future__ import annotations

import itertools
import os
import random
import socket
from pathlib import Path

BLOCK = 500  # ports per worker


def _ephemeral_floor() -> int:
    """The lowest port the kernel hands to outgoing connections (Linux; 32768 elsewhere)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_block_start = max(2048, min(_ephemeral_floor(), 32768) - BLOCK * (_worker + 1))
_turns = itertools.count(random.randrange(BLOCK))


def free_port() -> int:
    """A free port on 127.0.0.1 that no other worker and no outgoing connection will be given."""
    for _ in range(BLOCK):
        port = _block_start + next(_turns) % BLOCK
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # a server of an earlier test, or something else on the machine
            return port
    raise RuntimeError(f"no free port in worker {_worker}'s block")
