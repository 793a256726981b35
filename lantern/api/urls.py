"""/api/: the versioned API, its documentation, and the pages that manage tokens and webhooks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from . import views
from .services import api_call_record
from .v1 import api


def _recorded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every call made with a token goes in the ledger; API responses are never cached.

    A change and the entry recording the call commit together: one commit (and one pass of
    the ledger's sequencer) per call instead of two, and no change without its call entry."""

    def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        token = getattr(request, "api_token", None)
        if token is not None:
            api_call_record(
                token=token,
                method=request.method or "",
                path=request.path,
                status=response.status_code,
                query=request.META.get("QUERY_STRING", ""),
            )
        return response

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            response = answer(request, *args, **kwargs)
        else:
            with transaction.atomic():
                response = answer(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    wrapper.login_required = False  # type: ignore[attr-defined]
    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper


def _api_patterns() -> list[URLPattern | URLResolver]:
    """The API's own routes, token-authenticated: open to LoginRequiredMiddleware, and
    unnamed except the OpenAPI document (the URL sweep covers named web pages)."""
    patterns, _app, _namespace = api.urls
    wrapped: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        assert isinstance(pattern, URLPattern)
        view = _recorded(pattern.callback)
        if pattern.name == "openapi-json":
            wrapped.append(path(str(pattern.pattern), view, name="openapi-json"))
        else:
            wrapped.append(path(str(pattern.pattern), view))
    return wrapped


app_name = "api"
urlpatterns = [
    path("v1/docs/", views.docs, name="docs"),
    path("v1/", include((_api_patterns(), "v1"))),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/new/", views.token_new, name="token-new"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("webhooks/", views.webhook_list, name="webhook-list"),
    path("webhooks/new/", views.webhook_new, name="webhook-new"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="webhook-detail"),
    path("webhooks/<int:pk>/disable/", views.webhook_disable, name="webhook-disable"),
]
