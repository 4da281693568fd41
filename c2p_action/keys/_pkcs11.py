"""RSA keys that stay inside a PKCS#11 token (HSM), through ``python-pkcs11``.

Threads and forks. ``python-pkcs11`` calls ``C_Initialize(NULL)``, which tells the module the
application will not call it concurrently, so every call into any module goes through one
per-process lock. Login state belongs to the process (a second ``C_Login`` fails, and closing
the logged-in session logs out every other one), so each token gets exactly one logged-in
session per process, opened on first use and never closed while the process runs. A forked
child inherits none of that validly: the lock is replaced in the child, and on its first call
the child re-initialises the module and logs in again (pid check, plus ``os.register_at_fork``
to hold the lock across ``fork()`` so no call is cut in half).

Why python-pkcs11 rather than PyKCS11: typed (``py.typed``), explicit mechanism parameters as
tuples for PSS and OAEP, exceptions per CKR code, and it is already the ``pkcs11`` extra.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.errors import (
    ConfigurationError,
    DecryptionError,
    KeyLoadError,
    KeyProviderError,
)
from c2p_action.keys._delegated import DelegatedRSAPrivateKey
from c2p_action.keys._pkcs11_uri import Pkcs11Uri, parse_pkcs11_uri

if TYPE_CHECKING:
    import pkcs11
    from pkcs11._pkcs11 import lib as Pkcs11Lib

__all__ = [
    "Pkcs11KeyInfo",
    "Pkcs11KeyProvider",
    "Pkcs11PrivateKey",
    "generate_pkcs11_key",
    "import_pkcs11_key",
    "list_pkcs11_keys",
]

T = TypeVar("T")

MIN_KEY_BITS = 2048
_PIN_FILE_LIMIT = 1024
# Tokens disagree on how to report bad OAEP padding: the standard codes, or (SoftHSM2 and
# others) a general failure. During a decryption all of them mean "not for this key".
_REJECTED_CIPHERTEXT = (
    "EncryptedDataInvalid",
    "EncryptedDataLenRange",
    "GeneralError",
    "FunctionFailed",
)

_lock = threading.RLock()
_libraries: dict[str, Pkcs11Lib] = {}
_sessions: dict[tuple[str, int, str, str], pkcs11.Session] = {}
_owner_pid = os.getpid()
_fork_hooks_installed = False


def _pkcs11() -> Any:
    try:
        import pkcs11
    except ImportError:
        raise ConfigurationError(
            "PKCS#11 keys need python-pkcs11: pip install '2c2p-payment-action[pkcs11]'"
        ) from None
    return pkcs11


# ---------------------------------------------------------------- per-process state


def _before_fork() -> None:
    _lock.acquire()


def _after_fork_in_parent() -> None:
    _lock.release()


def _after_fork_in_child() -> None:
    global _lock
    # The inherited lock is held by the thread that forked, which does not exist here.
    _lock = threading.RLock()


@contextmanager
def _serialised() -> Iterator[None]:
    global _fork_hooks_installed
    with _lock:
        if not _fork_hooks_installed:
            os.register_at_fork(
                before=_before_fork,
                after_in_parent=_after_fork_in_parent,
                after_in_child=_after_fork_in_child,
            )
            _fork_hooks_installed = True
        _reset_if_forked()
        yield


def _reset_if_forked() -> None:
    global _owner_pid
    if os.getpid() == _owner_pid:
        return
    p11 = _pkcs11()
    # Sessions and login belong to the parent; the module must be initialised afresh here.
    _sessions.clear()
    for library in _libraries.values():
        # Modules that detect fork themselves report "not initialised" here.
        with suppress(p11.PKCS11Error):
            library.finalize()
        library.initialize()
    _owner_pid = os.getpid()


def _library(module_path: str) -> Pkcs11Lib:
    library = _libraries.get(module_path)
    if library is None:
        if not Path(module_path).is_file():
            raise KeyLoadError(f"PKCS#11 module not found: {module_path}")
        try:
            library = _pkcs11().lib(module_path)
        except _pkcs11().PKCS11Error as exc:
            raise KeyLoadError(
                f"PKCS#11 module {module_path} could not be loaded ({type(exc).__name__})"
            ) from None
        _libraries[module_path] = library
    return library


# ---------------------------------------------------------------- tokens and sessions


@dataclass(frozen=True, slots=True)
class _Target:
    """Which token to use and how to log in; built from a URI, compared by token identity."""

    uri: Pkcs11Uri
    module_path: str
    pin: str | None

    def where(self) -> str:
        return replace(self.uri, pin_value=None, pin_source=None, object=None, id=None).format()


def _resolve_module(uri: Pkcs11Uri, default_module: str | None) -> str:
    if uri.module_path:
        return uri.module_path
    if uri.module_name:
        raise KeyLoadError(
            "PKCS#11 URI: module-name lookup is not supported; give module-path"
        )
    if default_module:
        return default_module
    raise KeyLoadError("PKCS#11 URI names no module: add ?module-path=/path/to/module.so")


def _resolve_pin(uri: Pkcs11Uri) -> str | None:
    if uri.pin_value is not None:
        return uri.pin_value
    if uri.pin_source is None:
        return None
    source = uri.pin_source
    if source.startswith("file:"):
        parts = urlsplit(source)
        if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
            raise KeyLoadError("PKCS#11 pin-source: only local file: URIs are supported")
        path = Path(unquote(parts.path))
    elif source.startswith("/"):
        path = Path(source)
    else:
        raise KeyLoadError("PKCS#11 pin-source must be a file: URI or an absolute path")
    try:
        with path.open("rb") as handle:
            data = handle.read(_PIN_FILE_LIMIT + 1)
    except OSError as exc:
        raise KeyLoadError(
            f"PKCS#11 pin-source {path} could not be read ({exc.strerror})"
        ) from None
    if len(data) > _PIN_FILE_LIMIT:
        raise KeyLoadError(f"PKCS#11 pin-source {path} is too large for a PIN")
    return data.decode("utf-8").removesuffix("\n").removesuffix("\r")


def _matches(uri: Pkcs11Uri, library: Pkcs11Lib, token: pkcs11.Token) -> bool:
    slot = token.slot
    wanted: list[tuple[object | None, object]] = [
        (uri.token, token.label),
        (uri.manufacturer, token.manufacturer_id),
        (uri.serial, token.serial.decode("utf-8", "replace").strip()),
        (uri.model, token.model),
        (uri.slot_id, slot.slot_id),
        (uri.slot_description, slot.slot_description),
        (uri.slot_manufacturer, slot.manufacturer_id),
        (uri.library_manufacturer, library.manufacturer_id),
        (uri.library_description, library.library_description),
        (uri.library_version, tuple(library.library_version)),
    ]
    return all(want is None or want == have for want, have in wanted)


def _session(target: _Target) -> pkcs11.Session:
    """The process's logged-in session for the token ``target`` names (call under the lock)."""
    p11 = _pkcs11()
    library = _library(target.module_path)
    try:
        tokens = [
            token
            for slot in library.get_slots(token_present=True)
            for token in [slot.get_token()]
            if _matches(target.uri, library, token)
        ]
    except p11.PKCS11Error as exc:
        raise KeyProviderError(
            f"PKCS#11 listing tokens in {target.module_path} failed ({type(exc).__name__})"
        ) from None
    if not tokens:
        raise KeyLoadError(f"PKCS#11: no token matches {target.where()}")
    if len(tokens) > 1:
        raise KeyLoadError(
            f"PKCS#11: {len(tokens)} tokens match {target.where()}; add token= or serial="
        )
    token = tokens[0]
    key = (target.module_path, token.slot.slot_id, token.label, token.serial.hex())
    session = _sessions.get(key)
    if session is None:
        session = _open_session(token, target)
        _sessions[key] = session
    return session


