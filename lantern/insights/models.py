"""Victims' Code records (victims, case events, obligations, letters), routine automation
(markers, proposed closures, disclosure schedules, retention decisions) and the force's
benefit assumptions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import Membership, Organisation
from lantern.casework.models import Case

from .workdays import DIVISION_LABELS, Division


class ForceQuerySet(models.QuerySet[Any]):
    """Rows that belong to a force: its police see them, nobody else does."""

    def for_user(self, user: Any) -> ForceQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        forces = Membership.objects.filter(user=user, is_active=True, role__in=POLICE_ROLES).values(
            "organisation"
        )
        return self.filter(force__in=forces)


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    LETTER = "letter", "Letter by post"


class EventKind(models.TextChoices):
    """Events the Victims' Code (Right 6) says a victim must be told about, and the outcome."""

    ARREST = "arrest", "Suspect arrested"
    INTERVIEW = "interview", "Suspect interviewed under caution"
    RELEASE = "release", "Suspect released without charge or under investigation"
    BAIL = "bail", "Suspect bailed"
    BAIL_CHANGE = "bail_change", "Suspect's bail conditions changed"
    NO_INVESTIGATION = "no_investigation", "Decision not to investigate"
    OUTCOME = "outcome", "Outcome of the investigation"


class ObligationKind(models.TextChoices):
    CONFIRMATION = "confirmation", "Right 3: written confirmation of the report"
    UPDATE = "update", "Right 6: update after an event"
    OUTCOME = "outcome", "Right 6: the outcome"


class UpdateFrequency(models.TextChoices):
    EVENTS = "events", "Only when something happens"
    WEEKLY = "weekly", "Every week"
    FORTNIGHTLY = "fortnightly", "Every 2 weeks"
    MONTHLY = "monthly", "Every month"


class Purpose(models.TextChoices):
    """What a letter template is for: the confirmation, each event, or a closure."""

    CONFIRMATION = "confirmation", "Confirmation of the crime report (Right 3)"
    ARREST = "arrest", "Suspect arrested"
    INTERVIEW = "interview", "Suspect interviewed under caution"
    RELEASE = "release", "Suspect released"
    BAIL = "bail", "Suspect bailed"
    BAIL_CHANGE = "bail_change", "Bail conditions changed"
    NO_INVESTIGATION = "no_investigation", "Decision not to investigate"
    OUTCOME = "outcome", "Outcome of the investigation"
    CLOSURE = "closure", "Investigation closed: no further lines of enquiry"


class ForceSettings(models.Model):
    """Per-force choices for the automation: which bank holidays its clocks skip."""

    force = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    division = models.CharField(
        "Bank holidays",
        max_length=30,
        choices=[(d.value, DIVISION_LABELS[d]) for d in Division],
        default=Division.ENGLAND_AND_WALES,
    )
    # A case with no line of enquiry is proposed for closure once it is this old.
    closure_after_days = models.PositiveSmallIntegerField(default=28)
    # Benefit assumptions that apply to every activity (their sources are on the page).
    officer_hour_pence = models.PositiveIntegerField(
        "Cost of an officer hour (pence)", default=4000
    )
    pence_per_mile = models.PositiveIntegerField("Travel cost per mile (pence)", default=45)
    miles_per_gallon = models.DecimalField(
        "Fleet miles per gallon", max_digits=5, decimal_places=1, default=Decimal("45.0")
    )
    shift_hours = models.PositiveSmallIntegerField("Hours in an officer-day", default=8)

    def __str__(self) -> str:
        return f"Settings of {self.force}"


