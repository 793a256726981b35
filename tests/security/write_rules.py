"""Who may send a state-changing request to the URLs that answer GET with 405 for everyone.

For every other URL the GET table of the URL sweep already says who is refused, and the
authorization matrix (`test_authz_matrix.py`) requires the same people to be refused for POST,
PUT, PATCH and DELETE. A POST-only URL has no such signal, so it is listed here; newer apps add
theirs as `WRITE_EXPECTED` in `lantern/<app>/tests/sweep.py`. An outcome of 200 means "may
write" (any answer but a server error is accepted); anything else means refused.
"""

from __future__ import annotations

from lantern.accounts.choices import POLICE_ROLES
from lantern.evidence import casefile
from lantern.ledger.views import AUDITORS
from lantern.reports.services import TRIAGE_ROLES
from lantern.statements.services import OVERRIDERS, TAKERS
from tests.sweep_rules import (
    everyone,
    force_admin,
    managers,
    police_of_force_a,
    requesters_of_force_a,
    retail_of_store_a,
    roles,
    seen_by_force_a_and_council_a,
)

# url name -> expectation (actor -> 200 when allowed to write, else the refusal)
WriteExpectations = dict[str, object]

WRITE_EXPECTED: WriteExpectations = {
    "accounts:logout": everyone(200),
    "accounts:switch-organisation": everyone(200),
    "accounts:invitation-revoke": managers(),
    "accounts:partner-approve": force_admin(object_of_force_a=True),
    "ledger:export": roles(set(AUDITORS)),
    "ledger:publish": roles(set(AUDITORS)),
    "evidence:request-chase": requesters_of_force_a,
    # Only a member of the recipient organisation holding a usable link gets further.
    "evidence:request-respond": seen_by_force_a_and_council_a,
    # Link holders only (a session principal); nobody in the sweep holds one.
    "evidence:respond-upload": everyone(403, anon=403),
    "evidence:respond-submit": everyone(403, anon=403),
    "evidence:item-exhibit": police_of_force_a(casefile.EDITORS),
    "evidence:item-link": police_of_force_a(casefile.EDITORS),
    "evidence:item-retention": police_of_force_a(casefile.EDITORS | casefile.DELETERS),
    "evidence:deletion-decide": roles(set(casefile.APPROVERS)),
    "statements:autosave": police_of_force_a(TAKERS),
    "statements:override": police_of_force_a(OVERRIDERS),
    "statements:sign-own": police_of_force_a(POLICE_ROLES),
    "statements:withdraw": police_of_force_a(TAKERS),
    "reports:reply": retail_of_store_a(200),
    "reports:record-crime": police_of_force_a(TRIAGE_ROLES),
    "reports:ask": police_of_force_a(TRIAGE_ROLES),
    "reports:allocate": police_of_force_a(TRIAGE_ROLES),
    "reports:finalise": police_of_force_a(TRIAGE_ROLES),
    # tus: creating or resuming an upload needs an upload principal (a request link).
    "uploads:collection": everyone(403, anon=403),
    "uploads:upload": everyone(403, anon=403),
}
