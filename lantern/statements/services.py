"""Remote MG11 statements: eligibility, drafting, sending, witness identity, signing."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.models import Membership, User
from lantern.casework.services import case_for_reference
from lantern.core.tokens import hash_secret, new_code, new_token, same_secret
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record
from lantern.notifications.sms import send_sms

from .models import (
    Offence,
    RestrictedDetails,
    Statement,
    StatementComment,
    StatementLink,
    StatementVersion,
    age_on,
)

TAKERS = frozenset({Role.OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR})
OVERRIDERS = frozenset({Role.SUPERVISOR})
MAX_CHECKS = 5
CODE_MINUTES = 15


def _require(
    membership: Membership, roles: frozenset[str], statement: Statement | None = None
) -> None:
    if membership.role not in roles:
        raise PermissionDenied
    if statement is not None and statement.force_id != membership.organisation_id:
        raise PermissionDenied


def eligibility_reasons(*, dob: date, vulnerable: bool, serious_offence: str) -> list[str]:
    """Why a remote statement is not allowed (empty: it is). From DOMAIN.md: 18 or over,
    not vulnerable or intimidated (YJCEA 1999 ss.16-17), not the victim of a serious offence."""
    reasons = []
    if age_on(dob) < 18:
        reasons.append("The witness is under 18")
    if vulnerable:
        reasons.append(
            "The witness is vulnerable or intimidated (Youth Justice and Criminal Evidence "
            "Act 1999, sections 16 and 17)"
        )
    if serious_offence in settings.LANTERN_SERIOUS_OFFENCES:
        reasons.append(f"The witness is the victim of {Offence(serious_offence).label.lower()}")
    return reasons


@dataclass
class NewStatement:
    case_reference: str
    case_title: str
    witness_name: str
    witness_dob: date
    witness_email: str
    witness_phone: str
    occupation: str
    vulnerable: bool
    serious_offence: str
    own_statement: bool = False


def statement_create(*, actor: User, membership: Membership, data: NewStatement) -> Statement:
    _require(membership, TAKERS)
    force = membership.organisation
    reasons = (
        []
        if data.own_statement
        else eligibility_reasons(
            dob=data.witness_dob, vulnerable=data.vulnerable, serious_offence=data.serious_offence
        )
    )
    with transaction.atomic():
        case = case_for_reference(
            force=force, reference=data.case_reference, title=data.case_title, actor=actor
        )
        statement = Statement.objects.create(
            force=force,
            case=case,
            officer=actor,
            own_statement=data.own_statement,
            witness_name=data.witness_name.strip(),
            witness_dob=data.witness_dob,
            witness_email=data.witness_email,
            witness_phone=data.witness_phone,
            occupation=data.occupation,
            vulnerable=data.vulnerable,
            serious_offence=data.serious_offence,
            eligible=not reasons,
            eligibility_reasons=reasons,
            eligibility_by=actor,
            eligibility_at=timezone.now(),
            status=Statement.Status.BLOCKED if reasons else Statement.Status.DRAFT,
        )
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=force,
            obj=statement,
            detail={
                "eligible": not reasons,
                "reasons": reasons,
                "answers": {
                    "age": statement.age,
                    "vulnerable": data.vulnerable,
                    "serious_offence": data.serious_offence,
                },
                "own_statement": data.own_statement,
            },
        )
    return statement


def statement_override(
    *, actor: User, membership: Membership, statement: Statement, reason: str
) -> None:
    """A supervisor may allow the remote route, never silently: a written reason, ledgered."""
    _require(membership, OVERRIDERS, statement)
    if not reason.strip():
        raise ValidationError("Write why the remote route is right for this witness")
    if statement.status != Statement.Status.BLOCKED:
        raise ValidationError("Only a blocked statement can be overridden")
    with transaction.atomic():
        statement.eligible = True
        statement.override_reason = reason.strip()
        statement.override_by = actor
        statement.status = Statement.Status.DRAFT
        statement.save(update_fields=["eligible", "override_reason", "override_by", "status"])
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=statement,
            reason=f"Eligibility overridden: {reason.strip()}",
            detail={"blocked_because": statement.eligibility_reasons},
        )


def statement_save_draft(
    *, actor: User, membership: Membership, statement: Statement, text: str
) -> None:
    """Drafts are the officer's working copy, saved often (autosave): only what is sent to
    the witness becomes a numbered, ledgered version."""
    _require(membership, TAKERS, statement)
    if statement.status in {Statement.Status.SIGNED, Statement.Status.WITHDRAWN}:
        raise ValidationError("This statement can no longer be changed")
    statement.draft_text = text
    statement.draft_saved_at = timezone.now()
    statement.save(update_fields=["draft_text", "draft_saved_at"])


def _new_version(actor: User, statement: Statement) -> StatementVersion:
    last = statement.latest_version
    return StatementVersion.objects.create(
        statement=statement,
        number=(last.number + 1) if last else 1,
        text=statement.draft_text,
        created_by=actor,
    )


def statement_send(*, actor: User, membership: Membership, statement: Statement) -> str:
    """Send the current draft for signature; returns the link token."""
    _require(membership, TAKERS, statement)
    if not statement.eligible:
        raise ValidationError("This witness must give their statement face to face")
    if statement.own_statement:
        raise ValidationError("Sign your own statement yourself; it is not sent")
    if not statement.draft_text.strip():
        raise ValidationError("Write the statement before sending it")
    if not (statement.witness_email or statement.witness_phone):
        raise ValidationError("Add the witness's email address or mobile number")
    if statement.status in {Statement.Status.SIGNED, Statement.Status.WITHDRAWN}:
        raise ValidationError("This statement can no longer be sent")
    token, token_hash = new_token()
    with transaction.atomic():
        version = _new_version(actor, statement)
        statement.links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        StatementLink.objects.create(
            statement=statement,
            token_hash=token_hash,
            expires_at=timezone.now() + timedelta(days=settings.LANTERN_STATEMENT_LINK_DAYS),
        )
        statement.status = Statement.Status.SENT
        statement.save(update_fields=["status"])
        ledger_record(
            action=Action.SHARED,
            actor=actor,
            actor_org=membership.organisation,
            obj=statement,
            object_sha256=hashlib.sha256(version.text.encode()).hexdigest(),
            reason="Sent to the witness for signature",
            detail={"version": version.number},
        )
        link = settings.LANTERN_BASE_URL + reverse("statements:link", args=[token])
        body = render_to_string(
            "statements/email/sign.txt",
            {"statement": statement, "link": link, "force_name": statement.force.name},
        )
        email, phone = statement.witness_email, statement.witness_phone

        def send() -> None:
            if email:
                send_mail(
                    f"Your witness statement from {statement.force.name}", body, None, [email]
                )
            if phone:
                send_sms(
                    phone,
                    f"{statement.force.name}: please read and sign your witness statement: {link}",
                )

        transaction.on_commit(send)
    return token


def statement_withdraw_link(*, actor: User, membership: Membership, statement: Statement) -> None:
    """Stop the link working at once (sent to the wrong address, or no longer needed)."""
    _require(membership, TAKERS, statement)
    if statement.status not in {Statement.Status.SENT, Statement.Status.CORRECTIONS}:
        raise ValidationError("There is no link waiting for the witness")
    with transaction.atomic():
        statement.links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        statement.status = Statement.Status.DRAFT
        statement.save(update_fields=["status"])
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=membership.organisation,
            obj=statement,
            reason="Signing link withdrawn",
        )


def link_for_token(token: str) -> StatementLink | None:
    return (
        StatementLink.objects.select_related("statement", "statement__force")
        .filter(token_hash=hash_secret(token))
        .first()
    )


def _failed(link: StatementLink) -> None:
    StatementLink.objects.filter(pk=link.pk).update(failed_checks=link.failed_checks + 1)
    link.failed_checks += 1


def link_check_dob(link: StatementLink, dob: date) -> bool:
    if link.failed_checks >= MAX_CHECKS:
        return False
    if dob == link.statement.witness_dob:
        return True
    _failed(link)
    return False


def link_send_code(link: StatementLink) -> str:
    """A code to the channel the link did not arrive on when there are two (else the one)."""
    statement = link.statement
    code = new_code()
    link.code_hash = hash_secret(code)
    link.code_expires_at = timezone.now() + timedelta(minutes=CODE_MINUTES)
    link.save(update_fields=["code_hash", "code_expires_at"])
    text = f"Your code to open your {statement.force.name} witness statement is {code}"
    if statement.witness_phone:
        transaction.on_commit(lambda: send_sms(statement.witness_phone, text))
        return "your mobile phone"
    transaction.on_commit(lambda: send_mail("Your code", text, None, [statement.witness_email]))
    return "your email"


def link_check_code(link: StatementLink, code: str) -> bool:
    if link.failed_checks >= MAX_CHECKS or not link.code_hash or not link.code_expires_at:
        return False
    if link.code_expires_at > timezone.now() and same_secret(link.code_hash, code.strip()):
        link.code_hash = ""
        link.save(update_fields=["code_hash"])
        return True
    _failed(link)
    return False


def witness_opened(link: StatementLink) -> None:
    with transaction.atomic():
        ledger_record(
            action=Action.VIEWED,
            actor_label=link.principal,
            obj=link.statement,
            reason="Witness opened the statement",
        )


def witness_request_correction(*, link: StatementLink, text: str) -> None:
    statement = link.statement
    if not text.strip():
        raise ValidationError("Write what should be corrected")
    version = statement.latest_version
    assert version is not None
    with transaction.atomic():
        StatementComment.objects.create(statement=statement, version=version, text=text.strip())
        statement.status = Statement.Status.CORRECTIONS
        statement.save(update_fields=["status"])
        ledger_record(
            action=Action.CHANGED,
            actor_label=link.principal,
            obj=statement,
            reason="Witness asked for a correction",
            detail={"version": version.number},
        )
        officer_email = statement.officer.email
        if officer_email:
            transaction.on_commit(
                lambda: send_mail(
                    f"Correction asked: statement of {statement.witness_name}",
                    f"The witness asked for a correction to version {version.number}:\n\n{text}",
                    None,
                    [officer_email],
                )
            )


_EXHIBIT_REF = re.compile(r"\b([A-Z]{1,4}/\d{1,4})\b")


def exhibit_refs(text: str) -> list[str]:
    """Exhibit references the statement mentions (like OA/1), in order, once each."""
    return list(dict.fromkeys(_EXHIBIT_REF.findall(text)))


def _normalise(name: str) -> str:
    return " ".join(name.lower().split())


def statement_sign(
    *,
    statement: Statement,
    actor_label: str,
    actor: User | None,
    signed_name: str,
    signature_png: bytes | None,
    rear: dict[str, Any],
) -> bytes:
    """Render the MG11 with the signature on every page and after the last word, seal it
    (PAdES with a timestamp), keep the rear page apart, and record its SHA-256."""
    from . import pdf

    if _normalise(signed_name) != _normalise(statement.witness_name):
        raise ValidationError("Type your full name exactly as it appears on the statement")
    version = statement.latest_version
    if version is None:
        raise ValidationError("There is nothing to sign yet")
    now = timezone.now()
    document = pdf.StatementDocument(
        urn=statement.case.reference,
        witness_name=statement.witness_name,
        age_text=statement.age_text,
        occupation=statement.occupation,
        statement_text=version.text,
        signed_name=signed_name.strip(),
        signature_png=signature_png,
        signed_at=now,
        force_name=statement.force.name,
        officer_name=statement.officer.get_full_name() or statement.officer.username,
        exhibits=[],
        reader_name=None,
    )
    rendered = pdf.render_mg11(document)
    try:
        sealed: bytes | None = _seal(statement, rendered)
    except SealUnavailable as unavailable:
        sealed, seal_error = None, str(unavailable)
    rear_pdf = (
        pdf.render_rear_page(
            pdf.RearPage(
                **rear, signature_png=signature_png, signed_name=signed_name.strip(), signed_at=now
            ),
            urn=statement.case.reference,
            witness_name=statement.witness_name,
        )
        if rear
        else None  # an officer's own statement has no restricted witness page
    )
    digest = hashlib.sha256(sealed if sealed is not None else rendered).hexdigest()
    with transaction.atomic():
        name = f"MG11-{statement.pk}-v{version.number}.pdf"
        fields = ["signed_at", "signed_name", "status"]
        if sealed is not None:
            statement.signed_pdf.save(name, ContentFile(sealed), save=False)
            statement.signed_sha256 = digest
            fields += ["signed_pdf", "signed_sha256"]
        else:
            statement.seal_pending_pdf.save(name, ContentFile(rendered), save=False)
            statement.seal_attempts = 1
            statement.seal_error = seal_error[:300]
            fields += ["seal_pending_pdf", "seal_attempts", "seal_error"]
        statement.signed_at = now
        statement.signed_name = signed_name.strip()
        statement.status = Statement.Status.SIGNED
        statement.save(update_fields=fields)
        if rear_pdf is not None:
            restricted, _ = RestrictedDetails.objects.get_or_create(statement=statement)
            restricted.details = rear
            restricted.rear_pdf.save(
                f"MG11-rear-{statement.pk}.pdf", ContentFile(rear_pdf), save=False
            )
            restricted.save()
        ledger_record(
            action=Action.SIGNED,
            actor=actor,
            actor_label=actor_label,
            obj=statement,
            object_sha256=digest,
            reason="MG11 signed and sealed"
            if sealed is not None
            else "MG11 signed; the seal waits for the time-stamping authority",
            detail={
                "version": version.number,
                "text_sha256": hashlib.sha256(version.text.encode()).hexdigest(),
                "drawn_signature": signature_png is not None,
                "sealed": sealed is not None,
            },
        )
    return sealed if sealed is not None else rendered


class SealUnavailable(Exception):
    """The time-stamping authority (or its network) failed: worth trying again later."""


def _seal(statement: Statement, rendered: bytes) -> bytes:
    """PAdES seal with an RFC 3161 timestamp. A timestamp server that cannot be reached
    raises SealUnavailable, so the witness's signature is kept and sealed later; a broken
    signing configuration still fails at once."""
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    from . import signing
    from .config import signing_config

    try:
        return signing.seal_pdf(
            rendered,
            signing_config(),
            reason=f"Witness statement of {statement.witness_name}",
            location=statement.force.name,
        )
    except (TimestampRequestError, OSError) as error:  # requests' errors are OSErrors too
        raise SealUnavailable(f"time-stamping authority unavailable: {error}") from error
    except SigningError as error:
        if isinstance(error.__cause__, (TimestampRequestError, OSError)):
            raise SealUnavailable(f"time-stamping authority unavailable: {error}") from error
        raise


def statement_seal_pending(limit: int = 100) -> int:
    """Seal statements signed while the time-stamping authority was down (run by the
    scheduler every few minutes). Returns how many were sealed; the rest wait for the next
    run, each failure counted on the statement."""
    sealed_count = 0
    pending = Statement.objects.exclude(seal_pending_pdf="").order_by("signed_at")[:limit]
    for statement in pending:
        with statement.seal_pending_pdf.open("rb") as handle:
            rendered = handle.read()
        try:
            sealed = _seal(statement, rendered)
        except SealUnavailable as unavailable:
            Statement.objects.filter(pk=statement.pk).update(
                seal_attempts=models.F("seal_attempts") + 1, seal_error=str(unavailable)[:300]
            )
            continue
        digest = hashlib.sha256(sealed).hexdigest()
        with transaction.atomic():
            locked = Statement.objects.select_for_update().get(pk=statement.pk)
            if not locked.seal_pending_pdf:
                continue  # another worker sealed it meanwhile
            pending_name = locked.seal_pending_pdf.name
            locked.signed_pdf.save(pending_name.rsplit("/", 1)[-1], ContentFile(sealed), save=False)
            locked.signed_sha256 = digest
            locked.seal_pending_pdf = ""  # type: ignore[assignment]
            locked.seal_error = ""
            locked.save(
                update_fields=["signed_pdf", "signed_sha256", "seal_pending_pdf", "seal_error"]
            )
            ledger_record(
                action=Action.SIGNED,
                actor_label="lantern",
                obj=locked,
                object_sha256=digest,
                reason="MG11 sealed (the time-stamping authority was unavailable at signing)",
                detail={
                    "unsealed_sha256": hashlib.sha256(rendered).hexdigest(),
                    "attempts": locked.seal_attempts + 1,
                },
            )
            transaction.on_commit(partial(default_storage.delete, pending_name))
        sealed_count += 1
    return sealed_count


def statement_sign_own(
    *,
    actor: User,
    membership: Membership,
    statement: Statement,
    signed_name: str,
    signature_png: bytes | None,
) -> bytes:
    """An officer's own statement: the officer is the witness and signs in-session."""
    _require(membership, POLICE_ROLES, statement)
    if not statement.own_statement or statement.officer_id != actor.pk:
        raise PermissionDenied
    if not statement.draft_text.strip():
        raise ValidationError("Write the statement before signing it")
    with transaction.atomic():
        _new_version(actor, statement)
    return statement_sign(
        statement=statement,
        actor_label="",
        actor=actor,
        signed_name=signed_name,
        signature_png=signature_png,
        rear={},
    )
