"""Pages for an organisation's administrator: API tokens and webhooks; and the API's
documentation, rendered on the server from the OpenAPI document (no CDN, no inline script)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lantern.accounts.choices import MANAGER_ROLES
from lantern.accounts.decorators import require_recent_auth
from lantern.accounts.models import User
from lantern.core.permissions import get_for_user_or_404, require_role

from . import services
from .forms import TokenForm, WebhookForm
from .models import ApiToken, Event, Scope, Webhook, WebhookDelivery
from .v1 import api

MANAGERS = frozenset(MANAGER_ROLES)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def token_list(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, MANAGERS)
    tokens = ApiToken.objects.filter(organisation=membership.organisation).select_related(
        "created_by"
    )
    return render(request, "api/token_list.html", {"tokens": tokens, "membership": membership})


def token_new(request: HttpRequest) -> HttpResponseBase:
    require_role(request, MANAGERS)
    return _token_new(request)


@require_recent_auth
def _token_new(request: HttpRequest) -> HttpResponseBase:
    """Issuing a token needs the password entered in the last few minutes."""
    membership = require_role(request, MANAGERS)
    form = TokenForm(request.POST or None, organisation=membership.organisation)
    if request.method == "POST" and form.is_valid():
        token, secret = services.api_token_issue(
            actor=_user(request),
            membership=membership,
            name=form.cleaned_data["name"],
            role=form.cleaned_data["role"],
            scopes=form.cleaned_data["scopes"],
            days=form.cleaned_data["days"],
        )
        # Shown once, on this response only (never in a redirect or the session).
        return render(request, "api/token_created.html", {"token": token, "secret": secret})
    return render(request, "api/token_new.html", {"form": form})


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, MANAGERS)
    token = get_for_user_or_404(ApiToken, _user(request), pk=pk)
    services.api_token_revoke(actor=_user(request), membership=membership, token=token)
    messages.success(request, f"Token '{token.name}' revoked: it no longer works.")
    return redirect("api:token-list")


def webhook_list(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, MANAGERS)
    webhooks = Webhook.objects.filter(organisation=membership.organisation)
    failed = WebhookDelivery.objects.filter(
        webhook__organisation=membership.organisation, state=WebhookDelivery.State.FAILED
    ).count()
    return render(request, "api/webhook_list.html", {"webhooks": webhooks, "failed": failed})


def webhook_new(request: HttpRequest) -> HttpResponseBase:
    require_role(request, MANAGERS)
    return _webhook_new(request)


@require_recent_auth
def _webhook_new(request: HttpRequest) -> HttpResponseBase:
    membership = require_role(request, MANAGERS)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        webhook, secret = services.webhook_create(
            actor=_user(request),
            membership=membership,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
        )
        return render(request, "api/webhook_created.html", {"webhook": webhook, "secret": secret})
    return render(request, "api/webhook_new.html", {"form": form})


def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request, MANAGERS)
    webhook = get_for_user_or_404(Webhook, _user(request), pk=pk)
    deliveries = webhook.deliveries.all()[:100]
    labels = dict(Event.choices)
    return render(
        request,
        "api/webhook_detail.html",
        {
            "webhook": webhook,
            "deliveries": deliveries,
            "event_labels": [labels.get(e, e) for e in webhook.events],
        },
    )


@require_POST
def webhook_disable(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, MANAGERS)
    webhook = get_for_user_or_404(Webhook, _user(request), pk=pk)
    services.webhook_disable(actor=_user(request), membership=membership, webhook=webhook)
    messages.success(request, "Webhook turned off: no more events will be sent to it.")
    return redirect("api:webhook-list")


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for route, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            found.append(
                {
                    "anchor": op.get("operationId", ""),
                    "method": method.upper(),
                    "path": route,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tag": (op.get("tags") or ["Other"])[0],
                    "public": "security" not in op,
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "schema": json.dumps(p.get("schema", {}), sort_keys=True),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": json.dumps(
                        op.get("requestBody", {})
                        .get("content", {})
                        .get("application/json", {})
                        .get("schema", {}),
                        indent=1,
                    )
                    if "requestBody" in op
                    else "",
                    "responses": sorted(str(k) for k in op.get("responses", {})),
                }
            )
    return found


@login_not_required
def docs(request: HttpRequest) -> HttpResponse:
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    return render(
        request,
        "api/docs.html",
        {
            "info": schema.get("info", {}),
            "operations": _operations(schema),
            "schemas": [(name, json.dumps(s, indent=1)) for name, s in sorted(components.items())],
            "scopes": Scope.choices,
            "events": Event.choices,
            "api_rate": settings.API_RATE,
        },
    )
