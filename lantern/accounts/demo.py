"""Demo data: one force with two areas, two retailers, a council, a partnership, and a named
demo user for every role. Idempotent: running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from . import mfa
from .choices import MFA_REQUIRED_ROLES, OrgKind, OrgStatus, Role
from .models import Area, ControlRoom, Membership, Organisation, PartnerApproval, Store, User

DEMO_PASSWORD = "lantern-demo-password"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    org: str
    role: str
    stores: tuple[str, ...] = ()


DEMO_USERS = (
    DemoUser("callhandler", "Casey", "Hall", "northshire-police", Role.CALL_HANDLER),
    DemoUser("officer", "Olu", "Adeyemi", "northshire-police", Role.OFFICER),
    DemoUser("investigator", "Ivy", "Ward", "northshire-police", Role.INVESTIGATOR),
    DemoUser("supervisor", "Sam", "Patel", "northshire-police", Role.SUPERVISOR),
    DemoUser("analyst", "Ana", "Lyons", "northshire-police", Role.ANALYST),
    DemoUser("forceadmin", "Ada", "Mensah", "northshire-police", Role.FORCE_ADMIN),
    DemoUser("storestaff", "Sophie", "Turner", "brightmart", Role.STORE_STAFF, ("NTH-HIGH",)),
    DemoUser("lpmanager", "Liam", "Price", "brightmart", Role.LP_MANAGER),
    DemoUser("pharmacymanager", "Priya", "Shah", "cornerstone-pharmacy", Role.LP_MANAGER),
    DemoUser("cctvoperator", "Chris", "Taylor", "northshire-council", Role.CCTV_OPERATOR),
    DemoUser("cctvmanager", "Morgan", "Reid", "northshire-council", Role.CCTV_MANAGER),
    DemoUser("bcrpmanager", "Pat", "Morgan", "northtown-bcrp", Role.PARTNERSHIP_MANAGER),
)

# Stores: (company slug, code used above, name, line 1, town, postcode, area code)
DEMO_STORES = (
    ("brightmart", "NTH-HIGH", "Northtown High Street", "12 High Street", "Northtown",
     "NT1 1AA", "NT-C"),
    ("brightmart", "NTH-RIVER", "Riverside Retail Park", "Unit 4, Riverside Retail Park",
     "Northtown", "NT2 4RP", "NT-R"),
    ("brightmart", "STH-MARKET", "Southvale Market Square", "3 Market Square", "Southvale",
     "SV1 2MS", "SV-C"),
    ("cornerstone-pharmacy", "CP-NTH", "Northtown", "48 Station Road", "Northtown",
     "NT1 3SR", "NT-C"),
    ("cornerstone-pharmacy", "CP-STH", "Southvale", "7 Mill Lane", "Southvale", "SV2 7ML", "SV-M"),
)  # fmt: skip


def _org(slug: str, kind: str, name: str, status: str = OrgStatus.ACTIVE) -> Organisation:
    org, _ = Organisation.objects.get_or_create(
        slug=slug,
        defaults={
            "kind": kind,
            "name": name,
            "status": status,
            "contact_email": f"contact@{slug}.example",
        },
    )
    return org


def demo_data_load() -> list[tuple[DemoUser, User]]:
    if not (settings.DEMO_MODE or settings.DEBUG):
        raise ImproperlyConfigured("Demo data loads only with LANTERN_DEMO=true or DEBUG=true")
    with transaction.atomic():
        created = not Organisation.objects.filter(slug="northshire-police").exists()
        force = _org("northshire-police", OrgKind.FORCE, settings.LANTERN_FORCE_NAME)
        areas: dict[str, Area] = {}
        for code, name, parent_code in (
            ("NT", "Northtown", None),
            ("NT-C", "Northtown Centre", "NT"),
            ("NT-R", "Riverside", "NT"),
            ("SV", "Southvale", None),
            ("SV-C", "Southvale Central", "SV"),
            ("SV-M", "Millbrook", "SV"),
        ):
            areas[code], _ = Area.objects.get_or_create(
                force=force,
                code=code,
                defaults={"name": name, "parent": areas.get(parent_code or "")},
            )
        brightmart = _org("brightmart", OrgKind.RETAIL, "Brightmart")
        pharmacy = _org("cornerstone-pharmacy", OrgKind.RETAIL, "Cornerstone Pharmacy")
        council = _org("northshire-council", OrgKind.COUNCIL, "Northshire County Council")
        bcrp = _org(
            "northtown-bcrp",
            OrgKind.PARTNERSHIP,
            "Northtown Business Crime Reduction Partnership",
        )
        pending = _org("quickstop", OrgKind.RETAIL, "Quickstop Convenience", OrgStatus.PENDING)
        for partner in (brightmart, pharmacy, council, bcrp):
            PartnerApproval.objects.get_or_create(
                force=force,
                partner=partner,
                defaults={"status": PartnerApproval.Status.APPROVED},
            )
        PartnerApproval.objects.get_or_create(force=force, partner=pending)
        companies = {"brightmart": brightmart, "cornerstone-pharmacy": pharmacy}
        stores: dict[str, Store] = {}
        for company, code, name, line_1, town, postcode, area in DEMO_STORES:
            stores[code], _ = Store.objects.get_or_create(
                company=companies[company],
                name=name,
                defaults={
                    "line_1": line_1,
                    "town": town,
                    "postcode": postcode,
                    "area": areas[area],
                },
            )
        bcrp.stores.add(stores["NTH-HIGH"], stores["NTH-RIVER"], stores["CP-NTH"])
        room, _ = ControlRoom.objects.get_or_create(
            authority=council,
            name="Northtown CCTV Control Room",
            defaults={
                "line_1": "Civic Centre, Castle Street",
                "town": "Northtown",
                "postcode": "NT1 9CC",
            },
        )
        room.areas.add(areas["NT"], areas["NT-C"], areas["NT-R"])
        orgs = {o.slug: o for o in (force, brightmart, pharmacy, council, bcrp)}
        result = []
        for demo in DEMO_USERS:
            user, made = User.objects.get_or_create(
                username=demo.username,
                defaults={
                    "first_name": demo.first_name,
                    "last_name": demo.last_name,
                    "email": f"{demo.username}@{demo.org}.example",
                },
            )
            if made:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            membership, _ = Membership.objects.get_or_create(
                user=user, organisation=orgs[demo.org], defaults={"role": demo.role}
            )
            if demo.stores:
                membership.stores.set([stores[code] for code in demo.stores])
            if demo.role in MFA_REQUIRED_ROLES and not mfa.user_has_mfa(user):
                TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
                mfa.recovery_codes_generate(user)
            result.append((demo, user))
        if created:
            ledger_record(
                action=Action.CREATED, actor_label="demo data", obj=force, detail={"demo": True}
            )
    _demo_request(orgs, room)
    _demo_retail_report(stores["NTH-HIGH"])
    _app_demo_data()
    return result


def _app_demo_data() -> None:
    """Each later app adds its own demo records in `lantern/<app>/demo.py`: `demo_load()`,
    idempotent, run after the organisations, people and the first report exist."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for config in apps.get_app_configs():
        name = config.name
        if name.startswith("lantern.") and name != "lantern.accounts" and find_spec(f"{name}.demo"):
            import_module(f"{name}.demo").demo_load()


