"""Check a merchant's set-up before the first live call, and say what to fix.

:func:`run_checks` runs, in order (a check whose prerequisite failed is left out):

- ``settings``: the settings load (merchant ID, keys named, environment);
- ``merchant key``: the private key loads (file, PKCS#12, ``pkcs11:``, ``aws-kms:``), is RSA of
  2048 bits or more (4096 expected);
- ``merchant certificate``: the certificate uploaded to the portal matches the key; without
  one, the certificate to upload is made and returned (PEM and fingerprint);
- ``gateway certificate``: whose it is (2C2P's sandbox certificate or another), its dates
  (warning under 30 days), and whether it fits the environment (the sandbox certificate with
  production is an error);
- ``proxy`` (without a configured proxy): proxy variables are set, which the transports do
  not read;
- ``DNS``, ``TCP``, ``TLS``: the endpoint's host resolves, accepts a connection, and presents
  a certificate chain that verifies (against ``ca_file`` when set) for its name. With a proxy
  (``C2P_PROXY``/``--proxy``): the proxy's host resolves and accepts a connection, ``proxy``
  says whether it opens a ``CONNECT`` tunnel to the endpoint (its status line when it
  refuses; 407 named), and TLS is checked through that tunnel;
- ``endpoint``: what answers a harmless POST (a body that is not a token; through the proxy
  when one is set): the gateway API, or an HTML error page or a web server's 401/403, named
  as such;
- ``clock``: the local clock against the endpoint's ``Date`` header (skew is a warning);
- ``live inquiry`` (only when an invoice is given): one inquiry, its answer verified end to end.

Each :class:`Check` is ``ok``, ``warning`` or ``error`` with one line of advice. Nothing here
prints; ``2c2p doctor`` does.
"""

from __future__ import annotations

import datetime
import os
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, Final
from urllib.parse import urlsplit

import urllib3
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from c2p_action.client import SANDBOX_CERTIFICATE, Client, RetryPolicy, Settings
from c2p_action.errors import (
    C2PError,
    DecryptionError,
    GatewayError,
    HttpStatusError,
    SignatureError,
    TransportError,
)
from c2p_action.explanations import Kind
from c2p_action.keys import certificate_for, fingerprint, load_public_key
from c2p_action.operations.payment import ACTION_ENDPOINT
from c2p_action.plugins.manager import PluginManager
from c2p_action.transports.base import ProxyURL

__all__ = ["Check", "Level", "Report", "iter_lines", "run_checks"]

#: Warn when a certificate expires within this many days.
EXPIRY_WARNING_DAYS: Final = 30
#: Clock skew above this is reported as a warning.
MAX_SKEW_SECONDS: Final = 120.0
#: Network checks wait at most this long (or the settings' timeout, if shorter).
NETWORK_TIMEOUT: Final = 10.0
_PROXY_VARIABLES: Final = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY")
_PROBE: Final = b"2c2p doctor: this body is not a token"


class Level(StrEnum):
    """How a check came out."""

    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Check:
    """One check: its name, level, what was found and one line of advice."""

    name: str
    level: Level
    message: str
    advice: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "name": self.name,
            "level": self.level.value,
            "message": self.message,
            "advice": self.advice,
            "details": dict(self.details),
        }


@dataclass(frozen=True, slots=True)
class Report:
    """Every check that ran; ``certificate_pem`` is the certificate to upload, when made."""

    checks: tuple[Check, ...]
    certificate_pem: str | None = None
    certificate_fingerprint: str | None = None

    @property
    def ok(self) -> bool:
        """Whether no check is an error (warnings allowed)."""
        return all(check.level is not Level.ERROR for check in self.checks)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        record: dict[str, Any] = {"ok": self.ok, "checks": [c.as_dict() for c in self.checks]}
        if self.certificate_pem is not None:
            record["certificate"] = {
                "pem": self.certificate_pem,
                "fingerprint": self.certificate_fingerprint,
            }
        return record


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass
class _Run:
    settings: Settings
    plugins: PluginManager
    now: Callable[[], datetime.datetime]
    timeout: float
    checks: list[Check] = field(default_factory=list)
    key: RSAPrivateKey | None = None
    certificate_pem: str | None = None
    certificate_fingerprint: str | None = None
    answer_date: str | None = None

    def add(self, name: str, level: Level, message: str, advice: str = "", **details: Any) -> Level:
        self.checks.append(Check(name, level, message, advice, details))
        return level


