"""The private-address guard: webhook requests never reach loopback, private, link-local or
other non-global addresses, unless PARLEY_WEBHOOK_ALLOW_PRIVATE_TARGETS says they may.

The check runs when a connection is opened, on the addresses the name resolves to at that
moment, and the connection goes to the checked address itself: a name that resolved to a
public address when the endpoint was saved and to 127.0.0.1 now (DNS rebinding) is refused,
and no second lookup can differ from the one checked. TLS still verifies the certificate
against the URL's host name (httpcore passes the origin's host as the server name whatever
address the stream was opened to).

The client is httpx (already what Parley's tests speak, well kept, typed) over httpcore, whose
network backend is the one seam that sees every connection httpx opens: `GuardedBackend`
resolves, checks and connects there. Proxies from the environment are ignored (a proxy
would connect for us, unchecked) and redirects are not followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from server.errors import ValidationFailed
from server.webhooks.models import MAX_URL_CHARS

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 ranges that carry an IPv4 address inside (NAT64's well-known prefix): checked as that
# IPv4 address. IPv4-mapped (::ffff:a.b.c.d), 6to4 and Teredo are unpacked by `ipaddress`.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class TargetRefused(httpcore.ConnectError):
    """The target resolves to an address webhooks may not reach (httpx reports it as a
    `ConnectError` with this message)."""


def refusal(address: Address) -> str | None:
    """Why webhooks may not connect to `address`, or None when it is a global unicast one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            why = refusal(embedded)
            return f"{why} (inside {address})" if why else None
    for flag, why in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(address, flag):
            return f"{address} is a {why} address"
    if not address.is_global:  # shared address space (100.64.0.0/10) and the like
        return f"{address} is not a global address"
    return None


def check_addresses(host: str, addresses: Iterable[str]) -> list[str]:
    """`addresses` (as resolved for `host`) if every one is allowed; else TargetRefused.
    One private address among public ones refuses the name: it points somewhere private."""
    found = list(dict.fromkeys(addresses))
    if not found:
        raise TargetRefused(f"{host} resolves to no address")
    for text in found:
        why = refusal(ipaddress.ip_address(text.split("%", 1)[0]))
        if why:
            raise TargetRefused(f"refused {host}: {why}")
    return found


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend, behind a resolve-check-connect step (see the module doc)."""

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM
                )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except (OSError, UnicodeError) as exc:  # UnicodeError: a name IDNA cannot encode
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = [str(info[4][0]) for info in infos]
        if not self.allow_private:
            addresses = check_addresses(host, addresses)
        last: Exception | None = None
        for address in dict.fromkeys(addresses):
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )  # fmt: skip
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefused("webhooks connect over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool on `GuardedBackend`. httpx takes no network
    backend of its own, so the pool it built is replaced by the same pool on ours."""

    def __init__(self, *, allow_private: bool, max_connections: int = 100) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allow_private=allow_private),
        )


def guarded_client(*, allow_private: bool, timeout: float) -> httpx.AsyncClient:
    """The client webhooks are sent with: guarded, no proxies, no redirects."""
    return httpx.AsyncClient(
        transport=GuardedTransport(allow_private=allow_private),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        headers={"user-agent": "Parley-Webhooks/1"},
    )


def check_url(url: str, *, allow_private: bool) -> str:
    """`url` if webhooks may be sent to it; ValidationFailed (422, on `url`) if not. A host
    given as an address is checked here too (a name is checked when connecting)."""

    def bad(message: str) -> ValidationFailed:
        return ValidationFailed(f"Invalid webhook URL: {message}", fields={"url": message})

    if len(url) > MAX_URL_CHARS:
        raise bad(f"At most {MAX_URL_CHARS} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise bad(f"Not a URL ({exc}).") from None
    if parts.scheme not in ("https", "http"):
        raise bad("Must start with https:// (or http://).")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise bad("Must not carry credentials; the signature authenticates Parley.")
    host = parts.hostname or ""
    if not host:
        raise bad("Must name a host.")
    if port == 0:
        raise bad("Port 0 cannot be reached.")
    if parts.fragment:
        raise bad("Must not have a #fragment (it is never sent).")
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\x7f" for ch in url):
        raise bad("Must not contain whitespace or control characters.")
    if not allow_private:
        if host == "localhost" or host.endswith(".localhost"):
            raise bad("localhost is not reachable from the outside.")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return url
        why = refusal(address)
        if why:
            raise bad(f"Refused: {why}.")
    return url
