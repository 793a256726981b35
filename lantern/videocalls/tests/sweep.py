"""URL × role expectations for video calls (merged into tests/test_url_sweep.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.tests.factories import World
from lantern.videocalls.services import CALLER_ROLES
from tests.sweep_rules import Expectations, everyone, police_of_force_a, roles


def callers_of_force_a(ok: Any = 200) -> Callable[[str], Any]:
    """Roles that may not run calls are refused (403); force B does not find A's call (404)."""

    def expect(actor: str) -> Any:
        if actor == "anon":
            return "login"
        if actor.removesuffix("_b") not in CALLER_ROLES:
            return 403
        return 404 if actor.endswith("_b") else ok

    return expect


def takers_of_force_a() -> Callable[[str], Any]:
    """Statements are opened by those who take them (the statement app's TAKERS)."""
    from lantern.statements.services import TAKERS

    def expect(actor: str) -> Any:
        if actor == "anon":
            return "login"
        if actor.removesuffix("_b") not in TAKERS:
            return 403
        return 404 if actor.endswith("_b") else 200

    return expect


def call_runner() -> Callable[[str], Any]:
    """The live side of a call (signalling, recording) is only the officer running it: the
    world's "officer". Other callers, even of the same force, do not find it (404)."""

    def expect(actor: str) -> Any:
        if actor == "anon":
            return "login"
        if actor.removesuffix("_b") not in CALLER_ROLES:
            return 403
        return 200 if actor == "officer" else 404

    return expect


def call_a(w: World) -> dict[str, Any]:
    """A call of force A, run by force A's officer, on a Grade 3 incident."""
    from lantern.casework.tests.sweep import incident_a
    from lantern.videocalls.models import VideoCall
    from lantern.videocalls.services import CallInput, call_schedule

    call = VideoCall.objects.filter(force=w.orgs["force"]).first()
    if call is None:
        call, _ = call_schedule(
            actor=w.user("officer"),
            membership=w.membership("officer"),
            data=CallInput(
                reference=incident_a(w)["reference"],
                person_name="Sam Caller",
                person_phone="07700 900982",
            ),
        )
    return {"reference": call.reference}


EXPECTED: Expectations = {
    "videocalls:list": (lambda w: {}, roles(set(POLICE_ROLES))),
    "videocalls:new": (lambda w: {}, roles(set(CALLER_ROLES))),
    "videocalls:detail": (call_a, police_of_force_a()),
    "videocalls:signal": (call_a, call_runner()),
    "videocalls:recording": (call_a, everyone(405)),
    "videocalls:resend": (call_a, everyone(405)),
    "videocalls:end": (call_a, callers_of_force_a()),
    "videocalls:statement": (call_a, takers_of_force_a()),
    # The person's side: only a browser that opened a usable call link finds anything.
    "videocalls:join": (lambda w: {"token": "not-a-real-token"}, everyone(404, anon=404)),
    "videocalls:public": (lambda w: {}, everyone(404, anon=404)),
    "videocalls:public-signal": (lambda w: {}, everyone(404, anon=404)),
    "videocalls:public-files": (lambda w: {}, everyone(405, anon=405)),
    "videocalls:public-consent": (lambda w: {}, everyone(405, anon=405)),
    "videocalls:public-consent-withdraw": (lambda w: {}, everyone(405, anon=405)),
}

WRITE_EXPECTED: dict[str, Callable[[str], Any]] = {
    "videocalls:recording": call_runner(),
    "videocalls:resend": callers_of_force_a(),
    "videocalls:public-files": everyone(404, anon=404),
    "videocalls:public-consent": everyone(404, anon=404),
    "videocalls:public-consent-withdraw": everyone(404, anon=404),
}
