"""A stand-in for DNS: chosen names answer what a test says, every other name resolves for real."""

from __future__ import annotations

import socket
from typing import Any

_real_getaddrinfo = socket.getaddrinfo


class FakeDNS:
    """Replaces ``socket.getaddrinfo``. ``dns["hooks.partner.io"] = ["10.0.0.5"]`` answers that on every lookup;
    ``dns.then("hooks.partner.io", ["93.184.215.14"], ["127.0.0.1"])`` answers each list in turn (the last one
    from then on), as a rebinding name does. ``lookups`` counts the lookups of each chosen name."""

    def __init__(self) -> None:
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: dict[str, int] = {}

    def __setitem__(self, name: str, addresses: list[str]) -> None:
        self.answers[name] = [addresses]

    def then(self, name: str, *answers: list[str]) -> None:
        self.answers[name] = list(answers)

    def __call__(self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.answers:
            return _real_getaddrinfo(host, port, family, type, proto, flags)
        self.lookups[name] = self.lookups.get(name, 0) + 1
        queue = self.answers[name]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        port = int(port or 0)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)) if ":" in address
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in addresses
        ]
