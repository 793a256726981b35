"""Cases are found or opened by the force's crime or incident reference."""

from __future__ import annotations

from lantern.accounts.models import Organisation, User
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from .models import Case


def case_for_reference(*, force: Organisation, reference: str, title: str, actor: User) -> Case:
    """The force's case with this reference, opened (and ledgered) if it is new. Runs in the
    caller's transaction, with the change that needs the case."""
    case, created = Case.objects.get_or_create(
        force=force,
        reference=reference.strip().upper(),
        defaults={"title": title or reference, "officer_in_charge": actor},
    )
    if created:
        ledger_record(action=Action.CREATED, actor=actor, actor_org=force, obj=case)
    return case