def _open_session(token: pkcs11.Token, target: _Target) -> pkcs11.Session:
    p11 = _pkcs11()
    label = token.label
    if target.pin is None and token.flags & p11.TokenFlag.LOGIN_REQUIRED:
        raise KeyLoadError(
            f"PKCS#11 token {label!r} needs a PIN: add pin-source or pin-value to the URI"
        )
    try:
        return token.open(rw=True, user_pin=target.pin)
    except p11.UserAlreadyLoggedIn:
        # Someone else in this process logged in; login is per process, so a plain session
        # sees the same private objects.
        return token.open(rw=True)
    except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange):
        raise KeyProviderError(f"PKCS#11 login to token {label!r} failed: incorrect PIN") from None
    except p11.PinLocked:
        raise KeyProviderError(f"PKCS#11 login to token {label!r} failed: PIN locked") from None
    except p11.PKCS11Error as exc:
        raise KeyProviderError(
            f"PKCS#11 opening a session on token {label!r} failed ({type(exc).__name__})"
        ) from None


def _forget_session(session: pkcs11.Session) -> None:
    for key, known in list(_sessions.items()):
        if known is session:
            del _sessions[key]


def _run(
    target: _Target,
    step: str,
    operation: Callable[[pkcs11.Session], T],
    *,
    rejected_input: tuple[str, ...] = (),
) -> T:
    """Run ``operation`` on the token's session under the process lock; map every failure.

    ``rejected_input`` names the python-pkcs11 exceptions that mean "the token refused this
    ciphertext" for this step (they become DecryptionError).
    """
    p11 = _pkcs11()
    rejected = tuple(getattr(p11, name) for name in rejected_input)
    stale = (p11.SessionHandleInvalid, p11.SessionClosed, p11.UserNotLoggedIn)
    with _serialised():
        session = _session(target)
        try:
            try:
                return operation(session)
            except stale:
                # The token dropped our session (device reset, logout elsewhere): reopen once.
                _forget_session(session)
                return operation(_session(target))
        except rejected as exc:
            raise DecryptionError(
                f"PKCS#11 {step}: the token rejected the ciphertext ({type(exc).__name__};"
                " encrypted to another key, or tampered)"
            ) from None
        except (p11.DeviceRemoved, p11.TokenNotPresent, *stale) as exc:
            _forget_session(session)
            raise KeyProviderError(
                f"PKCS#11 {step} failed: token unavailable ({type(exc).__name__})",
                retryable=True,
            ) from None
        except p11.PKCS11Error as exc:
            raise KeyProviderError(f"PKCS#11 {step} failed ({type(exc).__name__})") from None


