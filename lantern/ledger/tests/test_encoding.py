"""Canonical entry encoding: exact bytes, strict validation, round trips. No Django."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lantern.ledger.encoding import (
    ENTRY_TAG,
    MAX_SAFE_INTEGER,
    EntryFormatError,
    decode_entry,
    encode_entry,
    format_time,
    validate_entry,
)
from lantern.ledger.merkle import leaf_hash


def entry(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "seq": 7,
        "time": "2025-01-31T12:34:56.123456Z",
        "actor": "officer.jones",
        "actor_org": "Northshire Police",
        "action": "viewed",
        "object_type": "evidence.item",
        "object_id": "42",
        "object_sha256": "ab" * 32,
        "reason": "case review",
        "detail": {"b": 1, "a": [True, None, "x"]},
    }
    base.update(changes)
    return base


EXPECTED = (
    b"lantern-ledger-entry-v1\n"
    b'{"action":"viewed","actor":"officer.jones","actor_org":"Northshire Police",'
    b'"detail":{"a":[true,null,"x"],"b":1},"object_id":"42",'
    b'"object_sha256":"' + b"ab" * 32 + b'","object_type":"evidence.item",'
    b'"reason":"case review","seq":7,"time":"2025-01-31T12:34:56.123456Z"}'
)


def test_exact_bytes_of_a_sample_entry() -> None:
    assert encode_entry(entry()) == EXPECTED
    assert decode_entry(EXPECTED) == entry()


def test_known_leaf_hash_of_the_sample_entry() -> None:
    # Pinned so that any change to the encoding is a deliberate, visible format change.
    assert leaf_hash(encode_entry(entry())).hex() == (
        "b77edcdb119cbb33faf33fd1d5e700bb7d8c6d0f1bd587d70fdc439f6fb4eb90"
    )


def test_key_order_of_the_input_does_not_matter() -> None:
    shuffled = dict(reversed(list(entry().items())))
    shuffled["detail"] = {"a": [True, None, "x"], "b": 1}
    assert encode_entry(shuffled) == EXPECTED


def test_non_ascii_is_written_as_utf8_and_controls_are_escaped() -> None:
    data = encode_entry(entry(reason='café "quoted" \\ \n\t\x01\x7f \u2028 😀'))
    text = data[len(ENTRY_TAG) :].decode("utf-8")
    assert '"reason":"café \\"quoted\\" \\\\ \\n\\t\\u0001\x7f \u2028 😀"' in text
    assert "caf\u00e9".encode() in data
    assert decode_entry(data)["reason"] == 'café "quoted" \\ \n\t\x01\x7f \u2028 😀'


def test_empty_strings_and_empty_detail_are_fine() -> None:
    e = entry(actor_org="", object_type="", object_id="", object_sha256="", reason="", detail={})
    assert decode_entry(encode_entry(e)) == e


def test_tuples_encode_like_lists() -> None:
    assert encode_entry(entry(detail={"a": (1, 2)})) == encode_entry(entry(detail={"a": [1, 2]}))


@pytest.mark.parametrize(
    "detail",
    [
        {"x": 1.0},
        {"x": [1, 2.5]},
        {"x": {"y": float("nan")}},
        {"x": float("inf")},
        {"x": 0.0},
    ],
)
def test_floats_are_refused_as_not_canonical(detail: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="floats are not canonical"):
        encode_entry(entry(detail=detail))


def test_missing_and_unknown_keys_are_refused() -> None:
    e = entry()
    del e["reason"]
    with pytest.raises(EntryFormatError, match="missing keys"):
        encode_entry(e)
    with pytest.raises(EntryFormatError, match="unknown keys"):
        encode_entry(entry(extra="x"))
    with pytest.raises(EntryFormatError):
        encode_entry([("seq", 1)])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {"seq": "7"},
        {"seq": True},
        {"seq": -1},
        {"seq": MAX_SAFE_INTEGER + 1},
        {"seq": 7.0},
        {"actor": None},
        {"actor": 5},
        {"reason": b"bytes"},
        {"reason": "lone \ud800 surrogate"},
        {"time": "2025-01-31T12:34:56Z"},
        {"time": "2025-01-31T12:34:56.123Z"},
        {"time": "2025-01-31T12:34:56.123456+00:00"},
        {"time": "2025-01-31 12:34:56.123456Z"},
        {"time": "2025-02-30T12:34:56.123456Z"},
        {"time": "2025-01-31T25:00:00.000000Z"},
        {"time": "٢٠٢٥-01-31T12:34:56.123456Z"},
        {"time": "2025-01-31T12:34:56.123456z"},
        {"object_sha256": "AB" * 32},
        {"object_sha256": "ab" * 31},
        {"object_sha256": "zz" * 32},
        {"detail": []},
        {"detail": None},
        {"detail": "{}"},
        {"detail": {1: "x"}},
        {"detail": {"x": {1, 2}}},
        {"detail": {"x": b"bytes"}},
        {"detail": {"x": datetime(2025, 1, 1)}},
        {"detail": {"x": 2**53}},
        {"detail": {"x": -(2**53)}},
        {"detail": {"x \udc80": 1}},
    ],
)
def test_invalid_fields_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        encode_entry(entry(**changes))


def test_boundary_integers_are_accepted() -> None:
    e = entry(seq=MAX_SAFE_INTEGER, detail={"a": MAX_SAFE_INTEGER, "b": -MAX_SAFE_INTEGER})
    assert decode_entry(encode_entry(e)) == e
    assert encode_entry(entry(seq=0))


def test_deep_nesting_is_refused() -> None:
    deep: Any = "x"
    for _ in range(40):
        deep = {"d": deep}
    with pytest.raises(EntryFormatError, match="nested deeper"):
        encode_entry(entry(detail=deep))


def test_validate_returns_plain_copies() -> None:
    original = entry(detail={"a": (1, {"b": [2]})})
    out = validate_entry(original)
    assert out["detail"] == {"a": [1, {"b": [2]}]}
    out["detail"]["a"].append(3)
    assert original["detail"]["a"] == (1, {"b": [2]})


# --------------------------------------------------------------------------------------------
# Decoding is strict: only the exact canonical bytes are accepted
# --------------------------------------------------------------------------------------------


def _body(e: dict[str, Any], **dump_args: Any) -> bytes:
    return ENTRY_TAG + json.dumps(e, **dump_args).encode("utf-8")


@pytest.mark.parametrize(
    "data",
    [
        EXPECTED[len(ENTRY_TAG) :],  # no tag
        b"lantern-ledger-entry-v2\n" + EXPECTED[len(ENTRY_TAG) :],
        EXPECTED + b"\n",
        EXPECTED.replace(b'"seq":7', b'"seq":7.0'),
        EXPECTED.replace(b'"seq":7', b'"seq":7e0'),
        EXPECTED.replace(b'"b":1', b'"b":NaN'),
        EXPECTED.replace(b'"b":1', b'"b":Infinity'),
        EXPECTED.replace(b'"b":1', b'"b":01'),
        EXPECTED.replace(b',"b":1', b',"b":1,"b":1'),
        EXPECTED.replace(b'"seq":7,', b'"seq":7, '),
        ENTRY_TAG + b"[]",
        ENTRY_TAG + b"\xff\xfe",
        ENTRY_TAG + b"",
        ENTRY_TAG + b"{" * 5000,
    ],
)
def test_decode_refuses_anything_but_canonical_bytes(data: bytes) -> None:
    with pytest.raises(EntryFormatError):
        decode_entry(data)


def test_decode_refuses_unsorted_keys_and_escaped_unicode() -> None:
    e = entry(reason="café")
    with pytest.raises(EntryFormatError, match="canonical"):
        decode_entry(_body(validate_entry(e), separators=(",", ":"), ensure_ascii=False))
    with pytest.raises(EntryFormatError, match="canonical"):
        decode_entry(_body(e, sort_keys=True, separators=(",", ":"), ensure_ascii=True))
    canonical = _body(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert decode_entry(canonical) == e


def test_decode_requires_bytes() -> None:
    with pytest.raises(TypeError):
        decode_entry(EXPECTED.decode())  # type: ignore[arg-type]
    assert decode_entry(bytearray(EXPECTED)) == entry()


def test_format_time() -> None:
    moment = datetime(2025, 1, 31, 13, 34, 56, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert format_time(moment) == "2025-01-31T12:34:56.123456Z"
    assert format_time(datetime(2025, 1, 31, tzinfo=UTC)) == "2025-01-31T00:00:00.000000Z"
    with pytest.raises(EntryFormatError):
        format_time(datetime(2025, 1, 31))


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

safe_ints = st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
json_values = st.recursive(
    st.none() | st.booleans() | safe_ints | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
entries = st.fixed_dictionaries(
    {
        "seq": st.integers(0, MAX_SAFE_INTEGER),
        "time": st.datetimes(timezones=st.just(UTC)).map(format_time),
        "actor": st.text(max_size=20),
        "actor_org": st.text(max_size=20),
        "action": st.text(max_size=12),
        "object_type": st.text(max_size=12),
        "object_id": st.text(max_size=12),
        "object_sha256": st.one_of(st.just(""), st.binary(min_size=32, max_size=32).map(bytes.hex)),
        "reason": st.text(max_size=40),
        "detail": st.dictionaries(st.text(max_size=8), json_values, max_size=5),
    }
)


@settings(max_examples=150, deadline=None)
@given(e=entries)
def test_property_round_trip_is_exact(e: dict[str, Any]) -> None:
    data = encode_entry(e)
    decoded = decode_entry(data)
    assert decoded == e
    assert encode_entry(decoded) == data
    body = data[len(ENTRY_TAG) :].decode("utf-8")
    assert json.loads(body) == e


@settings(max_examples=60, deadline=None)
@given(e=entries, seed=st.randoms(use_true_random=False))
def test_property_dict_order_never_changes_the_bytes(e: dict[str, Any], seed: Any) -> None:
    def shuffle(value: Any) -> Any:
        if isinstance(value, dict):
            items = [(k, shuffle(v)) for k, v in value.items()]
            seed.shuffle(items)
            return dict(items)
        if isinstance(value, list):
            return [shuffle(v) for v in value]
        return value

    assert encode_entry(shuffle(e)) == encode_entry(e)


@settings(max_examples=60, deadline=None)
@given(e=entries, extra=st.floats(allow_nan=True, allow_infinity=True))
def test_property_a_float_anywhere_in_detail_is_refused(e: dict[str, Any], extra: float) -> None:
    e["detail"] = {**e["detail"], "nested": {"list": [1, extra]}}
    with pytest.raises(ValueError, match="floats are not canonical"):
        encode_entry(e)
