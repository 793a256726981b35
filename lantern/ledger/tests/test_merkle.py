"""RFC 9162 Merkle tree: known answers, exhaustive small trees, mutations, properties.

Pure Python: no Django, no database. The reference implementation below is written
straight from the RFC's recursive definitions (slicing lists, no cleverness) so that the
production code's iterative versions are checked against something independent.
"""

from __future__ import annotations

import ast
import hashlib
import random
import sys
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lantern.ledger import merkle
from lantern.ledger.merkle import (
    EMPTY_ROOT,
    CachingReader,
    ListReader,
    TreeReader,
    consistency_path_ranges,
    consistency_proof,
    consistency_proof_from_reader,
    inclusion_path_ranges,
    inclusion_proof,
    inclusion_proof_from_reader,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    root_from_reader,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)

# --------------------------------------------------------------------------------------------
# Independent reference implementation (RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1, literally)
# --------------------------------------------------------------------------------------------


def ref_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def ref_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def ref_k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(data: Sequence[bytes]) -> bytes:
    n = len(data)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return ref_leaf(data[0])
    k = ref_k(n)
    return ref_node(ref_mth(data[:k]), ref_mth(data[k:]))


def ref_path(m: int, data: Sequence[bytes]) -> list[bytes]:
    n = len(data)
    if n == 1:
        return []
    k = ref_k(n)
    if m < k:
        return [*ref_path(m, data[:k]), ref_mth(data[k:])]
    return [*ref_path(m - k, data[k:]), ref_mth(data[:k])]


