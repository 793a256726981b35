"""The police reads of the v1 API: reports from the public, offender profiles (partners their
reduced view), incidents and tasks. Each endpoint allowed and refused: a missing scope is 403,
a token of a role the web refuses is 403, another force's token finds nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.api.models import Scope
from lantern.api.services import api_token_issue
from lantern.intelligence import services as intelligence_services
from lantern.intelligence.tests.factories import make_profile
from lantern.ledger.models import Action, Entry

from .objects import incident_with_task, public_report

pytestmark = pytest.mark.django_db
Issue = Callable[..., str]


@pytest.fixture
def issue(world: World) -> Issue:
    """issue("force_admin", "officer", [scopes]) -> a token secret."""

    def make(manager: str, role: str, scopes: list[str]) -> str:
        _token, secret = api_token_issue(
            actor=world.user(manager),
            membership=world.membership(manager),
            name=f"{manager} system",
            role=role,
            scopes=scopes,
            days=30,
        )
        return secret

    return make


def get(secret: str, path: str) -> Any:
    return Client().get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {secret}")


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def references(response: Any, key: str = "reference") -> list[Any]:
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["items"]]


# --- Reports from the public ---------------------------------------------------------------


def test_public_reports_list_and_filters_for_the_force(world: World, issue: Issue) -> None:
    collision = public_report(world, "collision")
    crime = public_report(world, "crime", status="closed", days_ago=10)
    other = public_report(world, "collision", force="force_b")
    police = issue("force_admin", "officer", [Scope.PUBLIC_REPORTS_READ])
    assert set(references(get(police, "/public-reports"))) == {collision.reference, crime.reference}
    assert references(get(police, "/public-reports?kind=crime")) == [crime.reference]
    assert references(get(police, "/public-reports?status=received")) == [collision.reference]
    since = (timezone.localdate() - timedelta(days=2)).isoformat()
    assert references(get(police, f"/public-reports?submitted_from={since}")) == [
        collision.reference
    ]
    page = get(police, "/public-reports?page_size=1&page=2").json()
    assert page["count"] == 2 and page["pages"] == 2 and len(page["items"]) == 1
    # The list carries no reporter's details.
    assert "reporter_name" not in get(police, "/public-reports").json()["items"][0]
    problem(get(police, "/public-reports?status=lost"), 422)
    # Force B's police see only their own.
    police_b = issue("force_admin_b", "officer", [Scope.PUBLIC_REPORTS_READ])
    assert references(get(police_b, "/public-reports")) == [other.reference]


def test_public_report_detail_is_ledgered_and_refused(world: World, issue: Issue) -> None:
    report = public_report(world, "collision")
    police = issue("force_admin", "investigator", [Scope.PUBLIC_REPORTS_READ])
    body = get(police, f"/public-reports/{report.reference}").json()
    assert body["reporter_name"] == "Sam Public" and body["description"] == report.description
    assert Entry.objects.filter(
        action=Action.VIEWED, object_type="collisions.publicreport", object_id=str(report.pk)
    ).exists()
    # Another force: 404; no scope: 403; a retailer's token (the web refuses it): 403.
    police_b = issue("force_admin_b", "officer", [Scope.PUBLIC_REPORTS_READ])
    problem(get(police_b, f"/public-reports/{report.reference}"), 404)
    unscoped = issue("force_admin", "officer", [Scope.REPORTS_READ])
    problem(get(unscoped, f"/public-reports/{report.reference}"), 403)
    problem(get(unscoped, "/public-reports"), 403)
    retail = issue("lp_manager", "lp_manager", [Scope.PUBLIC_REPORTS_READ])
    problem(get(retail, "/public-reports"), 403)
    problem(get(retail, f"/public-reports/{report.reference}"), 403)
    # One read ledgered, and another force's attempt ledgered as refused.
    ledgered = Entry.objects.filter(object_type="collisions.publicreport")
    assert ledgered.filter(action=Action.VIEWED).count() == 1
    refused = ledgered.filter(action=Action.AUTHZ_FAILED).get()
    assert (
        refused.actor is not None and refused.actor.api_token.organisation == world.orgs["force_b"]
    )


# --- Incidents and tasks -------------------------------------------------------------------


def test_incidents_and_tasks_for_the_force(world: World, issue: Issue) -> None:
    incident, task = incident_with_task(world)
    police = issue("force_admin", "supervisor", [Scope.CASEWORK_READ])
    assert references(get(police, "/incidents")) == [incident.reference]
    assert references(get(police, "/incidents?status=closed")) == []
    assert references(get(police, "/incidents?grade=3")) == [incident.reference]
    assert references(get(police, "/incidents?grade=1")) == []
    body = get(police, f"/incidents/{incident.reference}").json()
    assert body["summary"] == incident.summary
    assert body["entries"][0]["kind"] == "opened"
    assert [t["id"] for t in body["tasks"]] == [task.pk]
    assert references(get(police, "/tasks"), "id") == [task.pk]
    assert references(get(police, "/tasks?status=done"), "id") == []
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert references(get(police, f"/tasks?due_from={tomorrow}"), "id") == []
    read = get(police, f"/tasks/{task.pk}").json()
    assert read["incident_reference"] == incident.reference and read["kind"] == "attend"


def test_incidents_and_tasks_refused(world: World, issue: Issue) -> None:
    incident, task = incident_with_task(world)
    police_b = issue("force_admin_b", "officer", [Scope.CASEWORK_READ])
    assert references(get(police_b, "/incidents")) == []
    assert references(get(police_b, "/tasks"), "id") == []
    problem(get(police_b, f"/incidents/{incident.reference}"), 404)
    problem(get(police_b, f"/tasks/{task.pk}"), 404)
    unscoped = issue("force_admin", "officer", [Scope.PUBLIC_REPORTS_READ])
    for path in ("/incidents", f"/incidents/{incident.reference}", "/tasks", f"/tasks/{task.pk}"):
        problem(get(unscoped, path), 403)
    council = issue("cctv_manager", "cctv_manager", [Scope.CASEWORK_READ])
    problem(get(council, "/incidents"), 403)
    problem(get(council, f"/tasks/{task.pk}"), 403)


# --- Offender profiles ---------------------------------------------------------------------


def test_police_see_the_whole_profile_and_search_with_a_reason(world: World, issue: Issue) -> None:
    profile = make_profile(world, markers=("violence",))
    make_profile(world, suffix="_b", name="Other Force")
    police = issue("force_admin", "analyst", [Scope.INTELLIGENCE_READ])
    listed = get(police, "/profiles").json()
    assert [p["reference"] for p in listed["items"]] == [profile.reference]
    assert listed["items"][0]["view"] == "police" and listed["items"][0]["name"] == "Jon Smith"
    # A search needs a reason, as on the web; it is ledgered with it.
    problem(get(police, "/profiles?name=smith"), 422)
    found = get(police, "/profiles?name=jonny&reason=CR%2F123")
    assert references(found) == [profile.reference]
    assert references(get(police, "/profiles?markers=weapons&reason=x")) == []
    assert references(get(police, "/profiles?markers=violence&reason=x")) == [profile.reference]
    search = Entry.objects.filter(object_type="intelligence.search", reason="CR/123").get()
    assert search.detail["terms"]["name"] == "jonny" and search.detail["results"] == 1
    problem(get(police, "/profiles?area_id=999999"), 422)
    body = get(police, f"/profiles/{profile.pk}").json()
    assert body["view"] == "police" and body["aliases"] == ["Jonny S"]
    assert body["modus_operandi"] and len(body["links"]) == 2
    assert Entry.objects.filter(
        action=Action.VIEWED, object_id=str(profile.pk), detail__view="police"
    ).exists()


def test_partner_sees_only_the_reduced_view_without_names(world: World, issue: Issue) -> None:
    profile = make_profile(world, markers=("violence",))
    hidden = make_profile(world, name="Not Approved", approved=False)
    partner = issue("lp_manager", "lp_manager", [Scope.INTELLIGENCE_READ])
    listed = get(partner, "/profiles?name=not&area_id=1&review_due=true")
    # Partners may not search by name: the name filter is ignored, never applied.
    assert references(listed) == [profile.reference]
    row = listed.json()["items"][0]
    assert row["view"] == "partner" and row["name"] == "" and row["aliases"] == []
    assert "modus_operandi" not in row and "links" not in row
    assert row["markers"] == ["Violence"] and row["incidents_recent"] == 2
    detail = get(partner, f"/profiles/{profile.pk}")
    text = detail.content.decode()
    assert "Jon Smith" not in text and "Jonny" not in text and "foil" not in text
    assert detail.json()["view"] == "partner"
    assert Entry.objects.filter(
        action=Action.VIEWED, object_id=str(profile.pk), detail__view="partner"
    ).exists()
    # An unapproved profile is hidden from partners: 404, the refusal ledgered.
    problem(get(partner, f"/profiles/{hidden.pk}"), 404)
    assert Entry.objects.filter(
        action=Action.AUTHZ_FAILED, object_type="intelligence.profile", object_id=str(hidden.pk)
    ).exists()
    # When the force shares the name for this profile, the partner sees it (the web's rule).
    intelligence_services.profile_set_names_shared(
        actor=world.user("supervisor"),
        membership=world.membership("supervisor"),
        profile=profile,
        shared=True,
        reason="Risk to staff",
    )
    assert get(partner, f"/profiles/{profile.pk}").json()["name"] == "Jon Smith"


def test_profile_pictures_follow_the_profile_rules(world: World, issue: Issue) -> None:
    profile = make_profile(world, image=True)
    hidden = make_profile(world, name="Not Approved", approved=False, image=True)
    picture, hidden_picture = profile.images.get(), hidden.images.get()
    partner = issue("lp_manager", "lp_manager", [Scope.INTELLIGENCE_READ])
    listed = get(partner, f"/profiles/{profile.pk}").json()
    assert [i["id"] for i in listed["images"]] == [picture.pk]
    response = get(partner, f"/profiles/images/{picture.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    problem(get(partner, f"/profiles/images/{hidden_picture.pk}"), 404)
    police = issue("force_admin", "officer", [Scope.INTELLIGENCE_READ])
    assert get(police, f"/profiles/images/{hidden_picture.pk}").status_code == 200
    police_b = issue("force_admin_b", "officer", [Scope.INTELLIGENCE_READ])
    problem(get(police_b, f"/profiles/images/{picture.pk}"), 404)
    unscoped = issue("force_admin", "officer", [Scope.CASEWORK_READ])
    problem(get(unscoped, f"/profiles/images/{picture.pk}"), 403)


def test_profiles_refused(world: World, issue: Issue) -> None:
    profile = make_profile(world)
    police_b = issue("force_admin_b", "officer", [Scope.INTELLIGENCE_READ])
    assert references(get(police_b, "/profiles")) == []
    problem(get(police_b, f"/profiles/{profile.pk}"), 404)
    partner_b = issue("lp_manager_b", "lp_manager", [Scope.INTELLIGENCE_READ])
    assert references(get(partner_b, "/profiles")) == []
    problem(get(partner_b, f"/profiles/{profile.pk}"), 404)
    unscoped = issue("force_admin", "officer", [Scope.CASEWORK_READ])
    problem(get(unscoped, "/profiles"), 403)
    problem(get(unscoped, f"/profiles/{profile.pk}"), 403)
    council = issue("cctv_manager", "cctv_manager", [Scope.INTELLIGENCE_READ])
    problem(get(council, "/profiles"), 403)
    problem(get(council, f"/profiles/{profile.pk}"), 403)


def test_new_scopes_are_offered_on_the_token_form(world: World) -> None:
    from lantern.api.forms import TokenForm

    form = TokenForm(organisation=world.orgs["force"])
    offered = {value for value, _label in form.fields["scopes"].choices}  # type: ignore[attr-defined]
    assert {"public-reports:read", "intelligence:read", "casework:read"} <= offered
