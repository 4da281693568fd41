"""Load, fingerprint and generate the RSA keys the Payment Maintenance API uses.

- :func:`load_private_key`: the merchant's key from PEM, DER or PKCS#12 (``.p12``/``.pfx``).
- :func:`load_public_key`: 2C2P's key from its X.509 ``.cer`` (PEM or DER), or any public key.
- :func:`generate_merchant_keys`: a new key pair, the certificate to upload to the merchant
  portal and a password-protected PKCS#12 file; :func:`certificate_for` makes that certificate
  for any RSA private key, HSM keys included.

Loaded keys are :class:`LoadedPrivateKey` / :class:`LoadedPublicKey`: ordinary cryptography RSA
key objects whose ``repr`` shows only size, fingerprint and source.

Keys that never leave their hardware: :class:`Pkcs11KeyProvider` (``pkcs11:`` RFC 7512 URIs,
extra ``pkcs11``) and :class:`AwsKmsKeyProvider` (``aws-kms:`` URIs, extra ``kms``) give
RSA private-key objects that sign and decrypt inside the HSM or KMS. Both are built on
:class:`DelegatedRSAPrivateKey`, the base class for any key provider of your own (see
``docs/writing-plugins.md``).
"""

from c2p_action.keys._delegated import DelegatedRSAPrivateKey
from c2p_action.keys._generate import GeneratedKeys, certificate_for, generate_merchant_keys
from c2p_action.keys._kms import AwsKmsKeyProvider, KmsPrivateKey, KmsUri, parse_kms_uri
from c2p_action.keys._load import (
    MIN_RSA_BITS,
    KeySource,
    Password,
    load_private_key,
    load_public_key,
)
from c2p_action.keys._pkcs11 import (
    Pkcs11KeyInfo,
    Pkcs11KeyProvider,
    Pkcs11PrivateKey,
    generate_pkcs11_key,
    import_pkcs11_key,
    list_pkcs11_keys,
)
from c2p_action.keys._pkcs11_uri import Pkcs11Uri, parse_pkcs11_uri
from c2p_action.keys._wrap import LoadedPrivateKey, LoadedPublicKey, fingerprint

__all__ = [
    "MIN_RSA_BITS",
    "AwsKmsKeyProvider",
    "DelegatedRSAPrivateKey",
    "GeneratedKeys",
    "KeySource",
    "KmsPrivateKey",
    "KmsUri",
    "LoadedPrivateKey",
    "LoadedPublicKey",
    "Password",
    "Pkcs11KeyInfo",
    "Pkcs11KeyProvider",
    "Pkcs11PrivateKey",
    "Pkcs11Uri",
    "certificate_for",
    "fingerprint",
    "generate_merchant_keys",
    "generate_pkcs11_key",
    "import_pkcs11_key",
    "list_pkcs11_keys",
    "load_private_key",
    "load_public_key",
    "parse_kms_uri",
    "parse_pkcs11_uri",
]