def ref_subproof(m: int, data: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(data)
    if m == n:
        return [] if b else [ref_mth(data)]
    k = ref_k(n)
    if m <= k:
        return [*ref_subproof(m, data[:k], b), ref_mth(data[k:])]
    return [*ref_subproof(m - k, data[k:], False), ref_mth(data[:k])]


def ref_proof(m: int, data: Sequence[bytes]) -> list[bytes]:
    return ref_subproof(m, data, True) if m > 0 else []


def leaves_for(n: int) -> list[bytes]:
    return [f"leaf {i}".encode() for i in range(n)]


def hashes_for(n: int) -> list[bytes]:
    return [leaf_hash(d) for d in leaves_for(n)]


H = bytes.fromhex

# --------------------------------------------------------------------------------------------
# Known answers
# --------------------------------------------------------------------------------------------

# The certificate-transparency reference leaves (C++/Go/Python test suites) and their roots.
CT_LEAVES = [
    H(""),
    H("00"),
    H("10"),
    H("2021"),
    H("3031"),
    H("40414243"),
    H("5051525354555657"),
    H("606162636465666768696a6b6c6d6e6f"),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def test_empty_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root_from_leaf_hashes([]) == EMPTY_ROOT


def test_leaf_and_node_hash_known_answers() -> None:
    # From the certificate-transparency TreeHasher tests.
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert leaf_hash(H("101112131415161718191a1b1c1d1e1f")).hex() == (
        "3bfb960453ebaebf33727da7a1f4db38acc051d381b6da20d6d4e88f0eabfd7a"
    )
    left = H("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    right = H("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f")
    assert node_hash(left, right).hex() == (
        "1a378704c17da31e2d05b6d121c2bb2c7d76f6ee6fa8f983e596c2d034963c57"
    )


def test_leaf_and_node_hash_are_domain_separated() -> None:
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert leaf_hash(a + b) != node_hash(a, b)
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()


def test_node_hash_refuses_non_hash_inputs() -> None:
    with pytest.raises(ValueError):
        node_hash(b"short", leaf_hash(b""))
    with pytest.raises(TypeError):
        node_hash("a" * 32, leaf_hash(b""))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        leaf_hash("text")  # type: ignore[arg-type]


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_hand_built_roots_for_small_sizes() -> None:
    d = [bytes([i]) * (i + 1) for i in range(8)]
    lh = [_sha(b"\x00" + x) for x in d]

    def n(left: bytes, right: bytes) -> bytes:
        return _sha(b"\x01" + left + right)

    expected = {
        1: lh[0],
        2: n(lh[0], lh[1]),
        3: n(n(lh[0], lh[1]), lh[2]),
        4: n(n(lh[0], lh[1]), n(lh[2], lh[3])),
        5: n(n(n(lh[0], lh[1]), n(lh[2], lh[3])), lh[4]),
        7: n(n(n(lh[0], lh[1]), n(lh[2], lh[3])), n(n(lh[4], lh[5]), lh[6])),
        8: n(n(n(lh[0], lh[1]), n(lh[2], lh[3])), n(n(lh[4], lh[5]), n(lh[6], lh[7]))),
    }
    for size, root in expected.items():
        assert root_from_leaf_hashes([leaf_hash(x) for x in d[:size]]) == root, size
        assert ref_mth(d[:size]) == root, size


@pytest.mark.parametrize("size", range(1, 9))
def test_certificate_transparency_reference_roots(size: int) -> None:
    hashes = [leaf_hash(x) for x in CT_LEAVES[:size]]
    assert root_from_leaf_hashes(hashes).hex() == CT_ROOTS[size - 1]
    assert ref_mth(CT_LEAVES[:size]).hex() == CT_ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_certificate_transparency_reference_inclusion_proofs(
    index: int, size: int, path: list[str]
) -> None:
    hashes = [leaf_hash(x) for x in CT_LEAVES[:size]]
    assert [p.hex() for p in inclusion_proof(index, hashes)] == path
    root = H(CT_ROOTS[size - 1])
    assert verify_inclusion(hashes[index], index, size, [H(p) for p in path], root)


@pytest.mark.parametrize(("old", "new", "path"), CT_CONSISTENCY)
def test_certificate_transparency_reference_consistency_proofs(
    old: int, new: int, path: list[str]
) -> None:
    hashes = [leaf_hash(x) for x in CT_LEAVES[:new]]
    assert [p.hex() for p in consistency_proof(old, new, hashes)] == path
    old_root, new_root = H(CT_ROOTS[old - 1]), H(CT_ROOTS[new - 1])
    assert verify_consistency(old, new, old_root, new_root, [H(p) for p in path])


def test_certificate_transparency_real_log_audit_path() -> None:
    """A 22-element audit path from a production CT log (3,630,887 entries)."""
    path = [
        "1a208aeebcd1b39fe2de247ee8db9454e1e93a312d206b87f6ca9cc6ec6f1ddd",
        "0a1b78b383f580856f433c01a5741e160d451c185910027f6cc9f828687a40c4",
        "3d1745789bc63f2da15850de1c12a5bf46ed81e1cc90f086148b1662e79aab3d",
        "9095b61e14d8990acf390905621e62b1714fb8e399fbb71de5510e0aef45affe",
        "0a332b91b8fab564e6afd1dd452449e04619b18accc0ff9aa8393cd4928451f2",
        "2336f0181d264aed6d8f3a6507ca14a8d3b3c3a23791ac263e845d208c1ee330",
        "b4ce56e300590500360c146c6452edbede25d4ed83919278749ee5dbe178e048",
        "933f6ddc848ea562e4f9c5cfb5f176941301dad0c6fdb9d1fbbe34fac1be6966",
        "b95a6222958a86f74c030be27c44f57dbe313e5e7c7f4ffb98bcbd3a03bb52f2",
        "daeeb3ce5923defd0faeb8e0c210b753b85b809445d7d3d3cd537a9aabaa9c45",
        "7fadd0a13e9138a2aa6c3fdec4e2275af233b94812784f66bcca9aa8e989f2bc",
        "1864e6ba3e32878610546539734fb5eeae2529991f130c575c73a7e25a2a7c56",
        "12842d1202b1dc6828a17ab253c02e7ce9409b5192430feba44189f39cc02d66",
        "29af64b16fa3053c13d02ac63aa75b23aa468506e44c3a2315edc85d2dc22b11",
        "b527b99934a0bd9edd154e449b0502e2c499bba783f3bc3dfe23364b6b532009",
        "4584db8ae8e351ace08e01f306378a92bfd43611714814f3d834a2842d69faa8",
        "86a9a41573b0d6e4292f01e93243d6cc65b30f06606fc6fa57390e7e90ed580f",
        "a88b98fbe84d4c6aae8db9d1605dfac059d9f03fe0fcb0d5dff1295dacba09e6",
        "06326dc617a6d1f7021dc536026dbfd5fffc6f7c5531d48ef6ccd1ed1569f2a1",
        "f41fe8fdc3a2e4e8345e30216e7ebecffee26ff266eeced208a6c2a3cf08f960",
        "40cf5bde8abb76983f3e98ba97aa36240402975674e120f234b3448911090f8d",
        "b3222dc8658538079883d980d7fdc2bef9285344ea34338968f736b04aeb387a",
    ]
    leaf = H("7a395c866d5ecdb0cccb623e011dbc392cd348d1d1d72776174e127a24b09c78")
    root = H("78316a05c9bcf14a3a4548f5b854a9adfcd46a4c034401b3ce7eb7ac2f1d0ecb")
    proof = [H(p) for p in path]
    assert verify_inclusion(leaf, 848049, 3630887, proof, root)
    assert not verify_inclusion(leaf, 848050, 3630887, proof, root)
    assert not verify_inclusion(leaf, 848049, 3630887 * 2, proof, root)
    assert not verify_inclusion(leaf, 848049, 3630887, proof[:-1], root)


# --------------------------------------------------------------------------------------------
# Exhaustive small trees
# --------------------------------------------------------------------------------------------

MAX_EXHAUSTIVE = 64


Trees = dict[int, tuple[list[bytes], list[bytes], bytes]]


@pytest.fixture(scope="module")
def small_trees() -> Trees:
    """size -> (leaf data, leaf hashes, root) for 0..64 leaves."""
    data = leaves_for(MAX_EXHAUSTIVE)
    out = {}
    for n in range(MAX_EXHAUSTIVE + 1):
        hashes = [leaf_hash(x) for x in data[:n]]
        out[n] = (data[:n], hashes, root_from_leaf_hashes(hashes))
    return out


def test_roots_match_reference_for_every_size_to_64(small_trees: Trees) -> None:
    for n, (data, _, root) in small_trees.items():
        assert root == ref_mth(data), n


def test_every_inclusion_proof_verifies_for_sizes_1_to_64(small_trees: Trees) -> None:
    checked = 0
    for n in range(1, MAX_EXHAUSTIVE + 1):
        data, hashes, root = small_trees[n]
        for i in range(n):
            proof = inclusion_proof(i, hashes)
            assert verify_inclusion(hashes[i], i, n, proof, root), (i, n)
            checked += 1
            if n <= 33:
                assert proof == ref_path(i, data), (i, n)
    assert checked == MAX_EXHAUSTIVE * (MAX_EXHAUSTIVE + 1) // 2


def test_every_consistency_proof_verifies_for_1_le_m_le_n_le_64(small_trees: Trees) -> None:
    checked = 0
    for n in range(1, MAX_EXHAUSTIVE + 1):
        data, hashes, new_root = small_trees[n]
        for m in range(1, n + 1):
            proof = consistency_proof(m, n, hashes)
            assert verify_consistency(m, n, small_trees[m][2], new_root, proof), (m, n)
            checked += 1
            if n <= 33:
                assert proof == ref_proof(m, data), (m, n)
    assert checked == MAX_EXHAUSTIVE * (MAX_EXHAUSTIVE + 1) // 2


def test_proof_ranges_describe_the_proof_elements(small_trees: Trees) -> None:
    _, hashes, _ = small_trees[MAX_EXHAUSTIVE]
    for n in (1, 2, 5, 13, 32, 64):
        for i in range(n):
            ranges = inclusion_path_ranges(i, n)
            assert [root_from_leaf_hashes(hashes[a:b]) for a, b in ranges] == inclusion_proof(
                i, hashes[:n]
            )
        for m in range(0, n + 1):
            ranges = consistency_path_ranges(m, n)
            assert [root_from_leaf_hashes(hashes[a:b]) for a, b in ranges] == consistency_proof(
                m, n, hashes[:n]
            )


# --------------------------------------------------------------------------------------------
# Edge cases and malformed input
# --------------------------------------------------------------------------------------------


def test_single_leaf_tree() -> None:
    h = leaf_hash(b"only")
    assert root_from_leaf_hashes([h]) == h
    assert inclusion_proof(0, [h]) == []
    assert verify_inclusion(h, 0, 1, [], h)
    assert not verify_inclusion(h, 0, 1, [h], h)
    assert not verify_inclusion(h, 1, 1, [], h)


@pytest.mark.parametrize(
    ("index", "size"),
    [(-1, 4), (4, 4), (5, 4), (0, 0), (0, -1), (2**70, 2**70)],
)
def test_inclusion_rejects_impossible_positions(index: int, size: int) -> None:
    hashes = hashes_for(4)
    root = root_from_leaf_hashes(hashes)
    proof = inclusion_proof(0, hashes)
    assert verify_inclusion(hashes[0], index, size, proof, root) is False


def test_inclusion_rejects_wrong_length_hashes_without_raising() -> None:
    hashes = hashes_for(6)
    root = root_from_leaf_hashes(hashes)
    proof = inclusion_proof(3, hashes)
    assert verify_inclusion(hashes[3], 3, 6, proof, root)
    assert not verify_inclusion(hashes[3][:31], 3, 6, proof, root)
    assert not verify_inclusion(hashes[3] + b"\x00", 3, 6, proof, root)
    assert not verify_inclusion(hashes[3], 3, 6, proof, root[:31])
    assert not verify_inclusion(hashes[3], 3, 6, [proof[0][:31], *proof[1:]], root)
    assert not verify_inclusion(hashes[3], 3, 6, [*proof, b""], root)
    assert not verify_inclusion(hashes[3], 3, 6, [b"" for _ in range(500)], root)


def test_wrong_python_types_raise_type_error() -> None:
    hashes = hashes_for(3)
    root = root_from_leaf_hashes(hashes)
    proof = inclusion_proof(1, hashes)
    with pytest.raises(TypeError):
        verify_inclusion(hashes[1], "1", 3, proof, root)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        verify_inclusion(hashes[1], 1, 3.0, proof, root)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        verify_inclusion(hashes[1].hex(), 1, 3, proof, root)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        verify_inclusion(hashes[1], 1, 3, [p.hex() for p in proof], root)  # type: ignore[misc]
    with pytest.raises(TypeError):
        verify_inclusion(hashes[1], 1, 3, proof[0], root)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        verify_consistency(1, 3, root, root, "abc")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        verify_consistency(True, 3, root, root, [])


def test_consistency_edge_cases() -> None:
    hashes = hashes_for(8)
    r = {n: root_from_leaf_hashes(hashes[:n]) for n in range(9)}
    # Equal sizes: empty proof and equal roots, nothing else.
    assert verify_consistency(5, 5, r[5], r[5], [])
    assert not verify_consistency(5, 5, r[5], r[4], [])
    assert not verify_consistency(5, 5, r[5], r[5], [r[5]])
    assert consistency_proof(5, 5, hashes) == []
    # From the empty tree: only an empty proof, and the old root must be the empty root.
    assert consistency_proof(0, 8, hashes) == []
    assert verify_consistency(0, 8, EMPTY_ROOT, r[8], [])
    assert not verify_consistency(0, 8, EMPTY_ROOT, r[8], [r[8]])
    assert not verify_consistency(0, 8, r[1], r[8], [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, r[1], [])
    # Shrinking is never consistent.
    proof = consistency_proof(3, 8, hashes)
    assert not verify_consistency(8, 3, r[8], r[3], proof)
    # 0 < m < n needs a non-empty proof.
    assert not verify_consistency(3, 8, r[3], r[8], [])
    assert not verify_consistency(4, 8, r[4], r[8], [])
    # Negative sizes, wrong-length hashes.
    assert not verify_consistency(-1, 8, r[3], r[8], proof)
    assert not verify_consistency(3, 8, r[3][:-1], r[8], proof)
    assert not verify_consistency(3, 8, r[3], r[8] + b"\x00", proof)
    assert not verify_consistency(3, 8, r[3], r[8], [*proof[:-1], proof[-1][:-1]])
    assert verify_consistency(3, 8, r[3], r[8], proof)


def test_generation_refuses_impossible_requests() -> None:
    hashes = hashes_for(4)
    with pytest.raises(ValueError):
        inclusion_proof(4, hashes)
    with pytest.raises(ValueError):
        inclusion_proof(-1, hashes)
    with pytest.raises(ValueError):
        consistency_proof(3, 5, hashes)
    with pytest.raises(ValueError):
        consistency_proof(3, 2, hashes)
    with pytest.raises(ValueError):
        root_from_leaf_hashes([b"short"])
    with pytest.raises(TypeError):
        root_from_leaf_hashes(b"x" * 32)  # type: ignore[arg-type]


def test_root_of_100k_leaves_matches_a_split_computation() -> None:
    hashes = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(100_000)]
    root = root_from_leaf_hashes(hashes)
    k = 65536  # largest power of two below 100,000: the RFC's first split
    assert root == node_hash(root_from_leaf_hashes(hashes[:k]), root_from_leaf_hashes(hashes[k:]))
    proof = inclusion_proof(77_777, hashes)
    assert len(proof) == 17
    assert verify_inclusion(hashes[77_777], 77_777, 100_000, proof, root)


# --------------------------------------------------------------------------------------------
# Mutations: every single change to a valid proof must be rejected
# --------------------------------------------------------------------------------------------

INCLUSION_SAMPLE = [(0, 1), (0, 2), (1, 2), (2, 3), (0, 5), (4, 5), (3, 7), (6, 7), (5, 8)]
INCLUSION_SAMPLE += [(0, 8), (7, 8), (8, 9), (10, 13), (12, 13), (31, 32), (17, 33), (63, 64)]
CONSISTENCY_SAMPLE = [(1, 2), (1, 3), (2, 3), (3, 5), (4, 5), (1, 8), (6, 8), (2, 5)]
CONSISTENCY_SAMPLE += [(7, 8), (4, 8), (5, 13), (8, 13), (16, 17), (31, 64), (32, 64), (63, 64)]


def _bit_flips(proof: list[bytes]) -> list[list[bytes]]:
    rng = random.Random(1)
    out = []
    for i, element in enumerate(proof):
        for bit in (0, 7, rng.randrange(256)):
            changed = bytearray(element)
            changed[bit // 8] ^= 1 << (bit % 8)
            out.append([*proof[:i], bytes(changed), *proof[i + 1 :]])
    return out


@pytest.mark.parametrize(("index", "size"), INCLUSION_SAMPLE)
def test_inclusion_mutations_are_rejected(index: int, size: int) -> None:
    hashes = hashes_for(2 * size + 1)
    tree = hashes[:size]
    root = root_from_leaf_hashes(tree)
    proof = inclusion_proof(index, tree)
    leaf = tree[index]
    assert verify_inclusion(leaf, index, size, proof, root)

    for changed in _bit_flips(proof):
        assert not verify_inclusion(leaf, index, size, changed, root)
    for other_index in (index - 1, index + 1):
        assert not verify_inclusion(leaf, other_index, size, proof, root)
    # (size +- 1 is not in this list: e.g. leaf 0 of 5 and of 6 has the same path shape, so
    # only the signed (size, root) pair -- never the size alone -- pins a tree down.)
    for other_size in (size * 2, size // 2):
        assert not verify_inclusion(leaf, index, other_size, proof, root)
    assert not verify_inclusion(leaf, index, size, [*proof, proof[-1] if proof else leaf], root)
    assert not verify_inclusion(leaf, index, size, [*proof, EMPTY_ROOT], root)
    for i in range(len(proof)):
        assert not verify_inclusion(leaf, index, size, proof[:i] + proof[i + 1 :], root)
    assert not verify_inclusion(leaf, index, size, proof, root_from_leaf_hashes(hashes[: size + 1]))
    assert not verify_inclusion(leaf, index, size, proof, EMPTY_ROOT)
    assert not verify_inclusion(leaf_hash(b"forged"), index, size, proof, root)
    if len(proof) > 1:
        assert not verify_inclusion(leaf, index, size, proof[::-1], root)


@pytest.mark.parametrize(("old", "new"), CONSISTENCY_SAMPLE)
def test_consistency_mutations_are_rejected(old: int, new: int) -> None:
    hashes = hashes_for(2 * new + 1)
    roots = {n: root_from_leaf_hashes(hashes[:n]) for n in range(2 * new + 2)}
    proof = consistency_proof(old, new, hashes[:new])
    assert verify_consistency(old, new, roots[old], roots[new], proof)

    for changed in _bit_flips(proof):
        assert not verify_consistency(old, new, roots[old], roots[new], changed)
    for other_old in (old - 1, old + 1):
        assert not verify_consistency(other_old, new, roots[old], roots[new], proof)
    for other_new in (new * 2, new // 2):
        assert not verify_consistency(old, other_new, roots[old], roots[new], proof)
    assert not verify_consistency(old, new, roots[old], roots[new], [*proof, proof[-1]])
    assert not verify_consistency(old, new, roots[old], roots[new], [*proof, EMPTY_ROOT])
    for i in range(len(proof)):
        assert not verify_consistency(old, new, roots[old], roots[new], proof[:i] + proof[i + 1 :])
    assert not verify_consistency(old, new, roots[old - 1], roots[new], proof)
    assert not verify_consistency(old, new, roots[old], roots[new + 1], proof)
    assert not verify_consistency(old, new, roots[new], roots[old], proof)
    if len(proof) > 1:
        assert not verify_consistency(old, new, roots[old], roots[new], proof[::-1])


# --------------------------------------------------------------------------------------------
# Reader interface and cache
# --------------------------------------------------------------------------------------------


class CountingReader(TreeReader):
    """A stand-in for the database store that counts every leaf it hands out."""

    def __init__(self, hashes: list[bytes]) -> None:
        self.hashes = hashes
        self.leaf_reads = 0
        self.batch_reads = 0

    def size(self) -> int:
        return len(self.hashes)

    def leaf_hash(self, index: int) -> bytes:
        self.leaf_reads += 1
        return self.hashes[index]

    def leaf_hashes(self, start: int, end: int) -> Sequence[bytes]:
        self.batch_reads += 1
        self.leaf_reads += end - start
        return self.hashes[start:end]


def test_reader_proofs_equal_list_proofs_for_all_small_trees() -> None:
    hashes = hashes_for(40)
    cache: dict[tuple[int, int], bytes] = {}
    reader = CachingReader(ListReader(hashes), cache)
    plain = ListReader(hashes)
    for n in range(1, 41):
        assert root_from_reader(reader, n) == root_from_leaf_hashes(hashes[:n])
        for i in range(n):
            expected = inclusion_proof(i, hashes[:n])
            assert inclusion_proof_from_reader(reader, i, n) == expected
            assert inclusion_proof_from_reader(plain, i, n) == expected
        for m in range(0, n + 1):
            expected = consistency_proof(m, n, hashes[:n])
            assert consistency_proof_from_reader(reader, m, n) == expected
            assert consistency_proof_from_reader(plain, m, n) == expected


def test_cache_only_holds_complete_aligned_subtrees() -> None:
    hashes = hashes_for(45)
    cache: dict[tuple[int, int], bytes] = {}
    reader = CachingReader(ListReader(hashes), cache)
    for i in range(45):
        inclusion_proof_from_reader(reader, i, 45)
    for m in range(46):
        consistency_proof_from_reader(reader, m, 45)
    assert cache
    for (level, index), value in cache.items():
        start, end = index << level, (index + 1) << level
        assert level >= 1
        assert end <= 45
        assert value == root_from_leaf_hashes(hashes[start:end])


def test_subtree_root_of_arbitrary_ranges() -> None:
    hashes = hashes_for(23)
    reader = CachingReader(ListReader(hashes))
    for start in range(24):
        for end in range(start, 24):
            assert subtree_root(reader, start, end) == root_from_leaf_hashes(hashes[start:end])
    with pytest.raises(ValueError):
        subtree_root(reader, 5, 24)
    with pytest.raises(ValueError):
        subtree_root(reader, 6, 5)


def test_incomplete_subtrees_are_never_cached() -> None:
    reader = CachingReader(ListReader(hashes_for(5)))
    with pytest.raises(ValueError):
        reader.complete_subtree_root(3, 0)  # leaves 0..7 do not all exist yet
    assert reader.cache == {}


def test_cache_stays_valid_as_the_log_grows() -> None:
    hashes = hashes_for(100)
    cache: dict[tuple[int, int], bytes] = {}
    for size in (7, 16, 33, 64, 100):
        reader = CachingReader(ListReader(hashes[:size]), cache)  # a new reader, same cache
        for i in range(0, size, 5):
            assert inclusion_proof_from_reader(reader, i, size) == inclusion_proof(i, hashes[:size])
        for m in range(0, size + 1, 7):
            assert consistency_proof_from_reader(reader, m, size) == consistency_proof(
                m, size, hashes[:size]
            )


def test_cached_proofs_read_only_a_logarithmic_number_of_leaves() -> None:
    n = 100_000
    store = CountingReader([hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)])
    reader = CachingReader(store, {})
    root = root_from_reader(reader, n)  # warms the cache: reads every leaf once
    assert root == root_from_leaf_hashes(store.hashes)
    assert store.leaf_reads == n

    for index in (0, 1, 12_345, 65_535, 65_536, 99_998, 99_999):
        store.leaf_reads = 0
        proof = inclusion_proof_from_reader(reader, index, n)
        assert verify_inclusion(store.hashes[index], index, n, proof, root)
        assert store.leaf_reads <= 4, (index, store.leaf_reads)
    for old in (1, 777, 65_536, 99_999):
        store.leaf_reads = 0
        proof = consistency_proof_from_reader(reader, old, n)
        old_root = root_from_reader(reader, old)
        assert verify_consistency(old, n, old_root, root, proof)
        assert store.leaf_reads <= 8, (old, store.leaf_reads)


def test_min_cached_level_batches_leaf_reads() -> None:
    hashes = hashes_for(1000)
    store = CountingReader(hashes)
    cache: dict[tuple[int, int], bytes] = {}
    reader = CachingReader(store, cache, min_cached_level=4)
    assert root_from_reader(reader, 1000) == root_from_leaf_hashes(hashes)
    assert all(level >= 4 for level, _ in cache)
    assert store.batch_reads < 1000 // 8  # 16-leaf batches, not one read per leaf
    with pytest.raises(ValueError):
        CachingReader(store, min_cached_level=0)


def test_reader_functions_validate_their_arguments() -> None:
    reader = ListReader(hashes_for(4))
    with pytest.raises(ValueError):
        inclusion_proof_from_reader(reader, 0, 5)
    with pytest.raises(ValueError):
        inclusion_proof_from_reader(reader, 4, 4)
    with pytest.raises(ValueError):
        consistency_proof_from_reader(reader, 3, 5)
    with pytest.raises(IndexError):
        reader.leaf_hash(4)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

leaf_lists = st.lists(st.binary(max_size=12), min_size=1, max_size=70)


@settings(max_examples=60, deadline=None)
@given(data=leaf_lists)
def test_property_root_matches_reference_and_every_proof_verifies(data: list[bytes]) -> None:
    hashes = [leaf_hash(x) for x in data]
    root = root_from_leaf_hashes(hashes)
    assert root == ref_mth(data)
    for i in range(len(data)):
        proof = inclusion_proof(i, hashes)
        assert verify_inclusion(hashes[i], i, len(data), proof, root)


@settings(max_examples=80, deadline=None)
@given(data=leaf_lists, pick=st.data())
def test_property_consistency_between_random_sizes(data: list[bytes], pick: st.DataObject) -> None:
    hashes = [leaf_hash(x) for x in data]
    new = pick.draw(st.integers(1, len(data)), label="new")
    old = pick.draw(st.integers(0, new), label="old")
    proof = consistency_proof(old, new, hashes[:new])
    assert proof == ref_proof(old, data[:new])
    old_root = root_from_leaf_hashes(hashes[:old])
    new_root = root_from_leaf_hashes(hashes[:new])
    assert verify_consistency(old, new, old_root, new_root, proof)
    if 0 < old < new:
        bad_old = ref_mth([*data[: old - 1], data[old - 1] + b"!"])
        assert not verify_consistency(old, new, bad_old, new_root, proof)


@settings(max_examples=60, deadline=None)
@given(data=leaf_lists, pick=st.data())
def test_property_caching_reader_matches_list_functions(
    data: list[bytes], pick: st.DataObject
) -> None:
    hashes = [leaf_hash(x) for x in data]
    reader = CachingReader(ListReader(hashes), {})
    size = pick.draw(st.integers(1, len(data)), label="size")
    for _ in range(3):
        index = pick.draw(st.integers(0, size - 1), label="index")
        assert inclusion_proof_from_reader(reader, index, size) == inclusion_proof(
            index, hashes[:size]
        )
        old = pick.draw(st.integers(0, size), label="old")
        assert consistency_proof_from_reader(reader, old, size) == consistency_proof(
            old, size, hashes[:size]
        )
    assert root_from_reader(reader, size) == ref_mth(data[:size])


@settings(max_examples=60, deadline=None)
@given(data=leaf_lists, pick=st.data())
def test_property_any_bit_flip_breaks_an_inclusion_proof(
    data: list[bytes], pick: st.DataObject
) -> None:
    hashes = [leaf_hash(x) for x in data]
    root = root_from_leaf_hashes(hashes)
    index = pick.draw(st.integers(0, len(data) - 1), label="index")
    proof = inclusion_proof(index, hashes)
    target = pick.draw(st.integers(-1, len(proof)), label="target")  # -1 leaf, len root
    bit = pick.draw(st.integers(0, 255), label="bit")

    def flip(value: bytes) -> bytes:
        changed = bytearray(value)
        changed[bit // 8] ^= 1 << (bit % 8)
        return bytes(changed)

    leaf = hashes[index]
    if target == -1:
        leaf = flip(leaf)
    elif target == len(proof):
        root = flip(root)
    else:
        proof[target] = flip(proof[target])
    assert not verify_inclusion(leaf, index, len(data), proof, root)


def test_module_imports_only_the_standard_library() -> None:
    with open(merkle.__file__, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported
