"""The private-address guard: what it refuses, that it refuses at connect time (a name that
resolves to loopback is refused, the same URL is reached when allowed), and URL checks."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from server.errors import ValidationFailed
from server.webhooks.guard import (
    TargetRefused,
    check_addresses,
    check_url,
    guarded_client,
    refusal,
)
from tests.webhooks.conftest import Receiver

REFUSED = [
    "127.0.0.1",
    "127.8.9.10",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",  # documentation
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2001:db8::1",  # documentation
]
ALLOWED = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_global_addresses_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ALLOWED)
def test_global_unicast_addresses_are_allowed(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_one_private_address_among_public_ones_refuses_the_name() -> None:
    assert check_addresses("ok.example", ["8.8.8.8"]) == ["8.8.8.8"]
    with pytest.raises(TargetRefused) as caught:
        check_addresses("mixed.example", ["8.8.8.8", "10.0.0.1"])
    assert "10.0.0.1 is a private address" in str(caught.value)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
async def test_a_loopback_target_is_refused_when_connecting(receiver: Receiver, host: str) -> None:
    """`localhost` resolves to 127.0.0.1 (or ::1): refused at connect time, before a byte is
    sent, though the receiver is really there."""
    port = receiver.url.split(":")[2].split("/")[0]
    async with guarded_client(allow_private=False, timeout=5) as client:
        with pytest.raises(httpx.ConnectError, match="loopback"):
            await client.post(f"http://{host}:{port}/hook", content=b"{}")
    assert receiver.received == []


async def test_the_same_target_is_reached_when_private_targets_are_allowed(
    receiver: Receiver,
) -> None:
    url = receiver.url.replace("127.0.0.1", "localhost")
    async with guarded_client(allow_private=True, timeout=5) as client:
        response = await client.post(url, content=b"{}")
    assert response.status_code == 200
    assert len(receiver.received) == 1


async def test_proxies_from_the_environment_are_not_used(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy would connect for the client, past the guard: the environment's is ignored."""
    monkeypatch.setenv("HTTP_PROXY", "http://10.255.255.1:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.255.255.1:3128")
    async with guarded_client(allow_private=True, timeout=5) as client:
        assert (await client.post(receiver.url, content=b"{}")).status_code == 200


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.com/hook", "https://"),
        ("example.com/hook", "https://"),
        ("https://user:pw@example.com/hook", "credentials"),
        ("https://user@example.com/hook", "credentials"),
        ("https:///hook", "host"),
        ("https://example.com:99999/hook", "Not a URL"),
        ("https://example.com/hook#part", "fragment"),
        ("https://exa mple.com/hook", "whitespace"),
        ("http://localhost:8000/hook", "localhost"),
        ("http://api.localhost/hook", "localhost"),
        ("http://127.0.0.1/hook", "loopback"),
        ("http://[::ffff:169.254.169.254]/latest", "link-local"),
        ("http://10.0.0.8/hook", "private"),
        ("https://example.com/" + "x" * 2000, "At most"),
    ],
)
def test_bad_urls_are_refused_with_the_reason(url: str, why: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_url(url, allow_private=False)
    assert why in caught.value.fields["url"]
    assert caught.value.status == 422


def test_good_urls_pass_and_private_ones_pass_when_allowed() -> None:
    assert check_url("https://hooks.example.com/in?x=1", allow_private=False)
    assert check_url("http://hooks.example.com:8080/in", allow_private=False)
    assert check_url("http://127.0.0.1:9/hook", allow_private=True)
    with pytest.raises(ValidationFailed):
        check_url("https://user:pw@127.0.0.1/", allow_private=True)
