"""URL × role expectations for redaction (merged into tests/test_url_sweep.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.tests.factories import World
from lantern.redaction.services import APPROVER_ROLES, EDITOR_ROLES
from tests.sweep_rules import Expectations, everyone, police_of_force_a, roles


def redaction_a(w: World) -> dict[str, Any]:
    """A produced redaction of a picture of force A, released to council A and to the
    public (made once per world)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from lantern.evidence.models import DerivedFile
    from lantern.redaction.models import Redaction, Release
    from lantern.redaction.services import REDACTED_KIND
    from lantern.redaction.tests.helpers import item_with, picture_bytes

    existing = Redaction.objects.filter(force=w.orgs["force"]).first()
    if existing is None:
        data = picture_bytes()
        item = item_with(w, "shop.png", data, "image/png")
        output = DerivedFile(
            item=item,
            kind=REDACTED_KIND,
            content_type="image/png",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            parent_sha256=item.sha256,
        )
        output.file.save("redacted.png", ContentFile(data), save=False)
        output.save()
        existing = Redaction.objects.create(
            item=item,
            force=w.orgs["force"],
            media="image",
            purpose="Appeal",
            source_sha256=item.sha256,
            boxes=[{"id": "b1", "kind": "fill", "x": 1, "y": 1, "w": 9, "h": 9}],
            suggestions=[{"id": "s1", "status": "pending", "origin": "face",
                          "kind": "blur", "x": 5, "y": 5, "w": 20, "h": 20}],
            status="produced",
            created_by=w.user("officer"),
            output=output,
            produced_at=timezone.now(),
        )  # fmt: skip
        for audience, partner, token in (
            ("partner", w.orgs["council"], ""),
            ("public", None, "sweep-public-token"),
        ):
            Release.objects.create(
                redaction=existing,
                audience=audience,
                partner=partner,
                reason="Appeal",
                status="released",
                requested_by=w.user("officer"),
                decided_by=w.user("supervisor"),
                decided_at=timezone.now(),
                public_token=token,
            )
    return {"pk": existing.pk}


def item_of_redaction(w: World) -> dict[str, Any]:
    from lantern.redaction.models import Redaction

    return {"item_pk": Redaction.objects.get(pk=redaction_a(w)["pk"]).item_id}


def suggestion_a(w: World) -> dict[str, Any]:
    return {**redaction_a(w), "suggestion": "s1"}


def partner_release_a(w: World) -> dict[str, Any]:
    from lantern.redaction.models import Release

    redaction_a(w)
    return {"pk": Release.objects.get(audience="partner", partner=w.orgs["council"]).pk}


def public_release_a(w: World) -> dict[str, Any]:
    redaction_a(w)
    return {"token": "sweep-public-token"}


def partners_only(actor: str) -> Any:
    if actor == "anon":
        return "login"
    return 403 if actor.removesuffix("_b") in POLICE_ROLES else 200


def force_a_and_council_a(actor: str) -> Any:
    """A release to council A: police of force A, and council A's members."""
    if actor == "anon":
        return "login"
    if actor in POLICE_ROLES or actor in ("cctv_operator", "cctv_manager"):
        return 200
    return 404


EXPECTED: Expectations = {
    "redaction:item": (item_of_redaction, police_of_force_a()),
    "redaction:detail": (redaction_a, police_of_force_a()),
    "redaction:picture": (redaction_a, police_of_force_a()),
    "redaction:preview": (redaction_a, police_of_force_a()),
    "redaction:suggest": (redaction_a, everyone(405)),
    "redaction:decide": (suggestion_a, everyone(405)),
    "redaction:produce": (redaction_a, everyone(405)),
    "redaction:output": (redaction_a, police_of_force_a()),
    "redaction:release": (redaction_a, everyone(405)),
    "redaction:release-decide": (partner_release_a, everyone(405)),
    "redaction:release-withdraw": (partner_release_a, everyone(405)),
    "redaction:shared": (lambda w: {}, partners_only),
    "redaction:shared-file": (partner_release_a, force_a_and_council_a),
    "redaction:public": (public_release_a, everyone(200, anon=200)),
    "redaction:settings": (lambda w: {}, roles({"force_admin"})),
}

WRITE_EXPECTED: dict[str, Callable[[str], Any]] = {
    "redaction:suggest": police_of_force_a(EDITOR_ROLES),
    "redaction:decide": police_of_force_a(EDITOR_ROLES),
    "redaction:produce": police_of_force_a(EDITOR_ROLES),
    "redaction:release": police_of_force_a(EDITOR_ROLES),
    "redaction:release-decide": police_of_force_a(APPROVER_ROLES),
    "redaction:release-withdraw": police_of_force_a(APPROVER_ROLES),
}
