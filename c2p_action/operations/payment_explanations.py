"""Explanations of the two-digit ``respCode`` table and of the transaction statuses.

The codes and their wording are 2C2P's (reference §5 and §6). What each means in practice,
its likely causes and what to check are this library's reading: where that reading rests on
inference rather than a 2C2P page, the text says "inferred". The XML families share the
``respCode`` table, so these explanations serve all of them; :mod:`.payment` registers both
tables.
"""

from __future__ import annotations

from typing import Final

from c2p_action.explanations import Explanation, Kind

__all__ = ["RESP_CODE_EXPLANATIONS", "STATUS_EXPLANATIONS", "STATUS_MEANINGS"]

_INQUIRE_FIRST = (
    "Before repeating a refund, void or settle, ask `inquiry` / `refund_status` whether it"
    " landed; repeat it only with the same idempotencyID."
)
_STATE = "Run an inquiry: its status says what the transaction allows (`2c2p explain <status>`)."
_ENV = (
    "The environment: sandbox merchant IDs, invoices and keys do not exist in production, and"
    " the other way round."
)


def _e(
    code: str,
    kind: Kind,
    summary: str,
    causes: tuple[str, ...] = (),
    checks: tuple[str, ...] = (),
) -> Explanation:
    return Explanation(code, kind, summary, causes, checks)


