"""Victims' Code: obligations and their working-day clocks, safe channels, letters."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from lantern.casework.models import Case
from lantern.insights import services
from lantern.insights.models import (
    CaseEvent,
    Communication,
    LetterTemplate,
    Obligation,
    ObligationKind,
    Victim,
)
from lantern.insights.selectors import obligation_dashboard
from lantern.insights.workdays import add_working_days
from lantern.ledger.models import Action, Entry
from lantern.notifications.models import OutboxMessage

LONDON = ZoneInfo("Europe/London")
# Thursday before Easter 2026: Good Friday 3 April and Easter Monday 6 April are holidays.
BEFORE_EASTER = datetime(2026, 4, 2, 15, 0, tzinfo=LONDON)


@pytest.fixture
def case(world):
    return Case.objects.create(
        force=world.orgs["force"],
        reference="NP/26/1",
        title="Theft with threats",
        officer_in_charge=world.user("officer"),
    )


def _victim(world, case, **kw) -> Any:
    data = services.VictimInput(
        full_name=kw.pop("full_name", "Alex Victim"),
        email=kw.pop("email", "alex@example.test"),
        phone=kw.pop("phone", "+447700900982"),
        address=kw.pop("address", "1 High St\nNorthtown"),
        **kw,
    )
    return services.victim_create(
        actor=world.user("officer"), membership=world.membership("officer"), case=case, data=data
    )


def _event(world, case, kind="arrest", when=BEFORE_EASTER) -> Any:
    return services.event_record(
        actor=world.user("officer"),
        membership=world.membership("officer"),
        case=case,
        kind=kind,
        occurred_at=when,
        note="Bail condition: not to enter the store",
    )


def test_confirmation_is_sent_at_once_and_meets_right_3(world, case, on_commit, mailoutbox) -> None:
    with on_commit():
        victim = _victim(world, case, preferred_channel="email")
    ob = victim.obligations.get()
    assert ob.kind == ObligationKind.CONFIRMATION
    assert ob.due_date == add_working_days(timezone.localdate(), 5, "england-and-wales")
    assert ob.met_at is not None
    sent = victim.communications.get()
    assert sent.status == Communication.Status.SENT and sent.automatic
    assert "NP/26/1" in sent.body and "Alex Victim" in sent.body
    assert [m.to for m in mailoutbox] == [["alex@example.test"]]
    assert "NP/26/1" in mailoutbox[0].body
    assert Entry.objects.filter(action=Action.SHARED, object_id=str(sent.pk)).exists()


def test_enhanced_rights_confirmation_is_due_in_one_working_day(world, case) -> None:
    victim = _victim(world, case, preferred_channel="email", vulnerable=True)
    assert victim.enhanced
    assert victim.obligations.get().due_date == add_working_days(
        timezone.localdate(), 1, "england-and-wales"
    )


@pytest.mark.parametrize(
    ("flag", "division", "standard", "enhanced"),
    [
        ("intimidated", "england-and-wales", (2026, 4, 13), (2026, 4, 7)),
        ("persistently_targeted", "scotland", (2026, 4, 10), (2026, 4, 6)),
        ("most_serious_crime", "northern-ireland", (2026, 4, 13), (2026, 4, 7)),
    ],
)
def test_event_updates_due_over_easter(world, case, flag, division, standard, enhanced) -> None:
    settings = services.settings_for(case.force)
    settings.division = division
    settings.save()
    plain = _victim(world, case, full_name="Plain", preferred_channel="letter")
    special = _victim(world, case, full_name="Special", preferred_channel="letter", **{flag: True})
    _event(world, case)
    due = {o.victim_id: o.due_date for o in Obligation.objects.filter(kind="update")}
    assert due[plain.pk].timetuple()[:3] == standard
    assert due[special.pk].timetuple()[:3] == enhanced


def test_updates_are_queued_for_approval_and_approving_meets_them(world, case, client_for) -> None:
    victim = _victim(world, case, preferred_channel="letter")
    _event(world, case, kind="bail")
    update = victim.obligations.get(kind="update")
    letter = update.communications.get()
    assert letter.status == Communication.Status.QUEUED and update.met_at is None
    assert "Suspect bailed" in letter.body and "not to enter the store" in letter.body
    # An analyst may read it but not approve it; another force cannot find it.
    assert (
        client_for("analyst").get(reverse("insights:letter", args=[letter.pk])).status_code == 200
    )
    refused = client_for("analyst").post(
        reverse("insights:letter", args=[letter.pk]), {"action": "approve", "body": "x"}
    )
    assert refused.status_code == 403
    assert (
        client_for("officer_b").get(reverse("insights:letter", args=[letter.pk])).status_code == 404
    )
    response = client_for("investigator").post(
        reverse("insights:letter", args=[letter.pk]),
        {"action": "approve", "subject": letter.subject, "body": letter.body + "\nPS."},
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    update.refresh_from_db()
    assert letter.status == Communication.Status.SENT and not letter.automatic
    assert letter.body.endswith("PS.") and letter.decided_by == world.user("investigator")
    assert update.met_at is not None
    pdf = client_for("officer").get(reverse("insights:letter-pdf", args=[letter.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_unsafe_channel_is_never_used(world, case, on_commit, mailoutbox) -> None:
    with on_commit():
        victim = _victim(world, case, preferred_channel="email", unsafe_email=True)
    sent = victim.communications.get()
    assert sent.channel == "sms" and sent.to == "+447700900982"
    assert mailoutbox == []
    assert [m.to for m in OutboxMessage.objects.all()] == ["+447700900982"]


def test_no_safe_channel_drafts_nothing_and_the_officer_records_contact(
    world, case, client_for
) -> None:
    victim = _victim(
        world,
        case,
        preferred_channel="email",
        unsafe_email=True,
        unsafe_sms=True,
        unsafe_letter=True,
        domestic_abuse=True,
    )
    assert victim.communications.count() == 0
    ob = victim.obligations.get()
    url = reverse("insights:obligation-contact", args=[ob.pk])
    client_for("officer").post(url, {"note": ""})
    ob.refresh_from_db()
    assert ob.met_at is None
    assert client_for("analyst").post(url, {"note": "x"}).status_code == 403
    client_for("officer").post(url, {"note": "Told in person at the station, 10:00"})
    ob.refresh_from_db()
    assert ob.met_at is not None and "in person" in ob.met_note


def test_marking_a_channel_unsafe_cancels_queued_messages_and_refuses_sending(world, case) -> None:
    victim = _victim(world, case, preferred_channel="letter")
    _event(world, case, kind="release")
    queued = victim.communications.get(purpose="release")
    assert victim.communications.filter(status="queued").count() == 2
    data = services.VictimInput(
        full_name=victim.full_name,
        email=victim.email,
        phone=victim.phone,
        address=victim.address,
        preferred_channel="email",
        unsafe_letter=True,
    )
    services.victim_update(
        actor=world.user("officer"),
        membership=world.membership("officer"),
        victim=victim,
        data=data,
    )
    queued.refresh_from_db()
    assert queued.status == Communication.Status.CANCELLED
    assert victim.communications.filter(status="queued").count() == 0
    # Even a message drafted before the change cannot go out on the unsafe channel.
    queued.status = Communication.Status.QUEUED
    queued.save()
    with pytest.raises(ValidationError):
        services.communication_approve(
            actor=world.user("officer"),
            membership=world.membership("officer"),
            communication=queued,
            subject="",
            body="Hello",
        )
    assert Communication.objects.get(pk=queued.pk).status == "queued"


def test_agreed_channel_needs_its_contact_details(world, case) -> None:
    with pytest.raises(ValidationError):
        _victim(world, case, preferred_channel="sms", phone="")


def test_dashboard_counts_match_obligations(world, case, client_for) -> None:
    officer = world.membership("officer")
    officer.area = world.areas["area"]
    officer.save()
    a = _victim(world, case, full_name="A", preferred_channel="email")  # confirmation sent
    b = _victim(world, case, full_name="B", preferred_channel="letter")  # confirmation queued
    _event(world, case, kind="no_investigation")  # two updates, due in April: overdue
    ob = b.obligations.get(kind="confirmation")
    data = obligation_dashboard(
        obligations=Obligation.objects.filter(force=case.force),
        force_id=case.force_id,
        today=timezone.localdate(),
    )
    assert data.totals.counts == {"due": 1, "overdue": 2, "met": 1, "met_late": 0}
    assert [r.label for r in data.by_team] == ["Area A1"]
    assert {o.pk for o in data.attention} == {ob.pk} | set(
        Obligation.objects.filter(kind="update").values_list("pk", flat=True)
    )
    assert a.obligations.get(kind="confirmation").met_at is not None
    page = client_for("supervisor").get(reverse("insights:victims-code"))
    assert page.status_code == 200
    assert page.context["data"].totals.counts["overdue"] == 2
    other = client_for("supervisor_b").get(reverse("insights:victims-code"))
    assert other.context["data"].totals.total == 0
    assert client_for("store_staff").get(reverse("insights:victims-code")).status_code == 403


def test_officer_adds_victim_and_records_event_through_the_pages(world, case, client_for) -> None:
    c = client_for("officer")
    bad = c.post(reverse("insights:victim-new", args=[case.pk]), {"full_name": "Kim"})
    assert bad.status_code == 200 and bad.context["form"].errors
    ok = c.post(
        reverse("insights:victim-new", args=[case.pk]),
        {
            "full_name": "Kim Staff",
            "staff_of": world.orgs["retail"].pk,
            "email": "kim@example.test",
            "preferred_channel": "email",
            "update_frequency": "weekly",
            "intimidated": "on",
        },
    )
    assert ok.status_code == 302
    victim = Victim.objects.get()
    assert victim.staff_of == world.orgs["retail"] and victim.enhanced
    c.post(
        reverse("insights:event-new", args=[case.pk]),
        {"kind": "interview", "occurred_at": "2026-04-02T15:00", "note": ""},
    )
    assert CaseEvent.objects.get().kind == "interview"
    assert victim.obligations.get(kind="update").due_date.isoformat() == "2026-04-07"
    assert (
        client_for("analyst").get(reverse("insights:victim-new", args=[case.pk])).status_code == 403
    )
    assert (
        client_for("officer_b").get(reverse("insights:event-new", args=[case.pk])).status_code
        == 404
    )
    page = c.get(reverse("insights:case", args=[case.pk]))
    assert b"Kim Staff" in page.content and b"Enhanced rights" in page.content


def test_template_preview_then_save_with_safe_placeholders(world, case, client_for) -> None:
    url = reverse("insights:template-edit", args=["arrest"])
    admin = client_for("force_admin")
    assert client_for("officer").get(url).status_code == 403
    form = {
        "subject": "Arrest in $crime_reference",
        "body": "Dear $victim_name, {{ settings.SECRET_KEY }} $event.",
        "sms_body": "Arrest: $crime_reference",
        "send_automatically": "on",
    }
    bad = admin.post(url, {**form, "body": "Dear $password", "action": "preview"})
    assert "placeholder $password" in str(bad.context["form"].errors)
    unpreviewed = admin.post(url, {**form, "action": "save", "previewed": "guess"})
    assert unpreviewed.status_code == 200 and unpreviewed.context["preview"]
    assert not LetterTemplate.objects.filter(subject__startswith="Arrest in").exists()
    preview = unpreviewed.context["preview"]
    assert preview["subject"] == "Arrest in NP/26/001234"
    saved = admin.post(url, {**form, "action": "save", "previewed": preview["fingerprint"]})
    assert saved.status_code == 302
    template = LetterTemplate.objects.get(force=world.orgs["force"], purpose="arrest")
    assert template.send_automatically
    assert Entry.objects.filter(action=Action.CHANGED, object_id=str(template.pk)).exists()
    # Used for real: Django template syntax stays literal text, nothing is evaluated.
    victim = _victim(world, case, preferred_channel="email")
    _event(world, case, kind="arrest")
    sent = victim.communications.get(purpose="arrest")
    assert sent.status == "sent" and sent.automatic
    assert sent.body == "Dear Alex Victim, {{ settings.SECRET_KEY }} Suspect arrested."
    assert Template_not_other_force(world)


def Template_not_other_force(world) -> bool:
    return not LetterTemplate.objects.filter(force=world.orgs["force_b"], purpose="arrest").exists()
