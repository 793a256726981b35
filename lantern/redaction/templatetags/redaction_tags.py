"""`{% redaction_panel item %}`: the item's redacted copies, for the evidence item page."""

from __future__ import annotations

from typing import Any

from django import template

from lantern.evidence.models import EvidenceItem

register = template.Library()


@register.inclusion_tag("redaction/_item_panel.html")
def redaction_panel(item: EvidenceItem) -> dict[str, Any]:
    from lantern.redaction.models import Redaction

    redactions = Redaction.objects.filter(item=item).select_related("created_by", "output")
    return {"item": item, "redactions": list(redactions)}
