"""The ledger's public key and checkpoints (public), object history and audit export
(supervisors and force administrators)."""

from __future__ import annotations

import json
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lantern.accounts.choices import Role
from lantern.accounts.models import Organisation, User
from lantern.core.permissions import require_role

from . import keys, store
from .models import Action, Checkpoint, Entry
from .services import ledger_record

AUDITORS = frozenset({Role.SUPERVISOR, Role.FORCE_ADMIN})
_OBJECT_TYPE = re.compile(r"^[a-z_]+\.[a-z_]+$")


class ObjectForm(forms.Form):
    object_type = forms.CharField(
        label="Object type",
        max_length=100,
        help_text="For example accounts.membership",
        error_messages={"required": "Enter the object type"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "class": "govuk-input--width-20"}),
    )
    object_id = forms.CharField(
        label="Object ID",
        max_length=100,
        error_messages={"required": "Enter the object ID"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "class": "govuk-input--width-10"}),
    )

    def clean_object_type(self) -> str:
        value: str = self.cleaned_data["object_type"].strip().lower()
        if not _OBJECT_TYPE.match(value):
            raise forms.ValidationError("Enter the object type as app.model, like accounts.user")
        return value


def entries_for(user: User) -> QuerySet[Entry]:
    """Entries an auditor may read: by their force, its approved partners, or the public."""
    orgs = Organisation.objects.for_user(user)
    return Entry.objects.filter(Q(actor_org__in=orgs) | Q(actor_org__isnull=True))


@login_not_required
def public_key(request: HttpRequest) -> HttpResponse:
    latest = Checkpoint.objects.order_by("-tree_size", "-id").first()
    context = {
        "public_key": keys.public_key_b64(),
        "fingerprint": keys.fingerprint(),
        "checkpoint": store.checkpoint_dict(latest) if latest else None,
    }
    return render(request, "ledger/public_key.html", context)


@login_not_required
@never_cache
def checkpoint_json(request: HttpRequest) -> JsonResponse:
    latest = Checkpoint.objects.order_by("-tree_size", "-id").first()
    return JsonResponse(
        {
            "format": "lantern-checkpoint-v1",
            "public_key": keys.public_key_b64(),
            "checkpoint": store.checkpoint_dict(latest) if latest else None,
        }
    )


def history(request: HttpRequest) -> HttpResponse:
    require_role(request, AUDITORS)
    user = request.user
    assert isinstance(user, User)
    form = ObjectForm(request.GET or None)
    visible = entries_for(user).select_related("actor", "actor_org")
    entries = None
    if form.is_valid():
        entries = visible.filter(
            object_type=form.cleaned_data["object_type"],
            object_id=form.cleaned_data["object_id"],
        ).order_by("id")
    recent = visible.order_by("-id")[:50] if entries is None else None
    context = {
        "form": form,
        "entries": entries,
        "recent": recent,
        "size": store.tree_size(),
        "checkpoint": Checkpoint.objects.order_by("-tree_size", "-id").first(),
    }
    return render(request, "ledger/history.html", context)


@require_POST
def export(request: HttpRequest) -> HttpResponse:
    """An object's history as a bundle that anyone can verify without Lantern."""
    membership = require_role(request, AUDITORS)
    user = request.user
    assert isinstance(user, User)
    form = ObjectForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "ledger/history.html",
            {"form": form, "entries": None, "recent": None},
            status=400,
        )
    object_type, object_id = form.cleaned_data["object_type"], form.cleaned_data["object_id"]
    with transaction.atomic():
        ledger_record(
            action=Action.EXPORTED,
            actor=user,
            actor_org=membership.organisation,
            object_type=object_type,
            object_id=object_id,
            reason="Audit export",
        )
    checkpoint = store.checkpoint_publish()
    entries = entries_for(user).filter(object_type=object_type, object_id=object_id)
    bundle = store.bundle_for(entries.order_by("seq"), checkpoint)
    response = HttpResponse(
        json.dumps(bundle, indent=1, ensure_ascii=False), content_type="application/json"
    )
    safe = re.sub(r"[^a-z0-9_.-]", "-", f"{object_type}-{object_id}".lower())
    response["Content-Disposition"] = f'attachment; filename="ledger-{safe}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    require_role(request, AUDITORS)
    checkpoint = store.checkpoint_publish()
    messages.success(
        request,
        f"Checkpoint published: {checkpoint.tree_size} entries, signed {checkpoint.timestamp}.",
    )
    return redirect("ledger:history")
