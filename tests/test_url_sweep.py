"""Every URL pattern × anonymous × every role × the same role in another organisation.

Adding a URL without adding its expected outcomes here fails `test_every_url_has_expectations`.
Outcomes: an HTTP status, or "login" for a redirect to the sign-in page, or "redirect".
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from importlib.util import find_spec
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.tests.factories import World, sign_in
from lantern.evidence.services import REQUESTER_ROLES
from lantern.reports.services import RETAIL_ROLES as REPORT_RETAIL_ROLES
from tests.sweep_rules import (
    ACTORS,
    Expectations,
    case_a,
    everyone,
    evidence_request,
    force_admin,
    item_a,
    item_for,
    managers,
    mfa_users,
    police_of_force_a,
    requesters_of_force_a,
    retail_of_store_a,
    retail_report_a,
    roles,
    seen_by_force_a_and_council_a,
    seen_by_force_a_and_store_a,
    statement_a,
)

# url name -> (kwargs builder, expectation)
EXPECTED: Expectations = {
    "core:home": (lambda w: {}, everyone(200)),
    "core:accessibility": (lambda w: {}, everyone(200, anon=200)),
    "core:privacy": (lambda w: {}, everyone(200, anon=200)),
    "core:health": (lambda w: {}, everyone(200, anon=200)),
    "accounts:login": (lambda w: {}, everyone("redirect", anon=200)),
    "accounts:logout": (lambda w: {}, everyone(405)),
    "accounts:verify": (lambda w: {}, mfa_users("redirect", "redirect")),
    "accounts:mfa-setup": (lambda w: {}, everyone(200)),
    "accounts:recovery-codes": (lambda w: {}, mfa_users(200, "redirect")),
    "accounts:reauth": (lambda w: {}, everyone(200)),
    "accounts:profile": (lambda w: {}, everyone(200)),
    "accounts:switch-organisation": (lambda w: {}, everyone(405)),
    "accounts:password-change": (lambda w: {}, everyone(200)),
    "accounts:password-reset": (lambda w: {}, everyone(200, anon=200)),
    "accounts:password-reset-sent": (lambda w: {}, everyone(200, anon=200)),
    "accounts:password-reset-confirm": (
        lambda w: {"uidb64": "MQ", "token": "set-password"},
        everyone(200, anon=200),
    ),
    "accounts:password-reset-complete": (lambda w: {}, everyone(200, anon=200)),
    "accounts:invitation-accept": (lambda w: {"token": "not-a-real-token"}, everyone(404, 404)),
    "accounts:people": (lambda w: {}, managers()),
    "accounts:person-invite": (lambda w: {}, managers()),
    "accounts:person-detail": (
        lambda w: {"pk": w.membership("officer").pk},
        managers(own_org_only=True),
    ),
    "accounts:person-access": (
        lambda w: {"pk": w.membership("officer").pk},
        managers(own_org_only=True),
    ),
    "accounts:invitation-revoke": (lambda w: {"pk": 1}, everyone(405)),
    "accounts:partners": (lambda w: {}, force_admin()),
    "accounts:partner-detail": (
        lambda w: {"pk": w.approvals["retail"].pk},
        force_admin(object_of_force_a=True),
    ),
    "accounts:partner-approve": (lambda w: {"pk": w.approvals["retail"].pk}, everyone(405)),
    "accounts:partner-refuse": (
        lambda w: {"pk": w.approvals["retail"].pk},
        force_admin(object_of_force_a=True),
    ),
    "accounts:register-organisation": (lambda w: {}, everyone(200, anon=200)),
    "ledger:history": (lambda w: {}, roles({Role.SUPERVISOR, Role.FORCE_ADMIN})),
    "ledger:export": (lambda w: {}, everyone(405)),
    "ledger:publish": (lambda w: {}, everyone(405)),
    "ledger:public-key": (lambda w: {}, everyone(200, anon=200)),
    "ledger:checkpoint-json": (lambda w: {}, everyone(200, anon=200)),
    "evidence:request-list": (lambda w: {}, everyone(200)),
    "evidence:request-new": (lambda w: {}, roles(set(REQUESTER_ROLES))),
    "evidence:request-detail": (evidence_request, seen_by_force_a_and_council_a),
    "evidence:request-extend": (evidence_request, requesters_of_force_a),
    "evidence:request-close": (evidence_request, requesters_of_force_a),
    "evidence:request-chase": (evidence_request, everyone(405)),
    "evidence:request-respond": (evidence_request, everyone(405)),
    "evidence:link": (lambda w: {"token": "not-a-token"}, everyone(404, anon=404)),
    "evidence:respond": (lambda w: {}, everyone(403, anon=403)),
    "evidence:respond-upload": (lambda w: {}, everyone(405, anon=405)),
    "evidence:respond-submit": (lambda w: {}, everyone(405, anon=405)),
    "evidence:check": (lambda w: {}, everyone(200, anon=200)),
    "evidence:case-list": (lambda w: {}, roles(set(POLICE_ROLES))),
    "evidence:case-detail": (case_a, police_of_force_a()),
    "evidence:case-bundle": (
        case_a,
        police_of_force_a({Role.OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR, Role.FORCE_ADMIN}),
    ),
    "evidence:item-exhibit": (item_a, everyone(405)),
    "evidence:item-link": (item_a, everyone(405)),
    "evidence:item-retention": (item_a, everyone(405)),
    "evidence:item-delete": (
        item_a,
        police_of_force_a({Role.INVESTIGATOR, Role.SUPERVISOR, Role.FORCE_ADMIN}),
    ),
    "evidence:deletion-decide": (lambda w: {"pk": 1}, everyone(405)),
    "evidence:item-detail": (item_a, item_for(200, 200)),
    "evidence:item-play": (item_a, item_for(404, 403)),  # no working copy made for it
    "evidence:item-download": (item_a, item_for(200, 403)),
    "evidence:item-still": (lambda w: {**item_a(w), "derived_pk": 1}, item_for(404, 403)),
    "statements:list": (lambda w: {}, roles(set(POLICE_ROLES))),
    "statements:new": (lambda w: {}, roles({Role.OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR})),
    "statements:detail": (statement_a, police_of_force_a()),
    "statements:autosave": (statement_a, everyone(405)),
    "statements:override": (statement_a, everyone(405)),
    "statements:sign-own": (statement_a, everyone(405)),
    "statements:withdraw": (statement_a, everyone(405)),
    "statements:pdf": (statement_a, police_of_force_a(set())),  # not signed yet: refused
    "statements:link": (lambda w: {"token": "not-a-token"}, everyone(404, anon=404)),
    "statements:witness": (lambda w: {}, everyone(403, anon=403)),
    "statements:witness-details": (lambda w: {}, everyone(403, anon=403)),
    "statements:witness-sign": (lambda w: {}, everyone(403, anon=403)),
    "statements:witness-pdf": (lambda w: {}, everyone(403, anon=403)),
    "statements:verify": (lambda w: {}, everyone(200, anon=200)),
    "reports:list": (lambda w: {}, roles(set(REPORT_RETAIL_ROLES | POLICE_ROLES))),
    "reports:new": (lambda w: {}, roles(set(REPORT_RETAIL_ROLES))),
    "reports:detail": (retail_report_a, seen_by_force_a_and_store_a),
    # A sent report can no longer be changed: its own store is sent back to the report.
    "reports:edit": (retail_report_a, retail_of_store_a("redirect")),
    "reports:check": (retail_report_a, retail_of_store_a("redirect")),
    "reports:reply": (retail_report_a, everyone(405)),
    "reports:record-crime": (retail_report_a, everyone(405)),
    "reports:ask": (retail_report_a, everyone(405)),
    "reports:allocate": (retail_report_a, everyone(405)),
    "reports:finalise": (retail_report_a, everyone(405)),
    # tus: GET is not part of the protocol; requests without Tus-Resumable are refused.
    "uploads:collection": (lambda w: {}, everyone(405, anon=405)),
    "uploads:upload": (
        lambda w: {"upload_id": "00000000-0000-0000-0000-000000000000"},
        everyone(405, anon=405),
    ),
    # The outbox exists only in demo mode; tests run outside it (see test_outbox.py).
    "notifications:outbox": (lambda w: {}, everyone(404, anon=404)),
    "notifications:outbox-message": (lambda w: {"pk": 1}, everyone(404, anon=404)),
}


@pytest.fixture(autouse=True)
def _no_link_rate(settings: Any) -> None:
    """This sends hundreds of requests from one address; LINK_RATE itself is tested in
    lantern/core/tests/test_ratelimit.py."""
    settings.LINK_RATE = "1000000/m"


def _app_expectations() -> Expectations:
    """Each newer app keeps its own table in `lantern/<app>/tests/sweep.py`."""
    merged: Expectations = {}
    for config in apps.get_app_configs():
        module = f"{config.name}.tests.sweep"
        if (
            config.name.startswith("lantern.")
            and find_spec(f"{config.name}.tests")
            and find_spec(module)
        ):
            table: Expectations = import_module(module).EXPECTED
            clash = merged.keys() & table.keys() | EXPECTED.keys() & table.keys()
            assert not clash, f"{module} repeats {sorted(clash)}"
            merged.update(table)
    return merged


EXPECTED.update(_app_expectations())


def _url_names(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[str]:
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            yield from _url_names(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_has_expectations() -> None:
    names = set(_url_names())
    missing = names - EXPECTED.keys()
    stale = EXPECTED.keys() - names
    assert not missing, f"Add expected outcomes for new URLs: {sorted(missing)}"
    assert not stale, f"Remove expectations for URLs that no longer exist: {sorted(stale)}"


def _outcome(response: Any) -> Any:
    if response.status_code == 302:
        return "login" if "/accounts/sign-in/" in response["Location"] else "redirect"
    return response.status_code


@pytest.mark.django_db
def test_url_sweep(world: World, settings: Any) -> None:
    # Every actor signs in once, at the start: on a slow machine the sweep outlasts the
    # re-authentication window, and step-up pages would answer "sign in again" to everyone.
    settings.LANTERN_REAUTH_MINUTES = 24 * 60
    clients = {"anon": Client()}
    for actor in ACTORS[1:]:
        clients[actor] = sign_in(Client(), world.user(actor))
    failures = []
    for name, (kwargs_for, expect) in sorted(EXPECTED.items()):
        url = reverse(name, kwargs=kwargs_for(world))
        for actor in ACTORS:
            got = _outcome(clients[actor].get(url))
            want = expect(actor)
            if got != want:
                failures.append(f"{name} as {actor}: expected {want}, got {got}")
    assert not failures, "\n".join(failures)
