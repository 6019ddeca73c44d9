"""Receipts between the gRPC contract (infrafabric.audit.v1.Receipt) and the offline verifier.

A client keeps the receipt of an append to prove later, without the server, that the entry is in
the log::

    receipt = await audit.append_event("router.turn", {"model": "m"})      # pb.Receipt
    Path("receipt.json").write_text(receipt_from_proto(receipt).to_json())
    # later, anywhere:  infrafabric audit verify receipt.json --key "$(infrafabric audit key)"

``load_receipt`` reads either that file format (``Receipt.to_json``) or the proto3 JSON form of a
``Receipt`` (what the REST gateway returns: base64 bytes, camelCase or snake_case names).
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import json_format

from infrafabric.audit.v1 import audit_service_pb2 as pb

from .verify import Receipt

__all__ = ["load_receipt", "receipt_from_proto", "receipt_to_proto"]


def receipt_from_proto(message: pb.Receipt) -> Receipt:
    """The verifier's Receipt for a gRPC Receipt (no copying of meaning: the same bytes)."""
    return Receipt(
        index=message.index,
        leaf_hash=bytes(message.leaf_hash),
        entry=bytes(message.canonical),
        tree_size=message.tree_size,
        root_hash=bytes(message.root_hash),
        inclusion_proof=tuple(bytes(h) for h in message.inclusion_proof),
        checkpoint=message.checkpoint,
        citation=message.citation,
    )


def receipt_to_proto(receipt: Receipt) -> pb.Receipt:
    return pb.Receipt(
        index=receipt.index,
        citation=receipt.citation,
        leaf_hash=receipt.leaf_hash,
        canonical=receipt.entry,
        tree_size=receipt.tree_size,
        root_hash=receipt.root_hash,
        checkpoint=receipt.checkpoint,
        inclusion_proof=list(receipt.inclusion_proof),
    )


def load_receipt(text: str | bytes) -> Receipt:
    """Parse a saved receipt: ``Receipt.to_json`` output, or a proto3-JSON ``Receipt``.

    An ``AppendEventResponse`` in JSON (``{"receipt": {...}}``) is accepted too. Raises ValueError
    (with a message naming what is wrong) for anything else.
    """
    try:
        obj: Any = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"receipt is not JSON: {exc}") from None
    if isinstance(obj, dict) and isinstance(obj.get("receipt"), dict):
        obj = obj["receipt"]
    if not isinstance(obj, dict):
        raise ValueError("receipt must be a JSON object")
    if "entry" in obj:  # the verifier's own format: hex hashes, entry as text
        try:
            return Receipt.from_dict(obj)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"receipt is missing or has a malformed field: {exc}") from None
    try:
        message = json_format.ParseDict(obj, pb.Receipt())
    except json_format.ParseError as exc:
        raise ValueError(f"not a receipt: {exc}") from None
    if not message.canonical or not message.checkpoint:
        raise ValueError("not a receipt: it has no entry bytes (canonical) or no checkpoint")
    return receipt_from_proto(message)
