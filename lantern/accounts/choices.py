"""Organisation kinds and roles, and which role may do what."""

from __future__ import annotations

from django.db import models


class OrgKind(models.TextChoices):
    FORCE = "force", "Police force"
    RETAIL = "retail", "Retail company"
    COUNCIL = "council", "Local authority"
    PARTNERSHIP = "partnership", "Partnership"


class Role(models.TextChoices):
    CALL_HANDLER = "call_handler", "Call handler"
    OFFICER = "officer", "Police officer"
    INVESTIGATOR = "investigator", "Investigator"
    SUPERVISOR = "supervisor", "Supervisor"
    ANALYST = "analyst", "Intelligence analyst"
    FORCE_ADMIN = "force_admin", "Force administrator"
    STORE_STAFF = "store_staff", "Store staff"
    LP_MANAGER = "lp_manager", "Loss-prevention manager"
    CCTV_OPERATOR = "cctv_operator", "CCTV operator"
    CCTV_MANAGER = "cctv_manager", "CCTV control room manager"
    PARTNERSHIP_MANAGER = "partnership_manager", "Partnership manager"


class OrgStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    ACTIVE = "active", "Active"
    REFUSED = "refused", "Refused"
    SUSPENDED = "suspended", "Suspended"


ROLES_BY_KIND: dict[str, tuple[str, ...]] = {
    OrgKind.FORCE: (
        Role.CALL_HANDLER,
        Role.OFFICER,
        Role.INVESTIGATOR,
        Role.SUPERVISOR,
        Role.ANALYST,
        Role.FORCE_ADMIN,
    ),
    OrgKind.RETAIL: (Role.STORE_STAFF, Role.LP_MANAGER),
    OrgKind.COUNCIL: (Role.CCTV_OPERATOR, Role.CCTV_MANAGER),
    OrgKind.PARTNERSHIP: (Role.PARTNERSHIP_MANAGER,),
}

POLICE_ROLES = frozenset(ROLES_BY_KIND[OrgKind.FORCE])
# Managers invite, disable and change the roles of their own organisation's people.
MANAGER_ROLES = frozenset(
    {Role.FORCE_ADMIN, Role.LP_MANAGER, Role.CCTV_MANAGER, Role.PARTNERSHIP_MANAGER}
)
# Two-factor authentication is mandatory for police and for partner managers; optional for
# store staff and CCTV operators, who can turn it on from their account page.
MFA_REQUIRED_ROLES = POLICE_ROLES | MANAGER_ROLES
# The manager role created for a partner organisation when a force approves it.
MANAGER_ROLE_BY_KIND: dict[str, str] = {
    OrgKind.FORCE: Role.FORCE_ADMIN,
    OrgKind.RETAIL: Role.LP_MANAGER,
    OrgKind.COUNCIL: Role.CCTV_MANAGER,
    OrgKind.PARTNERSHIP: Role.PARTNERSHIP_MANAGER,
}


def role_choices_for(kind: str) -> list[tuple[str, str]]:
    return [(r, Role(r).label) for r in ROLES_BY_KIND[kind]]
