"""The standalone bundle verifier: honest bundles pass, every kind of tampering is caught.

Pure Python plus ``cryptography``; no Django. The subprocess tests run the verifier exactly
as a third party would: ``python -m lantern.ledger.verify bundle.json``.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lantern.ledger.encoding import encode_entry, format_time
from lantern.ledger.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
)
from lantern.ledger.verify import (
    BUNDLE_FORMAT,
    BundleFormatError,
    VerificationReport,
    checkpoint_signed_bytes,
    main,
    sign_checkpoint,
    verify_bundle,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def raw_public_key(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def make_entry(seq: int, **changes: Any) -> dict[str, Any]:
    e: dict[str, Any] = {
        "seq": seq,
        "time": format_time(START + timedelta(seconds=seq, microseconds=seq % 1000)),
        "actor": f"user{seq % 3}",
        "actor_org": "Northshire Police" if seq % 2 else "Southdale Council",
        "action": ["created", "viewed", "shared"][seq % 3],
        "object_type": "evidence.item",
        "object_id": str(100 + seq),
        "object_sha256": f"{seq:064x}",
        "reason": f"reason {seq}",
        "detail": {"n": seq, "tags": ["a", "b"], "ok": True},
    }
    e.update(changes)
    return e


def hashes_of(entries: list[dict[str, Any]]) -> list[bytes]:
    return [leaf_hash(encode_entry(e)) for e in entries]


def build_bundle(
    key: Ed25519PrivateKey,
    n: int = 10,
    sizes: tuple[int, ...] = (3, 7, 10),
    proofs_at: int | None = 10,
    consistency: bool = True,
) -> dict[str, Any]:
    entries = [make_entry(i) for i in range(n)]
    hashes = hashes_of(entries)
    checkpoints = [
        sign_checkpoint(
            key, s, root_from_leaf_hashes(hashes[:s]), f"2025-03-05T10:00:{s:02d}.000000Z"
        )
        for s in sizes
    ]
    inclusion = []
    if proofs_at is not None:
        inclusion = [
            {
                "index": i,
                "tree_size": proofs_at,
                "proof": [b64(p) for p in inclusion_proof(i, hashes[:proofs_at])],
            }
            for i in range(proofs_at)
        ]
    pairs = list(itertools.pairwise(sizes)) if consistency else []
    return {
        "format": BUNDLE_FORMAT,
        "public_key": b64(raw_public_key(key)),
        "entries": [{"index": i, "entry": e} for i, e in enumerate(entries)],
        "checkpoints": checkpoints,
        "inclusion_proofs": inclusion,
        "consistency_proofs": [
            {
                "old_size": a,
                "new_size": b,
                "proof": [b64(p) for p in consistency_proof(a, b, hashes[:b])],
            }
            for a, b in pairs
        ],
    }


def failed(report: VerificationReport) -> str:
    assert not report.ok
    assert report.problems
    return "\n".join(report.problems)


# --------------------------------------------------------------------------------------------
# Honest bundles
# --------------------------------------------------------------------------------------------


def test_checkpoint_signed_bytes_are_exactly_as_documented() -> None:
    root = bytes(range(32))
    assert checkpoint_signed_bytes(10, root, "2025-03-05T10:00:00Z") == (
        b"lantern-checkpoint-v1\n10\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
        b"2025-03-05T10:00:00Z\n"
    )
    with pytest.raises(ValueError):
        checkpoint_signed_bytes(10, root, "2025\n11")
    with pytest.raises(ValueError):
        checkpoint_signed_bytes(-1, root, "t")
    with pytest.raises(ValueError):
        checkpoint_signed_bytes(1, root[:31], "t")


def test_honest_full_bundle_verifies(key: Ed25519PrivateKey) -> None:
    report = verify_bundle(build_bundle(key), expected_public_key=raw_public_key(key))
    assert report.ok, report.problems
    assert report.problems == []
    assert report.warnings == []
    assert report.first_bad_index is None
    assert report.entries_checked == 10
    assert report.entries_authenticated == 10
    assert report.checkpoints_checked == report.signatures_valid == 3
    assert report.roots_recomputed == 3
    assert report.inclusion_proofs_checked == 10
    assert report.consistency_proofs_checked == 2
    assert "RESULT: OK" in report.render()


def test_honest_bundle_without_proofs_verifies_by_recomputing_roots(
    key: Ed25519PrivateKey,
) -> None:
    report = verify_bundle(build_bundle(key, proofs_at=None, consistency=False))
    assert report.ok, report.problems
    assert report.entries_authenticated == 10
    assert report.warnings == []  # recomputed roots prove the checkpoints consistent


def test_honest_subset_bundle_verifies_by_inclusion_proofs(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key, n=20, sizes=(8, 20))
    keep = {3, 11, 19}
    bundle["entries"] = [e for e in bundle["entries"] if e["index"] in keep]
    bundle["inclusion_proofs"] = [
        p
        for p in build_bundle(key, n=20, sizes=(8, 20), proofs_at=20)["inclusion_proofs"]
        if p["index"] in keep
    ]
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    assert report.entries_authenticated == 3


def test_entries_newer_than_the_latest_checkpoint_are_a_warning(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key, n=12, sizes=(3, 7, 10))
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    assert any("10-11" in w and "newer" in w for w in report.warnings)


def test_empty_log_checkpoint(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key, n=0, sizes=(0,), proofs_at=None)
    assert verify_bundle(bundle).ok
    bundle["checkpoints"] = [sign_checkpoint(key, 0, leaf_hash(b"x"), "t")]
    assert "empty tree" in failed(verify_bundle(bundle))
    assert root_from_leaf_hashes([]) == EMPTY_ROOT


def test_unproven_checkpoints_are_a_warning(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key, n=10, sizes=(3, 7, 10), consistency=False)
    bundle["entries"] = bundle["entries"][8:]
    bundle["inclusion_proofs"] = bundle["inclusion_proofs"][8:]
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    assert any("consistent" in w for w in report.warnings)


# --------------------------------------------------------------------------------------------
# Tampering
# --------------------------------------------------------------------------------------------


def test_edited_entry_is_found_exactly(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    bundle["entries"][5]["entry"]["reason"] = "nothing to see here"
    report = verify_bundle(bundle)
    assert "entry 5" in failed(report)
    assert report.first_bad_index == 5


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("actor", "someone.else"),
        ("time", "2025-03-01T09:05:00.000006Z"),
        ("seq", 5),
        ("object_sha256", ""),
        ("detail", {"n": 5, "tags": ["a", "b"], "ok": False}),
    ],
)
def test_any_edited_field_is_caught(key: Ed25519PrivateKey, field: str, value: Any) -> None:
    bundle = build_bundle(key)
    bundle["entries"][4]["entry"][field] = value
    assert verify_bundle(bundle).first_bad_index == 4


def test_edit_is_located_by_checkpoints_alone_when_there_is_one_per_entry(
    key: Ed25519PrivateKey,
) -> None:
    bundle = build_bundle(key, sizes=tuple(range(1, 11)), proofs_at=None)
    bundle["entries"][6]["entry"]["actor"] = "mallory"
    report = verify_bundle(bundle)
    failed(report)
    assert report.first_bad_index == 6


def test_edit_is_narrowed_to_a_range_when_it_cannot_be_pinned(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key, sizes=(3, 7, 10), proofs_at=None, consistency=False)
    bundle["entries"][5]["entry"]["actor"] = "mallory"
    report = verify_bundle(bundle)
    assert "differs from the signed root" in failed(report)
    assert report.first_bad_index is None
    assert report.first_bad_range == (3, 7)  # checkpoint 3 matches, checkpoint 7 does not
    assert "somewhere in indices 3-6" in report.render()
    # Verified consistency proofs carry authentic subtree hashes that narrow it further.
    bundle = build_bundle(key, sizes=(3, 7, 10), proofs_at=None, consistency=True)
    bundle["entries"][5]["entry"]["actor"] = "mallory"
    report = verify_bundle(bundle)
    assert report.first_bad_range == (4, 6)


def test_edit_is_located_from_other_entries_proofs(key: Ed25519PrivateKey) -> None:
    # No proof for the edited entry itself: its neighbours' verified proofs carry the
    # authentic hash of leaf 5, which pins the change down.
    bundle = build_bundle(key, sizes=(10,), consistency=False)
    bundle["inclusion_proofs"] = [p for p in bundle["inclusion_proofs"] if p["index"] != 5]
    bundle["entries"][5]["entry"]["reason"] = "changed"
    report = verify_bundle(bundle)
    failed(report)
    assert report.first_bad_index == 5


def test_edit_with_sparse_proofs_is_narrowed(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key, sizes=(10,), consistency=False)
    bundle["inclusion_proofs"] = [p for p in bundle["inclusion_proofs"] if p["index"] in (0, 9)]
    bundle["entries"][5]["entry"]["reason"] = "changed"
    report = verify_bundle(bundle)
    failed(report)
    assert report.first_bad_index is None
    assert report.first_bad_range == (4, 8)


def test_deleted_entry_with_renumbering(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    del bundle["entries"][5]
    for i, item in enumerate(bundle["entries"]):
        item["index"] = i
    report = verify_bundle(bundle)
    assert "seq is 6" in failed(report)
    assert report.first_bad_index == 5


def test_deleted_entry_with_renumbering_and_no_proofs(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key, proofs_at=None)
    del bundle["entries"][5]
    for i, item in enumerate(bundle["entries"]):
        item["index"] = i
    report = verify_bundle(bundle)
    failed(report)
    assert report.first_bad_index == 5


def test_deleted_entry_leaving_a_gap(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    del bundle["entries"][5]
    report = verify_bundle(bundle)
    assert "missing from the bundle" in failed(report)
    assert report.first_bad_index == 5


def test_deleted_entry_leaving_a_gap_without_proofs(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key, proofs_at=None)
    del bundle["entries"][5]
    report = verify_bundle(bundle)
    assert "entry 5 is missing" in failed(report)
    assert report.first_bad_index == 5


def test_deleted_entry_and_its_proof_needs_require_complete(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    del bundle["entries"][5]
    del bundle["inclusion_proofs"][5]
    # Indistinguishable from an honest subset export (entries 0-4 and 6-9 with proofs) ...
    assert verify_bundle(bundle).ok
    # ... unless the verifier is told the export must be complete.
    report = verify_bundle(bundle, require_complete=True)
    assert "not a complete export" in failed(report)
    assert report.first_bad_index == 5
    assert verify_bundle(build_bundle(key), require_complete=True).ok


def test_swapped_entries(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    items = bundle["entries"]
    items[3]["entry"], items[4]["entry"] = items[4]["entry"], items[3]["entry"]
    report = verify_bundle(bundle)
    failed(report)
    assert report.first_bad_index == 3


def test_swapped_entries_with_rewritten_seq(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    items = bundle["entries"]
    items[3]["entry"], items[4]["entry"] = items[4]["entry"], items[3]["entry"]
    items[3]["entry"]["seq"], items[4]["entry"]["seq"] = 3, 4
    report = verify_bundle(bundle)
    failed(report)
    assert report.first_bad_index == 3


def test_swapping_list_positions_but_not_indices_changes_nothing(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    items = bundle["entries"]
    items[3], items[4] = items[4], items[3]
    assert verify_bundle(bundle).ok


def test_inserted_entry(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    bundle["entries"].insert(5, {"index": 5, "entry": make_entry(5, reason="forged")})
    for i, item in enumerate(bundle["entries"]):
        item["index"] = i
    report = verify_bundle(bundle)
    failed(report)
    assert report.first_bad_index == 5


def test_inserted_entry_with_renumbered_seqs(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    bundle["entries"].insert(5, {"index": 5, "entry": make_entry(5, reason="forged")})
    for i, item in enumerate(bundle["entries"]):
        item["index"] = i
        item["entry"]["seq"] = i
    report = verify_bundle(bundle)
    failed(report)
    assert report.first_bad_index == 5


def test_duplicated_entry(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    bundle["entries"].append(copy.deepcopy(bundle["entries"][2]))
    report = verify_bundle(bundle)
    assert "more than once" in failed(report)
    assert report.first_bad_index == 2


def test_undecodable_entry(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    bundle["entries"][6]["entry"]["detail"] = {"amount": 1.5}
    report = verify_bundle(bundle)
    assert "floats are not canonical" in failed(report)
    assert report.first_bad_index == 6
    bundle["entries"][6]["entry"] = "not an object"
    assert verify_bundle(bundle).first_bad_index == 6


def test_undecodable_entry_without_proofs(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key, proofs_at=None)
    bundle["entries"][5]["entry"]["time"] = "yesterday"
    report = verify_bundle(bundle)
    text = failed(report)
    assert "entry 5: is not a valid v1 ledger entry" in text
    assert "(entry 5 is unusable)" in text
    assert report.first_bad_index == 5


def test_changed_checkpoint_signature(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    signature = bytearray(base64.b64decode(bundle["checkpoints"][1]["signature"]))
    signature[10] ^= 0x01
    bundle["checkpoints"][1]["signature"] = b64(bytes(signature))
    report = verify_bundle(bundle)
    text = failed(report)
    assert "checkpoint #1 (tree size 7): the signature does not verify" in text
    assert report.signatures_valid == 2
    assert report.first_bad_index is None


def test_changed_checkpoint_timestamp_breaks_its_signature(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    bundle["checkpoints"][2]["timestamp"] = "2030-01-01T00:00:00.000000Z"
    assert "signature does not verify" in failed(verify_bundle(bundle))


def test_changed_root_without_re_signing(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    bundle["checkpoints"][2]["root_hash"] = b64(leaf_hash(b"another history"))
    report = verify_bundle(bundle)
    text = failed(report)
    assert "signature does not verify" in text
    assert "no validly signed checkpoint for tree size 10" in text
    assert report.first_bad_index is None


def test_changed_root_signed_by_the_log_blames_the_root_not_the_entries(
    key: Ed25519PrivateKey,
) -> None:
    bundle = build_bundle(key)
    bundle["checkpoints"][2] = sign_checkpoint(key, 10, leaf_hash(b"wrong"), "t")
    report = verify_bundle(bundle)
    text = failed(report)
    assert "every inclusion proof against the checkpoint of tree size 10 fails" in text
    assert "tree size 7 -> 10" in text  # the consistency proof fails too
    assert report.first_bad_index is None


def test_forked_checkpoints(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    bundle["checkpoints"].append(sign_checkpoint(key, 7, leaf_hash(b"fork"), "t"))
    assert "fork" in failed(verify_bundle(bundle))


def test_inconsistent_checkpoints_signed_by_the_log(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key, consistency=False)
    bundle["checkpoints"][1] = sign_checkpoint(key, 7, leaf_hash(b"other history"), "t")
    text = failed(verify_bundle(bundle))
    assert "two inconsistent histories" in text


def test_tampered_consistency_proof(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    bundle["consistency_proofs"][0]["proof"][0] = b64(leaf_hash(b"x"))
    assert "consistency proof #0 (tree size 3 -> 7): does not verify" in failed(
        verify_bundle(bundle)
    )


def test_proof_for_a_size_without_checkpoint(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    bundle["inclusion_proofs"][0]["tree_size"] = 9
    assert "no validly signed checkpoint for tree size 9" in failed(verify_bundle(bundle))


def test_whole_bundle_re_signed_with_another_key_needs_key_pinning(
    key: Ed25519PrivateKey,
) -> None:
    impostor = Ed25519PrivateKey.generate()
    forged = build_bundle(impostor)  # a self-consistent bundle signed by someone else
    assert verify_bundle(forged).ok
    report = verify_bundle(forged, expected_public_key=raw_public_key(key))
    assert "not the expected log key" in failed(report)


def test_no_checkpoints_is_a_failure(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    bundle["checkpoints"] = []
    bundle["inclusion_proofs"] = []
    bundle["consistency_proofs"] = []
    assert "no checkpoints" in failed(verify_bundle(bundle))


# --------------------------------------------------------------------------------------------
# Malformed bundles
# --------------------------------------------------------------------------------------------


def _malformations(bundle: dict[str, Any]) -> list[Any]:
    out: list[Any] = [None, [], "bundle"]

    def variant(path: list[Any], value: Any, delete: bool = False) -> None:
        b = copy.deepcopy(bundle)
        target = b
        for step in path[:-1]:
            target = target[step]
        if delete:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        out.append(b)

    variant(["format"], "lantern-ledger-bundle-v2")
    variant(["format"], None, delete=True)
    variant(["public_key"], None, delete=True)
    variant(["public_key"], "not base64!")
    variant(["public_key"], b64(b"short"))
    variant(["public_key"], bundle["public_key"].rstrip("="))  # non-canonical padding
    variant(["checkpoints"], None, delete=True)
    variant(["checkpoints"], {})
    variant(["checkpoints", 0, "tree_size"], -1)
    variant(["checkpoints", 0, "tree_size"], True)
    variant(["checkpoints", 0, "tree_size"], "3")
    variant(["checkpoints", 0, "root_hash"], b64(b"x" * 31))
    variant(["checkpoints", 0, "signature"], b64(b"x" * 63))
    variant(["checkpoints", 0, "timestamp"], "2025\n10")
    variant(["checkpoints", 0, "timestamp"], 5)
    variant(["entries", 0, "index"], -3)
    variant(["entries", 0, "entry"], None, delete=True)
    variant(["entries", 0], "entry")
    variant(["inclusion_proofs", 0, "proof"], "AAAA")
    variant(["inclusion_proofs", 0, "proof", 0], b64(b"x" * 33))
    variant(["consistency_proofs", 0, "old_size"], None, delete=True)
    return out


def test_malformed_bundles_raise(key: Ed25519PrivateKey) -> None:
    for i, bundle in enumerate(_malformations(build_bundle(key))):
        with pytest.raises(BundleFormatError):
            verify_bundle(bundle)
            pytest.fail(f"malformation {i} was accepted")


def test_unknown_top_level_keys_are_a_warning(key: Ed25519PrivateKey) -> None:
    bundle = build_bundle(key)
    bundle["comment"] = "exported for case 12"
    report = verify_bundle(bundle)
    assert report.ok
    assert any("comment" in w for w in report.warnings)


# --------------------------------------------------------------------------------------------
# The command line, run exactly as a third party would
# --------------------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lantern.ledger.verify", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_exit_codes(key: Ed25519PrivateKey, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(build_bundle(key)), encoding="utf-8")
    tampered_bundle = build_bundle(key)
    tampered_bundle["entries"][5]["entry"]["reason"] = "x"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(tampered_bundle), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "lantern-ledger-bundle-v1", ', encoding="utf-8")

    result = run_cli(str(good))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "RESULT: OK" in result.stdout

    result = run_cli(str(tampered))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "First bad entry: index 5" in result.stdout
    assert "RESULT: FAILED" in result.stdout

    result = run_cli(str(broken))
    assert result.returncode == 2
    assert "MALFORMED" in result.stderr

    assert run_cli(str(tmp_path / "missing.json")).returncode == 2
    assert run_cli().returncode == 2  # usage error

    pinned = b64(raw_public_key(key))
    assert run_cli(str(good), "--public-key", pinned).returncode == 0
    other = b64(raw_public_key(Ed25519PrivateKey.generate()))
    assert run_cli(str(good), "--public-key", other).returncode == 1
    assert run_cli(str(good), "--public-key", "nonsense").returncode == 2


def test_main_in_process(key: Ed25519PrivateKey, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "b.json"
    bundle = build_bundle(key)
    del bundle["entries"][5]
    del bundle["inclusion_proofs"][5]
    path.write_text(json.dumps(bundle), encoding="utf-8")
    assert main([str(path)]) == 0
    assert main([str(path), "--require-complete"]) == 1
    assert "not a complete export" in capsys.readouterr().out
    path.write_text('{"a": 1, "a": 2}', encoding="utf-8")
    assert main([str(path)]) == 2
    path.write_text('{"a": NaN}', encoding="utf-8")
    assert main([str(path)]) == 2


def test_verifier_import_path_has_no_django() -> None:
    code = (
        "import sys, lantern.ledger.verify\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django')\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------------------------
# docs/ledger-format.md: the worked example and the minimal verifier must match the code
# --------------------------------------------------------------------------------------------

DOCS = REPO_ROOT / "docs" / "ledger-format.md"
EXAMPLE_ENTRIES: list[dict[str, Any]] = [
    {
        "seq": 0,
        "time": "2025-03-01T09:00:00.000000Z",
        "actor": "alice",
        "actor_org": "Northshire Police",
        "action": "created",
        "object_type": "evidence.item",
        "object_id": "17",
        "object_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "reason": "",
        "detail": {},
    },
    {
        "seq": 1,
        "time": "2025-03-01T09:05:30.250000Z",
        "actor": "bob",
        "actor_org": "Northshire Police",
        "action": "viewed",
        "object_type": "evidence.item",
        "object_id": "17",
        "object_sha256": "",
        "reason": "case review",
        "detail": {},
    },
    {
        "seq": 2,
        "time": "2025-03-01T10:00:00.000001Z",
        "actor": "bob",
        "actor_org": "Northshire Police",
        "action": "shared",
        "object_type": "evidence.item",
        "object_id": "17",
        "object_sha256": "",
        "reason": "disclosure to CPS",
        "detail": {"recipient": "Crown Prosecution Service", "copies": 1},
    },
]


def example_bundle() -> dict[str, Any]:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    hashes = hashes_of(EXAMPLE_ENTRIES)
    return {
        "format": BUNDLE_FORMAT,
        "public_key": b64(raw_public_key(key)),
        "entries": [{"index": i, "entry": e} for i, e in enumerate(EXAMPLE_ENTRIES)],
        "checkpoints": [
            sign_checkpoint(key, 2, root_from_leaf_hashes(hashes[:2]), "2025-03-01T09:10:00Z"),
            sign_checkpoint(key, 3, root_from_leaf_hashes(hashes), "2025-03-01T10:05:00Z"),
        ],
        "inclusion_proofs": [
            {"index": 2, "tree_size": 3, "proof": [b64(p) for p in inclusion_proof(2, hashes)]}
        ],
        "consistency_proofs": [
            {
                "old_size": 2,
                "new_size": 3,
                "proof": [b64(p) for p in consistency_proof(2, 3, hashes)],
            }
        ],
    }


def test_documented_worked_example() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    hashes = hashes_of(EXAMPLE_ENTRIES)
    expected_leaves = [
        "309d57ff675d37a7cbc61a4c9ebb54b6f3d559dc73835f831bf09ff8cc0acf8c",
        "df862b5640ce636a7af17a0e7a6f90aec7fbf164d7314564b415d4227d1b3693",
        "3fecb10c5e46ae6e9c2e53ed0dd6e8752ddbbe56194a5db191fcd4479179c2ce",
    ]
    root2 = "318b59a1e2477e35b0063b676ea2d1d5ba1bb21c29b791214e0bca3602ac39b3"
    root3 = "2557f868f8b6d9b015615d6e8e90dee32151d6acfe7ebf83ea24136e08452f6b"
    assert [h.hex() for h in hashes] == expected_leaves
    assert root_from_leaf_hashes(hashes[:2]).hex() == root2
    assert root_from_leaf_hashes(hashes).hex() == root3
    assert [p.hex() for p in inclusion_proof(2, hashes)] == [root2]
    assert [p.hex() for p in inclusion_proof(0, hashes)] == expected_leaves[1:]
    assert [p.hex() for p in consistency_proof(2, 3, hashes)] == expected_leaves[2:]
    assert [p.hex() for p in consistency_proof(1, 3, hashes)] == expected_leaves[1:]
    for value in [*expected_leaves, root2, root3]:
        assert value in docs
    assert encode_entry(EXAMPLE_ENTRIES[2]).decode().split("\n")[1] in docs

    bundle = example_bundle()
    assert bundle["public_key"] == "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
    for cp in bundle["checkpoints"]:
        assert cp["root_hash"] in docs
        assert cp["signature"] in docs
    message = checkpoint_signed_bytes(3, bytes.fromhex(root3), "2025-03-01T10:05:00Z")
    assert message.decode().replace("\n", "\\n") in docs
    assert f"these {len(message)} bytes" in docs
    assert verify_bundle(bundle).ok


def test_documented_minimal_verifier_runs(tmp_path: Path) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    start = docs.index("```python\n", docs.index("A minimal verifier")) + len("```python\n")
    code = docs[start : docs.index("```", start)]
    (tmp_path / "bundle.json").write_text(json.dumps(example_bundle()), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    tampered = example_bundle()
    tampered["entries"][1]["entry"]["reason"] = "edited"
    (tmp_path / "bundle.json").write_text(json.dumps(tampered), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "AssertionError" in result.stderr
