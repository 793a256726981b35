"""Force-editable wording with `$placeholders` (string.Template): text from the database is
never run as a Django template, so it cannot reach anything but the fields named here."""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

from django.core.exceptions import ValidationError

from .models import Purpose

PLACEHOLDERS: dict[str, str] = {
    "victim_name": "The victim's full name",
    "crime_reference": "The crime reference",
    "case_title": "What the case is about",
    "officer_name": "The officer dealing with it",
    "officer_email": "The officer's email address",
    "force_name": "The force's name",
    "event": "What happened (for updates)",
    "event_date": "When it happened (for updates)",
    "note": "The officer's note about the event",
}

SAMPLE = {
    "victim_name": "Alex Sample",
    "crime_reference": "NP/26/001234",
    "case_title": "Theft from a shop",
    "officer_name": "PC Olu Adeyemi",
    "officer_email": "olu.adeyemi@police.example",
    "force_name": "Northshire Police",
    "event": "Suspect arrested",
    "event_date": "Monday 23 November 2026",
    "note": "",
}


def check_placeholders(text: str) -> None:
    template = Template(text)
    if not template.is_valid():
        raise ValidationError("Write a placeholder as $name or ${name}; write $$ for a dollar sign")
    unknown = sorted(set(template.get_identifiers()) - PLACEHOLDERS.keys())
    if unknown:
        raise ValidationError(
            f"Lantern does not know the placeholder ${unknown[0]}: use one of those listed"
        )


def fill(text: str, values: dict[str, str]) -> str:
    return Template(text).substitute({k: values.get(k, "") for k in PLACEHOLDERS})


@dataclass(frozen=True)
class Default:
    subject: str
    body: str
    sms: str
    automatic: bool = False


_SIGN = (
    "\n\nIf you have any questions, contact $officer_name at $officer_email, quoting "
    "$crime_reference.\n\n$force_name"
)

DEFAULTS: dict[str, Default] = {
    Purpose.CONFIRMATION: Default(
        "Your crime report $crime_reference",
        "Dear $victim_name,\n\nThis confirms that $force_name has recorded your report "
        "($case_title). Your crime reference is $crime_reference. $officer_name is "
        "dealing with it.\n\nYou are entitled to information and support under the Code of "
        "Practice for Victims of Crime." + _SIGN,
        "$force_name: your crime reference is $crime_reference. Contact $officer_name at "
        "$officer_email.",
        automatic=True,
    ),
    Purpose.OUTCOME: Default(
        "The outcome of your case $crime_reference",
        "Dear $victim_name,\n\nThe investigation into your report ($case_title) has "
        "concluded. $note" + _SIGN,
        "$force_name: the investigation into $crime_reference has concluded. $officer_name "
        "will explain: $officer_email.",
    ),
    Purpose.CLOSURE: Default(
        "Your crime report $crime_reference has been closed",
        "Dear $victim_name,\n\nWe have carefully reviewed your report ($case_title). "
        "At present there are no further lines of enquiry, so the investigation has been "
        "closed. If new information comes to light, it will be reopened." + _SIGN,
        "$force_name: the investigation into $crime_reference has been closed as there are "
        "no further lines of enquiry. Contact $officer_email.",
        automatic=True,
    ),
}
for _purpose in Purpose:
    DEFAULTS.setdefault(
        _purpose,
        Default(
            "An update on your case $crime_reference",
            "Dear $victim_name,\n\nWe are writing to let you know: $event on $event_date. "
            "$note" + _SIGN,
            "$force_name update on $crime_reference: $event on $event_date. "
            "Contact $officer_email.",
        ),
    )
