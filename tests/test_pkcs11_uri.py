"""RFC 7512 URI parsing and formatting (pure: no PKCS#11 module involved)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from c2p_action.errors import KeyLoadError
from c2p_action.keys._pkcs11_uri import Pkcs11Uri, parse_pkcs11_uri

RFC_EXAMPLES = [
    "pkcs11:",
    "pkcs11:object=my-pubkey;type=public",
    "pkcs11:object=my-key;type=private?pin-source=file:/etc/token",
    "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;"
    "model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;"
    "serial=?pin-source=file:/etc/token_pin",
    "pkcs11:object=my-sign-key;type=private?module-name=mypkcs11",
    "pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1",
    "pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc."
    "?pin-value=the-pin",
    "pkcs11:slot-description=Sun%20Metaslot",
    "pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;"
    "library-version=1.23",
    "pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert",
    "pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;"
    "type=cert",
    "pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a"
    "?pin-source=file:/etc/token_pin&vendor-bbb=value-b",
]


@pytest.mark.parametrize("text", RFC_EXAMPLES[:-1])
def test_rfc_examples_parse_and_round_trip(text: str) -> None:
    parsed = parse_pkcs11_uri(text)
    assert parse_pkcs11_uri(parsed.format(include_pin=True)) == parsed


def test_rfc_example_values_are_decoded() -> None:
    parsed = parse_pkcs11_uri(RFC_EXAMPLES[3])
    assert parsed.token == "The Software PKCS#11 Softtoken"
    assert parsed.manufacturer == "Snake Oil, Inc."
    assert parsed.type == "cert"
    assert parsed.id == bytes.fromhex("69953e5cf4bdec91")
    assert parsed.serial == ""
    assert parsed.pin_source == "file:/etc/token_pin"
    assert parse_pkcs11_uri(RFC_EXAMPLES[8]).library_version == (1, 23)
    assert parse_pkcs11_uri(RFC_EXAMPLES[9]).token == "A name with a substring %;"
    assert parse_pkcs11_uri(RFC_EXAMPLES[10]).token == "Name with a small A with acute: á"


def test_vendor_query_attributes_are_kept_and_may_repeat() -> None:
    parsed = parse_pkcs11_uri("pkcs11:token=t?x-a=1&x-a=2&module-path=/m.so")
    assert parsed.vendor_query == (("x-a", "1"), ("x-a", "2"))
    assert parsed.module_path == "/m.so"


def test_scheme_is_case_insensitive_and_query_may_be_empty() -> None:
    assert parse_pkcs11_uri("PKCS11:token=t?") == Pkcs11Uri(token="t")


def test_query_characters_allowed_raw() -> None:
    parsed = parse_pkcs11_uri("pkcs11:?pin-source=|/usr/bin/getpin?x&module-path=/a/b.so")
    assert parsed.pin_source == "|/usr/bin/getpin?x"


def test_slot_id_and_ampersand_in_path() -> None:
    parsed = parse_pkcs11_uri("pkcs11:slot-id=3;token=R&D")
    assert parsed.slot_id == 3
    assert parsed.token == "R&D"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pkcs12:token=a", "must start with 'pkcs11:'"),
        ("token=a", "must start with 'pkcs11:'"),
        ("pkcs11:token=a;token=b", "'token' appears twice"),
        ("pkcs11:?pin-value=1&pin-value=2", "'pin-value' appears twice"),
        ("pkcs11:?pin-value=1&pin-source=file:/p", "not both"),
        ("pkcs11:x-vendor=1", "unknown path attribute 'x-vendor'"),
        ("pkcs11:type=secret", "type 'secret' is not one of"),
        ("pkcs11:slot-id=abc", "slot-id must be a decimal number"),
        ("pkcs11:slot-id=", "slot-id must be a decimal number"),
        ("pkcs11:library-version=1.", "library-version must be MAJOR or MAJOR.MINOR"),
        ("pkcs11:library-version=v1", "library-version must be MAJOR or MAJOR.MINOR"),
        ("pkcs11:token=a%2", "bad percent-escape in 'token'"),
        ("pkcs11:token=a%zz", "bad percent-escape in 'token'"),
        ("pkcs11:token=a b", "character ' ' must be percent-encoded in 'token'"),
        ("pkcs11:token=a/b", "character '/' must be percent-encoded in 'token'"),
        ("pkcs11:?module-path=/a&b", "not of the form name=value"),
        ("pkcs11:token=a;", "not of the form name=value"),
        ("pkcs11:;token=a", "not of the form name=value"),
        ("pkcs11:token", "not of the form name=value"),
        ("pkcs11:to ken=a", "not of the form name=value"),
        ("pkcs11:token=a#frag", "fragment"),
        ("pkcs11:token=%FF", "'token' is not valid UTF-8"),
    ],
)
def test_malformed_uris_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(KeyLoadError, match="PKCS#11 URI") as caught:
        parse_pkcs11_uri(text)
    assert message in str(caught.value)


def test_id_is_binary_and_formatted_fully_encoded() -> None:
    parsed = parse_pkcs11_uri("pkcs11:id=%00%FFA")
    assert parsed.id == b"\x00\xffA"
    assert parsed.format() == "pkcs11:id=%00%FF%41"


def test_pin_value_is_kept_out_of_repr_and_default_format() -> None:
    parsed = parse_pkcs11_uri("pkcs11:token=t?pin-value=s3cret-pin&module-path=/m.so")
    assert parsed.pin_value == "s3cret-pin"
    assert "s3cret" not in repr(parsed)
    assert "s3cret" not in str(parsed)
    assert parsed.format() == "pkcs11:token=t?module-path=/m.so"
    assert "pin-value=s3cret-pin" in parsed.format(include_pin=True)


def test_errors_never_echo_a_pin() -> None:
    with pytest.raises(KeyLoadError) as caught:
        parse_pkcs11_uri("pkcs11:?pin-value=s3cret pin")
    assert "s3cret" not in str(caught.value)


_text = st.text(st.characters(codec="utf-8"), max_size=12)
_optional_text = st.none() | _text


@given(
    token=_optional_text,
    object_=_optional_text,
    serial=_optional_text,
    key_id=st.none() | st.binary(max_size=8),
    slot_id=st.none() | st.integers(min_value=0, max_value=2**32),
    version=st.none() | st.tuples(st.integers(0, 99), st.integers(0, 99)),
    object_type=st.none() | st.sampled_from(["public", "private", "cert"]),
    module=_optional_text,
    pin=_optional_text,
)
def test_format_then_parse_is_identity(
    token: str | None,
    object_: str | None,
    serial: str | None,
    key_id: bytes | None,
    slot_id: int | None,
    version: tuple[int, int] | None,
    object_type: str | None,
    module: str | None,
    pin: str | None,
) -> None:
    uri = Pkcs11Uri(
        token=token,
        object=object_,
        serial=serial,
        id=key_id,
        slot_id=slot_id,
        library_version=version,
        type=object_type,  # type: ignore[arg-type]
        module_path=module,
        pin_value=pin,
    )
    assert parse_pkcs11_uri(uri.format(include_pin=True)) == uri