#: One explanation per code of 2C2P's current respCode table.
RESP_CODE_EXPLANATIONS: Final = (
    _e("00", Kind.SUCCESS, "The gateway did what was asked."),
    _e(
        "01",
        Kind.REFUSED,
        "The stored card (card token) the request names is unknown to the gateway.",
        (
            "The token was deleted, belongs to another merchant, or comes from the other"
            " environment.",
        ),
        ("The storeCardUniqueID you sent.", _ENV),
    ),
    _e(
        "02",
        Kind.INVALID,
        "The gateway could not read the request as a message of this operation.",
        (
            "Wrong root element or version for the operation.",
            "An element misspelt or in the wrong case (XML names are case-sensitive), or out"
            " of the documented order.",
        ),
        (
            "Record the call with a trace (`--trace FILE`) and compare the request with the"
            " guide's sample.",
        ),
    ),
    _e(
        "03",
        Kind.SETUP,
        "The gateway does not know this merchantID, or it does not go with the key that signed.",
        (
            "A sandbox merchant ID used in production, or the other way round.",
            "A typo, or a child merchant's ID sent as merchantID.",
            "The request was signed with another merchant's key.",
        ),
        ("C2P_MERCHANT_ID against the merchant portal.", _ENV, "`2c2p doctor`."),
    ),
    _e(
        "04",
        Kind.INVALID,
        "The stored card unique ID is malformed.",
        checks=("The storeCardUniqueID: as 2C2P returned it, at most 20 characters.",),
    ),
    _e(
        "05",
        Kind.INVALID,
        "The customer email address is not valid.",
        checks=("The cardholderEmail / email field.",),
    ),
    _e(
        "10",
        Kind.INVALID,
        "A mandatory element is missing or empty.",
        ("A refund without actionAmount; a missing invoiceNo, processType or version.",),
        ("The operation's field table in the guide; a trace of the request.",),
    ),
    _e(
        "11",
        Kind.INVALID,
        "A field breaks a validation rule (length, format, a total).",
        (
            "A field longer than its documented length; sub-merchant amounts that do not add up"
            " to actionAmount.",
        ),
        ("Field lengths and formats in the guide; a trace of the request.",),
    ),
    _e(
        "12",
        Kind.REFUSED,
        "The transaction's current status does not allow this action.",
        (
            "A refund of a voided or failed payment, a settle of a voided one, a second cancel"
            " while one is pending.",
        ),
        (_STATE,),
    ),
    _e(
        "13",
        Kind.SETUP,
        "A hashValue (the legacy HMAC over request fields) does not match.",
        (
            "The HMAC was computed with another secret key or over other fields (legacy"
            " messages such as the FX rate list; the input string is inferred).",
        ),
        ("The merchant secret key in the portal; the fields and order the hash covers.",),
    ),
    _e(
        "14",
        Kind.SETUP,
        "The merchantID is not valid (the table lists this wording under 03 and 14).",
        ("See 03: a merchant ID of the other environment, a typo, another merchant's key.",),
        ("C2P_MERCHANT_ID against the merchant portal.", _ENV),
    ),
    _e(
        "15",
        Kind.INVALID,
        "The invoice number is malformed.",
        checks=("invoiceNo: at most 50 characters, as the payment was created.",),
    ),
    _e(
        "16",
        Kind.REFUSED,
        "No transaction with this invoice number exists for this merchant.",
        (
            "A typo in the invoice number.",
            "The payment was made under another (child) merchant ID, or in the other environment.",
            "The payment was never completed.",
        ),
        ("The invoice number and merchant ID of the original payment.", _ENV),
    ),
    _e(
        "17",
        Kind.INVALID,
        "The processType is unknown, or not available for this payment.",
        ("Settle (S) of an APM payment; a type letter misspelt.",),
        ("processType: I, V, S, R or RS.",),
    ),
    _e(
        "18",
        Kind.INVALID,
        "The action amount is not valid.",
        (
            "Not a two-decimal amount above zero; a void amount that is not the transaction's"
            " amount.",
        ),
        ("actionAmount: `25.00` form, at most 8 integer digits; a void is for the whole amount.",),
    ),
    _e(
        "21",
        Kind.REFUSED,
        "This transaction cannot be voided in its current state.",
        (
            "It is settled already (past the acquirer's cut-off): refund it instead.",
            "The payment method does not support voids.",
        ),
        (_STATE, "`reverse` picks void or refund from the status for you."),
    ),
    _e(
        "22",
        Kind.REFUSED,
        "A sub-transaction cannot be voided on its own: void the whole transaction.",
    ),
    _e(
        "25",
        Kind.FAILURE,
        "The void failed at the gateway or acquirer (2C2P calls this retryable).",
        checks=(_INQUIRE_FIRST,),
    ),
    _e("29", Kind.REFUSED, "The transaction is already voided: nothing left to cancel."),
    _e(
        "30",
        Kind.REFUSED,
        "The amount exceeds what the transaction allows: refunds (all of them together) or a"
        " settle above the original amount.",
        checks=("`refund_status`: what was refunded already.",),
    ),
    _e(
        "31",
        Kind.REFUSED,
        "Settlement is not allowed for this transaction or merchant.",
        (
            "APM payments are not settled through this API; the merchant is not set up for"
            " manual capture.",
        ),
    ),
    _e("32", Kind.REFUSED, "This transaction needs no settlement (it is captured automatically)."),
    _e(
        "33",
        Kind.REFUSED,
        "Partial settlement is not enabled for this merchant: settle the"
        " whole authorised amount (no amount).",
    ),
    _e("34", Kind.REFUSED, "The acquirer rejected the settlement."),
    _e(
        "35",
        Kind.FAILURE,
        "The settlement failed (2C2P calls this retryable).",
        checks=(_INQUIRE_FIRST,),
    ),
    _e(
        "36",
        Kind.REFUSED,
        "The settlement deadline has passed: unsettled pre-authorisations"
        " are voided automatically after about 7 days.",
    ),
    _e(
        "37",
        Kind.REFUSED,
        "A sub-merchant's settlement amount is more than its part of the transaction.",
    ),
    _e("38", Kind.REFUSED, "A sub-transaction cannot be captured on its own."),
    _e(
        "39",
        Kind.REFUSED,
        "The transaction is already settled.",
        ("A second settle; or a void that came after the settlement run (refund instead).",),
        (_STATE,),
    ),
    _e("40", Kind.REFUSED, "The refund amount is more than the transaction amount."),
    _e(
        "41",
        Kind.REFUSED,
        "This transaction cannot be refunded (yet).",
        (
            "It is not settled yet (approved or ready for settlement): void it instead, or wait"
            " for the settlement run.",
            "The method or merchant does not allow refunds.",
        ),
        (_STATE, "`reverse` picks void or refund from the status for you."),
    ),
    _e(
        "42",
        Kind.PENDING,
        "The refund was accepted and is pending: its final status comes later, to the"
        " notifyURL, or by polling refund status.",
        checks=("`wait_for_refund` / `2c2p refund --wait` polls until it is final.",),
    ),
    _e(
        "43",
        Kind.REFUSED,
        "Partial refunds are not allowed for this transaction: refund the whole amount.",
    ),
    _e("44", Kind.REFUSED, "The refund was rejected."),
    _e(
        "45",
        Kind.FAILURE,
        "The refund failed (2C2P calls this retryable).",
        checks=(_INQUIRE_FIRST,),
    ),
    _e(
        "46",
        Kind.REFUSED,
        "The merchant's balance cannot cover the refund; a smaller amount may go through.",
    ),
    _e(
        "47",
        Kind.REFUSED,
        "A sub-merchant's refund amount is more than its part of the transaction.",
    ),
    _e("48", Kind.REFUSED, "A sub-merchant's balance cannot cover its refund."),
    _e("49", Kind.REFUSED, "The transaction is already fully refunded: nothing is left to refund."),
    _e(
        "50",
        Kind.INVALID,
        "This idempotencyID was already used for another type of request.",
        (
            "A fixed or reused idempotencyID (a known bug in other integrations): each logical"
            " refund or void needs its own.",
        ),
        (
            "Send a fresh idempotencyID per logical operation; reuse it only to retry that"
            " same operation.",
        ),
    ),
    _e(
        "51",
        Kind.PENDING,
        "A request with this idempotencyID is still pending: the original exists. (An older"
        " table used 51 for 'FX provider not available'.)",
        checks=(
            "Do not send it again under a new id; poll refund status or wait for the notification.",
        ),
    ),
    _e(
        "52",
        Kind.FAILURE,
        "The gateway could not retrieve the main transaction; the refund failed.",
        checks=(_INQUIRE_FIRST,),
    ),
    _e(
        "53",
        Kind.REFUSED,
        "The transaction has no reference number at the acquirer (it may not have completed).",
    ),
    _e("54", Kind.REFUSED, "The refund window for this transaction has passed."),
    _e(
        "61",
        Kind.REFUSED,
        "The payment cannot be cancelled (an APM void), typically because it"
        " is paid already: refund it instead (inferred).",
    ),
    _e("65", Kind.FAILURE, "The cancel failed.", checks=(_INQUIRE_FIRST,)),
    _e(
        "95",
        Kind.FAILURE,
        "The gateway timed out inside; the action may or may not have happened (2C2P calls"
        " this retryable).",
        checks=(_INQUIRE_FIRST,),
    ),
    _e(
        "96",
        Kind.SETUP,
        "The gateway could not decrypt (or could not accept the envelope of) the request.",
        (
            "Wrong key pair: the request was encrypted to a certificate that is not the"
            " gateway's for this environment, or signed with a merchant key whose"
            " certificate is not the one in the merchant portal.",
            "RSA-OAEP-256 instead of RSA-OAEP (SHA-1), or another content encryption than"
            " A256GCM (this library always sends RSA-OAEP + A256GCM).",
            "The sandbox certificate used against production (or a production certificate"
            " against the sandbox).",
            "The merchant certificate was uploaded but not set as the default key in the"
            " portal (inferred from integrators' reports).",
            "The JWS payload is not the compact JWE itself (base64 applied twice, JSON"
            " serialisation instead of compact).",
        ),
        (
            "`2c2p doctor` (key pair, certificate, environment).",
            "The fingerprint of the certificate in the portal against"
            " `2c2p doctor`'s fingerprint of your key.",
            "Which gateway certificate you encrypt to: the sandbox one only in the sandbox.",
        ),
    ),
    _e(
        "97",
        Kind.SETUP,
        "This process is not supported for this merchant or payment.",
        (
            "The operation is not enabled for the merchant account, or the payment channel does"
            " not support it (inferred).",
        ),
        ("Ask 2C2P which operations the merchant account has enabled.",),
    ),
    _e(
        "98",
        Kind.FAILURE,
        "The service is not available for this request (maintenance, or not enabled: inferred).",
        checks=("Try later; if it persists, ask 2C2P.",),
    ),
    _e(
        "99",
        Kind.FAILURE,
        "The gateway could not complete the request (2C2P calls this retryable).",
        checks=(_INQUIRE_FIRST,),
    ),
)


