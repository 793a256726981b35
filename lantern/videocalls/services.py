"""Video calls: scheduling and links, signalling, consent, recording, the call log.

Every change is ledgered in the transaction that makes it; an incident's calls are also
written into its log (the incident timeline)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.models import Membership, User
from lantern.casework.models import Case, Incident, IncidentEntry
from lantern.casework.services import FIELD_ROLES, case_for_reference
from lantern.core.tokens import hash_secret, new_token
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record
from lantern.notifications.sms import normalise_uk_mobile, send_sms

from .models import CallLink, Signal, VideoCall

# Who may run video calls: the people who work incidents.
CALLER_ROLES = FIELD_ROLES
# A signalling message larger than this is refused (an SDP offer is a few kilobytes).
MAX_SIGNAL_BYTES = 64 * 1024
# A call that sends more messages than this is misbehaving.
MAX_SIGNALS_PER_CALL = 5000
RECORDING_PREFIX = "video-recording:"
LINK_PREFIX = "video-link:"


def _require(membership: Membership, call: VideoCall | None = None) -> None:
    if membership.role not in CALLER_ROLES:
        raise PermissionDenied("Only officers, investigators, supervisors and call handlers")
    if call is not None and call.force_id != membership.organisation_id:
        raise PermissionDenied("This call belongs to another force")


def _locked(pk: int) -> VideoCall:
    """The call, locked for update until the end of the transaction."""
    call: VideoCall = VideoCall.objects.select_for_update().get(pk=pk)
    return call


# --- STUN and TURN ---------------------------------------------------------------------------


def ice_servers(label: str = "lantern") -> list[dict[str, Any]]:
    """The ICE servers the browsers are given. None by default (loopback and one LAN);
    production names a STUN server and a TURN server (coturn). With a TURN shared secret
    (coturn `use-auth-secret`), each browser gets a username and password that expire."""
    servers: list[dict[str, Any]] = []
    stun = list(settings.LANTERN_VIDEO_STUN_URLS)
    if stun:
        servers.append({"urls": stun})
    turn = list(settings.LANTERN_VIDEO_TURN_URLS)
    if turn:
        secret = settings.LANTERN_VIDEO_TURN_SECRET
        if secret:
            expiry = int(time.time()) + settings.LANTERN_VIDEO_TURN_TTL_SECONDS
            username = f"{expiry}:{label}"
            digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
            credential = base64.b64encode(digest).decode()
        else:
            username = settings.LANTERN_VIDEO_TURN_USERNAME
            credential = settings.LANTERN_VIDEO_TURN_PASSWORD
        servers.append({"urls": turn, "username": username, "credential": credential})
    return servers


# --- The incident log ------------------------------------------------------------------------


def _log(call: VideoCall, author: User, text: str) -> None:
    """Write a line about the call into its incident's log (the timeline), if it has one."""
    if call.incident_id is not None:
        IncidentEntry.objects.create(
            incident_id=call.incident_id,
            kind=IncidentEntry.Kind.NOTE,
            text=f"Video call {call.reference}: {text}",
            author=author,
        )


# --- Scheduling and links --------------------------------------------------------------------


@dataclass(frozen=True)
class CallInput:
    reference: str  # an incident's reference, or a case's
    person_name: str
    person_email: str = ""
    person_phone: str = ""
    scheduled_for: datetime | None = None


def find_subject(force: Any, reference: str) -> tuple[Incident | None, Case | None]:
    """The force's incident with this reference, or else its case with it."""
    reference = reference.strip().upper()
    incident = Incident.objects.filter(force=force, reference=reference).first()
    if incident is not None:
        return incident, incident.case
    return None, Case.objects.filter(force=force, reference=reference).first()


def join_url(token: str) -> str:
    return str(settings.LANTERN_BASE_URL) + reverse("videocalls:join", args=[token])


def _issue_link(call: VideoCall) -> str:
    token, token_hash = new_token()
    start = max(call.scheduled_for or timezone.now(), timezone.now())
    CallLink.objects.create(
        call=call,
        token_hash=token_hash,
        expires_at=start + timedelta(hours=settings.LANTERN_VIDEO_LINK_HOURS),
    )
    return token