def run_checks(
    settings: Settings | Callable[[], Settings],
    *,
    merchant_certificate: str | None = None,
    live_invoice: str | None = None,
    network: bool = True,
    plugins: PluginManager | None = None,
    now: Callable[[], datetime.datetime] = _now,
) -> Report:
    """Run the checks (see the module docstring) and return their report.

    ``settings`` may be a function that builds them, so a settings problem is reported as
    the ``settings`` check instead of raised. ``merchant_certificate``: the certificate the
    merchant uploaded to the portal (path). ``network=False`` leaves out every check that
    connects. Never raises for what it checks.
    """
    if callable(settings):
        try:
            settings = settings()
        except C2PError as error:
            return Report(
                (
                    Check(
                        "settings",
                        Level.ERROR,
                        str(error),
                        "Set the missing or wrong setting (flags or C2P_* variables).",
                    ),
                )
            )
    run = _Run(settings, plugins or PluginManager(), now, min(settings.timeout, NETWORK_TIMEOUT))
    run.add(
        "settings", Level.OK, f"merchant {settings.merchant_id}, environment {settings.environment}"
    )
    _merchant_key(run)
    if run.key is not None:
        _merchant_certificate(run, merchant_certificate)
    _gateway_certificate(run)
    if network:
        _proxy(run)
        if _connection(run) and _endpoint(run):
            _clock(run)
            if live_invoice is not None:
                _live(run, live_invoice)
    return Report(tuple(run.checks), run.certificate_pem, run.certificate_fingerprint)


# -- keys and certificates -------------------------------------------------------------------


def _merchant_key(run: _Run) -> None:
    source = run.settings.merchant_keys[0]
    try:
        key = (
            source
            if isinstance(source, RSAPrivateKey)
            else run.plugins.load_private_key(str(source), run.settings.key_password)
        )
    except C2PError as error:
        run.add(
            "merchant key",
            Level.ERROR,
            str(error),
            "Check the path or key URI, and the password (C2P_MERCHANT_KEY_PASSWORD).",
        )
        return
    run.key = key
    size = key.key_size
    where = source if not isinstance(source, RSAPrivateKey) else "a key object"
    message = f"RSA-{size} key from {where} (sha256:{fingerprint(key)[:16]}...)"
    if size < 4096:
        run.add(
            "merchant key",
            Level.WARNING,
            message,
            "2C2P's guides use RSA-4096 merchant keys; make a new one with `2c2p keygen`"
            " when you next rotate.",
            bits=size,
        )
    else:
        run.add("merchant key", Level.OK, message, bits=size)


def _dates(certificate: x509.Certificate, now: datetime.datetime) -> tuple[Level, str]:
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if end < now:
        return Level.ERROR, f"expired on {end:%Y-%m-%d}"
    if start > now:
        return Level.ERROR, f"not valid before {start:%Y-%m-%d %H:%M} UTC"
    days = (end - now).days
    if days < EXPIRY_WARNING_DAYS:
        return Level.WARNING, f"expires in {days} days ({end:%Y-%m-%d})"
    return Level.OK, f"valid until {end:%Y-%m-%d}"


