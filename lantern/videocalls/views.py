"""Video calls. Officer views need a police session of the call's force, and the live parts
(signalling, recording) only the officer running the call; anyone else gets 404. The
person's views need no account: the call link, opened once, puts the link in their session,
and every request checks it again (an expired link or ended call stops working)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import User
from lantern.casework.models import Incident
from lantern.core.permissions import get_for_user_or_404, require_role
from lantern.evidence.fixity import sha256_of_upload
from lantern.uploads.principals import grant_session_principal

from . import services
from .forms import CallFilesForm, CallForm, EndForm
from .models import CallLink, Signal, VideoCall
from .principals import HEADER

LINK_SESSION = "videocall_link"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _call(request: HttpRequest, reference: str) -> VideoCall:
    return get_for_user_or_404(VideoCall, _user(request), reference=reference)


def _own_call(request: HttpRequest, reference: str) -> VideoCall:
    """The live side of a call is the officer running it: anyone else does not find it."""
    call = _call(request, reference)
    if call.officer_id != request.user.pk:
        raise Http404("No video call found")
    return call


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > services.MAX_SIGNAL_BYTES:
        raise ValidationError("The message is too large")
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as error:
        raise ValidationError("The message is not JSON") from error
    if not isinstance(data, dict):
        raise ValidationError("The message must be a JSON object")
    return data


@contextmanager
def _waiting_poll(call: VideoCall, side: str, wait: float) -> Iterator[bool]:
    """Whether this long poll may wait: at most `LANTERN_VIDEO_POLLS_PER_SIDE` at once per
    call and side. Each waiting poll holds a web thread, so without this one link (the
    person's, or a copy of it) opened in many tabs could hold every thread of the server.
    Counted in the cache: per process with the default cache, across hosts with Redis."""
    if wait <= 0:
        yield True
        return
    key = f"videocall-polls:{call.pk}:{side}"
    ttl = int(settings.LANTERN_VIDEO_POLL_SECONDS) + 30  # a lost process's count expires
    cache.add(key, 0, timeout=ttl)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=ttl)
        count = 1
    try:
        yield count <= settings.LANTERN_VIDEO_POLLS_PER_SIDE
    finally:
        with suppress(ValueError):  # expired meanwhile: nothing to give back
            cache.decr(key)


def _signal(request: HttpRequest, call: VideoCall, side: str) -> JsonResponse:
    """POST: send one message to the other side. GET ?after=N&wait=S: the other side's
    messages newer than N, waiting up to S seconds (long poll) when there are none yet."""
    if request.method == "POST":
        try:
            data = _json_body(request)
            signal = services.signal_send(
                call=call,
                side=side,
                kind=str(data.get("kind", "")),
                payload=data.get("data", {}),
            )
        except ValidationError as error:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        return JsonResponse({"id": signal.pk}, status=201)
    try:
        after = max(0, int(request.GET.get("after", "0")))
        wait = min(float(request.GET.get("wait", "0")), settings.LANTERN_VIDEO_POLL_SECONDS)
    except ValueError:
        return JsonResponse({"error": "after and wait must be numbers"}, status=400)
    with _waiting_poll(call, side, wait) as allowed:
        if not allowed:
            response = JsonResponse({"error": "Too many open requests for this call"}, status=429)
            response["Retry-After"] = "2"
            return response
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            found = services.signals_for(call=call, side=side, after=after)
            try:
                call.refresh_from_db()
            except VideoCall.DoesNotExist as error:
                raise Http404("No video call found") from error
            if found or not call.is_open or time.monotonic() >= deadline:
                break
            time.sleep(0.25)
    cursor = found[-1].pk if found else after
    return JsonResponse(
        {
            "messages": [s.as_json() for s in found],
            "cursor": cursor,
            "call": services.call_state(call),
        }
    )


# --- Officers -------------------------------------------------------------------------------


def call_list(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, POLICE_ROLES)
    calls = VideoCall.objects.for_user(_user(request)).filter(force=membership.organisation)
    waiting = Incident.objects.for_user(_user(request)).filter(
        force=membership.organisation,
        status=Incident.Status.OPEN,
        route=Incident.Route.VIDEO,
        attended_at__isnull=True,
    )
    return render(
        request,
        "videocalls/call_list.html",
        {
            "open_calls": calls.exclude(status=VideoCall.Status.ENDED).select_related(
                "officer", "incident"
            ),
            "ended_calls": calls.filter(status=VideoCall.Status.ENDED).select_related(
                "officer", "incident"
            )[:50],
            "waiting": waiting.exclude(
                Q(video_calls__status__in=[VideoCall.Status.SCHEDULED, VideoCall.Status.LIVE])
            ).distinct(),
            "can_call": membership.role in services.CALLER_ROLES,
        },
    )


def call_new(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, services.CALLER_ROLES)
    initial = {"reference": request.GET.get("reference", "")[:40]}
    incident = services.find_subject(membership.organisation, initial["reference"])[0]
    if incident is not None:
        crime = incident.crimes.first()
        if crime is not None:
            initial.update(person_name=crime.victim_name, person_phone=crime.victim_phone)
            initial.update(person_email=crime.victim_email)
    form = CallForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            call, _token = services.call_schedule(
                actor=_user(request),
                membership=membership,
                data=services.CallInput(
                    reference=data["reference"],
                    person_name=data["person_name"],
                    person_email=data["person_email"],
                    person_phone=data["person_phone"],
                    scheduled_for=data["scheduled_for"],
                ),
            )
        except ValidationError as error:
            field = "reference" if "reference" in error.messages[0] else "person_phone"
            form.add_error(field, " ".join(error.messages))
        else:
            messages.success(request, f"Video call {call.reference}: the link has been sent.")
            return redirect("videocalls:detail", reference=call.reference)
    return render(request, "videocalls/call_form.html", {"form": form})


def call_detail(request: HttpRequest, reference: str) -> HttpResponse:
    require_role(request, POLICE_ROLES)
    call = _call(request, reference)
    live = call.is_open and call.officer_id == request.user.pk
    return render(
        request,
        "videocalls/call_detail.html",
        {
            "call": call,
            "live": live,
            "links": call.links.all(),
            "items": services.call_items(call),
            "end_form": EndForm(),
            "config": {
                "signal": reverse("videocalls:signal", args=[call.reference]),
                "recording": reverse("videocalls:recording", args=[call.reference]),
                "uploads": reverse("uploads:collection"),
                "cursor": services.signal_cursor(call),
                "iceServers": services.ice_servers(call.reference) if live else [],
                "reference": call.reference,
                "header": HEADER,
                "poll": settings.LANTERN_VIDEO_POLL_SECONDS,
            },
        },
    )


@never_cache
def call_signal(request: HttpRequest, reference: str) -> HttpResponse:
    if request.method not in {"GET", "POST"}:
        return HttpResponse(status=405)
    require_role(request, services.CALLER_ROLES)
    call = _own_call(request, reference)
    return _signal(request, call, Signal.Side.OFFICER)


@require_POST
def call_recording(request: HttpRequest, reference: str) -> HttpResponse:
    require_role(request, services.CALLER_ROLES)
    call = _own_call(request, reference)
    action = request.POST.get("action", "")
    try:
        if action == "start":
            call = services.recording_start(actor=_user(request), call=call)
        elif action == "stop":
            call = services.recording_stop(actor=_user(request), call=call)
        else:
            return JsonResponse({"error": "action must be start or stop"}, status=400)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=409)
    return JsonResponse({"call": services.call_state(call)})


@require_POST
def call_resend(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.CALLER_ROLES)
    call = _call(request, reference)
    try:
        services.call_link_resend(actor=_user(request), membership=membership, call=call)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "A new link has been sent. Earlier links no longer work.")
    return redirect("videocalls:detail", reference=reference)


def call_end(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.CALLER_ROLES)
    call = _call(request, reference)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.call_end(
                actor=_user(request),
                membership=membership,
                call=call,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The call has ended and is in the call log.")
        return redirect("videocalls:detail", reference=reference)
    return render(request, "videocalls/call_end.html", {"call": call, "form": form})


def call_statement(request: HttpRequest, reference: str) -> HttpResponse:
    """Open a statement draft for the person on the call, on the call's case: the statement
    app's own form and rules (eligibility for a remote statement), filled in from the call.
    The officer then writes it and sends it for signature from the statement's page."""
    from lantern.statements.forms import NewStatementForm
    from lantern.statements.services import TAKERS, statement_create

    membership = require_role(request, TAKERS)
    call = _call(request, reference)
    initial = {
        "case_reference": call.case.reference,
        "case_title": call.case.title,
        "witness_name": call.person_name,
        "witness_email": call.person_email,
        "witness_phone": call.person_phone,
    }
    form = NewStatementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        statement = statement_create(
            actor=_user(request),
            membership=membership,
            data=form.statement_input(own_statement=False),
        )
        services.call_statement_opened(actor=_user(request), call=call, statement=statement)
        return redirect("statements:detail", pk=statement.pk)
    return render(request, "videocalls/call_statement.html", {"form": form, "call": call})


# --- The person on the call -----------------------------------------------------------------


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "videocalls/link_invalid.html", status=404)


