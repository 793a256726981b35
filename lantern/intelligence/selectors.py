"""Reads: the gallery, searches, the partners' reduced view, duplicates, rankings, series."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from typing import Any

from django.db.models import (
    Aggregate,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone

from lantern.accounts.models import Area, Membership, User
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record
from lantern.reports.models import SUBMITTED_STATUSES, RetailReport

from .choices import MO_KEYWORDS, LinkStatus, Marker
from .models import (
    Alias,
    ExclusionNotice,
    IncidentLink,
    NotSameDecision,
    Policy,
    Profile,
    ProfileArea,
    ProfileImage,
    WarningMarker,
)

GALLERY_PAGE = 24


def profile_visible_or_404(actor: User, membership: Membership, pk: int) -> Profile:
    """The profile if this membership may see it; otherwise 404, and when the profile exists
    (hidden rather than missing) the refusal is ledgered. Pages and the API both use it."""
    found = Profile.objects.for_membership(membership).filter(pk=pk).first()
    if found is not None:
        return found
    if Profile.objects.filter(pk=pk).exists():
        ledger_record(
            action=Action.AUTHZ_FAILED,
            actor=actor,
            actor_org=membership.organisation,
            object_type="intelligence.profile",
            object_id=str(pk),
            require_transaction=False,
        )
    raise Http404("No profile found")


@dataclass
class Search:
    """What someone asked for. Names are for the police only (the view drops them for
    partners, and so does `profiles_search`)."""

    text: str = ""
    name: str = ""
    markers: list[str] = field(default_factory=list)
    area: Area | None = None
    review_due: bool = False

    def terms(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "name": self.name,
            "markers": self.markers,
            "area": self.area.pk if self.area else None,
            "review_due": self.review_due,
        }


def profiles_search(membership: Membership, search: Search) -> QuerySet[Profile]:
    """The profiles this membership may see that match, newest activity first."""
    qs = Profile.objects.for_membership(membership)
    if search.text:
        qs = qs.filter(
            Q(description__icontains=search.text) | Q(modus_operandi__icontains=search.text)
        )
    if search.name and membership.is_police:
        aliases = Alias.objects.filter(profile=OuterRef("pk"), name__icontains=search.name)
        qs = qs.filter(Q(name__icontains=search.name) | Exists(aliases))
    for marker in search.markers:
        if marker in Marker.values:
            qs = qs.filter(
                Exists(WarningMarker.objects.filter(profile=OuterRef("pk"), marker=marker))
            )
    if search.area is not None:
        qs = qs.filter(Exists(ProfileArea.objects.filter(profile=OuterRef("pk"), area=search.area)))
    if search.review_due and membership.is_police:
        qs = qs & Profile.objects.due_for_review(membership.organisation_id)
    return qs.order_by(F("last_incident_at").desc(nulls_last=True), "-pk")


class _Joined(Aggregate):
    """The markers of a profile as one comma-separated string, on SQLite and PostgreSQL."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s, ',')",
        )


def gallery_page(membership: Membership, search: Search, page: int = 1) -> list[Profile]:
    """One page of the gallery in one query: each card's first picture (`card_image_id`)
    and warning markers (`card_markers`, labels) come as annotations, which PostgreSQL
    works out only for the rows on the page."""
    start = (max(page, 1) - 1) * GALLERY_PAGE
    first_image = ProfileImage.objects.filter(profile=OuterRef("pk")).order_by("added_at", "pk")
    markers = (
        WarningMarker.objects.filter(profile=OuterRef("pk"))
        .values("profile")
        .annotate(joined=_Joined("marker"))
        .values("joined")
    )
    rows: list[Profile] = list(
        profiles_search(membership, search)
        .only("pk", "reference", "name", "description", "last_incident_at", "force")
        .annotate(
            card_image_id=Subquery(first_image.values("pk")[:1]),
            card_marker_values=Subquery(markers),
        )[start : start + GALLERY_PAGE + 1]
    )
    labels = dict(Marker.choices)
    for p in rows:
        values = sorted(filter(None, (getattr(p, "card_marker_values", "") or "").split(",")))
        p.card_markers = [labels.get(v, v) for v in values]  # type: ignore[attr-defined]
    return rows