def _notify(call: VideoCall, token: str) -> None:
    link = join_url(token)
    context = {
        "call": call,
        "link": link,
        "force_name": call.force.name,
        "officer": call.officer.get_full_name() or call.officer.get_username(),
    }
    body = render_to_string("videocalls/email/invite.txt", context)
    when = (
        f" at {timezone.localtime(call.scheduled_for):%H:%M on %d %b}" if call.scheduled_for else ""
    )
    sms = f"{call.force.name}: join your video call with an officer{when} on your phone: {link}"
    email, phone = call.person_email, call.person_phone

    def send() -> None:
        if email:
            send_mail(f"Your video call with {call.force.name}", body, None, [email])
        if phone:
            send_sms(phone, sms)

    transaction.on_commit(send)


def call_schedule(*, actor: User, membership: Membership, data: CallInput) -> tuple[VideoCall, str]:
    """Open a call on an incident (or case) and send the person their link."""
    _require(membership)
    force = membership.organisation
    if not (data.person_email or data.person_phone):
        raise ValidationError("Enter the person's email address or mobile number")
    if data.person_phone:
        try:
            normalise_uk_mobile(data.person_phone)
        except ValueError as error:
            raise ValidationError(str(error)) from error
    incident, case = find_subject(force, data.reference)
    if incident is None and case is None:
        raise ValidationError("There is no incident or case with this reference")
    with transaction.atomic():
        if incident is not None and case is None:
            case = case_for_reference(
                force=force,
                reference=incident.reference,
                title=incident.summary[:200],
                actor=actor,
            )
            incident.case = case
            incident.save(update_fields=["case"])
        assert case is not None
        call = VideoCall.objects.create(
            force=force,
            case=case,
            incident=incident,
            officer=actor,
            person_name=data.person_name.strip(),
            person_email=data.person_email.strip(),
            person_phone=data.person_phone.strip(),
            scheduled_for=data.scheduled_for,
        )
        token = _issue_link(call)
        sent_to = " and ".join(x for x in [call.person_email, call.person_phone] if x)
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=force,
            obj=call,
            reason="Video call scheduled; link sent to the person",
            detail={
                "case": case.reference,
                "incident": incident.reference if incident else None,
                "person": call.person_name,
                "sent_to": sent_to,
                "scheduled_for": call.scheduled_for.isoformat() if call.scheduled_for else None,
            },
        )
        when = (
            f" for {timezone.localtime(call.scheduled_for):%d %b %H:%M}"
            if call.scheduled_for
            else ""
        )
        _log(call, actor, f"scheduled with {call.person_name}{when}; link sent to {sent_to}")
        _notify(call, token)
    return call, token


def call_link_resend(*, actor: User, membership: Membership, call: VideoCall) -> str:
    """A new link (earlier ones stop working), sent again."""
    _require(membership, call)
    if not call.is_open:
        raise ValidationError("This call has ended")
    with transaction.atomic():
        call.links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        token = _issue_link(call)
        ledger_record(
            action=Action.SHARED,
            actor=actor,
            actor_org=membership.organisation,
            obj=call,
            reason="Video call link sent again; earlier links withdrawn",
        )
        _notify(call, token)
    return token


def link_for_token(token: str) -> CallLink | None:
    return (
        CallLink.objects.select_related("call", "call__force")
        .filter(token_hash=hash_secret(token))
        .first()
    )


def link_opened(link: CallLink) -> None:
    with transaction.atomic():
        now = timezone.now()
        link.last_used_at = now
        link.save(update_fields=["last_used_at"])
        call = _locked(link.call_id)
        first = call.joined_at is None
        if first:
            call.joined_at = now
            call.save(update_fields=["joined_at"])
        ledger_record(
            action=Action.VIEWED,
            actor_label=link.principal,
            obj=call,
            reason="Video call link opened",
        )
        if first:
            _log(call, call.officer, f"{call.person_name} opened the call link")


# --- Signalling ------------------------------------------------------------------------------


