"""The exit codes of ``2c2p`` and their help text: a module of its own, light enough for the
lazy root command to show them in ``2c2p --help`` without importing the client."""

from __future__ import annotations

from enum import IntEnum
from typing import Final

__all__ = ["EXIT_CODES_HELP", "ExitCode"]


class ExitCode(IntEnum):
    """The documented exit codes of ``2c2p`` (also in ``2c2p --help``)."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    CONFIGURATION = 3
    REFUSED = 4
    TRANSPORT = 5
    CODEC = 6
    INTERRUPTED = 130


EXIT_CODES_HELP: Final = """\b
Exit codes:
  0  success (a refund pending with code 42 counts as success)
  1  internal error (a bug: please report it)
  2  usage or bad input (arguments, amounts, CSV rows)
  3  configuration or key problem (missing setting, key cannot be loaded)
  4  gateway refusal: a verified answer with a code other than 00/42
  5  transport failure: no verified answer (the outcome of a refund, void
     or settle is unknown: retry with the same --idempotency-id; of a
     withdrawal too: check the balance before sending it again)
  6  codec failure: a token that does not parse, verify or decrypt
  130 interrupted"""
