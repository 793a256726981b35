"""Officers draft and send MG11 statements; witnesses check who they are, read, ask for
corrections or sign; anyone can check a signed MG11 PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import User
from lantern.core.permissions import get_for_user_or_404, require_role
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from . import services
from .forms import (
    CodeCheckForm,
    CorrectionForm,
    DobCheckForm,
    DraftForm,
    NewStatementForm,
    OverrideForm,
    RearPageForm,
    SignForm,
)
from .models import Statement, StatementLink

WITNESS_SESSION = "statement_link_id"
REAR_SESSION = "statement_rear"
MAX_PDF_BYTES = 20 * 1024 * 1024


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _statement(request: HttpRequest, pk: int) -> Statement:
    require_role(request, POLICE_ROLES)
    return get_for_user_or_404(Statement, _user(request), pk=pk)


# --- Officers -------------------------------------------------------------------------------


def statement_list(request: HttpRequest) -> HttpResponse:
    require_role(request, POLICE_ROLES)
    statements = Statement.objects.for_user(_user(request)).select_related("case", "officer")
    return render(
        request,
        "statements/list.html",
        {"statements": statements[:200], "can_take": current_can_take(request)},
    )


def current_can_take(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role in services.TAKERS


def statement_new(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, services.TAKERS)
    form = NewStatementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        statement = services.statement_create(
            actor=_user(request), membership=membership, data=form.statement_input()
        )
        return redirect("statements:detail", pk=statement.pk)
    return render(request, "statements/new.html", {"form": form})


def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    membership = require_role(request, POLICE_ROLES)
    form = DraftForm(request.POST or None, initial={"text": statement.draft_text})
    if request.method == "POST" and form.is_valid():
        try:
            services.statement_save_draft(
                actor=_user(request),
                membership=membership,
                statement=statement,
                text=form.cleaned_data["text"],
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", ["Not allowed"])))
        else:
            if request.POST.get("action") == "send":
                return _send(request, statement)
            messages.success(request, "Draft saved.")
        return redirect("statements:detail", pk=statement.pk)
    context = {
        "statement": statement,
        "form": form,
        "override_form": OverrideForm(),
        "versions": statement.versions.all(),
        "comments": statement.comments.order_by("-created_at"),
        "can_override": membership.role in services.OVERRIDERS,
        "can_edit": membership.role in services.TAKERS
        and statement.status not in {Statement.Status.SIGNED, Statement.Status.WITHDRAWN},
        "sign_form": SignForm() if statement.own_statement else None,
    }
    return render(request, "statements/detail.html", context)


def _send(request: HttpRequest, statement: Statement) -> HttpResponse:
    try:
        services.statement_send(
            actor=_user(request),
            membership=require_role(request, services.TAKERS),
            statement=statement,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Sent to {statement.witness_name} to read and sign.")
    return redirect("statements:detail", pk=statement.pk)


@require_POST
def statement_autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """Called by the editor's script every few seconds: nothing typed is lost."""
    statement = _statement(request, pk)
    try:
        services.statement_save_draft(
            actor=_user(request),
            membership=require_role(request, services.TAKERS),
            statement=statement,
            text=request.POST.get("text", ""),
        )
    except ValidationError as error:
        return JsonResponse({"saved": False, "error": " ".join(error.messages)}, status=409)
    assert statement.draft_saved_at is not None
    return JsonResponse({"saved": True, "at": statement.draft_saved_at.isoformat()})


