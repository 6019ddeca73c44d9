"""RFC 6962 / RFC 9162 Merkle tree hashing, proof generation and proof verification.

Generation works over a *hash reader*: any callable ``read(level, index) -> bytes`` that returns the
hash of the complete subtree covering leaves ``[index << level, (index + 1) << level)`` (level 0 is
the leaf hashes). A log that stores every complete node (see ``mmr_position``) answers proofs with
O(log n) reads and never rehashes leaves. Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2
literally, including the two steps some ports get wrong (the inner ``while`` loop condition, and
prepending ``first_hash`` when ``first`` is a power of two).

This module is pure: no I/O, no server imports, usable by offline verifiers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "HashReader",
    "MemoryTree",
    "ProofError",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "mmr_position",
    "mmr_size",
    "node_hash",
    "peaks",
    "range_root",
    "root",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# read(level, index) -> hash of the complete subtree of 2**level leaves starting at index << level.
HashReader = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof is malformed or does not verify."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || data), no length prefix."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_pow2_below(n: int) -> int:
    """The largest power of two strictly less than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def mmr_size(leaves: int) -> int:
    """Number of complete-subtree nodes stored for a tree of ``leaves`` leaves (post-order layout)."""
    return 2 * leaves - leaves.bit_count()


def mmr_position(level: int, index: int) -> int:
    """Position of complete node (level, index) in the post-order ("MMR") append layout.

    Appending leaf n writes its hash and then every parent it completes, so leaf n lands at
    2n - popcount(n) and its l-th completed ancestor l slots later.
    """
    last_leaf = ((index + 1) << level) - 1
    return 2 * last_leaf - last_leaf.bit_count() + level


def peaks(size: int) -> list[tuple[int, int]]:
    """The complete subtrees (level, index) that make up a tree of ``size`` leaves, left to right."""
    out = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            out.append((level, start >> level))
            start += 1 << level
    return out


def range_root(read: HashReader, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a range whose start is aligned the way RFC 6962 recursion produces it.

    The range splits into complete subtrees of decreasing size; the left-balanced tree folds them
    right to left.
    """
    if end <= start:
        raise ValueError(f"empty range [{start}, {end})")
    parts = []
    pos = start
    while pos < end:
        level = (end - pos).bit_length() - 1
        if pos & ((1 << level) - 1):
            raise ValueError(
                f"range [{start}, {end}) is not aligned to complete subtrees"
            )
        parts.append(read(level, pos >> level))
        pos += 1 << level
    acc = parts[-1]
    for part in reversed(parts[:-1]):
        acc = node_hash(part, acc)
    return acc


def root(read: HashReader, size: int) -> bytes:
    """Root hash of the tree of the first ``size`` leaves."""
    if size < 0:
        raise ValueError("size must be >= 0")
    return EMPTY_ROOT if size == 0 else range_root(read, 0, size)


def inclusion_proof(
    read: HashReader,
    index: int,
    size: int,
    memo: dict[tuple[int, int], bytes] | None = None,
) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(index, D[size]), bottom-up.

    Unrolling the RFC recursion for a left-balanced tree gives: the siblings inside the complete
    subtree (peak) holding the leaf, then the root of everything right of that peak, then the peaks
    to its left, nearest first. ``memo`` (optional, for one tree size) shares the right-hand root
    between proofs, e.g. for a batch of receipts.
    """
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    tops = peaks(size)
    start = 0
    for j, (level, _) in enumerate(tops):
        if index < start + (1 << level):
            break
        start += 1 << level
    path = [read(lvl, (index >> lvl) ^ 1) for lvl in range(level)]
    if j + 1 < len(tops):
        key = (start + (1 << level), size)
        right = memo.get(key) if memo is not None else None
        if right is None:
            right = range_root(read, key[0], size)
            if memo is not None:
                memo[key] = right
        path.append(right)
    path.extend(read(*tops[t]) for t in range(j - 1, -1, -1))
    return path


def consistency_proof(read: HashReader, first: int, second: int) -> list[bytes]:
    """RFC 6962 §2.1.2 PROOF(first, D[second]); empty when first is 0 or equals second."""
    if not 0 <= first <= second:
        raise ValueError(f"need 0 <= first <= second, got {first}, {second}")
    if first == 0 or first == second:
        return []
    proof: list[bytes] = []
    start, end, complete = 0, second, True
    while True:
        m, n = first - start, end - start
        if m == n:
            if not complete:
                proof.append(range_root(read, start, end))
            break
        k = _largest_pow2_below(n)
        if m <= k:
            proof.append(range_root(read, start + k, end))
            end = start + k
        else:
            proof.append(range_root(read, start, start + k))
            start += k
            complete = False
    proof.reverse()
    return proof


def root_from_inclusion_proof(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes]
) -> bytes:
    """RFC 9162 §2.1.3.2: the root implied by an inclusion proof; raises ProofError if malformed."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    if len(leaf) != HASH_SIZE or any(len(p) != HASH_SIZE for p in proof):
        raise ProofError("hashes must be 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # RFC 9162: repeat until LSB(fn) is set *or fn is 0*.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """True iff ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree of ``size`` with ``root_hash``."""
    try:
        return root_from_inclusion_proof(index, size, leaf, proof) == root_hash
    except ProofError:
        return False


def verify_consistency(
    first: int,
    second: int,
    first_hash: bytes,
    second_hash: bytes,
    proof: Sequence[bytes],
) -> bool:
    """RFC 9162 §2.1.4.2: True iff the tree (second, second_hash) extends (first, first_hash)."""
    if first < 0 or first > second:
        return False
    if any(len(p) != HASH_SIZE for p in proof):
        return False
    if first == second:
        return not proof and first_hash == second_hash
    if first == 0:
        # Matches tlog-witness: nothing to prove from the empty tree, and a proof must be empty.
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        # first is a power of two: its root is a node of the second tree and is not sent.
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


class MemoryTree:
    """An in-memory tree storing every complete node; a reference hash reader for clients and tests."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append_hash(h)

    @classmethod
    def from_data(cls, leaves: Iterable[bytes]) -> MemoryTree:
        return cls(leaf_hash(d) for d in leaves)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append_hash(self, h: bytes) -> None:
        if len(h) != HASH_SIZE:
            raise ValueError("leaf hash must be 32 bytes")
        self.levels[0].append(h)
        level = 0
        # A node completes whenever its level holds an even number of hashes.
        while len(self.levels[level]) % 2 == 0:
            row = self.levels[level]
            parent = node_hash(row[-2], row[-1])
            if len(self.levels) == level + 1:
                self.levels.append([])
            self.levels[level + 1].append(parent)
            level += 1

    def node(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        return root(self.node, self.size if size is None else size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(self.node, index, self.size if size is None else size)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        return consistency_proof(
            self.node, first, self.size if second is None else second
        )