class Victim(models.Model):
    """A person the Victims' Code covers. A business is not a victim under the Code; its
    staff are (recorded here with `staff_of`)."""

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="victims")
    full_name = models.CharField("Full name", max_length=200)
    email = models.EmailField("Email address", blank=True)
    phone = models.CharField("Mobile number", max_length=20, blank=True)
    address = models.TextField("Postal address", blank=True)
    staff_of = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    most_serious_crime = models.BooleanField("Victim of the most serious crime", default=False)
    persistently_targeted = models.BooleanField("Persistently targeted", default=False)
    vulnerable = models.BooleanField("Vulnerable", default=False)
    intimidated = models.BooleanField("Intimidated", default=False)
    domestic_abuse = models.BooleanField("Domestic abuse", default=False)
    preferred_channel = models.CharField(max_length=10, choices=Channel.choices)
    update_frequency = models.CharField(
        max_length=20, choices=UpdateFrequency.choices, default=UpdateFrequency.EVENTS
    )
    unsafe_email = models.BooleanField("Email is not safe", default=False)
    unsafe_sms = models.BooleanField("Text messages are not safe", default=False)
    unsafe_letter = models.BooleanField("Letters are not safe", default=False)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    review_date = models.DateField(null=True, blank=True)
    # Set when a retention review disposed of the record: personal details are gone.
    disposed_at = models.DateTimeField(null=True, blank=True)

    objects = ForceQuerySet.as_manager()

    class Meta:
        ordering = ["case", "full_name", "pk"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def enhanced(self) -> bool:
        return any(
            (self.most_serious_crime, self.persistently_targeted, self.vulnerable, self.intimidated)
        )

    def safe_channels(self) -> list[str]:
        """Channels Lantern may use: the victim gave the contact and it is not marked unsafe."""
        usable = {
            Channel.EMAIL: bool(self.email) and not self.unsafe_email,
            Channel.SMS: bool(self.phone) and not self.unsafe_sms,
            Channel.LETTER: bool(self.address.strip()) and not self.unsafe_letter,
        }
        return [c.value for c in Channel if usable[c]]

    def channel(self) -> str | None:
        """The agreed channel if it is safe, otherwise the first safe one, otherwise none."""
        safe = self.safe_channels()
        if self.preferred_channel in safe:
            return self.preferred_channel
        return safe[0] if safe else None


class CaseEvent(models.Model):
    """Something in the investigation a victim must be told about."""

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="code_events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    occurred_at = models.DateTimeField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ForceQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.case.reference})"


class ObligationQuerySet(ForceQuerySet):
    def open(self) -> ObligationQuerySet:
        return self.filter(met_at__isnull=True)  # type: ignore[return-value]


class Obligation(models.Model):
    """A duty to tell a victim something by a working-day deadline."""

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="obligations")
    kind = models.CharField(max_length=20, choices=ObligationKind.choices)
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="obligations"
    )
    due_date = models.DateField()
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    met_at = models.DateTimeField(null=True, blank=True)
    # How it was met when not by a letter or email Lantern sent (e.g. told in person).
    met_note = models.TextField(blank=True)

    objects = ObligationQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.victim}, due {self.due_date:%d %b %Y}"

    @property
    def purpose(self) -> str:
        if self.kind == ObligationKind.CONFIRMATION:
            return Purpose.CONFIRMATION
        assert self.event is not None
        return self.event.kind

    @property
    def what(self) -> str:
        """What the victim must be told, in words: the event, or the agreed regular update
        (an update obligation with no event, opened by `reminders.reminders_create`)."""
        if self.event is not None:
            return f"{self.get_kind_display()}: {self.event.get_kind_display().lower()}"
        if self.kind == ObligationKind.UPDATE:
            frequency = self.victim.get_update_frequency_display().lower()  # type: ignore[attr-defined]
            return f"Agreed regular update ({frequency}): no contact since the last one"
        return str(self.get_kind_display())  # type: ignore[attr-defined]

    def state(self, today: Any) -> str:
        if self.met_at is not None:
            return "met" if self.met_at.date() <= self.due_date else "met_late"
        return "overdue" if today > self.due_date else "due"