def signal_cursor(call: VideoCall) -> int:
    """The newest message so far: a page that loads now ignores everything before it."""
    return int(call.signals.aggregate(top=Max("pk"))["top"] or 0)


def signal_send(*, call: VideoCall, side: str, kind: str, payload: Any) -> Signal:
    if not call.is_open:
        raise ValidationError("This call has ended")
    if kind not in Signal.Kind.values or side not in Signal.Side.values:
        raise ValidationError("Unknown message")
    if not isinstance(payload, dict):
        raise ValidationError("The message must be a JSON object")
    if call.signals.count() >= MAX_SIGNALS_PER_CALL:
        raise ValidationError("Too many messages for one call")
    with transaction.atomic():
        signal = Signal.objects.create(call=call, side=side, kind=kind, payload=payload)
        if side == Signal.Side.PUBLIC and kind == Signal.Kind.ANSWER and call.started_at is None:
            locked = _locked(call.pk)
            if locked.started_at is None:
                locked.started_at = timezone.now()
                locked.status = VideoCall.Status.LIVE
                locked.save(update_fields=["started_at", "status"])
                ledger_record(
                    action=Action.CHANGED,
                    actor_label=f"video-call:{call.reference}",
                    obj=call,
                    reason="Video call connected",
                    detail={"new": {"status": "live"}},
                )
    return signal


def signals_for(*, call: VideoCall, side: str, after: int) -> list[Signal]:
    """Messages for `side` (those the other side sent) newer than `after`."""
    return list(call.signals.exclude(side=side).filter(pk__gt=after).order_by("pk")[:200])


def call_state(call: VideoCall) -> dict[str, Any]:
    return {
        "status": call.status,
        "consent": call.has_consent,
        "recording": call.recording,
    }


# --- Consent and recording -------------------------------------------------------------------


def call_consent(link: CallLink) -> VideoCall:
    """The person agrees to the call being recorded (shown and recorded before any recording)."""
    call = link.call
    if not link.is_usable:
        raise PermissionDenied
    with transaction.atomic():
        call = _locked(call.pk)
        if call.has_consent:
            return call
        call.consent_at = timezone.now()
        call.consent_withdrawn_at = None
        call.save(update_fields=["consent_at", "consent_withdrawn_at"])
        ledger_record(
            action=Action.APPROVED,
            actor_label=link.principal,
            obj=call,
            reason="The person consented to the video call being recorded",
            detail={"person": call.person_name, "consent_at": call.consent_at.isoformat()},
        )
        _log(call, call.officer, f"{call.person_name} consented to the call being recorded")
    return call


def call_consent_withdraw(link: CallLink) -> VideoCall:
    """The person takes back their consent: recording stops at once, on the server, whatever
    the officer's page does. What was recorded before stays evidence (it was recorded with
    consent), and the officer can record again only if the person agrees again."""
    call = link.call
    if not link.is_usable:
        raise PermissionDenied
    with transaction.atomic():
        call = _locked(call.pk)
        if not call.has_consent:
            return call
        now = timezone.now()
        was_recording = call.recording
        call.consent_withdrawn_at = now
        fields = ["consent_withdrawn_at"]
        if was_recording:
            call.recording_stopped_at = now
            fields.append("recording_stopped_at")
        call.save(update_fields=fields)
        ledger_record(
            action=Action.REFUSED,
            actor_label=link.principal,
            obj=call,
            reason="The person withdrew consent to the video call being recorded",
            detail={
                "person": call.person_name,
                "consent_at": call.consent_at.isoformat() if call.consent_at else None,
                "withdrawn_at": now.isoformat(),
                "recording_stopped": was_recording,
            },
        )
        stopped = "; recording stopped" if was_recording else ""
        _log(call, call.officer, f"{call.person_name} withdrew consent to recording{stopped}")
    return call