@dataclass
class PartnerView:
    """All a partner may see of a profile: pictures, description, warnings and a summary of
    recent activity. The name only when the force allows it for this profile."""

    profile_id: int
    reference: str
    description: str
    images: list[ProfileImage]
    markers: list[str]
    incidents_recent: int
    months: int
    last_seen: datetime | None
    areas: list[str]
    name: str = ""
    aliases: list[str] = field(default_factory=list)
    exclusions: list[ExclusionNotice] = field(default_factory=list)


def partner_view(profile: Profile, membership: Membership) -> PartnerView:
    policy = Policy.for_force(profile.force_id)
    since = timezone.now() - Policy.months(policy.threshold_months)
    recent = IncidentLink.objects.confirmed().filter(profile=profile, occurred_at__gte=since)
    view = PartnerView(
        profile_id=profile.pk,
        reference=profile.reference,
        description=profile.description,
        images=list(profile.images.all()),
        markers=[m.get_marker_display() for m in profile.markers.all()],
        incidents_recent=recent.count(),
        months=policy.threshold_months,
        last_seen=profile.last_incident_at,
        areas=[a.name for a in profile.areas.all()],
        exclusions=[
            e
            for e in profile.exclusions.select_related("issued_by")
            if e.issued_by_id == membership.organisation_id and e.in_force
        ],
    )
    if profile.names_shared:
        view.name = profile.name
        view.aliases = [a.name for a in profile.aliases.all()]
    return view


def deletion_review_page(force_id: int, page: int = 1) -> list[Profile]:
    """The force's profiles with no new incident within the expiry period, longest quiet
    first, with their confirmed incident count (`confirmed`): one page and one more row."""
    start = (max(page, 1) - 1) * GALLERY_PAGE
    return list(
        Profile.objects.due_for_review(force_id)
        .annotate(confirmed=Count("links", filter=Q(links__status=LinkStatus.CONFIRMED)))
        .order_by(F("last_incident_at").asc(nulls_first=True), "created_at", "pk")[
            start : start + GALLERY_PAGE + 1
        ]
    )


# --- Duplicates -------------------------------------------------------------------------------


@dataclass
class Suggestion:
    profile: Profile
    score: float
    reasons: list[str]


_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an and the of with in on to wears wearing usually often has is".split()  # noqa: SIM905
)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def _names(profile: Profile) -> list[str]:
    return [n.lower() for n in [profile.name, *(a.name for a in profile.aliases.all())] if n]


def _name_similarity(a: list[str], b: list[str]) -> float:
    return max((SequenceMatcher(None, x, y).ratio() for x in a for y in b), default=0.0)


def duplicate_suggestions(profile: Profile, limit: int = 10) -> list[Suggestion]:
    """Profiles of the same force that may be the same person, best first, for a person to
    confirm. Scored on name similarity, shared description words, shared areas, and
    incidents close in time. Never merged automatically."""
    names = _names(profile)
    words = _words(profile.description)
    areas = set(ProfileArea.objects.filter(profile=profile).values_list("area", flat=True))
    times = list(
        IncidentLink.objects.confirmed()
        .filter(profile=profile)
        .values_list("occurred_at", flat=True)[:50]
    )
    dismissed = NotSameDecision.objects.filter(Q(first=profile) | Q(second=profile))
    excluded = {d.first_id for d in dismissed} | {d.second_id for d in dismissed} | {profile.pk}
    candidates = (
        Profile.objects.filter(force=profile.force_id)
        .exclude(pk__in=excluded)
        .filter(
            Q(pk__in=ProfileArea.objects.filter(area__in=areas).values("profile"))
            | Q(name__gt="")
            | Q(aliases__isnull=False)
        )
        .distinct()
        .prefetch_related("aliases")[:2000]
    )
    found = []
    for other in candidates:
        reasons = []
        score = 0.0
        similarity = _name_similarity(names, _names(other))
        if similarity >= 0.75:
            score += similarity * 2
            reasons.append(f"similar name ({similarity:.0%})")
        other_words = _words(other.description)
        if words and other_words:
            overlap = len(words & other_words) / len(words | other_words)
            if overlap >= 0.3:
                score += overlap
                reasons.append(f"similar description ({overlap:.0%} of words shared)")
        other_areas = set(ProfileArea.objects.filter(profile=other).values_list("area", flat=True))
        if areas & other_areas:
            score += 0.5
            reasons.append("active in the same area")
        if times and other.last_incident_at:
            closest = min(abs(other.last_incident_at - t) for t in times)
            if closest <= timedelta(days=14):
                score += 0.5
                reasons.append("incidents within two weeks of each other")
        if score >= 1.0 and any(r.startswith("similar") for r in reasons):
            found.append(Suggestion(other, round(score, 2), reasons))
    found.sort(key=lambda s: (-s.score, s.profile.pk))
    return found[:limit]


