"""URL × role expectations for the partner suspension pages (merged into
tests/test_url_sweep.py; the rest of this app's URLs are listed there)."""

from tests.sweep_rules import Expectations, everyone, force_admin

EXPECTED: Expectations = {
    "accounts:partner-suspend": (
        lambda w: {"pk": w.approvals["retail"].pk},
        force_admin(object_of_force_a=True),
    ),
    "accounts:partner-reinstate": (lambda w: {"pk": w.approvals["retail"].pk}, everyone(405)),
}

# Who may POST to the POST-only URLs (tests/security/test_authz_matrix.py).
WRITE_EXPECTED = {"accounts:partner-reinstate": force_admin(object_of_force_a=True)}