def recording_start(*, actor: User, call: VideoCall) -> VideoCall:
    if call.officer_id != actor.pk:
        raise PermissionDenied
    if not call.is_open:
        raise ValidationError("This call has ended")
    with transaction.atomic():
        call = _locked(call.pk)
        if call.consent_withdrawn_at is not None:
            raise ValidationError("The person has withdrawn their consent to recording")
        if call.consent_at is None:
            raise ValidationError("The person has not consented to recording")
        if call.recording:
            return call
        call.recording_started_at = timezone.now()
        call.recording_stopped_at = None
        call.save(update_fields=["recording_started_at", "recording_stopped_at"])
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=call.force,
            obj=call,
            reason="Recording started (the person had consented)",
            detail={"consent_at": call.consent_at.isoformat()},
        )
        _log(call, actor, "recording started")
    return call


def recording_stop(*, actor: User, call: VideoCall) -> VideoCall:
    if call.officer_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        call = _locked(call.pk)
        if not call.recording:
            return call
        call.recording_stopped_at = timezone.now()
        call.save(update_fields=["recording_stopped_at"])
        ledger_record(
            action=Action.CHANGED, actor=actor, actor_org=call.force, obj=call,
            reason="Recording stopped",
        )  # fmt: skip
        _log(call, actor, "recording stopped")
    return call


def upload_allowed(principal: str) -> str | None:
    """For the upload create policy: None if this call principal may start an upload."""
    if principal.startswith(RECORDING_PREFIX):
        call = VideoCall.objects.filter(pk=int(principal.removeprefix(RECORDING_PREFIX))).first()
        if call is None or call.consent_at is None or call.recording_started_at is None:
            return "Recording needs the person's consent"
        return None
    link = CallLink.objects.select_related("call").filter(
        pk=int(principal.removeprefix(LINK_PREFIX))
    )
    found = link.first()
    if found is None or not found.is_usable:
        return "This call link has expired or the call has ended"
    return None


def call_evidence_add(*, upload: Any, file: File[Any], stored_name: str = "") -> int:
    """Keep a completed call upload (the officer's recording, or a file the person sent) as
    an evidence item on the call's case: original unchanged, SHA-256, ledgered, checked."""
    principal: str = upload.principal
    recording = principal.startswith(RECORDING_PREFIX)
    if recording:
        call = VideoCall.objects.get(pk=int(principal.removeprefix(RECORDING_PREFIX)))
        description = f"Recording of video call {call.reference} with {call.person_name}"
        uploaded_by = f"user:{call.officer_id}"
    else:
        link = CallLink.objects.select_related("call").get(
            pk=int(principal.removeprefix(LINK_PREFIX))
        )
        call = link.call
        description = f"Sent by {call.person_name} during video call {call.reference}"
        uploaded_by = link.principal
    item = _call_item_keep(
        call,
        file=file,
        stored_name=stored_name,
        upload=upload,
        name=upload.filename or "unnamed file",
        size=upload.length,
        sha256=upload.sha256,
        description=description,
        uploaded_by=uploaded_by,
        recording=recording,
    )
    return int(item.pk)


def call_file_send(*, link: CallLink, file: File[Any], name: str, size: int, sha256: str) -> Any:
    """A file the person sends from the call page's plain form (no JavaScript): kept like
    one sent by resumable upload."""
    call = link.call
    if not call.is_open:
        raise ValidationError("This call has ended")
    return _call_item_keep(
        call,
        file=file,
        name=name,
        size=size,
        sha256=sha256,
        description=f"Sent by {call.person_name} during video call {call.reference}",
        uploaded_by=link.principal,
        recording=False,
    )