# ---------------------------------------------------------------- objects


def _object_template(uri: Pkcs11Uri, object_class: Any) -> dict[Any, Any]:
    attribute = _pkcs11().Attribute
    template: dict[Any, Any] = {attribute.CLASS: object_class}
    if uri.object is not None:
        template[attribute.LABEL] = uri.object
    if uri.id is not None:
        template[attribute.ID] = uri.id
    return template


def _find_one(session: pkcs11.Session, uri: Pkcs11Uri, object_class: Any, what: str) -> Any:
    found = list(session.get_objects(_object_template(uri, object_class)))
    if len(found) == 1:
        return found[0]
    named = replace(uri, pin_value=None, pin_source=None, module_path=None).format()
    if not found:
        raise KeyLoadError(f"PKCS#11: no {what} matches {named}")
    raise KeyLoadError(f"PKCS#11: {len(found)} objects match {named}; add object= or id=")


def _require_name(uri: Pkcs11Uri) -> None:
    if uri.object is None and uri.id is None:
        raise KeyLoadError("PKCS#11 URI must name the key with object= or id=")


def _rsa_public(obj: Any) -> rsa.RSAPublicKey:
    attribute = _pkcs11().Attribute
    modulus = int.from_bytes(obj[attribute.MODULUS], "big")
    exponent = int.from_bytes(obj[attribute.PUBLIC_EXPONENT], "big")
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


def _public_of(session: pkcs11.Session, uri: Pkcs11Uri) -> rsa.RSAPublicKey:
    """The public key: a certificate or public-key object, else the private key's modulus."""
    p11 = _pkcs11()
    if uri.type == "cert":
        cert = _find_one(session, uri, p11.ObjectClass.CERTIFICATE, "certificate")
        public = x509.load_der_x509_certificate(cert[p11.Attribute.VALUE]).public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            raise KeyLoadError("PKCS#11: the certificate does not hold an RSA key")
        return public
    kinds = [p11.ObjectClass.PUBLIC_KEY]
    if uri.type != "public":
        kinds.append(p11.ObjectClass.PRIVATE_KEY)
    for kind in kinds:
        found = list(session.get_objects(_object_template(uri, kind)))
        if len(found) == 1 and found[0][p11.Attribute.KEY_TYPE] == p11.KeyType.RSA:
            return _rsa_public(found[0])
    raise KeyLoadError("PKCS#11: no single RSA public key (or private key) matches the URI")