def _merchant_certificate(run: _Run, path: str | None) -> None:
    assert run.key is not None
    own = fingerprint(run.key)
    if path is None:
        try:
            made = certificate_for(run.key)
        except Exception as error:  # an HSM or KMS that cannot sign: say so, do not stop
            run.add(
                "merchant certificate",
                Level.WARNING,
                f"no certificate given, and none could be made ({type(error).__name__})",
                "Pass --merchant-cert with the certificate you uploaded to the portal.",
            )
            return
        run.certificate_pem = made.public_bytes(serialization.Encoding.PEM).decode("ascii")
        run.certificate_fingerprint = own
        run.add(
            "merchant certificate",
            Level.WARNING,
            "no certificate given to compare with the key: here is one made for it",
            "Upload the certificate printed below to the merchant portal and set it as"
            " the default key (or pass --merchant-cert with the one you uploaded).",
            fingerprint=own,
        )
        return
    try:
        uploaded = load_public_key(path)
    except C2PError as error:
        run.add(
            "merchant certificate",
            Level.ERROR,
            str(error),
            "Pass the certificate file you uploaded to the merchant portal.",
        )
        return
    theirs = fingerprint(uploaded)
    if theirs != own:
        run.add(
            "merchant certificate",
            Level.ERROR,
            f"{path} does not match the merchant key (certificate sha256:{theirs[:16]}...,"
            f" key sha256:{own[:16]}...)",
            "The portal encrypts answers to, and verifies signatures with, the certificate"
            " it holds: upload the certificate of this key (answers would fail to decrypt,"
            " requests get HTTP 401 or respCode 96).",
            certificate=theirs,
            key=own,
        )
        return
    level, dates = Level.OK, "no dates (a bare public key)"
    if uploaded.certificate is not None:
        level, dates = _dates(uploaded.certificate, run.now())
        # The portal's copy matters for JOSE, not its dates: never worse than a warning.
        level = Level.WARNING if level is not Level.OK else level
    run.add(
        "merchant certificate",
        level,
        f"{path} matches the merchant key; {dates}",
        ""
        if level is Level.OK
        else "Make a new certificate before this one lapses"
        " (`2c2p keygen`), upload it, then switch.",
        fingerprint=own,
    )


def _sandbox_fingerprint() -> str:
    return fingerprint(load_public_key(SANDBOX_CERTIFICATE))


def _gateway_certificate(run: _Run) -> None:
    settings = run.settings
    for index, source in enumerate(settings.gateway_keys):
        name = "gateway certificate" if index == 0 else f"gateway certificate {index + 1}"
        try:
            key = (
                source
                if isinstance(source, RSAPublicKey)
                else run.plugins.load_public_key(str(source))
            )
        except C2PError as error:
            run.add(
                name,
                Level.ERROR,
                str(error),
                "Pass 2C2P's certificate for this environment (C2P_GATEWAY_KEY).",
            )
            continue
        _one_gateway_key(run, name, source, key)


def _one_gateway_key(run: _Run, name: str, source: object, key: RSAPublicKey) -> None:
    env = run.settings.env
    source = "a key object" if isinstance(source, RSAPublicKey) else source
    print_ = fingerprint(key)
    sandbox = print_ == _sandbox_fingerprint()
    whose = "2C2P's sandbox certificate" if sandbox else f"certificate sha256:{print_[:16]}..."
    details: dict[str, Any] = {"fingerprint": print_, "sandbox_certificate": sandbox}
    if run.key is not None and fingerprint(run.key) == print_:
        run.add(
            name,
            Level.ERROR,
            f"{source} is the merchant's own key, not 2C2P's",
            "C2P_GATEWAY_KEY must be the certificate 2C2P gives you, not yours.",
            **details,
        )
        return
    if sandbox and env.is_production:
        run.add(
            name,
            Level.ERROR,
            f"{whose} with the production environment",
            "Production answers are signed with 2C2P's production key: get the"
            " production certificate from 2C2P and set C2P_GATEWAY_KEY.",
            **details,
        )
        return
    certificate = getattr(key, "certificate", None)
    level, dates = Level.WARNING, "a bare public key: its dates cannot be checked"
    if isinstance(certificate, x509.Certificate):
        level, dates = _dates(certificate, run.now())
    advice = {
        Level.OK: "",
        Level.WARNING: "Ask 2C2P for its next certificate and add it (C2P_GATEWAY_KEY takes"
        " several, current first).",
        Level.ERROR: "Get 2C2P's current certificate for this environment.",
    }[level]
    if env.is_sandbox and not sandbox and level is not Level.ERROR:
        level = Level.WARNING
        advice = (
            "The sandbox signs with 2C2P's published sandbox certificate (the default"
            " when C2P_GATEWAY_KEY is unset); answers will not verify with this one."
        )
    run.add(name, level, f"{whose} from {source}; {dates}", advice, **details)


