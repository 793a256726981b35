"""URL × role expectations for this app (merged into tests/test_url_sweep.py).

The API's own routes are unnamed (token-authenticated, tested in test_api.py); the named ones
are the OpenAPI document, the documentation and the administrator's pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lantern.accounts.tests.factories import World
from tests.sweep_rules import Expectations, everyone, managers


def webhook_of_force_a(w: World) -> dict[str, Any]:
    from lantern.api.models import Webhook

    hook = Webhook.objects.filter(organisation=w.orgs["force"]).first() or Webhook.objects.create(
        organisation=w.orgs["force"], url="https://example.org/hook", events=[], secret="s"
    )
    return {"pk": hook.pk}


def token_of_force_a(w: World) -> dict[str, Any]:
    """An API token of force A (made once per world)."""
    from lantern.api.models import ApiToken, Scope
    from lantern.api.services import api_token_issue

    token = ApiToken.objects.filter(organisation=w.orgs["force"]).first()
    if token is None:
        token, _ = api_token_issue(
            actor=w.user("force_admin"),
            membership=w.membership("force_admin"),
            name="Sweep",
            role="analyst",
            scopes=[Scope.values[0]],
            days=1,
        )
    return {"pk": token.pk}


EXPECTED: Expectations = {
    "api:docs": (lambda w: {}, everyone(200, anon=200)),
    "api:v1:openapi-json": (lambda w: {}, everyone(200, anon=200)),
    "api:token-list": (lambda w: {}, managers()),
    # Issuing needs a recent password (a fresh sign-in counts; test_api tests the step-up).
    "api:token-new": (lambda w: {}, managers()),
    "api:token-revoke": (token_of_force_a, everyone(405)),
    "api:webhook-list": (lambda w: {}, managers()),
    "api:webhook-new": (lambda w: {}, managers()),
    "api:webhook-detail": (webhook_of_force_a, managers(own_org_only=True)),
    "api:webhook-disable": (webhook_of_force_a, everyone(405)),
}

# Managers only (403 for everyone else); a manager finds only their own organisation's
# token or webhook (404 for another's).
WRITE_EXPECTED: dict[str, Callable[[str], Any]] = {
    "api:token-revoke": managers(own_org_only=True),
    "api:webhook-disable": managers(own_org_only=True),
}
