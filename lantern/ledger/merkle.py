"""Merkle tree hashing and proofs exactly as RFC 9162 section 2.1 (the RFC 6962 tree).

Why this exact construction: it is the Certificate Transparency tree, so any third party can
check Lantern's ledger with an off-the-shelf CT/transparency-log verifier or a page of code,
and the 0x00/0x01 domain separation stops a leaf from being passed off as an interior node.

Pure Python and standard library only: the standalone verifier imports this module, so it
must never pull in Django, a database or a network connection.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, MutableMapping, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CachingReader",
    "ListReader",
    "TreeReader",
    "consistency_path_ranges",
    "consistency_proof",
    "consistency_proof_from_reader",
    "inclusion_path_ranges",
    "inclusion_proof",
    "inclusion_proof_from_reader",
    "leaf_hash",
    "node_hash",
    "root_from_leaf_hashes",
    "root_from_reader",
    "subtree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
#: MTH({}) = SHA-256() -- the root of the empty tree (RFC 9162 2.1.1).
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

# A callable returning MTH(D[start:end]): lets one proof walk serve both lists and readers.
_SubtreeFn = Callable[[int, int], bytes]


# --------------------------------------------------------------------------------------------
# Hashing
# --------------------------------------------------------------------------------------------


def leaf_hash(data: bytes | bytearray | memoryview) -> bytes:
    """SHA-256(0x00 || data): the prefix keeps leaf and node hashes in separate domains."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"leaf data must be bytes, not {type(data).__name__}")
    return hashlib.sha256(_LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right); both inputs must be 32-byte hashes.

    The length check matters: with variable-length inputs two different (left, right) pairs
    could concatenate to the same bytes.
    """
    _check_hash(left, "left")
    _check_hash(right, "right")
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _check_hash(value: object, what: str) -> None:
    if not isinstance(value, bytes):
        raise TypeError(f"{what} must be bytes, not {type(value).__name__}")
    if len(value) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes, not {len(value)}")


def _split(n: int) -> int:
    """The largest power of two strictly less than n (n >= 2): where RFC 9162 splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require_int(value: object, what: str) -> int:
    if not _is_int(value):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    assert isinstance(value, int)
    return value


# --------------------------------------------------------------------------------------------
# Tree hash over an in-memory list of leaf hashes
# --------------------------------------------------------------------------------------------


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) (RFC 9162 2.1.1) from the leaf hashes, in O(n) time and no recursion.

    Pairing neighbours level by level and carrying an odd last node up unchanged builds the
    same tree as the RFC's "split at the largest power of two below n" definition: every
    left subtree of that split is complete, so only the right edge is ever ragged.
    """
    if isinstance(hashes, (bytes, str)):
        raise TypeError("hashes must be a sequence of 32-byte hashes, not a single value")
    level = list(hashes)
    if not level:
        return EMPTY_ROOT
    for i, h in enumerate(level):
        _check_hash(h, f"leaf hash {i}")
    while len(level) > 1:
        paired = [
            hashlib.sha256(_NODE_PREFIX + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _list_subtree(hashes: Sequence[bytes]) -> _SubtreeFn:
    return lambda start, end: root_from_leaf_hashes(hashes[start:end])


# --------------------------------------------------------------------------------------------
# Proof generation: the RFC recursions yield leaf ranges; callers turn ranges into roots
# --------------------------------------------------------------------------------------------


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose roots form PATH(m, D[n]) (RFC 9162 2.1.3.1), leaf-first."""
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        mid = start + _split(end - start)
        if index < mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start = mid
    ranges.reverse()
    return ranges


def _consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """Leaf ranges whose roots form PROOF(m, D[n]) = SUBPROOF(m, D[n], true), RFC 9162 2.1.4.1.

    Walks the recursion iteratively; ``complete`` is the RFC's flag b, true while the
    current subtree is exactly the old tree's span (whose root the verifier already has).
    """
    if old == 0 or old == new:
        return []
    ranges: list[tuple[int, int]] = []
    start, end = 0, new
    complete = True
    while True:
        size = end - start
        m = old - start
        if m == size:
            if not complete:
                ranges.append((start, end))
            break
        k = _split(size)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            complete = False
    ranges.reverse()
    return ranges


