"""URL × role expectations for this app (merged into tests/test_url_sweep.py)."""

from tests.sweep_rules import Expectations

EXPECTED: Expectations = {}