class Pkcs11PrivateKey(DelegatedRSAPrivateKey):
    """An RSA private key inside a PKCS#11 token; signing and decryption run on the token.

    Uses ``CKM_SHA256_RSA_PKCS_PSS`` (SHA-256, MGF1-SHA-256, salt 32) and ``CKM_RSA_PKCS_OAEP``
    (SHA-1, MGF1-SHA-1, no label), parameters always passed explicitly. Safe to share between
    threads and across ``fork()``.
    """

    backend = "PKCS#11"

    def __init__(self, target: _Target, public_key: rsa.RSAPublicKey) -> None:
        super().__init__(public_key, target.uri.format())
        self._target = target
        self._cached: tuple[pkcs11.Session, Any] | None = None

    def _key(self, session: pkcs11.Session) -> Any:
        # Object handles belong to the session generation: look the key up again after a
        # fork or a reopened session, otherwise reuse it (one C_FindObjects per session).
        if self._cached is None or self._cached[0] is not session:
            p11 = _pkcs11()
            key = _find_one(session, self._target.uri, p11.ObjectClass.PRIVATE_KEY, "key")
            self._cached = (session, key)
        return self._cached[1]

    def sign_pss_sha256(self, message: bytes) -> bytes:
        """``CKM_SHA256_RSA_PKCS_PSS`` (SHA-256, MGF1-SHA-256, salt 32) on the token."""
        p11 = _pkcs11()
        return self._sign(
            message,
            mechanism=p11.Mechanism.SHA256_RSA_PKCS_PSS,
            mechanism_param=(p11.Mechanism.SHA256, p11.MGF.SHA256, 32),
        )

    def sign_pkcs1v15_sha256(self, message: bytes) -> bytes:
        """``CKM_SHA256_RSA_PKCS`` on the token (certificates)."""
        return self._sign(message, mechanism=_pkcs11().Mechanism.SHA256_RSA_PKCS)

    def _sign(self, message: bytes, **params: Any) -> bytes:
        return _run(
            self._target, "signing", lambda s: bytes(self._key(s).sign(message, **params))
        )

    def decrypt_oaep_sha1(self, ciphertext: bytes) -> bytes:
        """``CKM_RSA_PKCS_OAEP`` (SHA-1, MGF1-SHA-1, no label) on the token."""
        p11 = _pkcs11()
        params: dict[str, Any] = {
            "mechanism": p11.Mechanism.RSA_PKCS_OAEP,
            "mechanism_param": (p11.Mechanism.SHA_1, p11.MGF.SHA1, None),
        }
        return _run(
            self._target,
            "decryption",
            lambda s: bytes(self._key(s).decrypt(ciphertext, **params)),
            rejected_input=_REJECTED_CIPHERTEXT,
        )


# ---------------------------------------------------------------- provider


