"""Which URLs the server may call on someone's behalf, and connecting only to the addresses that were checked.

A contact channel's webhook URL is typed by a manager (or imported from a matrix file) and called by a worker
inside our network. Unchecked, ``http://127.0.0.1:8000/admin/…``, a database's HTTP port or the cloud metadata
service at 169.254.169.254 would be called with the worker's reach (server-side request forgery). So outbound
calls go only to public addresses, unless the operator lists a host in ``OUTBOUND_ALLOWED_HOSTS`` (an internal
relay, a test receiver).

The check runs twice. When a channel is saved (``url_refusal``), so the manager gets a clear error at once; and
when a message is sent (``create_connection``), which is the one that protects: the name is resolved once, every
address it resolves to is checked, and the socket connects to one of exactly those addresses. A name that
answered with a public address at save time and answers with a private one now (DNS rebinding), or between the
check and the connect, is refused. Nothing here imports the project's models: the matrix's validation and the
sender both import it.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.request
from collections.abc import Sequence
from http import client as http_client
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddrInfo = tuple[Any, ...]  # one answer of socket.getaddrinfo: family, type, proto, canonname, sockaddr

SCHEMES = {"http": 80, "https": 443}
POLICY = "outbound calls go only to public addresses unless OUTBOUND_ALLOWED_HOSTS lists the host"
METADATA_ADDRESS = ipaddress.IPv4Address("169.254.169.254")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: an IPv4 address in its last 32 bits

# Names reserved for examples (RFC 2606, RFC 6761): nothing public answers there. The demo organisation's
# contacts and the tests use them; with DEBUG on, the sender prints a message to one instead of sending it.
EXAMPLE_DOMAINS = ("example", "invalid", "test", "example.com", "example.net", "example.org")


class OutboundRefused(OSError):
    """The policy refuses this call; the text says why and is safe to store and show (no path, no answer).

    An ``OSError``, so that urllib and http.client report it the way they report any connection that failed.
    """


def is_example_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in EXAMPLE_DOMAINS)


# --- the allow-list -----------------------------------------------------------------------------------
def _canonical(host: str) -> str:
    """A host as the allow-list compares it: one spelling per IP address, names in lower case without the
    trailing dot."""
    address = _ip(host)
    return str(address) if address is not None else host.lower().rstrip(".")


def _allow_entry(entry: str) -> tuple[str, int | None] | None:
    """``host``, ``host:port``, ``[v6]``, ``[v6]:port`` or a bare IPv6 address → (host, port or None); None
    for an entry with a port that is not a number (it then allows nothing, and the refusal names the setting)."""
    entry = entry.strip()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        host, port = entry.split(":")
    else:  # a name, an IPv4 address or a bare IPv6 address
        host, port = entry, ""
    if port and not port.isdigit():
        return None
    return _canonical(host), int(port) if port else None


def is_allowed(host: str, port: int) -> bool:
    """Whether the operator lets calls go to ``host`` (a name or an address) on ``port`` whatever it resolves to."""
    host = _canonical(host)
    for entry in getattr(settings, "OUTBOUND_ALLOWED_HOSTS", ()):
        parsed = _allow_entry(entry)
        if parsed is not None and parsed[0] == host and parsed[1] in (None, port):
            return True
    return False


# --- addresses ----------------------------------------------------------------------------------------
def _ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 address carries, and how: these reach the IPv4 address through a translator."""
    if address.ipv4_mapped is not None:
        return "an IPv4-mapped form", address.ipv4_mapped
    if address.sixtofour is not None:
        return "a 6to4 form", address.sixtofour
    if address.teredo is not None:
        return "a Teredo form", address.teredo[1]
    if address in NAT64:
        return "a NAT64 form", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_kind(address: IPAddress) -> str | None:
    """What makes ``address`` off limits ("a loopback address"), or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            form, ipv4 = embedded
            inner = address_kind(ipv4)
            if inner is not None:
                return f"{form} of {ipv4}, {inner}"
            if address.ipv4_mapped is not None or address in NAT64:
                return None  # the public IPv4 address itself (DNS64 answers so on IPv6-only networks)
    # The specific kinds first, for a message that says what the address is; ``is_global`` last, as the base
    # test (it also covers shared, documentation and benchmarking ranges). Multicast and site-local addresses
    # can be "global", so they are named explicitly.
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address == METADATA_ADDRESS:
        return "a link-local address (the cloud metadata service)"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "a site-local address"
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a non-public address"
    return None


def refusal(host: str, port: int, answers: Sequence[AddrInfo]) -> str | None:
    """Why ``host`` may not be called on ``port`` given what it resolved to (``socket.getaddrinfo``'s answers),
    or None. Any one forbidden address refuses the host: the connection may go to any of them."""
    if is_allowed(host, port):
        return None
    literal = _ip(host)
    for answer in answers:
        address = _ip(str(answer[4][0]))
        if address is None:  # not an IP address we can judge (another address family): refused, not waved through
            return f"{host} resolves to {answer[4][0]}, which is not an IP address; {POLICY}."
        if is_allowed(str(address), port):
            continue
        kind = address_kind(address)
        if kind is not None:
            where = f"{host} is {kind}" if literal is not None else f"{host} resolves to {address}, {kind}"
            return f"{where}; {POLICY}."
    return None


def resolve(host: str, port: int) -> list[AddrInfo]:
    return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)


# --- at save time -------------------------------------------------------------------------------------
def url_refusal(url: str) -> str | None:
    """Why the server must not call ``url``, or None: what a form or a model's ``clean()`` says about a
    webhook URL when it is saved.

    A literal address is checked as it is, and a name by what it resolves to now. A name that does not
    resolve at all is accepted: it cannot be called while it does not resolve, DNS may not be reachable from
    where the channel is saved (an import, a machine without network), and a contact for a service that is
    still being set up is legitimate. Whatever it resolves to later is checked at send time. Names reserved
    for examples are not looked up, so the demo and the tests never wait for DNS.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return "The URL is not valid (check the host and the port)."
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        kind = f"{scheme} URLs" if scheme else "URLs without a scheme"
        return f"Only http and https URLs are called, not {kind}."
    host = parts.hostname
    if not host:
        return "The URL names no host."
    port = port or SCHEMES[scheme]
    if is_allowed(host, port):
        return None
    if _ip(host) is not None:
        return refusal(host, port, [(None, None, None, "", (host, port))])
    if is_example_host(host):
        return None
    try:
        answers = resolve(host, port)
    except (OSError, UnicodeError):  # gaierror: no such name (or no DNS here); see above
        return None
    return refusal(host, port, answers)


# --- at send time -------------------------------------------------------------------------------------
def create_connection(address: tuple[str, int], timeout: Any = None,
                      source_address: tuple[str, int] | None = None) -> socket.socket:
    """``socket.create_connection`` for calls on someone's behalf: resolve once, refuse (``OutboundRefused``)
    unless every address is allowed, then connect to one of exactly those addresses. Connecting by the
    answers already checked, never by the name again, is what defeats DNS rebinding."""
    host, port = address
    answers = resolve(host, port)
    reason = refusal(host, port, answers)
    if reason is not None:
        raise OutboundRefused(reason)
    error: OSError | None = None
    for family, kind, proto, _name, sockaddr in answers:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is None or isinstance(timeout, int | float):  # else: socket's global default
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError(f"{host} resolves to no address")


class _CheckedConnection:
    """Mixed into http.client's connections: the socket comes from ``create_connection`` above. For HTTPS,
    http.client still wraps it with the URL's host name, so SNI, certificate checks and the Host header are
    those of the name, not of the address."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = create_connection


class CheckedHTTPConnection(_CheckedConnection, http_client.HTTPConnection):
    pass


class CheckedHTTPSConnection(_CheckedConnection, http_client.HTTPSConnection):
    pass


class CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http_client.HTTPResponse:
        return self.do_open(CheckedHTTPConnection, req)


class CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http_client.HTTPResponse:
        return self.do_open(CheckedHTTPSConnection, req, context=self._context)


def build_opener(*handlers: urllib.request.BaseHandler) -> urllib.request.OpenerDirector:
    """A urllib opener whose every connection is checked. Proxies from the environment (``HTTPS_PROXY``) are
    not used: a proxy resolves the name itself, after the check and out of its reach."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), CheckedHTTPHandler(), CheckedHTTPSHandler(), *handlers
    )
