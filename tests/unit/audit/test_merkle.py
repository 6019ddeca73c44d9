"""RFC 6962/9162 Merkle hashing and proofs: official vectors plus exhaustive and property checks."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from infrafabric.transparency.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
H = {
    "96a2": "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f08": "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47": "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    "bc1a": "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "ca85": "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37e": "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "fac5": "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "6e34": "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "0ebc": "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "b086": "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
}
INCLUSION = {
    (0, 8): ["96a2", "5f08", "6b47"],
    (5, 8): ["bc1a", "ca85", "d37e"],
    (2, 3): ["fac5"],
    (1, 5): ["6e34", "5f08", "bc1a"],
}
CONSISTENCY = {
    (1, 8): ["96a2", "5f08", "6b47"],
    (6, 8): ["0ebc", "ca85", "d37e"],
    (2, 5): ["5f08", "bc1a"],
    (6, 7): ["0ebc", "b086", "d37e"],
}


@pytest.fixture(scope="module")
def tree() -> MemoryTree:
    return MemoryTree.from_data(LEAVES)


def hashes(names: list[str]) -> list[bytes]:
    return [bytes.fromhex(H[n]) for n in names]


def test_empty_root_is_sha256_of_nothing() -> None:
    assert (
        EMPTY_ROOT.hex()
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert MemoryTree().root() == EMPTY_ROOT


@pytest.mark.parametrize("size", sorted(ROOTS))
def test_official_roots(tree: MemoryTree, size: int) -> None:
    assert tree.root(size).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size"), sorted(INCLUSION))
def test_official_inclusion_proofs(tree: MemoryTree, index: int, size: int) -> None:
    expected = hashes(INCLUSION[(index, size)])
    assert tree.inclusion_proof(index, size) == expected
    root = bytes.fromhex(ROOTS[size])
    leaf = leaf_hash(LEAVES[index])
    assert verify_inclusion(index, size, leaf, expected, root)
    # Swapped root, truncated proof, flipped index and extended proof all fail.
    assert not verify_inclusion(
        index, size, leaf, expected, bytes.fromhex(ROOTS[size - 1 if size > 1 else 2])
    )
    assert not verify_inclusion(index, size, leaf, expected[:-1], root)
    assert not verify_inclusion(index ^ 1, size, leaf, expected, root)
    assert not verify_inclusion(index, size, leaf, expected + [expected[0]], root)
    assert not verify_inclusion(index, size, leaf_hash(b"other"), expected, root)


@pytest.mark.parametrize(("first", "second"), sorted(CONSISTENCY))
def test_official_consistency_proofs(tree: MemoryTree, first: int, second: int) -> None:
    expected = hashes(CONSISTENCY[(first, second)])
    assert tree.consistency_proof(first, second) == expected
    r1, r2 = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    assert verify_consistency(first, second, r1, r2, expected)
    assert not verify_consistency(first, second, r2, r1, expected)
    assert not verify_consistency(first, second, r1, r2, expected[:-1])
    assert not verify_consistency(first, second, r1, r2, expected + [expected[0]])


def test_power_of_two_first_needs_prepended_hash(tree: MemoryTree) -> None:
    # (1, 8) and (2, 5) only verify if first_hash is prepended (the RFC step some ports drop).
    assert verify_consistency(
        1, 8, tree.root(1), tree.root(8), tree.consistency_proof(1, 8)
    )
    assert verify_consistency(
        2, 5, tree.root(2), tree.root(5), tree.consistency_proof(2, 5)
    )


def test_trivial_consistency_cases(tree: MemoryTree) -> None:
    assert verify_consistency(0, 5, EMPTY_ROOT, tree.root(5), [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, tree.root(5), [tree.root(5)])
    assert verify_consistency(5, 5, tree.root(5), tree.root(5), [])
    assert not verify_consistency(5, 5, tree.root(5), tree.root(4), [])
    assert not verify_consistency(6, 5, tree.root(5), tree.root(5), [])
    assert not verify_consistency(3, 5, tree.root(3), tree.root(5), [])


def test_root_from_inclusion_rejects_out_of_range() -> None:
    with pytest.raises(ValueError):
        root_from_inclusion_proof(3, 3, b"\0" * 32, [])


def _reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from the RFC definition, independent of the stored-node code."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def test_every_proof_up_to_300_leaves() -> None:
    n_max = 300
    data = [i.to_bytes(2, "big") for i in range(n_max)]
    t = MemoryTree.from_data(data)
    roots = [t.root(n) for n in range(n_max + 1)]
    for n in (1, 2, 3, 5, 8, 13, 64, 100, 255, 256, 257, 300):
        assert roots[n] == _reference_root(data[:n])
    for n in range(1, n_max + 1):
        for i in range(n):
            assert verify_inclusion(
                i, n, t.node(0, i), inclusion_proof(t.node, i, n), roots[n]
            ), (i, n)
        for m in range(n + 1):
            assert verify_consistency(
                m, n, roots[m], roots[n], consistency_proof(t.node, m, n)
            ), (m, n)


SMALL = MemoryTree.from_data(i.to_bytes(2, "big") for i in range(80))


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 80), data=st.data())
def test_mutated_inclusion_proofs_fail(n: int, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, n - 1))
    proof = SMALL.inclusion_proof(i, n)
    root = SMALL.root(n)
    assert verify_inclusion(i, n, SMALL.node(0, i), proof, root)
    if proof:
        j = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        bad = list(proof)
        bad[j] = bytes(
            b ^ (1 << (bit % 8)) if k == bit // 8 else b for k, b in enumerate(bad[j])
        )
        assert not verify_inclusion(i, n, SMALL.node(0, i), bad, root)
    other = data.draw(st.integers(0, n - 1))
    if other != i:
        assert not verify_inclusion(other, n, SMALL.node(0, i), proof, root)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(2, 80), data=st.data())
def test_mutated_consistency_proofs_fail(n: int, data: st.DataObject) -> None:
    m = data.draw(st.integers(1, n - 1))
    proof = SMALL.consistency_proof(m, n)
    assert verify_consistency(m, n, SMALL.root(m), SMALL.root(n), proof)
    j = data.draw(st.integers(0, len(proof) - 1))
    bad = list(proof)
    bad[j] = hashlib.sha256(bad[j]).digest()
    assert not verify_consistency(m, n, SMALL.root(m), SMALL.root(n), bad)
    other_m = data.draw(st.integers(1, n - 1))
    if other_m != m:
        assert (
            not verify_consistency(
                other_m, n, SMALL.root(other_m), SMALL.root(n), proof
            )
            or SMALL.consistency_proof(other_m, n) == proof
        )
