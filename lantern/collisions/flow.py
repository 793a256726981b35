"""The question pages of each public report, and its answers held in the session.

Answers are saved to the session as each page is accepted, so an error, a rate limit or a
closed tab loses nothing: the reporter comes back to the same answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.sessions.backends.base import SessionBase
from django.http import Http404
from django.urls import reverse

from . import conf
from . import forms as f
from .advice import Advice, collision_advice
from .models import Kind

State = dict[str, Any]


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    form: type[forms.Form] | None = None
    # A repeating step ("vehicle") holds a list of answers, one page each.
    repeat: bool = False
    when: Callable[[State], bool] | None = None
    # Label for one item of a repeating step, e.g. "Vehicle".
    item_label: str = ""

    def applies(self, state: State) -> bool:
        return self.when is None or self.when(state)


def _answer(state: State, slug: str, name: str) -> Any:
    return state.get("answers", {}).get(slug, {}).get(name)


COLLISION_STEPS = [
    Step("when-where", "When and where did the collision happen?", f.WhenWhereForm),
    Step("injury", "Injuries", f.InjuryForm),
    Step("what-happened", "What happened", f.WhatHappenedForm),
    Step("details-exchanged", "Details given at the scene", f.ExchangedForm),
    Step("advice", "What you need to know"),
    Step("vehicle", "Vehicles", f.VehicleForm, repeat=True, item_label="Vehicle"),
    Step("witnesses", "Witnesses", f.WitnessesForm),
    Step(
        "witness",
        "Witness details",
        f.WitnessForm,
        repeat=True,
        item_label="Witness",
        when=lambda s: _answer(s, "witnesses", "any_witnesses") == "yes",
    ),
    Step("you", "Your details", f.ContactForm),
]

CRIME_STEPS = [
    Step("what", "What you are reporting", f.CrimeKindForm),
    Step("when-where", "When and where did it happen?", f.WhenWhereForm),
    Step("details", "What happened", f.CrimeDetailsForm),
    Step("you", "Your details", f.ContactForm),
]

FLOWS: dict[str, list[Step]] = {Kind.COLLISION: COLLISION_STEPS, Kind.CRIME: CRIME_STEPS}
TITLES: dict[str, str] = {
    Kind.COLLISION: "Report a road traffic collision",
    Kind.CRIME: "Report a crime",
}


def steps_for(flow: str) -> list[Step]:
    if flow not in FLOWS:
        raise Http404("No such report")
    return FLOWS[flow]


def step_for(flow: str, slug: str) -> Step:
    for step in steps_for(flow):
        if step.slug == slug:
            return step
    raise Http404("No such question")


# --- Session storage -----------------------------------------------------------------------


def _key(flow: str) -> str:
    return f"public-report:{flow}"


def load(session: SessionBase, flow: str) -> State:
    state = session.get(_key(flow))
    if not isinstance(state, dict):
        state = {"answers": {}, "items": {}, "advice_shown": {}}
    return state


def save(session: SessionBase, flow: str, state: State) -> None:
    if len(json.dumps(state)) > conf.MAX_SESSION_BYTES:
        raise ValueError("too long")
    session[_key(flow)] = state
    session.modified = True


def clear(session: SessionBase, flow: str) -> None:
    session.pop(_key(flow), None)


def plain(value: Any) -> Any:
    """A cleaned value as JSON (dates as ISO text, amounts as strings)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat(timespec="minutes") if isinstance(value, time) else value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def plain_data(form: forms.Form) -> dict[str, Any]:
    return {name: plain(value) for name, value in form.cleaned_data.items()}


def items(state: State, slug: str) -> list[dict[str, Any]]:
    found = state.get("items", {}).get(slug, [])
    return found if isinstance(found, list) else []


def set_answer(state: State, slug: str, data: dict[str, Any]) -> None:
    state.setdefault("answers", {})[slug] = data


def set_item(state: State, slug: str, index: int, data: dict[str, Any]) -> None:
    rows = items(state, slug)
    if index <= len(rows):
        rows[index - 1] = data
    else:
        rows.append(data)
    state.setdefault("items", {})[slug] = rows


def remove_item(state: State, slug: str, index: int) -> None:
    rows = items(state, slug)
    if 1 <= index <= len(rows):
        rows.pop(index - 1)
        # The answer "add another" of the new last item no longer leads anywhere.
        if rows:
            rows[-1]["add_another"] = "no"
        state.setdefault("items", {})[slug] = rows