class Pkcs11KeyProvider:
    """Key provider for ``pkcs11:`` URIs (RFC 7512).

    ``default_module`` is used when a URI has no ``module-path``.
    """

    scheme = "pkcs11"

    def __init__(self, *, default_module: str | None = None) -> None:
        self._default_module = default_module

    def target(self, uri: str | Pkcs11Uri) -> _Target:
        """Resolve module and PIN for ``uri`` (reads ``pin-source`` now)."""
        parsed = uri if isinstance(uri, Pkcs11Uri) else parse_pkcs11_uri(uri)
        return _Target(parsed, _resolve_module(parsed, self._default_module), _resolve_pin(parsed))

    def load_private_key(self, uri: str, password: bytes | None = None) -> rsa.RSAPrivateKey:
        """A signing/decrypting key object for the RSA private key ``uri`` names.

        The token's PIN comes from the URI (``pin-source`` or ``pin-value``), so a
        ``password`` is refused with :class:`~c2p_action.errors.ConfigurationError`.
        """
        if password is not None:
            raise ConfigurationError(
                "a key password does not apply to pkcs11: keys; the URI names the PIN"
                " (pin-source=...) (unset C2P_MERCHANT_KEY_PASSWORD)"
            )
        target = self.target(uri)
        _require_name(target.uri)
        if target.uri.type not in (None, "private"):
            raise KeyLoadError(f"PKCS#11 URI type={target.uri.type} cannot be a private key")
        p11 = _pkcs11()

        def inspect(session: pkcs11.Session) -> rsa.RSAPublicKey:
            key = _find_one(session, target.uri, p11.ObjectClass.PRIVATE_KEY, "private key")
            if key[p11.Attribute.KEY_TYPE] != p11.KeyType.RSA:
                raise KeyLoadError("PKCS#11: the object is not an RSA key")
            for use in ("sign", "decrypt"):
                if not key[getattr(p11.Attribute, use.upper())]:
                    raise KeyLoadError(f"PKCS#11: the key is not allowed to {use}")
            try:
                return _rsa_public(key)
            except (p11.AttributeSensitive, p11.AttributeTypeInvalid):
                return _public_of(session, replace(target.uri, type="public"))

        public = _run(target, "loading the private key", inspect)
        if public.key_size < MIN_KEY_BITS:
            raise KeyLoadError(f"PKCS#11: the key is RSA-{public.key_size}; {MIN_KEY_BITS} needed")
        return Pkcs11PrivateKey(target, public)

    def load_public_key(self, uri: str) -> rsa.RSAPublicKey:
        """The RSA public key ``uri`` names (public key, certificate or private key object)."""
        target = self.target(uri)
        _require_name(target.uri)
        return _run(target, "loading the public key", lambda s: _public_of(s, target.uri))


# ---------------------------------------------------------------- management (CLI)


@dataclass(frozen=True, slots=True)
class Pkcs11KeyInfo:
    """One RSA private key found on a token, for listings."""

    uri: Pkcs11Uri
    bits: int
    sensitive: bool
    extractable: bool


def _key_id(public: rsa.RSAPublicKey) -> bytes:
    spki = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()[:16]


def _refuse_existing(session: pkcs11.Session, uri: Pkcs11Uri) -> None:
    p11 = _pkcs11()
    for kind in (p11.ObjectClass.PRIVATE_KEY, p11.ObjectClass.PUBLIC_KEY):
        for name in (replace(uri, id=None), replace(uri, object=None)):
            if (name.object or name.id) and list(session.get_objects(_object_template(name, kind))):
                raise KeyLoadError("PKCS#11: the token already holds a key with that label or id")


def _private_template(p11: Any) -> dict[Any, Any]:
    attribute = p11.Attribute
    return {
        attribute.TOKEN: True,
        attribute.PRIVATE: True,
        attribute.SENSITIVE: True,
        attribute.EXTRACTABLE: False,
        attribute.SIGN: True,
        attribute.DECRYPT: True,
        attribute.UNWRAP: False,
    }


def _public_template(p11: Any) -> dict[Any, Any]:
    attribute = p11.Attribute
    return {
        attribute.TOKEN: True,
        attribute.PRIVATE: False,
        attribute.VERIFY: True,
        attribute.ENCRYPT: True,
        attribute.WRAP: False,
    }


