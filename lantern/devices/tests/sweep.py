"""URL × role expectations for this app (merged into tests/test_url_sweep.py)."""

from tests.sweep_rules import Expectations, everyone

EXPECTED: Expectations = {
    # Everyone who signs in has devices; the list shows only their own (and, for a force
    # administrator, their force's).
    "devices:list": (lambda w: {}, everyone(200)),
    "devices:revoke": (lambda w: {"pk": 1}, everyone(405)),
}
