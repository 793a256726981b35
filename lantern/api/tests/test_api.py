"""The v1 API: tokens, scopes, isolation between organisations, every endpoint allowed and
refused, problem details, idempotent creates, CSV and case exports, the ledger of calls."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.factories import World, sign_in
from lantern.api.models import ApiToken, Scope
from lantern.api.services import api_token_issue, api_token_revoke
from lantern.casework.models import Case
from lantern.evidence.models import DerivedFile, EvidenceRequest
from lantern.ledger.models import Action, Entry
from lantern.redaction.services import REDACTED_KIND
from lantern.reports.models import RetailReport
from lantern.statements.models import Statement
from tests.sweep_rules import ACTORS

from .objects import exhibit, footage_request, submitted_report
from .sweep import EXPECTED

ALL = list(Scope.values)
Issue = Callable[..., str]


@pytest.fixture
def issue(world: World) -> Issue:
    """issue("lp_manager", role="lp_manager", scopes=[...]) -> a token secret."""

    def make(manager: str, role: str, scopes: list[str] | None = None, days: int = 30) -> str:
        _token, secret = api_token_issue(
            actor=world.user(manager),
            membership=world.membership(manager),
            name=f"{manager} system",
            role=role,
            scopes=ALL if scopes is None else scopes,
            days=days,
        )
        return secret

    return make


def call(secret: str | None, method: str, path: str, body: Any = None, **headers: str) -> Any:
    client = Client()
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    if secret:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    if body is not None:
        return getattr(client, method)(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", **extra
        )
    return getattr(client, method)(f"/api/v1{path}", **extra)


def report_body(store_id: int, **changes: Any) -> dict[str, Any]:
    body = {
        "store_id": store_id,
        "occurred_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "kind": "theft",
        "description": "Two bottles of whisky taken from the aisle.",
        "items": [{"description": "Whisky", "quantity": 2, "unit_value_pence": 2500}],
    }
    body.update(changes)
    return body


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["type"]
    return body


# --- Authentication -----------------------------------------------------------------------


@pytest.mark.django_db
def test_no_token_bad_token_revoked_and_expired_are_401(world: World, issue: Issue) -> None:
    assert_problem(call(None, "get", "/reports"), 401)
    assert_problem(call("lnt_not-a-token", "get", "/reports"), 401)
    secret = issue("lp_manager", "lp_manager")
    assert call(secret, "get", "/reports").status_code == 200
    token = ApiToken.objects.get()
    api_token_revoke(
        actor=world.user("lp_manager"), membership=world.membership("lp_manager"), token=token
    )
    response = call(secret, "get", "/reports")
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    expired = issue("lp_manager", "lp_manager")
    ApiToken.objects.filter(revoked_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert_problem(call(expired, "get", "/reports"), 401)


@pytest.mark.django_db
def test_token_stored_hashed_last_used_and_calls_ledgered(world: World, issue: Issue) -> None:
    secret = issue("lp_manager", "lp_manager")
    token = ApiToken.objects.get()
    assert secret not in token.token_hash and len(token.token_hash) == 64
    assert token.last_used_at is None
    call(secret, "get", "/reports?status=received")
    token.refresh_from_db()
    assert token.last_used_at is not None
    entry = Entry.objects.filter(object_type="api.call").get()
    assert entry.actor_label == token.label
    assert entry.actor_org == world.orgs["retail"]
    assert entry.action == Action.VIEWED
    assert entry.detail == {
        "method": "GET",
        "path": "/api/v1/reports",
        "query": "status=received",
        "status": 200,
    }


@pytest.mark.django_db
def test_missing_scope_is_403_and_recorded(world: World, issue: Issue) -> None:
    secret = issue("lp_manager", "lp_manager", scopes=[Scope.EVIDENCE_READ])
    body = assert_problem(call(secret, "get", "/reports"), 403)
    assert "reports:read" in body["detail"]
    assert Entry.objects.filter(object_type="api.call", action=Action.AUTHZ_FAILED).count() == 1


@pytest.mark.django_db
def test_a_token_over_its_rate_waits(world: World, issue: Issue, settings: Any) -> None:
    """API_RATE per token: the next request is a 429 problem with Retry-After, counted for
    that token only; a bad token is still a 401; the operations that need no token count
    per address."""
    settings.API_RATE = "3/m"
    busy = issue("lp_manager", "lp_manager")
    calm = issue("lp_manager", "lp_manager")
    statuses = [call(busy, "get", "/reports").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = call(busy, "get", "/reports")
    body = assert_problem(refused, 429)
    assert "3/m" in body["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert call(calm, "get", "/reports").status_code == 200
    assert_problem(call("lnt_not-a-token", "get", "/reports"), 401)
    public = [call(None, "get", "/ledger/checkpoint").status_code for _ in range(4)]
    assert public == [200, 200, 200, 429]
    documented = call(None, "get", "/openapi.json").json()
    assert "429" in documented["paths"]["/api/v1/reports"]["get"]["responses"]
    page = Client().get(reverse("api:docs")).content.decode()
    assert 'id="problem-rate"' in page and "make 3/m requests" in page


@pytest.mark.django_db
def test_only_managers_issue_and_only_their_roles(world: World) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        api_token_issue(
            actor=world.user("officer"),
            membership=world.membership("officer"),
            name="x",
            role="officer",
            scopes=ALL,
            days=1,
        )
    with pytest.raises(ValidationError):
        api_token_issue(
            actor=world.user("lp_manager"),
            membership=world.membership("lp_manager"),
            name="x",
            role="officer",
            scopes=ALL,
            days=1,
        )


# --- Reports ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_retailer_creates_lists_and_reads_reports(world: World, issue: Issue) -> None:
    secret = issue("lp_manager", "lp_manager")
    response = call(secret, "post", "/reports", report_body(world.stores["store"].pk))
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "received" and created["reference"].startswith("RC-")
    assert created["total_pence"] == 5000
    report = RetailReport.objects.get(pk=created["id"])
    assert report.reported_by == ApiToken.objects.get().service_user
    listed = call(secret, "get", "/reports").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == report.pk
    assert call(secret, "get", f"/reports/{report.pk}").json()["reference"] == report.reference
    events = call(secret, "get", f"/reports/{report.pk}/events").json()
    assert [e["status"] for e in events] == ["received"]
    # The service recorded the creation in the ledger as the token's service account.
    assert Entry.objects.filter(
        object_type="reports.retailreport", object_id=str(report.pk)
    ).exists()


@pytest.mark.django_db
def test_report_create_refusals(world: World, issue: Issue) -> None:
    police = issue("force_admin", "officer")
    assert_problem(call(police, "post", "/reports", report_body(world.stores["store"].pk)), 403)
    retail = issue("lp_manager", "lp_manager")
    # Another retailer's store, a future time, a bad kind: refused with reasons.
    other = call(retail, "post", "/reports", report_body(world.stores["store_b"].pk))
    assert "store" in assert_problem(other, 422)["detail"]
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert_problem(
        call(retail, "post", "/reports", report_body(world.stores["store"].pk, occurred_at=future)),
        422,
    )
    bad = assert_problem(
        call(retail, "post", "/reports", report_body(world.stores["store"].pk, kind="murder")), 422
    )
    assert bad["errors"][0]["loc"][-1] == "kind"
    assert not RetailReport.objects.exists()


@pytest.mark.django_db
def test_cross_organisation_isolation(world: World, issue: Issue) -> None:
    mine = submitted_report(world)
    theirs = submitted_report(world, "store_b")
    retail_a = issue("lp_manager", "lp_manager")
    police_b = issue("force_admin_b", "officer")
    assert [r["id"] for r in call(retail_a, "get", "/reports").json()["items"]] == [mine.pk]
    assert_problem(call(retail_a, "get", f"/reports/{theirs.pk}"), 404)
    assert [r["id"] for r in call(police_b, "get", "/reports").json()["items"]] == [theirs.pk]
    assert_problem(call(police_b, "get", f"/reports/{mine.pk}"), 404)
    assert_problem(call(police_b, "post", f"/reports/{mine.pk}/messages", {"text": "Hi"}), 404)
    # The hidden object's refusal is in the ledger, as for the web pages.
    assert Entry.objects.filter(
        action=Action.AUTHZ_FAILED, object_type="reports.retailreport", object_id=str(mine.pk)
    ).exists()


@pytest.mark.django_db
def test_police_status_updates_and_messages(world: World, issue: Issue) -> None:
    report = submitted_report(world)
    police = issue("force_admin", "call_handler")
    retail = issue("lp_manager", "lp_manager")
    path = f"/reports/{report.pk}"
    assert_problem(
        call(retail, "post", f"{path}/status", {"action": "record_crime", "crime_reference": "X1"}),
        403,
    )
    done = call(
        police, "post", f"{path}/status", {"action": "record_crime", "crime_reference": "cr/1"}
    )
    assert done.status_code == 200 and done.json()["crime_reference"] == "CR/1"
    asked = call(police, "post", f"{path}/messages", {"text": "Which till?"})
    assert asked.json()["status"] == "more_info_requested"
    replied = call(retail, "post", f"{path}/messages", {"text": "Till 3"})
    assert replied.json()["status"] == "crime_recorded"
    missing = call(police, "post", f"{path}/status", {"action": "finalise", "reason": "No suspect"})
    assert "outcome_code" in assert_problem(missing, 422)["detail"]
    final = call(
        police,
        "post",
        f"{path}/status",
        {"action": "finalise", "outcome_code": "18", "reason": "No suspect"},
    )
    assert final.json()["status"] == "finalised"
    events = call(retail, "get", f"{path}/events").json()
    assert [e["text"] for e in events if not e["status"]] == ["Till 3"]


@pytest.mark.django_db
def test_idempotent_create(world: World, issue: Issue) -> None:
    secret = issue("lp_manager", "lp_manager")
    body = report_body(world.stores["store"].pk)
    first = call(secret, "post", "/reports", body, **{"Idempotency-Key": "abc-1"})
    again = call(secret, "post", "/reports", body, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert RetailReport.objects.count() == 1
    changed = dict(body, description="Something else")
    conflict = call(secret, "post", "/reports", changed, **{"Idempotency-Key": "abc-1"})
    assert_problem(conflict, 409)
    assert (
        call(secret, "post", "/reports", changed, **{"Idempotency-Key": "abc-2"}).status_code == 201
    )
    assert RetailReport.objects.count() == 2


@pytest.mark.django_db
def test_bulk_creates_each_on_its_own(world: World, issue: Issue) -> None:
    secret = issue("lp_manager", "lp_manager")
    good = report_body(world.stores["store"].pk)
    bad = report_body(world.stores["store_b"].pk)
    response = call(secret, "post", "/reports/bulk", {"reports": [good, bad, good]})
    result = response.json()
    assert response.status_code == 200
    assert (result["created"], result["failed"]) == (2, 1)
    assert [r["ok"] for r in result["results"]] == [True, False, True]
    assert RetailReport.objects.count() == 2
    police = issue("force_admin", "officer")
    assert_problem(call(police, "post", "/reports/bulk", {"reports": [good]}), 403)


@pytest.mark.django_db
def test_csv_export_filters_and_defuses_formulas(world: World, issue: Issue) -> None:
    report = submitted_report(world)
    report.description = '=HYPERLINK("x")'
    report.save()
    old = submitted_report(world)
    RetailReport.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=40))
    secret = issue("force_admin", "officer", scopes=[Scope.REPORTS_READ])
    since = (date.today() - timedelta(days=7)).isoformat()
    response = call(secret, "get", f"/reports/export.csv?submitted_from={since}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["id"] for r in rows] == [str(report.pk)]
    assert rows[0]["description"].startswith("'=")
    assert_problem(
        call(
            issue("force_admin", "officer", scopes=[Scope.LEDGER_READ]),
            "get",
            "/reports/export.csv",
        ),
        403,
    )


# --- Evidence, statements, ledger, exports ------------------------------------------------


@pytest.mark.django_db
def test_evidence_requests_and_items(world: World, issue: Issue) -> None:
    request = footage_request(world, "NP/1")
    item = exhibit(request)
    police = issue("force_admin", "officer")
    council = issue(
        "cctv_manager", "cctv_manager", scopes=[Scope.EVIDENCE_READ, Scope.EVIDENCE_DOWNLOAD]
    )
    council_b = issue("cctv_manager_b", "cctv_manager")
    listed = call(police, "get", "/evidence/requests?status=open").json()
    assert [r["reference"] for r in listed["items"]] == [request.reference]
    assert call(council, "get", f"/evidence/requests/{request.reference}").json()["items"] == 1
    assert_problem(call(council_b, "get", f"/evidence/requests/{request.reference}"), 404)
    items = call(council, "get", f"/evidence/requests/{request.reference}/items").json()
    assert items[0]["sha256"] == item.sha256
    assert call(police, "get", f"/evidence/items/{item.pk}").json()["size"] == 4
    original = call(police, "get", f"/evidence/items/{item.pk}/original")
    assert original.status_code == 200 and b"".join(original.streaming_content) == b"data"
    assert Entry.objects.filter(action=Action.DOWNLOADED, object_id=str(item.pk)).exists()
    # Partners never download; no working copy was made for this item.
    assert_problem(call(council, "get", f"/evidence/items/{item.pk}/original"), 403)
    assert_problem(call(police, "get", f"/evidence/items/{item.pk}/working-copy"), 404)
    # A redacted copy's details (boxes, who asked) are for police, not the partner.
    DerivedFile.objects.create(
        item=item,
        kind=REDACTED_KIND,
        content_type="image/png",
        size=1,
        sha256="b" * 64,
        parent_sha256=item.sha256,
        recipe={"boxes": [{"x": 1, "y": 2}], "requested_by": "officer"},
    )
    kinds = [d["kind"] for d in call(police, "get", f"/evidence/items/{item.pk}").json()["derived"]]
    assert kinds == [REDACTED_KIND]
    listed_items = call(council, "get", f"/evidence/requests/{request.reference}/items").json()
    assert listed_items[0]["derived"] == []


@pytest.mark.django_db
def test_police_request_footage_idempotently(world: World, issue: Issue) -> None:
    body = {
        "case_reference": "NP/9",
        "recipient_kind": "control_room",
        "control_room_id": world.orgs["council"].control_rooms.get().pk,
        "location": "Market St",
        "window_start": (timezone.now() - timedelta(hours=5)).isoformat(),
        "window_end": (timezone.now() - timedelta(hours=4)).isoformat(),
        "reason": "Assault outside the bank",
        "deadline": (date.today() + timedelta(days=5)).isoformat(),
    }
    police = issue("force_admin", "officer")
    first = call(police, "post", "/evidence/requests", body, **{"Idempotency-Key": "k"})
    assert first.status_code == 201, first.content
    again = call(police, "post", "/evidence/requests", body, **{"Idempotency-Key": "k"})
    assert again.json() == first.json() and EvidenceRequest.objects.count() == 1
    handler = issue("force_admin", "call_handler")
    assert_problem(call(handler, "post", "/evidence/requests", body), 403)
    backwards = dict(body, window_end=body["window_start"])
    assert_problem(call(police, "post", "/evidence/requests", backwards), 422)


@pytest.mark.django_db
def test_statements_and_case_export(world: World, issue: Issue) -> None:
    request = footage_request(world, "NP/1")
    item = exhibit(request)
    statement = Statement.objects.create(
        force=world.orgs["force"],
        case=request.case,
        officer=world.user("officer"),
        witness_name="Sam Witness",
        witness_dob=date(1980, 1, 1),
        eligible=True,
    )
    police = issue("force_admin", "officer")
    retail = issue("lp_manager", "lp_manager")
    police_b = issue("force_admin_b", "officer")
    assert call(police, "get", "/statements").json()["items"][0]["witness_name"] == "Sam Witness"
    assert call(retail, "get", "/statements").json()["count"] == 0
    assert_problem(call(police_b, "get", f"/statements/{statement.pk}"), 404)
    assert call(police, "get", f"/statements/{statement.pk}").json()["status"] == "draft"
    assert_problem(call(police, "get", f"/statements/{statement.pk}/pdf"), 403)  # not signed
    export = call(police, "get", "/cases/NP%2F1/export")
    assert export.status_code == 404  # a slash in a reference is not a path segment
    Case.objects.filter(pk=request.case_id).update(reference="NP-1")
    export = call(police, "get", "/cases/NP-1/export").json()
    assert export["objects"][0]["sha256"] == item.sha256
    assert export["people"][0]["name"] == "Sam Witness"
    assert Entry.objects.filter(action=Action.EXPORTED, object_type="casework.case").exists()
    assert_problem(call(retail, "get", "/cases/NP-1/export"), 404)
    assert_problem(call(police_b, "get", "/cases/NP-1/export"), 404)


@pytest.mark.django_db
def test_ledger_checkpoints_public_and_proofs_authorised(world: World, issue: Issue) -> None:
    from lantern.ledger import store
    from lantern.ledger.merkle import leaf_hash, verify_inclusion

    secret = issue("force_admin", "supervisor", scopes=[Scope.LEDGER_READ])
    latest = call(None, "get", "/ledger/checkpoint").json()
    assert latest["format"] == "lantern-checkpoint-v1"
    store.checkpoint_publish()
    assert call(None, "get", "/ledger/checkpoints").json()["count"] >= 1
    own = Entry.objects.filter(actor_org=world.orgs["force"]).exclude(seq=None).first()
    assert own is not None
    proof = call(secret, "get", f"/ledger/entries/{own.seq}/proof").json()
    assert proof["entry"]["seq"] == own.seq
    assert_problem(call(None, "get", f"/ledger/entries/{own.seq}/proof"), 401)
    other = issue("force_admin_b", "supervisor", scopes=[Scope.LEDGER_READ])
    assert_problem(call(other, "get", f"/ledger/entries/{own.seq}/proof"), 404)
    assert proof["tree_size"] > own.seq and isinstance(proof["proof"], list)
    del leaf_hash, verify_inclusion


# --- Pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_manager_issues_token_shown_once_and_revokes(world: World) -> None:
    from lantern.accounts.decorators import mark_recent_auth

    client = sign_in(Client(), world.user("lp_manager"))
    session = client.session
    session["lantern_auth_at"] = int(timezone.now().timestamp())
    session.save()
    del mark_recent_auth
    response = client.post(
        reverse("api:token-new"),
        {"name": "Till system", "role": "lp_manager", "scopes": ["reports:read"], "days": "30"},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert secret.startswith("lnt_") and secret.encode() in response.content
    assert call(secret, "get", "/reports").status_code == 200
    listing = client.get(reverse("api:token-list"))
    assert secret.encode() not in listing.content and b"Till system" in listing.content
    outsider = sign_in(Client(), world.user("lp_manager_b"))
    assert outsider.post(reverse("api:token-revoke", args=[token.pk])).status_code == 404
    staff = sign_in(Client(), world.user("store_staff"))
    assert staff.post(reverse("api:token-revoke", args=[token.pk])).status_code == 403
    client.post(reverse("api:token-revoke", args=[token.pk]))
    assert call(secret, "get", "/reports").status_code == 401
    bad = client.post(reverse("api:token-new"), {"name": "", "role": "officer", "days": "0"})
    assert bad.status_code == 200 and b"Enter a name for the token" in bad.content


@pytest.mark.django_db
def test_docs_and_openapi_need_no_sign_in() -> None:
    client = Client()
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/reports" in schema["paths"]
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"/api/v1/reports/{report_id}" in docs.content
    assert b"<script" not in docs.content.split(b"<main")[1].split(b"</main>")[0]


@pytest.mark.django_db
def test_sweep_rows_for_this_app(world: World) -> None:
    """The app's own rows of the URL sweep (the full sweep also runs them)."""
    from tests.test_url_sweep import _outcome

    clients = {"anon": Client()}
    for actor in ACTORS[1:]:
        clients[actor] = sign_in(Client(), world.user(actor))
    failures = []
    for name, (kwargs_for, expect) in sorted(EXPECTED.items()):
        url = reverse(name, kwargs=kwargs_for(world))
        for actor in ACTORS:
            got, want = _outcome(clients[actor].get(url)), expect(actor)
            if got != want:
                failures.append(f"{name} as {actor}: expected {want}, got {got}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_the_page(world: World, issue: Issue) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    secret = issue("lp_manager", "lp_manager")
    submitted_report(world)
    call(secret, "get", "/reports")  # marks the token used (at most once a minute)
    with CaptureQueriesContext(connection) as one:
        call(secret, "get", "/reports")
    for _ in range(5):
        submitted_report(world)
    with CaptureQueriesContext(connection) as six:
        assert call(secret, "get", "/reports").json()["count"] == 6
    assert len(six.captured_queries) == len(one.captured_queries)


@pytest.mark.django_db
def test_signed_statement_pdf_for_police_only(world: World, issue: Issue) -> None:
    request = footage_request(world, "NP/1")
    statement = Statement.objects.create(
        force=world.orgs["force"],
        case=request.case,
        officer=world.user("officer"),
        witness_name="Sam Witness",
        witness_dob=date(1980, 1, 1),
        eligible=True,
        status="signed",
        signed_at=timezone.now(),
        signed_sha256="b" * 64,
    )
    statement.signed_pdf.save("mg11.pdf", ContentFile(b"%PDF-1.7 signed"), save=True)
    police = issue("force_admin", "investigator", scopes=[Scope.STATEMENTS_READ])
    response = call(police, "get", f"/statements/{statement.pk}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.7 signed"
    assert Entry.objects.filter(
        action=Action.DOWNLOADED, object_type="statements.statement", actor_label__startswith="api-"
    ).exists()
    no_scope = issue("force_admin", "investigator", scopes=[Scope.REPORTS_READ])
    assert_problem(call(no_scope, "get", f"/statements/{statement.pk}/pdf"), 403)
    retail = issue("lp_manager", "lp_manager")
    assert_problem(call(retail, "get", f"/statements/{statement.pk}/pdf"), 403)


@pytest.mark.django_db
def test_token_calls_need_no_csrf_token(world: World, issue: Issue) -> None:
    """Machines send a bearer token, not a session cookie: CSRF protection does not apply."""
    secret = issue("lp_manager", "lp_manager")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.post(
        "/api/v1/reports",
        json.dumps(report_body(world.stores["store"].pk)),
        content_type="application/json",
    )
    assert response.status_code == 201
    # A signed-in browser session is not an API credential.
    browser = sign_in(Client(enforce_csrf_checks=True), world.user("lp_manager"))
    assert_problem(browser.get("/api/v1/reports"), 401)