def inclusion_path_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf range [start, end) whose MTH is each element of PATH(index, D[size]).

    Useful to a verifier: once a proof checks out, every element is the authentic root of
    its range, which can pinpoint which of a set of leaves was altered.
    """
    _require_int(index, "index")
    _require_int(size, "size")
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    return _inclusion_ranges(index, size)


def consistency_path_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf range [start, end) whose MTH is each element of PROOF(old_size, D[new_size])."""
    _require_int(old_size, "old_size")
    _require_int(new_size, "new_size")
    if not 0 <= old_size <= new_size:
        raise ValueError(f"need 0 <= old_size <= new_size, got {old_size}, {new_size}")
    return _consistency_ranges(old_size, new_size)


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Audit path proving leaf ``index`` is in the tree of all ``leaf_hashes``."""
    _require_int(index, "index")
    if not 0 <= index < len(leaf_hashes):
        raise ValueError(f"index {index} is outside a tree of size {len(leaf_hashes)}")
    subtree = _list_subtree(leaf_hashes)
    return [subtree(s, e) for s, e in _inclusion_ranges(index, len(leaf_hashes))]


def consistency_proof(old_size: int, new_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Proof that the first ``old_size`` leaves are a prefix of the first ``new_size``.

    Empty when old_size is 0 or equals new_size, as RFC 9162 defines it.
    """
    _require_int(old_size, "old_size")
    _require_int(new_size, "new_size")
    if not 0 <= old_size <= new_size <= len(leaf_hashes):
        raise ValueError(
            f"need 0 <= old_size <= new_size <= {len(leaf_hashes)}, got {old_size}, {new_size}"
        )
    subtree = _list_subtree(leaf_hashes)
    return [subtree(s, e) for s, e in _consistency_ranges(old_size, new_size)]


# --------------------------------------------------------------------------------------------
# Verification: RFC 9162 2.1.3.2 and 2.1.4.2, step by step
# --------------------------------------------------------------------------------------------


def _check_proof_types(proof: Sequence[bytes]) -> list[bytes]:
    if isinstance(proof, (bytes, str)):
        raise TypeError("proof must be a sequence of hashes, not a single value")
    items = list(proof)
    for item in items:
        if not isinstance(item, bytes):
            raise TypeError(f"proof elements must be bytes, not {type(item).__name__}")
    return items


def _shift_until_odd_or_zero(fn: int, sn: int) -> tuple[int, int]:
    while fn and not fn & 1:
        fn >>= 1
        sn >>= 1
    return fn, sn


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True iff ``proof`` shows ``leaf_hash`` at ``index`` in the tree with ``root``.

    Malformed input (bad sizes, wrong-length hashes, a proof too long or too short) gives
    False rather than an exception, so callers cannot forget to treat an error as failure.
    Wrong Python types still raise TypeError: that is a bug in the caller, not bad data.
    """
    _require_int(index, "index")
    _require_int(tree_size, "tree_size")
    if not isinstance(leaf_hash, bytes) or not isinstance(root, bytes):
        raise TypeError("leaf_hash and root must be bytes")
    path = _check_proof_types(proof)
    if len(leaf_hash) != HASH_SIZE or len(root) != HASH_SIZE:
        return False
    if any(len(p) != HASH_SIZE for p in path):
        return False
    # 1. leaf_index must be < tree_size.
    if index < 0 or index >= tree_size:
        return False
    # 2./3. fn = leaf_index, sn = tree_size - 1, r = hash.
    fn, sn = index, tree_size - 1
    r = leaf_hash
    # 4. Fold in each path element.
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = hashlib.sha256(_NODE_PREFIX + p + r).digest()
            if not fn & 1:
                fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            r = hashlib.sha256(_NODE_PREFIX + r + p).digest()
        fn >>= 1
        sn >>= 1
    # 5. All levels consumed and the root reproduced.
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True iff ``proof`` shows the tree (old_size, old_root) is a prefix of (new_size, new_root).

    Edge cases, which RFC 9162's algorithm (stated for 0 < old < new) leaves to the caller:
    equal sizes need an empty proof and equal roots; old_size 0 needs an empty proof and
    old_root == EMPTY_ROOT (every tree extends the empty one); old_size > new_size is False.
    """
    _require_int(old_size, "old_size")
    _require_int(new_size, "new_size")
    if not isinstance(old_root, bytes) or not isinstance(new_root, bytes):
        raise TypeError("old_root and new_root must be bytes")
    path = _check_proof_types(proof)
    if len(old_root) != HASH_SIZE or len(new_root) != HASH_SIZE:
        return False
    if any(len(p) != HASH_SIZE for p in path):
        return False
    if old_size < 0 or new_size < 0 or old_size > new_size:
        return False
    if old_size == 0:
        if new_size == 0 and new_root != EMPTY_ROOT:
            return False
        return not path and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not path and old_root == new_root
    # 1. An empty path cannot prove anything when 0 < first < second.
    if not path:
        return False
    # 2. If first is an exact power of 2, prepend first_hash.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = old_size - 1, new_size - 1
    # 4. Right-shift both while LSB(fn) is set.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. fr = sr = first value of the path.
    fr = sr = path[0]
    # 6. Fold in each subsequent value.
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = hashlib.sha256(_NODE_PREFIX + c + fr).digest()
            sr = hashlib.sha256(_NODE_PREFIX + c + sr).digest()
            if not fn & 1:
                fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            sr = hashlib.sha256(_NODE_PREFIX + sr + c).digest()
        fn >>= 1
        sn >>= 1
    # 7. Both roots reproduced and every level of the new tree consumed.
    return fr == old_root and sr == new_root and sn == 0


