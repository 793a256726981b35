"""Items that came with no request (an officer's scene photos) are seen through their case."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lantern.accounts.models import Membership
from lantern.accounts.tests.factories import World
from lantern.casework.services import IncidentInput, incident_create
from lantern.casework.tests.helpers import jpeg
from lantern.evidence.models import EvidenceItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene_photo(world: World, client_for: Any, on_commit: Any) -> EvidenceItem:
    """A photo force A's officer took at an incident, sent the way the field app sends it."""
    incident = incident_create(
        actor=world.user("call_handler"),
        membership=world.membership("call_handler"),
        data=IncidentInput(grade=3, location="High St", summary="Shed broken into"),
    )
    url = reverse("casework:incident-photo", args=[incident.reference])
    photo = SimpleUploadedFile("scene.jpg", jpeg(), content_type="image/jpeg")
    with on_commit():
        assert client_for("officer").post(url, {"photo": photo}).status_code == 302
    item = EvidenceItem.objects.get(request__isnull=True)
    assert item.case.force == world.orgs["force"]
    return item


def test_police_of_the_case_force_see_an_item_with_no_request(
    world: World, scene_photo: EvidenceItem
) -> None:
    for name in ("officer", "analyst", "force_admin"):
        assert list(EvidenceItem.objects.for_user(world.user(name))) == [scene_photo], name
    for name in ("officer_b", "cctv_operator", "store_staff", "lp_manager", "partnership_manager"):
        assert not EvidenceItem.objects.for_user(world.user(name)).exists(), name
    assert not EvidenceItem.objects.for_user(AnonymousUser()).exists()


def test_police_of_an_inactive_membership_do_not_see_it(
    world: World, scene_photo: EvidenceItem
) -> None:
    Membership.objects.filter(user=world.user("officer")).update(is_active=False)
    assert not EvidenceItem.objects.for_user(world.user("officer")).exists()


def test_item_page_of_a_scene_photo(
    world: World, client_for: Any, scene_photo: EvidenceItem
) -> None:
    url = reverse("evidence:item-detail", args=[scene_photo.pk])
    page = client_for("investigator").get(url)
    assert page.status_code == 200 and "scene.jpg" in page.content.decode()
    for name in ("officer_b", "investigator_b", "cctv_operator", "store_staff", "lp_manager"):
        assert client_for(name).get(url).status_code == 404, name
    delete = reverse("evidence:item-delete", args=[scene_photo.pk])
    assert client_for("supervisor").get(delete).status_code == 200
    assert client_for("supervisor_b").get(delete).status_code == 404
