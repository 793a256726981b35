"""Who may do what with offender profiles, and the fixed lists they use."""

from __future__ import annotations

from django.db import models

from lantern.accounts.choices import POLICE_ROLES, Role


class Marker(models.TextChoices):
    """Warning markers: what staff and officers must know before they approach someone."""

    VIOLENCE = "violence", "Violence"
    WEAPONS = "weapons", "Weapons"
    THREATS = "threats", "Threats to staff"
    DRUGS = "drugs", "Drugs"
    SELF_HARM = "self_harm", "Self-harm risk"
    INFECTIOUS = "needles", "Needles or sharps"


class LinkStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested by a store, waiting for the police"
    CONFIRMED = "confirmed", "Confirmed by the police"
    REJECTED = "rejected", "Rejected by the police"


class ObjectKind(models.TextChoices):
    VEHICLE = "vehicle", "Vehicle"
    ITEM = "item", "Item (bag, tool, clothing)"


# Partners who see the gallery: store staff and loss-prevention managers (their stores'
# areas) and partnership managers (their partnership's stores).
PARTNER_ROLES = frozenset({Role.STORE_STAFF, Role.LP_MANAGER, Role.PARTNERSHIP_MANAGER})
# Store staff who may pick a profile as the offender on their report.
REPORTING_ROLES = frozenset({Role.STORE_STAFF, Role.LP_MANAGER})
# Police who create and edit profiles and link incidents (call handlers only read).
EDITOR_ROLES = frozenset(
    {Role.OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR, Role.ANALYST, Role.FORCE_ADMIN}
)
# Police who approve a profile for partners, allow names, and merge duplicates.
APPROVER_ROLES = frozenset({Role.SUPERVISOR, Role.FORCE_ADMIN})
# Police who may export profiles in bulk, and see rankings and series.
ANALYST_ROLES = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.FORCE_ADMIN})
# Subject access and erasure.
RIGHTS_ROLES = frozenset({Role.FORCE_ADMIN})
INTEL_POLICE_ROLES = frozenset(POLICE_ROLES)

# Words that mark a modus operandi; series detection groups incidents by these.
MO_KEYWORDS: dict[str, tuple[str, ...]] = {
    "distraction": ("distract", "distraction"),
    "lined bag": ("foil", "lined bag", "booster bag"),
    "push-out": ("push-out", "push out", "pushed a trolley", "trolley out"),
    "refund fraud": ("refund", "return fraud"),
    "tag removal": ("tag", "security tag", "detacher"),
    "group": ("gang", "group of", "in a group"),
    "threats": ("threat", "threaten", "knife", "syringe"),
    "high-value targets": ("razor", "alcohol", "spirits", "meat", "cosmetics", "perfume"),
}
