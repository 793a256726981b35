"""What a test needs from the machine (a server, a program) and cannot make itself.

Missing on a developer's machine, the test is skipped with the reason; under CI=true, where
.ci/run promises all of it, the same absence fails the test, so a skip never hides a failure
in CI."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(what: str) -> NoReturn:
    """`what` (e.g. "Redis at redis://...: refused") is missing: skip, or fail under CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true requires it, and it is missing: {what}")
    pytest.skip(f"not available here: {what}")
