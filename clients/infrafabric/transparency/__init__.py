"""Offline verification for the InfraFabric audit log: Merkle proofs, signed checkpoints, receipts, exports.

Pure Python on top of ``cryptography``; no server imports, so any client can check a receipt or a
whole exported log without trusting the service.
"""

from .entry import Entry, InvalidEntryError, format_citation, parse_citation
from .merkle import (
    EMPTY_ROOT,
    MemoryTree,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from .note import Checkpoint, NoteError, Signer, Verifier, open_checkpoint, open_note
from .verify import (
    Receipt,
    VerifyResult,
    verify_checkpoint_consistency,
    verify_export,
    verify_receipt,
)

__all__ = [
    "EMPTY_ROOT",
    "Checkpoint",
    "Entry",
    "InvalidEntryError",
    "MemoryTree",
    "NoteError",
    "ProofError",
    "Receipt",
    "Signer",
    "Verifier",
    "VerifyResult",
    "consistency_proof",
    "format_citation",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "open_note",
    "parse_citation",
    "root_from_inclusion_proof",
    "verify_checkpoint_consistency",
    "verify_consistency",
    "verify_export",
    "verify_inclusion",
    "verify_receipt",
]