def _demo_request(orgs: dict[str, Organisation], room: ControlRoom) -> None:
    """One footage request to the council's control room, sent through the real service, so
    its link is waiting in the outbox for anyone trying the CCTV operator's side."""
    from datetime import date, timedelta

    from django.utils import timezone

    from lantern.evidence.models import EvidenceRequest
    from lantern.evidence.services import RequestInput, evidence_request_create

    if EvidenceRequest.objects.exists():
        return
    officer = User.objects.get(username="officer")
    membership = officer.memberships.get(organisation=orgs["northshire-police"])
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=3)
    evidence_request_create(
        actor=officer,
        membership=membership,
        data=RequestInput(
            case_reference="NP/2026/001234",
            case_title="Theft from Brightmart, High Street",
            recipient_kind="control_room",
            control_room=room,
            store=None,
            company=None,
            recipient_name="",
            recipient_email="",
            recipient_phone="",
            location="High Street outside Brightmart, cameras NT-07 and NT-08",
            window_start=start + timedelta(hours=14),
            window_end=start + timedelta(hours=15),
            reason="A man left the store with unpaid goods at about 14:20 and walked towards "
            "the station. We need footage of where he went.",
            deadline=date.today() + timedelta(days=5),
        ),
    )


def _demo_retail_report(store: Store) -> None:
    """A theft with threats from the High Street store, waiting in the police triage queue."""
    from datetime import timedelta

    from django.utils import timezone

    from lantern.reports.models import RetailReport
    from lantern.reports.services import ItemInput, ReportInput, report_save_draft, report_submit

    if RetailReport.objects.exists():
        return
    staff = User.objects.get(username="storestaff")
    membership = staff.memberships.get(organisation=store.company)
    draft = report_save_draft(
        actor=staff,
        membership=membership,
        data=ReportInput(
            store=store,
            occurred_at=timezone.now() - timedelta(hours=2),
            kind="theft_with_violence_or_threats",
            description="A man filled a bag with razor blades and left without paying. When "
            "stopped at the door he pushed a member of staff and threatened her.",
            how_offender_left="On foot towards the station",
            offenders=[
                {
                    "sex": "Male",
                    "age": "30s",
                    "height": "Tall",
                    "build": "Slim",
                    "clothing": "Red jacket, grey hood",
                    "features": "Tattoo on the left hand",
                }
            ],
            staff_witnesses=["Sophie Turner"],
            staff_harmed=True,
            harm_details="Pushed and threatened; not injured",
            cctv_available=True,
            cctv_kept_days=14,
            items=[ItemInput("Razor blades, 8 pack", 6, 1899)],
        ),
    )
    report_submit(actor=staff, membership=membership, report=draft)