#: The status table's own wording (reference §6), shown as each status's meaning.
STATUS_MEANINGS: Final = {
    "A": "approved",
    "AP": "approval pending",
    "AE": "approved after expired",
    "AL": "approved with less amount",
    "AM": "approved with more amount",
    "PF": "payment failed",
    "AR": "authentication rejected",
    "FF": "fraud rule rejected",
    "IP": "rejected, invalid promotion",
    "ROE": "rejected, routing",
    "RP": "refund pending",
    "RF": "refund confirmed",
    "RFF": "refund failed",
    "RR": "refund rejected",
    "RR1": "refund rejected, insufficient balance",
    "RR2": "refund rejected, invalid bank information",
    "RR3": "refund rejected, bank account mismatch",
    "RS": "ready for settlement",
    "S": "settled",
    "T": "credit adjustment",
    "V": "voided/cancelled",
    "VP": "void pending",
    "EX": "payment expired",
    "CTS": "tokenization success",
    "CTF": "tokenization failed",
    "PPC": "partially captured",
    "PFC": "fully captured",
}


def _s(code: str, summary: str, checks: tuple[str, ...] = ()) -> Explanation:
    return Explanation(code, Kind.STATUS, summary, (), checks, meaning=STATUS_MEANINGS[code])


#: One explanation per transaction status (reference §6).
STATUS_EXPLANATIONS: Final = (
    _s(
        "A",
        "Approved (authorised) and not settled yet: a void cancels it before the"
        " acquirer's cut-off; a pre-authorisation can be settled.",
    ),
    _s(
        "AP",
        "Approval pending: the payment is not completed yet (an unpaid APM payment slip,"
        " for example); a void cancels it.",
    ),
    _s("AE", "Approved after the payment slip expired (APM)."),
    _s("AL", "Approved with less than the requested amount (APM)."),
    _s("AM", "Approved with more than the requested amount (APM)."),
    _s("PF", "The payment failed: nothing to void or refund."),
    _s("AR", "Authentication (3-D Secure) rejected the payment: nothing to void or refund."),
    _s("FF", "A fraud rule rejected the payment: nothing to void or refund."),
    _s("IP", "Rejected: invalid promotion."),
    _s("ROE", "Rejected by routing."),
    _s(
        "RP",
        "Refund pending: the refund was accepted, its final status comes later.",
        ("`wait_for_refund` polls refund status until it is final.",),
    ),
    _s("RF", "Refund confirmed."),
    _s("RFF", "Refund failed."),
    _s("RR", "Refund rejected."),
    _s("RR1", "Refund rejected: insufficient balance."),
    _s("RR2", "Refund rejected: invalid bank information (APM refund account details)."),
    _s("RR3", "Refund rejected: the bank account does not match."),
    _s(
        "RS",
        "Ready for settlement: settle was accepted, the settlement run has not happened;"
        " not refundable yet. (As a processType, RS is the refund status inquiry.)",
    ),
    _s("S", "Settled: a refund (full or partial) reverses it; a void no longer can."),
    _s("T", "Credit adjustment."),
    _s("V", "Voided (cancelled): nothing to refund."),
    _s("VP", "Void pending: the cancel was accepted and completes later."),
    _s("EX", "The payment expired before it was paid."),
    _s("CTS", "Card tokenisation succeeded."),
    _s("CTF", "Card tokenisation failed."),
    _s("PPC", "Partially captured (secondary sources only)."),
    _s("PFC", "Fully captured (secondary sources only)."),
)