def _link(request: HttpRequest) -> CallLink | None:
    pk = request.session.get(LINK_SESSION)
    if not isinstance(pk, int):
        return None
    link = CallLink.objects.select_related("call", "call__force").filter(pk=pk).first()
    return link if link is not None and link.is_usable else None


@login_not_required
@never_cache
def join(request: HttpRequest, token: str) -> HttpResponse:
    link = services.link_for_token(token)
    if link is None or not link.is_usable:
        return _invalid(request)
    request.session.cycle_key()
    request.session[LINK_SESSION] = link.pk
    grant_session_principal(request, link.principal)
    services.link_opened(link)
    # Away from the token in the address bar (history, screen sharing, Referer).
    return redirect("videocalls:public")


@login_not_required
@never_cache
def public_call(request: HttpRequest) -> HttpResponse:
    link = _link(request)
    if link is None:
        return _invalid(request)
    call = link.call
    return render(
        request,
        "videocalls/public_call.html",
        {
            "call": call,
            "officer": call.officer.get_full_name() or "an officer",
            "files": services.call_items(call).filter(uploaded_by=link.principal),
            "config": {
                "signal": reverse("videocalls:public-signal"),
                "consent": reverse("videocalls:public-consent"),
                "withdraw": reverse("videocalls:public-consent-withdraw"),
                "uploads": reverse("uploads:collection"),
                "cursor": services.signal_cursor(call),
                "iceServers": services.ice_servers(f"link-{link.pk}"),
                "poll": settings.LANTERN_VIDEO_POLL_SECONDS,
            },
        },
    )