# --------------------------------------------------------------------------------------------
# Reader interface: proofs from a store that cannot hand over every leaf at once
# --------------------------------------------------------------------------------------------


class TreeReader(ABC):
    """Read access to an append-only list of leaf hashes (e.g. a database table).

    Subclasses supply ``size`` and ``leaf_hash``; override ``leaf_hashes`` to fetch a range
    in one query and ``complete_subtree_root`` to serve cached subtree roots.
    """

    @abstractmethod
    def size(self) -> int:
        """Number of leaves currently in the log."""

    @abstractmethod
    def leaf_hash(self, index: int) -> bytes:
        """The 32-byte leaf hash at ``index`` (0-based)."""

    def leaf_hashes(self, start: int, end: int) -> Sequence[bytes]:
        """Leaf hashes for [start, end); the default makes one call per leaf."""
        return [self.leaf_hash(i) for i in range(start, end)]

    def complete_subtree_root(self, level: int, index: int) -> bytes:
        """MTH of the complete, aligned subtree of 2**level leaves starting at index * 2**level.

        Such a subtree never changes once all its leaves exist (the log is append-only),
        which is what makes it safe to cache.
        """
        start = index << level
        hashes = self.leaf_hashes(start, start + (1 << level))
        if len(hashes) != 1 << level:
            raise ValueError(f"reader returned {len(hashes)} leaves, expected {1 << level}")
        return root_from_leaf_hashes(hashes)


class ListReader(TreeReader):
    """A TreeReader over an in-memory sequence of leaf hashes."""

    def __init__(self, hashes: Sequence[bytes]) -> None:
        self._hashes = hashes

    def size(self) -> int:
        return len(self._hashes)

    def leaf_hash(self, index: int) -> bytes:
        if not 0 <= index < len(self._hashes):
            raise IndexError(f"leaf {index} does not exist (size {len(self._hashes)})")
        return self._hashes[index]

    def leaf_hashes(self, start: int, end: int) -> Sequence[bytes]:
        if not 0 <= start <= end <= len(self._hashes):
            raise IndexError(f"leaf range [{start}, {end}) is outside size {len(self._hashes)}")
        return self._hashes[start:end]