# -- the network -----------------------------------------------------------------------------


def _proxy(run: _Run) -> None:
    if run.settings.proxy_url is not None:
        return  # configured: the network checks go through it
    found = [name for name in _PROXY_VARIABLES if os.environ.get(name)]
    if found:
        run.add(
            "proxy",
            Level.WARNING,
            f"{', '.join(found)} set",
            "The library's transports connect directly and do not read proxy variables:"
            " set C2P_PROXY=http://host:port (or --proxy) if the gateway must be reached"
            " through it.",
            variables=found,
        )


def _connection(run: _Run) -> bool:
    url = run.settings.url_for(ACTION_ENDPOINT)
    parts = urlsplit(url)
    host = parts.hostname or ""
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    proxy = run.settings.proxy_url
    # Through a proxy, DNS and TCP are the proxy's: the proxy resolves the gateway itself.
    dial_host, dial_port = (host, port) if proxy is None else (proxy.host, proxy.port)
    who = dial_host if proxy is None else f"proxy {dial_host}"
    where = f"{host}:{port}" if proxy is None else f"proxy {proxy.address}"
    via: dict[str, Any] = {} if proxy is None else {"proxy": proxy.address}
    try:
        addresses = socket.getaddrinfo(dial_host, dial_port, type=socket.SOCK_STREAM)
    except OSError as error:
        run.add(
            "DNS",
            Level.ERROR,
            f"{who} does not resolve ({error})",
            "Check the environment's host name and this machine's DNS (and that it may"
            " reach the internet)."
            if proxy is None
            else "Check the proxy's host name in C2P_PROXY and this machine's DNS.",
            host=dial_host,
            **via,
        )
        return False
    shown = sorted({str(a[4][0]) for a in addresses})
    run.add("DNS", Level.OK, f"{who} -> {', '.join(shown)}", host=dial_host, addresses=shown, **via)
    try:
        sock = socket.create_connection((dial_host, dial_port), timeout=run.timeout)
    except OSError as error:
        run.add(
            "TCP",
            Level.ERROR,
            f"cannot connect to {where} ({error})",
            "A firewall or a missing route: allow outbound HTTPS to this host."
            if proxy is None
            else "Check the proxy's address and port in C2P_PROXY, and that it is running.",
            **via,
        )
        return False
    with sock:
        run.add("TCP", Level.OK, f"connected to {where}", **via)
        if proxy is not None and not _tunnel(run, sock, proxy, host, port):
            return False
        if not secure:
            run.add("TLS", Level.OK, "plain http on loopback: no TLS (a local emulator)")
            return True
        return _tls(run, sock, host)


def _read_head(sock: socket.socket, timeout: float) -> bytes:
    """An HTTP answer's status line and headers, read up to the blank line (at most 16 KiB)
    within ``timeout`` seconds in all: a proxy trickling bytes cannot restart the clock."""
    head = b""
    ends = time.monotonic() + timeout
    while b"\r\n\r\n" not in head and len(head) < 16384:
        left = ends - time.monotonic()
        if left <= 0:
            raise TimeoutError("no complete answer in time")
        sock.settimeout(left)
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return head