def import_pkcs11_key(
    uri: str, key: rsa.RSAPrivateKey, *, provider: Pkcs11KeyProvider | None = None
) -> Pkcs11Uri:
    """Store ``key`` on the token as a sensitive, non-extractable key pair; return its URI.

    ``uri`` names the token and the label (``object=``); ``id=`` defaults to the first 16
    bytes of the SHA-256 of the public key.
    """
    target = (provider or Pkcs11KeyProvider()).target(uri)
    if target.uri.object is None:
        raise KeyLoadError("PKCS#11 import: the URI must give the new key's label (object=)")
    if isinstance(key, DelegatedRSAPrivateKey) or not isinstance(key, rsa.RSAPrivateKey):
        raise KeyLoadError("PKCS#11 import needs an RSA private key loaded from a file")
    if key.key_size < MIN_KEY_BITS:
        raise KeyLoadError(f"PKCS#11 import: RSA-{key.key_size} is too small ({MIN_KEY_BITS})")
    named = replace(target.uri, id=target.uri.id or _key_id(key.public_key()), type=None)
    numbers = key.private_numbers()
    p11 = _pkcs11()
    a = p11.Attribute

    def store(session: pkcs11.Session) -> None:
        _refuse_existing(session, named)
        common = {
            a.KEY_TYPE: p11.KeyType.RSA,
            a.LABEL: named.object,
            a.ID: named.id,
            a.MODULUS: _big(numbers.public_numbers.n),
            a.PUBLIC_EXPONENT: _big(numbers.public_numbers.e),
        }
        session.create_object(
            {
                a.CLASS: p11.ObjectClass.PRIVATE_KEY,
                **common,
                **_private_template(p11),
                a.PRIVATE_EXPONENT: _big(numbers.d),
                a.PRIME_1: _big(numbers.p),
                a.PRIME_2: _big(numbers.q),
                a.EXPONENT_1: _big(numbers.dmp1),
                a.EXPONENT_2: _big(numbers.dmq1),
                a.COEFFICIENT: _big(numbers.iqmp),
            }
        )
        session.create_object(
            {a.CLASS: p11.ObjectClass.PUBLIC_KEY, **common, **_public_template(p11)}
        )

    _run(target, "importing the key", store)
    return _public_uri(named)


def generate_pkcs11_key(
    uri: str, *, bits: int = 4096, provider: Pkcs11KeyProvider | None = None
) -> Pkcs11Uri:
    """Generate an RSA key pair inside the token (private half never leaves); return its URI."""
    if bits < MIN_KEY_BITS:
        raise KeyLoadError(f"PKCS#11 keygen: RSA-{bits} is too small ({MIN_KEY_BITS})")
    target = (provider or Pkcs11KeyProvider()).target(uri)
    if target.uri.object is None:
        raise KeyLoadError("PKCS#11 keygen: the URI must give the new key's label (object=)")
    key_id = target.uri.id or os.urandom(16)
    named = replace(target.uri, id=key_id, type=None)
    p11 = _pkcs11()

    def generate(session: pkcs11.Session) -> None:
        _refuse_existing(session, named)
        session.generate_keypair(
            p11.KeyType.RSA,
            bits,
            id=key_id,
            label=named.object,
            store=True,
            mechanism=p11.Mechanism.RSA_PKCS_KEY_PAIR_GEN,
            public_template={
                p11.Attribute.PUBLIC_EXPONENT: _big(65537),
                **_public_template(p11),
            },
            private_template=_private_template(p11),
        )

    _run(target, "generating the key pair", generate)
    return _public_uri(named)


def list_pkcs11_keys(
    uri: str, *, provider: Pkcs11KeyProvider | None = None
) -> list[Pkcs11KeyInfo]:
    """Every RSA private key visible on the token ``uri`` names (after login)."""
    target = (provider or Pkcs11KeyProvider()).target(uri)
    p11 = _pkcs11()
    a = p11.Attribute

    def listing(session: pkcs11.Session) -> list[Pkcs11KeyInfo]:
        template = {a.CLASS: p11.ObjectClass.PRIVATE_KEY, a.KEY_TYPE: p11.KeyType.RSA}
        found: list[Pkcs11KeyInfo] = []
        for key in session.get_objects(template):
            found.append(
                Pkcs11KeyInfo(
                    uri=_public_uri(
                        replace(target.uri, object=key[a.LABEL] or None, id=key[a.ID] or None)
                    ),
                    bits=int.from_bytes(key[a.MODULUS], "big").bit_length(),
                    sensitive=bool(key[a.SENSITIVE]),
                    extractable=bool(key[a.EXTRACTABLE]),
                )
            )
        return found

    return _run(target, "listing keys", listing)


def _public_uri(uri: Pkcs11Uri) -> Pkcs11Uri:
    # URIs we print or return never carry a PIN value; a pin-source (a path) is kept.
    return replace(uri, pin_value=None, type=None)


def _big(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
