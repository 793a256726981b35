"""URL × role expectations for the report URLs added after the first slice (merged into
tests/test_url_sweep.py, which lists the first slice's)."""

from collections.abc import Callable
from typing import Any

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.tests.factories import World
from lantern.evidence.services import REQUESTER_ROLES
from lantern.reports.services import RETAIL_ROLES, TRIAGE_ROLES
from tests.sweep_rules import (
    Expectations,
    everyone,
    force_admin,
    police_of_force_a,
    retail_of_store_a,
    retail_report_a,
    roles,
)


def _step(w: World) -> dict[str, Any]:
    return {**retail_report_a(w), "step": "goods"}


EXPECTED: Expectations = {
    # Each sees the figures of their own force, company or stores.
    "reports:figures": (lambda w: {}, roles(set(POLICE_ROLES | RETAIL_ROLES))),
    "reports:figures-csv": (lambda w: {}, roles(set(POLICE_ROLES | RETAIL_ROLES))),
    "reports:bulk": (lambda w: {}, roles({Role.LP_MANAGER})),
    "reports:bulk-template": (lambda w: {}, roles({Role.LP_MANAGER})),
    "reports:rules": (lambda w: {}, force_admin()),
    "reports:email-settings": (lambda w: {}, roles({Role.LP_MANAGER})),
    # The swept report has been sent: its answer pages lead back to it.
    "reports:step": (_step, retail_of_store_a("redirect")),
    "reports:withdraw": (retail_report_a, retail_of_store_a(200)),
    "reports:again": (retail_report_a, everyone(405)),
    "reports:note": (retail_report_a, everyone(405)),
    "reports:reopen": (retail_report_a, everyone(405)),
    "reports:link": (retail_report_a, everyone(405)),
    "reports:request-cctv": (retail_report_a, everyone(405)),
    "reports:attach": (retail_report_a, everyone(405)),
}

# Who may POST to the URLs above that answer GET with 405 (the swept report is store A's,
# sent to force A): the view's `require_role`, then `RetailReport.objects.for_user` (another
# force's or company's report is not found), then the service's own role and force checks.
WRITE_EXPECTED: dict[str, Callable[[str], Any]] = {
    # Store staff of the report's store and the company's loss-prevention managers.
    "reports:again": retail_of_store_a(200),
    # Police notes: triage roles and analysts of the report's force.
    "reports:note": police_of_force_a(TRIAGE_ROLES | {Role.ANALYST}),
    "reports:reopen": police_of_force_a(TRIAGE_ROLES),
    "reports:link": police_of_force_a(TRIAGE_ROLES),
    # Asking the store for CCTV is an evidence request: officers, investigators, supervisors.
    "reports:request-cctv": police_of_force_a(REQUESTER_ROLES),
    # The store attaches its own CCTV: to the evidence upload pages.
    "reports:attach": retail_of_store_a(200),
}
