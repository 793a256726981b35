"""Figures an assessor reads: each security test prints one line of counts, even under -q."""

from __future__ import annotations

import pytest


def report(capsys: pytest.CaptureFixture[str], name: str, **counts: object) -> None:
    text = " ".join(f"{key}={value}" for key, value in counts.items())
    with capsys.disabled():
        print(f"\n[figures] {name}: {text}")
