"""Public collision and crime reports through the pages: triage recorded, references,
confirmation by a safe channel, protection, the reporter's link and uploads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from lantern.collisions import advice as a
from lantern.collisions import services
from lantern.collisions.models import Channel, PublicReport, PublicReportNote
from lantern.evidence.models import EvidenceItem
from lantern.ledger.models import Entry
from lantern.notifications.models import OutboxMessage

from .helpers import YOU, answer_collision, answer_crime, post, send

pytestmark = pytest.mark.django_db


def _sent(client: Client, kind: str) -> PublicReport:
    response = send(client, kind)
    assert response.status_code == 302 and response["Location"] == f"/report/{kind}/sent/"
    return PublicReport.objects.latest("pk")


@pytest.mark.parametrize(
    ("answers", "codes"),
    [
        ({"injured": True}, [a.INJURY, a.INJURY_IN_PERSON]),
        (
            {"injured": True, "exchanged": "no", "footage": True},
            [a.INJURY, a.INJURY_IN_PERSON, a.NIP_14_DAYS, a.FOOTAGE],
        ),
        ({"exchanged": "yes"}, [a.DAMAGE_ONLY_EXCHANGED]),
        ({"exchanged": "some"}, [a.NOT_EXCHANGED]),
        ({"exchanged": "no", "dangerous": True}, [a.NOT_EXCHANGED, a.NIP_14_DAYS, a.FOOTAGE]),
        ({"footage": True}, [a.DAMAGE_ONLY_EXCHANGED, a.NIP_14_DAYS, a.FOOTAGE]),
    ],
)
def test_each_branch_is_shown_and_recorded_on_the_report(
    area: Any, on_commit: Any, answers: dict[str, Any], codes: list[str]
) -> None:
    client = Client()
    answer_collision(client, **answers)
    page = client.get("/report/collision/advice/").content.decode()
    assert re.findall(r'data-advice="([a-z0-9_]+)"', page) == codes
    check = client.get("/report/collision/check/").content.decode()
    assert re.findall(r'data-advice="([a-z0-9_]+)"', check) == codes
    with on_commit():
        report = _sent(client, "collision")
    assert report.advice_codes == codes
    assert all(x["shown_at"] for x in report.advice_shown)
    entry = Entry.objects.filter(
        object_id=str(report.pk), object_type__contains="publicreport"
    ).get()
    assert entry.detail["advice_shown"] == codes
    assert report.injury == bool(answers.get("injured"))
    assert report.has_footage == bool(answers.get("footage"))


def test_collision_with_injury_reference_at_once_and_by_email(area: Any, on_commit: Any) -> None:
    client = Client()
    answer_collision(client, injured=True, area=str(area.pk))
    with on_commit():
        report = _sent(client, "collision")
    year = timezone.localtime().year
    assert report.reference == f"RTC-{year}-000001"
    assert report.area == area and report.force == area.force
    assert report.postcode == "NT1 2AB" and str(report.latitude) == "53.48095"
    assert [v["registration"] for v in report.answers["items"]["vehicle"]] == [
        "AB12 CDE",
        "XY99 ZZZ",
    ]
    page = client.get("/report/collision/sent/").content.decode()
    assert report.reference in page and "in person at a police station" in page
    [email] = mail.outbox
    assert email.to == ["sam@example.com"] and report.reference in email.body
    assert "call 101" in email.body
    link = re.search(r"http://\S+/report/link/(\S+)/", str(email.body))
    assert link is not None
    assert services.report_for_token(link.group(1)) == report
    # The reporter's link is shown once, and not kept in the session.
    assert link.group(1) not in client.get("/report/collision/sent/").content.decode()
    assert link.group(1) not in str(dict(client.session))
    # The answers are gone from the session once sent: a new report starts empty.
    assert "Sam Public" not in client.get("/report/collision/you/").content.decode()


def test_in_person_rule_is_configurable(area: Any, settings: Any) -> None:
    settings.PUBLIC_REPORT_INJURY_IN_PERSON = False
    client = Client()
    answer_collision(client, injured=True)
    page = client.get("/report/collision/advice/").content.decode()
    assert "You must also report this collision in person" not in page
    assert "Report within 24 hours" in page


def test_crime_report_confirmed_by_sms_when_email_is_unsafe(area: Any, on_commit: Any) -> None:
    client = Client()
    answer_crime(client, you={**YOU, "unsafe": ["email"]})
    with on_commit():
        report = _sent(client, "crime")
    assert report.reference.startswith(f"CR-{timezone.localtime().year}-")
    assert report.crime_kind == "theft" and report.unsafe_channels == ["email"]
    assert report.confirmation_channel == Channel.SMS
    assert mail.outbox == []
    [sms] = OutboxMessage.objects.filter(channel="sms")
    assert report.reference in sms.body and "101" in sms.body
    assert "text message" in client.get("/report/crime/sent/").content.decode()


def test_no_safe_channel_means_nothing_is_sent(area: Any, on_commit: Any) -> None:
    client = Client()
    answer_crime(client, you={**YOU, "address": "2 Lane", "unsafe": ["email", "sms", "post"]})
    with on_commit():
        report = _sent(client, "crime")
    assert report.confirmation_channel == "" and report.confirmation_sent_at is None
    assert mail.outbox == [] and not OutboxMessage.objects.exists()
    assert (
        "not safe to contact you in writing" in client.get("/report/crime/sent/").content.decode()
    )


@hsettings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    unsafe=st.lists(st.sampled_from(list(Channel.values)), unique=True),
    email=st.booleans(),
    phone=st.booleans(),
    address=st.booleans(),
)
def test_an_unsafe_channel_is_never_chosen(
    unsafe: list[str], email: bool, phone: bool, address: bool
) -> None:
    report = PublicReport(
        reporter_email="a@example.com" if email else "",
        reporter_phone="07700 900982" if phone else "",
        reporter_address="1 Road" if address else "",
        unsafe_channels=unsafe,
    )
    chosen = services.confirmation_channel(report)
    assert chosen not in unsafe
    given_channels = {Channel.EMAIL: email, Channel.SMS: phone, Channel.POST: address}
    safe_and_given = [c for c in Channel.values if given_channels[Channel(c)] and c not in unsafe]
    assert chosen == (safe_and_given[0] if safe_and_given else "")


def test_a_letter_is_left_for_the_force_to_post(area: Any, on_commit: Any) -> None:
    client = Client()
    answer_crime(client, you={"name": "Sam", "address": "2 Lane, Northtown", "unsafe": []})
    with on_commit():
        report = _sent(client, "crime")
    assert report.confirmation_channel == Channel.POST
    assert mail.outbox == [] and not OutboxMessage.objects.exists()


def test_errors_lose_nothing_and_answers_come_back(area: Any) -> None:
    client = Client()
    response = client.post(
        "/report/collision/when-where/",
        {"date": "2999-01-01", "time": "10:00", "location": "Mill Lane", "latitude": "53.1"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "The date and time must be in the past" in page
    assert "Enter both the latitude and the longitude, or neither" in page
    assert "Mill Lane" in page and 'value="53.1"' in page
    answer_collision(client)
    again = client.get("/report/collision/vehicle/2/")
    assert 'value="XY99 ZZZ"' in again.content.decode()
    # Pages showing what the reporter entered are never kept by a (shared) browser's cache.
    assert "no-store" in again["Cache-Control"]
    assert "no-store" in client.get("/report/collision/check/")["Cache-Control"]


def test_check_lists_what_is_missing_and_sends_nothing(area: Any) -> None:
    client = Client()
    post(client, "/report/crime/what/", {"crime_kind": "online_fraud"})
    page = client.get("/report/crime/check/").content.decode()
    assert "Answer: When and where did it happen?" in page
    assert "Send report" not in page
    client.post("/report/crime/check/", {"pow_nonce": "1"})
    assert not PublicReport.objects.exists()


def test_change_link_returns_to_check_through_the_advice(area: Any) -> None:
    client = Client()
    answer_collision(client)
    response = post(
        client, "/report/collision/injury/?change=1", {"injured": "yes", "injury_details": "Cut"}
    )
    assert response["Location"] == "/report/collision/advice/"
    response = post(client, "/report/collision/advice/", {})
    assert response["Location"] == "/report/collision/check/"
    response = post(client, "/report/collision/you/?change=1", {**YOU, "name": "Sam Changed"})
    assert response["Location"] == "/report/collision/check/"
    assert "Sam Changed" in client.get("/report/collision/check/").content.decode()


def test_remove_a_vehicle_from_check_answers(area: Any) -> None:
    client = Client()
    answer_collision(client)
    post(client, "/report/collision/vehicle/2/remove/", {})
    page = client.get("/report/collision/check/").content.decode()
    assert "XY99 ZZZ" not in page and "AB12 CDE" in page


def test_at_most_ten_vehicles(area: Any) -> None:
    client = Client()
    assert client.get("/report/collision/vehicle/2/").status_code == 404  # no vehicle 1 yet
    assert client.get("/report/collision/vehicle/11/").status_code == 404


# --- Protection -----------------------------------------------------------------------------


def test_submissions_are_rate_limited_per_address_and_answers_kept(
    area: Any, settings: Any
) -> None:
    settings.PUBLIC_REPORT_SUBMIT_RATE = "2/h"
    for _ in range(2):
        client = Client()
        answer_crime(client)
        _sent(client, "crime")
    client = Client()
    answer_crime(client)
    response = send(client, "crime")
    assert response.status_code == 429
    assert "Too many reports" in response.content.decode()
    assert "My bike was taken" in response.content.decode()  # answers kept
    assert PublicReport.objects.count() == 2
    other = Client(REMOTE_ADDR="192.0.2.7")
    answer_crime(other)
    _sent(other, "crime")
    assert PublicReport.objects.count() == 3


def test_answers_are_rate_limited_and_the_page_keeps_what_was_typed(
    area: Any, settings: Any
) -> None:
    settings.PUBLIC_REPORT_ANSWER_RATE = "2/h"
    client = Client()
    post(client, "/report/crime/what/", {"crime_kind": "theft"})
    post(client, "/report/crime/what/", {"crime_kind": "theft"})
    response = client.post(
        "/report/crime/details/", {"description": "Typed with care", "has_footage": "no"}
    )
    assert response.status_code == 429
    assert "Typed with care" in response.content.decode()


def test_forwarded_address_counts_only_behind_a_trusted_proxy(area: Any, settings: Any) -> None:
    settings.PUBLIC_REPORT_ANSWER_RATE = "1/h"
    client = Client()
    post(client, "/report/crime/what/", {"crime_kind": "theft"})
    spoofed = {"X-Forwarded-For": "198.51.100.1"}
    assert (
        client.post("/report/crime/what/", {"crime_kind": "theft"}, headers=spoofed).status_code
        == 429
    )
    settings.AXES_IPWARE_PROXY_COUNT = 1
    assert (
        client.post("/report/crime/what/", {"crime_kind": "theft"}, headers=spoofed).status_code
        == 302
    )


def test_proof_of_work_or_a_wait_without_javascript(area: Any, settings: Any) -> None:
    settings.PUBLIC_REPORT_NOJS_WAIT_SECONDS = 600
    client = Client()
    answer_crime(client)
    client.get("/report/crime/check/")
    response = client.post("/report/crime/check/", {"pow_nonce": ""})
    assert response.status_code == 429 and "Please wait" in response.content.decode()
    assert not PublicReport.objects.exists()
    _sent(client, "crime")  # a solved challenge is accepted at once
    settings.PUBLIC_REPORT_NOJS_WAIT_SECONDS = 0
    answer_crime(client)
    client.get("/report/crime/check/")
    assert client.post("/report/crime/check/", {"pow_nonce": ""}).status_code == 302


def test_a_challenge_is_used_once(area: Any) -> None:
    client = Client()
    answer_crime(client)
    send(client, "crime")
    session = client.session
    assert "public-report-challenge" not in session


def test_answers_too_long_to_keep_are_refused_without_losing_the_page(
    area: Any, monkeypatch: Any
) -> None:
    from lantern.collisions import conf

    monkeypatch.setattr(conf, "MAX_SESSION_BYTES", 200)
    client = Client()
    response = client.post(
        "/report/crime/details/",
        {"description": "x" * 300, "has_footage": "no"},
    )
    assert response.status_code == 400
    assert (
        "too long to keep" in response.content.decode() and "x" * 300 in response.content.decode()
    )


# --- References -----------------------------------------------------------------------------


@hsettings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kinds=st.lists(st.sampled_from(["collision", "crime"]), min_size=1, max_size=25))
def test_references_are_unique_and_numbered_per_prefix(kinds: list[str]) -> None:
    from django.db import transaction

    from lantern.collisions.models import ReferenceCounter

    ReferenceCounter.objects.all().delete()
    with transaction.atomic():
        refs = [services.next_reference(k, 2026) for k in kinds]
    assert len(set(refs)) == len(refs)
    for prefix, kind in (("RTC", "collision"), ("CR", "crime")):
        mine = [r for r in refs if r.startswith(prefix + "-")]
        assert mine == [f"{prefix}-2026-{n:06d}" for n in range(1, kinds.count(kind) + 1)]


# --- The reporter's link --------------------------------------------------------------------


def _report_with_token(area: Any, on_commit: Any) -> tuple[PublicReport, str, Client]:
    client = Client()
    answer_collision(client, footage=True)
    with on_commit():
        report = _sent(client, "collision")
    token = re.search(r"/report/link/(\S+)/", str(mail.outbox[-1].body))
    assert token is not None
    return report, token.group(1), client


def test_reporter_adds_information_through_the_link(area: Any, on_commit: Any) -> None:
    report, token, _ = _report_with_token(area, on_commit)
    other = Client()
    page = other.get(f"/report/link/{token}/")
    assert page.status_code == 200 and report.reference in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0")
    post(other, f"/report/link/{token}/", {"text": "The other driver's name is Jo"})
    assert PublicReportNote.objects.get(report=report).text == "The other driver's name is Jo"
    assert other.post(f"/report/link/{token}/", {"text": ""}).status_code == 400
    assert Client().get("/report/link/wrong-token/").status_code == 404
    PublicReport.objects.filter(pk=report.pk).update(token_expires_at=timezone.now())
    assert Client().get(f"/report/link/{token}/").status_code == 404


def test_footage_goes_through_the_evidence_request(area: Any, on_commit: Any) -> None:
    report, token, client = _report_with_token(area, on_commit)
    # Another browser that has neither sent nor opened the report may not upload to it.
    assert Client().post(f"/report/upload/{report.reference}/start/").status_code == 403
    response = post(client, f"/report/upload/{report.reference}/start/", {})
    assert response["Location"] == "/report/upload/"
    report.refresh_from_db()
    request = report.evidence_request
    assert request is not None and request.force == report.force
    assert request.case.reference == report.reference
    page = client.get("/report/upload/").content.decode()
    assert "do not post it on social media" in page.lower()
    with on_commit():
        post(
            client,
            "/report/upload/files/",
            {"footage": SimpleUploadedFile("dashcam.mp4", b"\x00\x00\x00\x18ftypmp42")},
        )
        item = EvidenceItem.objects.get(request=request)
        assert item.state == EvidenceItem.State.DRAFT
        post(client, "/report/upload/submit/", {f"description-{item.pk}": "Front camera"})
    item.refresh_from_db()
    assert item.state != EvidenceItem.State.DRAFT and item.description == "Front camera"
    # The same request is reused next time.
    post(client, f"/report/upload/{report.reference}/start/", {})
    report.refresh_from_db()
    assert report.evidence_request_id == request.pk
    # Opened later from the link in another browser: allowed.
    other = Client()
    other.get(f"/report/link/{token}/")
    assert other.post(f"/report/upload/{report.reference}/start/").status_code == 302
