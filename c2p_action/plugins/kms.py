"""Built-in plugin: the ``aws-kms:`` key provider (AWS KMS through ``boto3``).

Importing this module does not import ``boto3``; a missing extra is reported as a
:class:`~c2p_action.errors.ConfigurationError` when an ``aws-kms:`` key is first loaded.
"""

from __future__ import annotations

from c2p_action.keys._kms import AwsKmsKeyProvider
from c2p_action.plugins.hookspecs import RegisterKeyProvider, hookimpl

__all__ = ["register_key_providers"]


@hookimpl
def register_key_providers(register: RegisterKeyProvider) -> None:
    """Register :class:`AwsKmsKeyProvider` for the ``aws-kms`` scheme."""
    register(AwsKmsKeyProvider.scheme, AwsKmsKeyProvider())