# --- Navigation ----------------------------------------------------------------------------


def question_url(flow: str, step: Step, index: int = 1) -> str:
    if step.repeat:
        return reverse("collisions:item", args=[flow, step.slug, index])
    return reverse("collisions:question", args=[flow, step.slug])


def check_url(flow: str) -> str:
    return reverse("collisions:check", args=[flow])


def first_url(flow: str) -> str:
    return question_url(flow, steps_for(flow)[0])


def next_url(flow: str, step: Step, state: State, index: int = 0) -> str:
    """Where to go after answering `step` (item `index` of a repeating step)."""
    if step.repeat:
        rows = items(state, step.slug)
        wants_another = 0 < index <= len(rows) and rows[index - 1].get("add_another") == "yes"
        if wants_another and index < conf.MAX_ITEMS:
            return question_url(flow, step, index + 1)
    steps = steps_for(flow)
    for later in steps[steps.index(step) + 1 :]:
        if later.applies(state):
            return question_url(flow, later, 1)
    return check_url(flow)


# --- Check your answers --------------------------------------------------------------------


def form_for(flow: str, step: Step, areas: list[Any], **kwargs: Any) -> forms.Form:
    assert step.form is not None
    if step.form is f.WhenWhereForm:
        form: forms.Form = f.WhenWhereForm(areas=areas, **kwargs)
        if flow == Kind.CRIME:
            form.fields["location"].help_text = (
                "An address or a description of the place. For online fraud, the website, "
                "app or phone number used"
            )
        return form
    return step.form(**kwargs)


def _display(field: forms.Field, value: Any) -> str:
    if value in (None, "", []):
        return "Not given"
    choices = dict(getattr(field, "choices", []) or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value)
    if choices:
        return str(choices.get(value, value))
    if isinstance(field, forms.DateField):
        return date.fromisoformat(str(value)).strftime("%-d %B %Y")
    return str(value)


def _rows(form: forms.Form, data: dict[str, Any], url: str) -> list[dict[str, str]]:
    return [
        {
            "key": str(field.label),
            "value": _display(field, data.get(name)),
            "url": f"{url}?change=1#id_{name}",
        }
        for name, field in form.fields.items()
        if name != "add_another"
    ]


def summary(flow: str, state: State, areas: list[Any]) -> list[dict[str, Any]]:
    """Sections for the check-your-answers page, each with rows and change links."""
    sections: list[dict[str, Any]] = []
    for step in steps_for(flow):
        if step.form is None or not step.applies(state):
            continue
        form = form_for(flow, step, areas)
        if step.repeat:
            for number, row in enumerate(items(state, step.slug), start=1):
                url = question_url(flow, step, number)
                sections.append(
                    {
                        "title": f"{step.item_label} {number}",
                        "rows": _rows(form, row, url),
                        "remove": reverse("collisions:item-remove", args=[flow, step.slug, number]),
                    }
                )
            continue
        data = state.get("answers", {}).get(step.slug)
        if data is not None:
            sections.append(
                {"title": step.title, "rows": _rows(form, data, question_url(flow, step))}
            )
    return sections


def missing(flow: str, state: State) -> list[tuple[str, str]]:
    """(message, url) for each question not yet answered."""
    problems = []
    for step in steps_for(flow):
        if step.form is None or not step.applies(state):
            continue
        if step.repeat:
            if not items(state, step.slug):
                problems.append(
                    (f"Add at least one {step.item_label.lower()}", question_url(flow, step))
                )
        elif step.slug not in state.get("answers", {}):
            problems.append((f"Answer: {step.title}", question_url(flow, step)))
    return problems


def advice(flow: str, state: State) -> list[Advice]:
    if flow != Kind.COLLISION:
        return []
    return collision_advice(
        injury=_answer(state, "injury", "injured") == "yes",
        details_exchanged=str(_answer(state, "details-exchanged", "exchanged") or ""),
        dangerous_driving=_answer(state, "what-happened", "dangerous_driving") == "yes",
        has_footage=_answer(state, "what-happened", "has_footage") == "yes",
        occurred_at=occurred_at(state),
    )


def occurred_at(state: State) -> datetime | None:
    from django.utils import timezone

    day, at = _answer(state, "when-where", "date"), _answer(state, "when-where", "time")
    if not day or not at:
        return None
    return timezone.make_aware(datetime.combine(date.fromisoformat(day), time.fromisoformat(at)))