class LetterTemplate(models.Model):
    """The force's wording for one purpose. Placeholders are `$name` (string.Template):
    only the fields in `templating.PLACEHOLDERS` can be used, nothing else is reachable."""

    force = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    sms_body = models.CharField("Text message", max_length=480)
    send_automatically = models.BooleanField(
        "Send emails and texts at once, without an officer approving each one", default=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ForceQuerySet.as_manager()

    class Meta:
        ordering = ["purpose"]
        constraints = [
            models.UniqueConstraint(fields=["force", "purpose"], name="one_template_per_purpose")
        ]

    def __str__(self) -> str:
        return self.get_purpose_display()


class Communication(models.Model):
    """A letter, email or text to a victim: queued for approval or sent, always ledgered."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for an officer to approve"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="communications")
    obligation = models.ForeignKey(
        Obligation, null=True, blank=True, on_delete=models.SET_NULL, related_name="communications"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=500)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    automatic = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ForceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.victim}: {self.subject}"


class BenefitAssumption(models.Model):
    """The force's own time and distance for one avoided activity (else Lantern's default)."""

    force = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    activity = models.CharField(max_length=30)
    minutes = models.PositiveIntegerField()
    miles = models.DecimalField(max_digits=6, decimal_places=1)
    source = models.CharField("Where the figure comes from", max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force", "activity"], name="one_assumption_each")
        ]

    def __str__(self) -> str:
        return f"{self.activity}: {self.minutes} min, {self.miles} miles"


# --- Routine automation -------------------------------------------------------------------


class Trigger(models.TextChoices):
    VICTIM_RECORDED = "victim_recorded", "A victim is recorded"
    ARREST = "arrest", "Suspect arrested"
    INTERVIEW = "interview", "Suspect interviewed under caution"
    BAIL = "bail", "Suspect bailed"
    OUTCOME = "outcome", "Outcome recorded"
    CLOSURE = "closure", "Case closed with no lines of enquiry"


class MarkerRule(models.Model):
    """When a step completes, place a marker on the person (the victim), the location
    (their address) or the suspect (the warning marker on their offender profile in
    intelligence), if the conditions hold. Configured by the force administrator."""

    class Target(models.TextChoices):
        PERSON = "person", "The person (the victim)"
        LOCATION = "location", "The location (the victim's address)"
        SUSPECT = "suspect", "The suspect's offender profile (a warning marker)"

    force = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    marker = models.CharField("Marker", max_length=100)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    target = models.CharField(max_length=10, choices=Target.choices, default=Target.PERSON)
    # The person must be a victim in at least this many cases (this one included), or the
    # suspect have at least this many confirmed incidents on their profile...
    min_cases = models.PositiveSmallIntegerField(default=1)
    # ...within this many days.
    within_days = models.PositiveIntegerField(default=365)
    requires_domestic_abuse = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    objects = ForceQuerySet.as_manager()

    class Meta:
        ordering = ["marker", "pk"]

    def __str__(self) -> str:
        return f"{self.marker} when {self.get_trigger_display().lower()}"


class Marker(models.Model):
    force = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(MarkerRule, null=True, on_delete=models.SET_NULL, related_name="+")
    label = models.CharField(max_length=100)
    target = models.CharField(max_length=10, choices=MarkerRule.Target.choices)
    # Normalised name (person) or address (location) the marker is on.
    subject = models.CharField(max_length=300)
    victim = models.ForeignKey(Victim, null=True, on_delete=models.SET_NULL, related_name="markers")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ForceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "label", "target", "subject"], name="one_marker_per_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.subject}"


class ClosureProposal(models.Model):
    """A case with no line of enquiry left, put to a supervisor to close."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Closed"
        REJECTED = "rejected", "Kept open"

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="closure_proposals")
    checks = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ForceQuerySet.as_manager()

    class Meta:
        ordering = ["proposed_at", "pk"]

    def __str__(self) -> str:
        return f"Close {self.case.reference}?"


class DisclosureReview(models.Model):
    """The disclosure officer's review of the schedule of unused material as it then was."""

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)
    schedule_sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()

    objects = ForceQuerySet.as_manager()

    class Meta:
        ordering = ["-reviewed_at"]

    def __str__(self) -> str:
        return f"Schedule of {self.case.reference} reviewed {self.reviewed_at:%d %b %Y}"


class RetentionDecision(models.Model):
    """A MoPI review decision on one record: retain (with a reason and the next review) or
    dispose. The record's ledger entries are never touched."""

    class Decision(models.TextChoices):
        RETAIN = "retain", "Retain"
        DISPOSE = "dispose", "Dispose"

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=40)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField()
    next_review = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    objects = ForceQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.object_type} {self.object_id}"