class CachingReader(TreeReader):
    """Wraps a TreeReader and memoises roots of complete, power-of-two aligned subtrees.

    ``cache`` maps (level, index) -> root of leaves [index * 2**level, (index + 1) * 2**level).
    Pass a plain dict, or a mapping backed by a table to make the cache persistent. Only
    complete subtrees are ever stored, so entries stay valid for as long as the log is
    append-only. Levels below ``min_cached_level`` are recomputed from a single batched
    ``leaf_hashes`` read instead of being stored (a persistent store may want e.g. 6).
    """

    def __init__(
        self,
        inner: TreeReader,
        cache: MutableMapping[tuple[int, int], bytes] | None = None,
        *,
        min_cached_level: int = 1,
    ) -> None:
        if min_cached_level < 1:
            raise ValueError("min_cached_level must be >= 1 (leaves are not cached)")
        self.inner = inner
        self.cache: MutableMapping[tuple[int, int], bytes] = {} if cache is None else cache
        self.min_cached_level = min_cached_level

    def size(self) -> int:
        return self.inner.size()

    def leaf_hash(self, index: int) -> bytes:
        return self.inner.leaf_hash(index)

    def leaf_hashes(self, start: int, end: int) -> Sequence[bytes]:
        return self.inner.leaf_hashes(start, end)

    def complete_subtree_root(self, level: int, index: int) -> bytes:
        if level < 0 or index < 0:
            raise ValueError("level and index must be non-negative")
        if level == 0:
            return self.inner.leaf_hash(index)
        cached = self.cache.get((level, index))
        if cached is not None:
            return cached
        if (index + 1) << level > self.inner.size():
            # Refuse rather than cache: an incomplete subtree's root changes as leaves arrive.
            raise ValueError(f"subtree ({level}, {index}) is not complete yet")
        return self._fill(level, index)

    def _fill(self, level: int, index: int) -> bytes:
        key = (level, index)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        if level < self.min_cached_level:
            return self.inner.complete_subtree_root(level, index)
        if level == self.min_cached_level:
            root = self.inner.complete_subtree_root(level, index)
        else:
            root = node_hash(self._fill(level - 1, 2 * index), self._fill(level - 1, 2 * index + 1))
        self.cache[key] = root
        return root


def _reader_range_root(reader: TreeReader, start: int, end: int) -> bytes:
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return reader.complete_subtree_root(n.bit_length() - 1, start // n)
    k = _split(n)
    return node_hash(
        _reader_range_root(reader, start, start + k), _reader_range_root(reader, start + k, end)
    )


def subtree_root(reader: TreeReader, start: int, end: int) -> bytes:
    """MTH(D[start:end]) from a reader, built from complete aligned subtrees.

    Any range decomposes into at most ~2 log2(n) complete aligned subtrees, each of which
    ``reader.complete_subtree_root`` may answer from a cache.
    """
    _require_int(start, "start")
    _require_int(end, "end")
    size = reader.size()
    if not 0 <= start <= end <= size:
        raise ValueError(f"range [{start}, {end}) is outside a tree of size {size}")
    return _reader_range_root(reader, start, end)


def root_from_reader(reader: TreeReader, size: int) -> bytes:
    """MTH of the first ``size`` leaves (the root a checkpoint of that size signs)."""
    return subtree_root(reader, 0, size)


def inclusion_proof_from_reader(reader: TreeReader, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) using O(log n) subtree roots; identical to ``inclusion_proof``."""
    _require_int(index, "index")
    _require_int(size, "size")
    if not 0 <= index < size <= reader.size():
        raise ValueError(f"need 0 <= index < size <= {reader.size()}, got {index}, {size}")
    return [_reader_range_root(reader, s, e) for s, e in _inclusion_ranges(index, size)]


def consistency_proof_from_reader(reader: TreeReader, old: int, new: int) -> list[bytes]:
    """PROOF(old, D[new]) using O(log n) subtree roots; identical to ``consistency_proof``."""
    _require_int(old, "old")
    _require_int(new, "new")
    if not 0 <= old <= new <= reader.size():
        raise ValueError(f"need 0 <= old <= new <= {reader.size()}, got {old}, {new}")
    return [_reader_range_root(reader, s, e) for s, e in _consistency_ranges(old, new)]


# --------------------------------------------------------------------------------------------
# Streaming root: O(log n) memory for a log read once, in order
# --------------------------------------------------------------------------------------------


class CompactRange:
    """The roots of the complete subtrees that make up leaves [0, n), largest first.

    Appending a leaf merges equal-sized neighbours, like binary addition, so the list never
    holds more than log2(n) + 1 hashes. Because RFC 9162 splits at the largest power of two,
    MTH(D[0:n]) is those roots folded from the right.
    """

    def __init__(self) -> None:
        self._roots: list[tuple[int, bytes]] = []  # (number of leaves, root)
        self.size = 0

    def append(self, leaf: bytes) -> None:
        _check_hash(leaf, "leaf hash")
        count, value = 1, leaf
        while self._roots and self._roots[-1][0] == count:
            left_count, left = self._roots.pop()
            count, value = left_count + count, node_hash(left, value)
        self._roots.append((count, value))
        self.size += 1

    def root(self) -> bytes:
        if not self._roots:
            return EMPTY_ROOT
        value = self._roots[-1][1]
        for _, left in reversed(self._roots[:-1]):
            value = node_hash(left, value)
        return value