def _tunnel(run: _Run, sock: socket.socket, proxy: ProxyURL, host: str, port: int) -> bool:
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
    lines += [f"{name}: {value}" for name, value in proxy.headers.items()]
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        head = _read_head(sock, run.timeout)
        sock.settimeout(run.timeout)  # the TLS check through the tunnel gets its own time
    except OSError as error:
        run.add(
            "proxy",
            Level.ERROR,
            f"proxy {proxy.address} did not answer CONNECT {target} ({type(error).__name__})",
            "The proxy accepted the connection but did not answer: check that C2P_PROXY"
            " names an HTTP proxy, and that the proxy is not stuck.",
            proxy=proxy.address,
        )
        return False
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1", "replace")[:200]
    words = status_line.split(" ", 2)
    status = int(words[1]) if len(words) > 1 and words[1].isdigit() else 0
    details: dict[str, Any] = {"proxy": proxy.address, "target": target, "proxy_status": status}
    if 200 <= status < 300:
        run.add("proxy", Level.OK, f"{proxy.address} opened a tunnel to {target}", **details)
        return True
    advice = {
        0: "What answers is not an HTTP proxy: check C2P_PROXY.",
        407: "Proxy authentication failed: set the proxy's user and password in C2P_PROXY"
        " (http://user:password@host:port).",
        403: "The proxy does not allow this destination: ask for the gateway's host and port"
        " to be allowed.",
    }.get(status, "The proxy could not open the tunnel: check that it may reach the gateway.")
    refused = f"answered {status_line!r}" if status_line else "closed the connection"
    run.add(
        "proxy",
        Level.ERROR,
        f"proxy {proxy.address} refused CONNECT {target}: {refused}"
        + (" (proxy authentication failed)" if status == 407 else ""),
        advice,
        **details,
    )
    return False


def _tls_advice(error: ssl.SSLCertVerificationError) -> str:
    reason = (error.verify_message or "").lower()
    if "expired" in reason:
        return "The server's certificate has expired: the server must renew it."
    if "hostname" in reason or "ip address mismatch" in reason:
        return "The certificate is for another name: check the environment URL."
    if "self" in reason or "issuer" in reason:
        return (
            "The chain does not lead to a CA this machine trusts: behind TLS inspection,"
            " set C2P_CA_FILE to your organisation's CA bundle."
        )
    return "The server's certificate does not verify: check the URL and C2P_CA_FILE."


def _tls(run: _Run, sock: socket.socket, host: str) -> bool:
    ca_file = run.settings.ca_file
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as error:
        run.add(
            "TLS",
            Level.ERROR,
            f"cannot read the CA file {ca_file}: {error}",
            "C2P_CA_FILE must be a PEM bundle of CA certificates.",
        )
        return False
    try:
        with context.wrap_socket(sock, server_hostname=host) as tls:
            peer = tls.getpeercert() or {}
            version = tls.version()
    except ssl.SSLCertVerificationError as error:
        run.add(
            "TLS",
            Level.ERROR,
            f"certificate of {host} does not verify: {error.verify_message}",
            _tls_advice(error),
            ca_file=ca_file,
        )
        return False
    except (OSError, ssl.SSLError) as error:
        run.add(
            "TLS",
            Level.ERROR,
            f"TLS handshake with {host} failed ({error})",
            "Something that does not speak TLS answers on this port: check the URL.",
        )
        return False
    subject = _name(peer.get("subject", ()))
    issuer = _name(peer.get("issuer", ()))
    trust = f"CA file {ca_file}" if ca_file else "the system's CAs"
    run.add(
        "TLS",
        Level.OK,
        f"{version}, certificate {subject} issued by {issuer}, verified against {trust}",
        subject=subject,
        issuer=issuer,
        not_after=peer.get("notAfter"),
    )
    return True


_SHORT_NAMES: Final = {
    "commonName": "CN",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "localityName": "L",
    "stateOrProvinceName": "ST",
}


def _name(rdns: Any) -> str:
    parts = [f"{_SHORT_NAMES.get(k, k)}={v}" for rdn in rdns for k, v in rdn]
    return ", ".join(parts) or "?"


def _pool(run: _Run) -> urllib3.PoolManager:
    proxy = run.settings.proxy_url
    if proxy is None:
        return urllib3.PoolManager(
            retries=False, cert_reqs="CERT_REQUIRED", ca_certs=run.settings.ca_file
        )
    return urllib3.ProxyManager(
        proxy.url,
        proxy_headers=proxy.headers,
        retries=False,
        cert_reqs="CERT_REQUIRED",
        ca_certs=run.settings.ca_file,
    )


def _html(body: bytes) -> bool:
    head = body[:512].lower()
    return b"<html" in head or b"<!doctype html" in head


def _title(body: bytes) -> str:
    lower = body[:4096].lower()
    start, end = lower.find(b"<title>"), lower.find(b"</title>")
    if start < 0 or end <= start:
        return ""
    return body[start + 7 : end].decode("utf-8", "replace").strip()[:80]


def _endpoint(run: _Run) -> bool:
    url = run.settings.url_for(ACTION_ENDPOINT)
    pool = _pool(run)
    try:
        answer = pool.request(
            "POST",
            url,
            body=_PROBE,
            headers={"Content-Type": run.settings.content_type},
            timeout=urllib3.Timeout(total=run.timeout),
            redirect=False,
            retries=False,
        )
    except urllib3.exceptions.HTTPError as error:
        run.add(
            "endpoint",
            Level.ERROR,
            f"no HTTP answer from {url} ({type(error).__name__})",
            "The server accepted TLS but did not answer HTTP: check the URL.",
        )
        return False
    finally:
        pool.clear()
    status, body, headers = answer.status, answer.data, answer.headers
    run.answer_date = headers.get("Date")
    details: dict[str, Any] = {
        "url": url,
        "http_status": status,
        "content_type": headers.get("Content-Type"),
    }
    if _html(body):
        title = _title(body)
        what = f"an HTML page{f' ({title!r})' if title else ''} with HTTP {status}"
        who = (
            "a web server's login or permission page"
            if status in (401, 403)
            else ("a web server's or proxy's error page")
        )
        run.add(
            "endpoint",
            Level.ERROR,
            f"{url} answered {what}: {who}, not the Payment Action API",
            "The request never reached 2C2P's API: check the environment"
            " URL and path, and any proxy or firewall in between.",
            **details,
        )
        return True
    if status in (401, 403) and headers.get("WWW-Authenticate"):
        run.add(
            "endpoint",
            Level.ERROR,
            f"{url} answered HTTP {status} asking for"
            f" authentication ({headers.get('WWW-Authenticate')}): a web server, not the"
            " Payment Action API",
            "Check the environment URL and any proxy in between.",
            **details,
        )
        return True
    if 300 <= status < 400:
        run.add(
            "endpoint",
            Level.ERROR,
            f"{url} redirects to {headers.get('Location')}",
            "The client never follows redirects (a payment POST must not move): use the"
            " final URL as the environment.",
            **details,
        )
        return True
    if status == 404:
        run.add(
            "endpoint",
            Level.ERROR,
            f"{url} answered HTTP 404: no such path",
            "Check the environment: a base URL, without the operation's path.",
            **details,
        )
        return True
    if status >= 500:
        run.add(
            "endpoint",
            Level.WARNING,
            f"{url} answered HTTP {status}",
            "The server fails at the moment; try again later.",
            **details,
        )
        return True
    if status in (401, 403):
        run.add(
            "endpoint",
            Level.WARNING,
            f"{url} answered HTTP {status} to a body that is not a token",
            "Run with --live: a 401 to a real request means the merchant"
            " certificate is not registered (or not the default) in the portal.",
            **details,
        )
        return True
    run.add(
        "endpoint",
        Level.OK,
        f"{url} answers (HTTP {status} to a body that is not a token, no HTML)",
        "",
        **details,
    )
    return True


