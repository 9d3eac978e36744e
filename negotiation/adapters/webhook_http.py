"""Sending webhook deliveries over HTTP: httpx with no redirect followed, short timeouts and no proxy taken from the
environment, only to a host the allow-list lets through — checked when a subscription is made and again here, at the
moment of sending."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

__all__ = ["TIMEOUT_SECONDS", "TOTAL_SECONDS", "Outcome", "Request", "post_all", "refusal"]

TIMEOUT_SECONDS = 5.0  # to connect (3 s), and for each read or write
TOTAL_SECONDS = 10.0  # for a whole attempt
_TIMEOUT = httpx.Timeout(TIMEOUT_SECONDS, connect=3.0)
_ALLOW_HOSTS = "NEGOTIATION_WEBHOOK_ALLOW_HOSTS"
_LEGACY_IPV4 = re.compile(r"[0-9a-fx.]+")  # the characters of IPv4 in inet_aton's older forms (no name is all of them)


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: delivered (a 2xx answer) or not, the answer's status if any, and why not."""

    delivered: bool
    http_status: int | None
    error: str | None


def _addresses(host: str, port: int, *, resolve: bool) -> list[str] | str:
    """The addresses a host stands for (a literal address as itself; names only when resolving), or why none."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    if _LEGACY_IPV4.fullmatch(host):  # 127.1, 2130706433, 0x7f000001, 0177.0.0.1: what the resolver reads as IPv4
        try:
            return [str(ipaddress.IPv4Address(socket.inet_aton(host)))]
        except OSError:
            pass
    if host == "localhost" or host.endswith(".localhost"):
        return ["127.0.0.1"]
    if not resolve:
        return []
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return f"无法解析主机 {host}"
    return [str(info[4][0]) for info in found]


def refusal(url: str, allow_hosts: frozenset[str], *, resolve: bool) -> str | None:
    """Why this URL may not receive webhooks (in Chinese), or None. https:// may go to any public host; http://, and
    any address on this machine or a private network, only to a host listed in NEGOTIATION_WEBHOOK_ALLOW_HOSTS.
    With ``resolve`` a name is looked up and every address it has is checked (at delivery time)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "网址格式不正确"
    if any(c.isspace() or not c.isprintable() for c in url):
        return "网址不得包含空格或控制字符"
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower().removesuffix(".")  # example.org. is example.org
    if scheme not in ("http", "https") or not host or not parts.netloc:
        return "网址须以 https:// 开头并包含主机名"
    if parts.username is not None or parts.password is not None:
        return "网址不得包含用户名或密码"
    if parts.fragment:
        return "网址不得包含 # 片段"
    if host in allow_hosts:
        return None
    if scheme == "http":
        return f"主机 {host} 未列入 {_ALLOW_HOSTS}，只能使用 https:// 网址"
    addresses = _addresses(host, port or 443, resolve=resolve)
    if isinstance(addresses, str):
        return addresses
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            return f"主机 {host} 指向本机或内网地址 {address}，须列入 {_ALLOW_HOSTS} 才能接收"
    return None


@dataclass(frozen=True)
class Request:
    """One delivery to send: where, the exact bytes, the headers (signature included)."""

    url: str
    body: bytes
    headers: dict[str, str]


def post_all(requests: Sequence[Request]) -> list[Outcome]:
    """POST each request, all at once, each within TOTAL_SECONDS whatever the receiver does; their outcomes in order.
    A 2xx answer is delivered; anything else (a redirect too: never followed) is not. The answer's body is never read."""
    if not requests:
        return []
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: a worker thread or the CLI, no loop of its own running here
        return asyncio.run(_post_all(requests))
    # Called from a thread whose event loop is running (a caller's own loop): send from a thread of our own.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-post") as pool:
        return pool.submit(asyncio.run, _post_all(requests)).result()


async def _post_all(requests: Sequence[Request]) -> list[Outcome]:
    async with httpx.AsyncClient(follow_redirects=False, timeout=_TIMEOUT, trust_env=False) as client:
        return list(await asyncio.gather(*(_post(client, r) for r in requests)))


async def _post(client: httpx.AsyncClient, request: Request) -> Outcome:
    try:
        async with asyncio.timeout(TOTAL_SECONDS):  # a receiver dripping bytes cannot hold an attempt longer
            async with client.stream("POST", request.url, content=request.body, headers=request.headers) as response:
                status = response.status_code
    except httpx.TimeoutException:
        return Outcome(False, None, f"接收方在 {TIMEOUT_SECONDS:g} 秒内没有答复")
    except TimeoutError:
        return Outcome(False, None, f"接收方在 {TOTAL_SECONDS:g} 秒内没有答完")
    except httpx.HTTPError as exc:
        return Outcome(False, None, f"无法连接接收方：{type(exc).__name__} {exc}"[:300])
    if 200 <= status < 300:
        return Outcome(True, status, None)
    if 300 <= status < 400:
        return Outcome(False, status, f"接收方答复重定向 HTTP {status}；重定向不被跟随，请登记最终网址")
    return Outcome(False, status, f"接收方答复 HTTP {status}")