@require_POST
def statement_override(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    membership = require_role(request, services.OVERRIDERS)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.statement_override(
                actor=_user(request),
                membership=membership,
                statement=statement,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Remote statement allowed. Your reason is recorded.")
    else:
        messages.error(request, "Write why the remote route is right for this witness")
    return redirect("statements:detail", pk=statement.pk)


@require_POST
def statement_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    try:
        services.statement_withdraw_link(
            actor=_user(request),
            membership=require_role(request, services.TAKERS),
            statement=statement,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The link no longer works. Send the statement again when ready.")
    return redirect("statements:detail", pk=statement.pk)


@require_POST
def statement_sign_own(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Type your full name and confirm the declaration to sign")
        return redirect("statements:detail", pk=statement.pk)
    try:
        services.statement_sign_own(
            actor=_user(request),
            membership=require_role(request, POLICE_ROLES),
            statement=statement,
            signed_name=form.cleaned_data["signed_name"],
            signature_png=form.signature_png(),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        statement.refresh_from_db()
        messages.success(
            request,
            "Your statement is signed and sealed."
            if statement.signed_pdf
            else "Your statement is signed. The seal will be added when the time-stamping "
            "service answers again.",
        )
    return redirect("statements:detail", pk=statement.pk)


def statement_pdf(request: HttpRequest, pk: int) -> FileResponse:
    statement = _statement(request, pk)
    if not statement.signed_pdf:
        raise PermissionDenied
    with transaction.atomic():
        ledger_record(
            action=Action.DOWNLOADED,
            actor=_user(request),
            obj=statement,
            object_sha256=statement.signed_sha256,
        )
    return _pdf_response(statement)


def _pdf_response(statement: Statement) -> FileResponse:
    response = FileResponse(
        statement.signed_pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"MG11-{statement.pk}.pdf",
    )
    response["Cache-Control"] = "no-store"
    return response


# --- Witnesses ------------------------------------------------------------------------------


@login_not_required
@never_cache
def link(request: HttpRequest, token: str) -> HttpResponse:
    found = services.link_for_token(token)
    signed = found is not None and found.statement.status == Statement.Status.SIGNED
    if found is None or (not found.is_usable and not (signed and found.revoked_at is None)):
        return render(request, "statements/link_invalid.html", status=404)
    if request.session.get(WITNESS_SESSION) == found.pk:
        return redirect("statements:witness")
    dob_form = DobCheckForm(request.POST if request.POST.get("check") == "dob" else None)
    code_form = CodeCheckForm(request.POST if request.POST.get("check") == "code" else None)
    code_sent_to = ""
    if request.method == "POST" and request.POST.get("check") == "send-code":
        with transaction.atomic():
            code_sent_to = services.link_send_code(found)
    elif dob_form.is_bound and dob_form.is_valid():
        if services.link_check_dob(found, dob_form.cleaned_data["dob"]):
            return _witness_in(request, found)
        dob_form.add_error("dob", "That date of birth does not match. Check it and try again.")
    elif code_form.is_bound and code_form.is_valid():
        if services.link_check_code(found, code_form.cleaned_data["code"]):
            return _witness_in(request, found)
        code_form.add_error("code", "The code is not correct or has expired")
    locked = found.failed_checks >= services.MAX_CHECKS
    return render(
        request,
        "statements/link_check.html",
        {
            "statement": found.statement,
            "dob_form": dob_form,
            "code_form": code_form,
            "code_sent_to": code_sent_to,
            "locked": locked,
            "checks_left": max(0, services.MAX_CHECKS - found.failed_checks),
        },
    )


def _witness_in(request: HttpRequest, found: StatementLink) -> HttpResponse:
    request.session.cycle_key()
    request.session[WITNESS_SESSION] = found.pk
    services.witness_opened(found)
    return redirect("statements:witness")


def _session_link_id(request: HttpRequest) -> int:
    value = request.session.get(WITNESS_SESSION)
    return value if isinstance(value, int) else 0


def _witness_link(request: HttpRequest, *, for_download: bool = False) -> StatementLink:
    found = (
        StatementLink.objects.select_related("statement", "statement__force")
        .filter(pk=_session_link_id(request))
        .first()
    )
    if found is None:
        raise PermissionDenied
    if for_download:
        if (
            found.revoked_at is not None
            or found.statement.status != Statement.Status.SIGNED
            or not found.statement.signed_pdf  # the seal may still be pending
        ):
            raise PermissionDenied
    elif not found.is_usable:
        raise PermissionDenied
    return found


@login_not_required
@never_cache
def witness(request: HttpRequest) -> HttpResponse:
    found = (
        StatementLink.objects.select_related("statement")
        .filter(pk=_session_link_id(request))
        .first()
    )
    if found is not None and found.statement.status == Statement.Status.SIGNED:
        return render(request, "statements/witness_done.html", {"statement": found.statement})
    found = _witness_link(request)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.witness_request_correction(link=found, text=form.cleaned_data["text"])
        return render(
            request, "statements/witness_correction_sent.html", {"statement": found.statement}
        )
    return render(
        request,
        "statements/witness_read.html",
        {
            "statement": found.statement,
            "version": found.statement.latest_version,
            "form": form,
        },
    )


@login_not_required
@never_cache
def witness_details(request: HttpRequest) -> HttpResponse:
    found = _witness_link(request)
    form = RearPageForm(request.POST or None, initial=request.session.get(REAR_SESSION + "_form"))
    if request.method == "POST" and form.is_valid():
        request.session[REAR_SESSION] = form.rear()
        request.session[REAR_SESSION + "_form"] = request.POST.dict()
        return redirect("statements:witness-sign")
    return render(
        request, "statements/witness_details.html", {"statement": found.statement, "form": form}
    )


@login_not_required
@never_cache
def witness_sign(request: HttpRequest) -> HttpResponse:
    found = _witness_link(request)
    rear = request.session.get(REAR_SESSION)
    if rear is None:
        return redirect("statements:witness-details")
    form = SignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.statement_sign(
                statement=found.statement,
                actor_label=found.principal,
                actor=None,
                signed_name=form.cleaned_data["signed_name"],
                signature_png=form.signature_png(),
                rear=rear,
            )
        except ValidationError as error:
            form.add_error("signed_name", error)
        else:
            request.session.pop(REAR_SESSION, None)
            return redirect("statements:witness")
    statement = found.statement
    return render(
        request,
        "statements/witness_sign.html",
        {
            "statement": statement,
            "version": statement.latest_version,
            "form": form,
        },
    )


@login_not_required
def witness_pdf(request: HttpRequest) -> FileResponse:
    found = _witness_link(request, for_download=True)
    with transaction.atomic():
        ledger_record(
            action=Action.DOWNLOADED,
            actor_label=found.principal,
            obj=found.statement,
            object_sha256=found.statement.signed_sha256,
            reason="Witness downloaded their copy",
        )
    return _pdf_response(found.statement)


# --- Anyone ---------------------------------------------------------------------------------


@login_not_required
def verify(request: HttpRequest) -> HttpResponse:
    """Upload an MG11 PDF: is it genuine and unaltered, who signed it and when."""
    from .config import trust_roots
    from .signing import verify_pdf

    verdict = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("pdf")
        if upload is None:
            error = "Choose a PDF file to check"
        elif (upload.size or 0) > MAX_PDF_BYTES:
            error = "The file must be smaller than 20 MB"
        else:
            verdict = verify_pdf(upload.read(), trust_roots())
            statement = Statement.objects.filter(signed_sha256=verdict.sha256).first()
            verdict_known = statement is not None
            return render(
                request,
                "statements/verify.html",
                {
                    "verdict": verdict,
                    "known": verdict_known,
                    "statement": statement,
                },
            )
    return render(request, "statements/verify.html", {"verdict": verdict, "error": error})