def _call_item_keep(
    call: VideoCall,
    *,
    file: File[Any],
    name: str,
    size: int,
    sha256: str,
    description: str,
    uploaded_by: str,
    recording: bool,
    upload: Any = None,
    stored_name: str = "",
) -> Any:
    from functools import partial

    from lantern.evidence.models import EvidenceItem
    from lantern.evidence.tasks import evidence_item_check

    with transaction.atomic():
        item = EvidenceItem(
            case=call.case,
            upload=upload,
            original_name=name[:255],
            size=size,
            sha256=sha256,
            description=description,
            uploaded_by=uploaded_by,
            state=EvidenceItem.State.SUBMITTED,
            submitted_at=timezone.now(),
        )
        if stored_name:
            item.original.name = stored_name
        else:
            item.original.save(f"{call.reference}-{sha256[:16]}", file, save=False)
        item.save()
        ledger_record(
            action=Action.CREATED,
            actor=call.officer if recording else None,
            actor_label="" if recording else uploaded_by,
            actor_org=call.force if recording else None,
            obj=item,
            object_sha256=item.sha256,
            reason=description,
            detail={"call": call.reference, "name": item.original_name, "size": item.size},
        )
        what = "recording saved as evidence" if recording else f"{call.person_name} sent a file"
        _log(call, call.officer, f"{what}: {item.original_name}, SHA-256 {item.sha256}")
        transaction.on_commit(partial(evidence_item_check.enqueue, item.pk))
    return item


def call_items(call: VideoCall) -> Any:
    """Evidence items that came from this call: recordings, and files the person sent (by
    resumable upload, or by the page's plain form, which has no upload)."""
    from lantern.evidence.models import EvidenceItem

    principals = [f"{LINK_PREFIX}{pk}" for pk in call.links.values_list("pk", flat=True)]
    uploaded = Q(upload__principal__in=[*principals, f"{RECORDING_PREFIX}{call.pk}"])
    sent_by_form = Q(upload__isnull=True, uploaded_by__in=principals)
    return EvidenceItem.objects.filter(case=call.case).filter(uploaded | sent_by_form)


def call_statement_opened(*, actor: User, call: VideoCall, statement: Any) -> None:
    """Note on the call and its incident that a statement was opened for the person."""
    with transaction.atomic():
        ledger_record(
            action=Action.LINKED,
            actor=actor,
            actor_org=call.force,
            obj=call,
            reason=f"Statement {statement.pk} opened for {call.person_name} from the call",
            detail={"statement": statement.pk},
        )
        _log(
            call, actor, f"statement draft opened for {call.person_name} (statement {statement.pk})"
        )


# --- Ending: the call log --------------------------------------------------------------------


def call_end(
    *, actor: User, membership: Membership, call: VideoCall, outcome: str, note: str = ""
) -> VideoCall:
    """End the call and write the call log: who, when, how long, and the outcome."""
    _require(membership, call)
    if outcome not in VideoCall.Outcome.values:
        raise ValidationError("Choose how the call ended")
    with transaction.atomic():
        call = _locked(call.pk)
        if not call.is_open:
            raise ValidationError("This call has already ended")
        now = timezone.now()
        call.status = VideoCall.Status.ENDED
        call.ended_at = now
        call.outcome = outcome
        call.outcome_note = note.strip()
        if call.recording:
            call.recording_stopped_at = now
        call.save(
            update_fields=["status", "ended_at", "outcome", "outcome_note", "recording_stopped_at"]
        )
        call.links.filter(revoked_at__isnull=True).update(revoked_at=now)
        # Signalling is transient (no evidence in it): dropped once the call is over.
        call.signals.all().delete()
        officer = actor.get_full_name() or actor.get_username()
        started = (
            f"{timezone.localtime(call.started_at):%d %b %Y %H:%M:%S}"
            if call.started_at
            else "never connected"
        )
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=call,
            reason=f"Video call ended: {call.get_outcome_display()}",
            detail={
                "officer": actor.get_username(),
                "person": call.person_name,
                "started_at": call.started_at.isoformat() if call.started_at else None,
                "ended_at": now.isoformat(),
                "duration_seconds": call.duration_seconds,
                "outcome": outcome,
                "note": call.outcome_note,
                "recorded": call.recording_started_at is not None,
            },
        )
        lines = [
            f"call log: {officer} with {call.person_name}",
            f"Started: {started}; ended: {timezone.localtime(now):%d %b %Y %H:%M:%S}",
            f"Duration: {call.duration_text}",
            f"Outcome: {call.get_outcome_display()}",
        ]
        if call.outcome_note:
            lines.append(f"Note: {call.outcome_note}")
        _log(call, actor, "\n".join(lines))
    return call