@login_not_required
@never_cache
def public_signal(request: HttpRequest) -> HttpResponse:
    if request.method not in {"GET", "POST"}:
        return HttpResponse(status=405)
    link = _link(request)
    if link is None:
        raise Http404("No video call found")
    return _signal(request, link.call, Signal.Side.PUBLIC)


def _consent_answer(
    request: HttpRequest, answer: Callable[[CallLink], VideoCall], thanks: str
) -> HttpResponse:
    """The person's answer about recording: JSON for the page's script, else back to the page
    with a message (the form works without JavaScript)."""
    link = _link(request)
    if link is None:
        raise Http404("No video call found")
    call = answer(link)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"call": services.call_state(call)})
    messages.success(request, thanks)
    return redirect("videocalls:public")


@login_not_required
@require_POST
def public_files(request: HttpRequest) -> HttpResponse:
    """The call page's plain form for sending files, for browsers without JavaScript (with
    it, the page sends them by resumable upload instead)."""
    link = _link(request)
    if link is None:
        raise Http404("No video call found")
    form = CallFilesForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose at least one photo or file to send")
        return redirect("videocalls:public")
    sent = []
    try:
        for uploaded in form.cleaned_data["call_files"]:
            item = services.call_file_send(
                link=link,
                file=File(uploaded),
                name=uploaded.name or "unnamed file",
                size=uploaded.size or 0,
                sha256=sha256_of_upload(uploaded),
            )
            sent.append(item.original_name)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("videocalls:public")
    messages.success(request, f"Sent: {', '.join(sent)}. The officer can see them now.")
    return redirect("videocalls:public")


@login_not_required
@require_POST
def public_consent(request: HttpRequest) -> HttpResponse:
    return _consent_answer(
        request, services.call_consent, "Thank you. The officer can now record the call."
    )


@login_not_required
@require_POST
def public_consent_withdraw(request: HttpRequest) -> HttpResponse:
    return _consent_answer(
        request,
        services.call_consent_withdraw,
        "You have withdrawn your agreement. The call is not being recorded.",
    )