# --- Analysis: prolific offenders and series --------------------------------------------------


@dataclass
class Ranked:
    profile: Profile
    incidents: int
    value_pence: int
    violent: int
    last: datetime | None
    score: float


def prolific_ranking(force_id: int, area: Area | None = None, months: int = 12) -> list[Ranked]:
    """Profiles ranked by confirmed incidents in the period, their value, violence, and how
    recent the last one was (a simple, explainable score: shown with its parts)."""
    since = timezone.now() - Policy.months(months)
    links = IncidentLink.objects.confirmed().filter(profile__force=force_id, occurred_at__gte=since)
    if area is not None:
        links = links.filter(area=area)
    rows: dict[int, dict[str, Any]] = {}
    for lk in links.values("profile", "value_pence", "violent", "occurred_at"):
        row = rows.setdefault(
            lk["profile"], {"incidents": 0, "value": 0, "violent": 0, "last": lk["occurred_at"]}
        )
        row["incidents"] += 1
        row["value"] += lk["value_pence"]
        row["violent"] += 1 if lk["violent"] else 0
        row["last"] = max(row["last"], lk["occurred_at"])
    now = timezone.now()
    profiles = Profile.objects.in_bulk(list(rows))
    ranked = []
    for pk, row in rows.items():
        days = (now - row["last"]).days
        recency = max(0.0, 1 - days / 90)
        score = row["incidents"] + row["value"] / 10000 + 3 * row["violent"] + 2 * recency
        ranked.append(
            Ranked(profiles[pk], row["incidents"], row["value"], row["violent"], row["last"], score)
        )
    ranked.sort(key=lambda r: (-r.score, r.profile.pk))
    return ranked[:50]


def mo_tags(text: str) -> set[str]:
    lowered = text.lower()
    return {tag for tag, words in MO_KEYWORDS.items() if any(w in lowered for w in words)}


@dataclass
class Series:
    tag: str
    reports: list[RetailReport]
    stores: int
    first: datetime
    last: datetime


def series_detection(
    force_id: int, days: int = 90, window_days: int = 7, min_stores: int = 3
) -> list[Series]:
    """Incidents with the same modus operandi at several stores in a short time: reports of
    the last `days` with a shared MO tag, chained while each is within `window_days` of the
    previous, kept when they span at least `min_stores` stores."""
    since = timezone.now() - timedelta(days=days)
    reports = (
        RetailReport.objects.filter(
            force=force_id, status__in=SUBMITTED_STATUSES, occurred_at__gte=since
        )
        .select_related("store")
        .order_by("occurred_at")
    )
    by_tag: dict[str, list[RetailReport]] = {}
    for r in reports:
        text = " ".join([r.description, r.how_offender_left, *map(str, r.offenders)])
        for tag in mo_tags(text):
            by_tag.setdefault(tag, []).append(r)
    found = []
    for tag, items in by_tag.items():
        for run in _runs(items, timedelta(days=window_days)):
            stores = len({x.store_id for x in run})
            if stores >= min_stores:
                found.append(Series(tag, run, stores, _when(run[0]), _when(run[-1])))
    found.sort(key=lambda s: (-s.stores, s.tag))
    return found


def _when(report: RetailReport) -> datetime:
    assert report.occurred_at is not None
    return report.occurred_at


def _runs(reports: list[RetailReport], gap: timedelta) -> list[list[RetailReport]]:
    """Split time-ordered reports wherever two are more than `gap` apart."""
    runs: list[list[RetailReport]] = []
    for report in reports:
        if runs and _when(report) - _when(runs[-1][-1]) <= gap:
            runs[-1].append(report)
        else:
            runs.append([report])
    return runs


def link_queue(force_id: int) -> QuerySet[IncidentLink]:
    """Suggested links waiting for the police."""
    return (
        IncidentLink.objects.filter(profile__force=force_id, status=LinkStatus.SUGGESTED)
        .select_related("profile", "report", "store", "suggested_by")
        .order_by("created_at")
    )


def area_counts(force_id: int) -> dict[int, int]:
    rows = (
        ProfileArea.objects.filter(profile__force=force_id)
        .values("area")
        .annotate(n=Count("profile"))
    )
    return {r["area"]: r["n"] for r in rows}