def _clock(run: _Run) -> None:
    if not run.answer_date:
        run.add(
            "clock",
            Level.WARNING,
            "the endpoint sent no Date header to compare with",
            "Keep this machine's clock synchronised (NTP).",
        )
        return
    try:
        theirs = parsedate_to_datetime(run.answer_date)
    except (TypeError, ValueError):
        run.add("clock", Level.WARNING, f"unreadable Date header {run.answer_date!r}")
        return
    if theirs.tzinfo is None:
        theirs = theirs.replace(tzinfo=datetime.UTC)
    skew = (run.now() - theirs).total_seconds()
    message = (
        f"local clock {abs(skew):.0f}s {'ahead of' if skew >= 0 else 'behind'} the"
        " endpoint's Date header"
    )
    if abs(skew) > MAX_SKEW_SECONDS:
        run.add(
            "clock",
            Level.WARNING,
            message,
            "Synchronise this machine's clock (NTP):"
            " timeStamps and certificate dates depend on it.",
            skew_seconds=round(skew, 1),
        )
    else:
        run.add("clock", Level.OK, message, skew_seconds=round(skew, 1))


# -- one live call -----------------------------------------------------------------------------


def _live(run: _Run, invoice: str) -> None:
    started = time.monotonic()
    try:
        with Client(settings=run.settings.replace(retry=RetryPolicy.never())) as client:
            result = client.inquiry(invoice)
    except GatewayError as error:
        explanation = error.explanation
        setup = explanation is not None and explanation.kind is Kind.SETUP
        level = Level.ERROR if setup else Level.WARNING
        run.add(
            "live inquiry",
            level,
            f"answer verified end to end, but refused: {error.code} {error.description}",
            "" if explanation is None else explanation.summary,
            code=str(error.code),
        )
        return
    except SignatureError:
        run.add(
            "live inquiry",
            Level.ERROR,
            "the answer is not signed by the gateway key you configured",
            "Use 2C2P's certificate for this environment (the sandbox one only in the sandbox).",
        )
        return
    except DecryptionError:
        run.add(
            "live inquiry",
            Level.ERROR,
            "the answer is not encrypted to your merchant key",
            "The certificate set as default in the portal is not this key's: upload it"
            " and make it the default.",
        )
        return
    except HttpStatusError as error:
        advice = (
            "The gateway did not accept the signature: upload this key's certificate"
            " and set it as the default, and check the merchant ID's environment."
            if error.status in (401, 403)
            else "Check the environment URL."
        )
        run.add("live inquiry", Level.ERROR, str(error), advice, http_status=error.status)
        return
    except TransportError as error:
        run.add("live inquiry", Level.ERROR, str(error), "See the network checks above.")
        return
    except C2PError as error:
        run.add("live inquiry", Level.ERROR, f"{type(error).__name__}: {error}")
        return
    seconds = time.monotonic() - started
    run.add(
        "live inquiry",
        Level.OK,
        f"inquiry {invoice}: answer verified and decrypted (code"
        f" {result.code.value}, status {result.response.status}, {seconds * 1000:.0f} ms)",
        code=result.code.value,
        status=result.response.status,
    )


def iter_lines(report: Report) -> Iterator[str]:
    """The report as text lines: ``level  name  message`` and the advice under it."""
    width = max((len(check.name) for check in report.checks), default=0)
    for check in report.checks:
        yield f"{check.level.value:<8} {check.name:<{width}}  {check.message}"
        if check.advice:
            yield f"{'':<8} {'':<{width}}  -> {check.advice}"
