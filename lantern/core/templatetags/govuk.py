"""GOV.UK Frontend markup for Django forms, error summaries, buttons and summary lists.

Usage in a template::

    {% load govuk %}
    {% block title %}{% govuk_error_prefix form %}Sign in{% endblock %}
    ...
    {% govuk_error_summary form %}
    <form method="post" novalidate>
      {% csrf_token %}
      {% govuk_field form.username label_size="m" %}
      {% govuk_field form.password %}
      {% govuk_button "Sign in" %}
    </form>

The markup follows the installed GOV.UK Frontend's own templates
(node_modules/govuk-frontend/dist/govuk/components/*/template.njk). Widget attributes set in
the form (autocomplete, inputmode, spellcheck, pattern, class, data-*) are kept; submitted values
are shown again when the form has errors (except passwords and files, which browsers and Django
never echo back).

Ids: an input's id is the widget's ``id`` attribute or Django's ``auto_id`` (``id_<name>``). For
radios and checkboxes the first input gets that id (later ones ``id_<name>-2``, ``-3`` ...) so the
error summary can link to ``#id_<name>``; hints are ``<id>-hint`` and errors ``<id>-error``.

The HTML ``required`` attribute is left out: GOV.UK services validate on the server and show
GOV.UK error messages rather than the browser's own pop-ups. Optional fields get "(optional)"
after their label, as the GOV.UK Design System recommends (turn off with ``optional_label=False``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms, template
from django.conf import settings
from django.forms.boundfield import BoundField
from django.forms.utils import flatatt
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

register = template.Library()

LABEL_SIZES = frozenset({"s", "m", "l", "xl"})
# Browsers' own labels for Django's "empty" choice: never shown as a radio or checkbox.
_BLANK_CHOICE_LABEL = "---------"
_TEXT_INPUT_TYPES = frozenset(
    {"text", "email", "password", "number", "url", "tel", "search", "date", "time",
     "datetime-local"}
)  # fmt: skip


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


def _join_classes(*parts: object) -> str:
    """Join CSS class strings, dropping empty ones and duplicates, keeping order."""
    seen: dict[str, None] = {}
    for part in parts:
        if part:
            for name in str(part).split():
                seen.setdefault(name, None)
    return " ".join(seen)


def _attrs(attrs: Mapping[str, Any]) -> SafeString:
    """Render HTML attributes (escaped; True renders the bare name; False/None are dropped)."""
    return flatatt({k: v for k, v in attrs.items() if v is not None and v is not False})


def _base_id(bf: BoundField) -> str:
    """The id of the field's (first) input."""
    widget_id = bf.field.widget.attrs.get("id")
    return str(widget_id or bf.auto_id or bf.html_name)


def anchor_id(bf: BoundField) -> str:
    """The id the error summary links to: the field's first focusable input."""
    widget = bf.field.widget
    base = _base_id(bf)
    if isinstance(widget, forms.MultiWidget):
        return f"{base}_0"  # the first part, as _render_multi renders it
    if isinstance(widget, forms.SelectDateWidget):
        return str(widget.id_for_label(base) or base)  # the first select: id_<name>_day (en-GB)
    return base


def _error_messages(bf: BoundField) -> list[str]:
    return [str(message) for message in bf.errors]


@dataclass
class _Common:
    """What every field template needs: label, hint, error message and their ids."""

    bf: BoundField
    id: str
    label: str
    label_classes: str
    legend_classes: str
    page_heading: bool
    hint: StrOrPromise
    hint_id: str
    errors: list[str]
    error_id: str
    form_group_classes: str
    described_by: str
    extra: dict[str, Any] = field(default_factory=dict)

    def context(self) -> dict[str, Any]:
        return {
            "field": self.bf,
            "id": self.id,
            "label": self.label,
            "label_classes": self.label_classes,
            "legend_classes": self.legend_classes,
            "page_heading": self.page_heading,
            "hint": self.hint,
            "hint_id": self.hint_id,
            "errors": self.errors,
            "error_id": self.error_id,
            "form_group_classes": self.form_group_classes,
            "described_by": self.described_by,
            **self.extra,
        }


def _common(
    bf: BoundField,
    *,
    label: str | None,
    label_size: str | None,
    page_heading: bool,
    hint: str | None,
    optional_label: bool,
    form_group_classes: str,
) -> _Common:
    if label_size is None and page_heading:
        label_size = "l"
    if label_size is not None and label_size not in LABEL_SIZES:
        raise template.TemplateSyntaxError(
            f"govuk_field: label_size must be one of {sorted(LABEL_SIZES)}, not {label_size!r}"
        )
    base = _base_id(bf)
    label_text = str(bf.label) if label is None else str(label)
    is_boolean = isinstance(bf.field.widget, forms.CheckboxInput)
    if (
        optional_label
        and not bf.field.required
        and not is_boolean
        and label_text
        and "optional" not in label_text.lower()
    ):
        label_text = f"{label_text} (optional)"
    hint_text = bf.help_text if hint is None else hint
    errors = _error_messages(bf)
    hint_id = f"{base}-hint"
    error_id = f"{base}-error"
    described_by = " ".join(
        part for part, present in ((hint_id, bool(hint_text)), (error_id, bool(errors))) if present
    )
    return _Common(
        bf=bf,
        id=base,
        label=label_text,
        label_classes=_join_classes("govuk-label", label_size and f"govuk-label--{label_size}"),
        legend_classes=_join_classes(
            "govuk-fieldset__legend", label_size and f"govuk-fieldset__legend--{label_size}"
        ),
        page_heading=page_heading,
        hint=hint_text,
        hint_id=hint_id,
        errors=errors,
        error_id=error_id,
        form_group_classes=_join_classes(
            "govuk-form-group", errors and "govuk-form-group--error", form_group_classes
        ),
        described_by=described_by,
    )


def _widget_context(bf: BoundField, described_by: str, id_: str = "") -> dict[str, Any]:
    """Django's own widget context (formatted value, merged attrs, options) for the field.

    ``id_`` is passed to the widget only for widgets with several parts, which derive their
    parts' ids from it (``id_when_0``, ``id_date_day``).
    """
    widget = bf.field.widget
    if bf.field.localize:
        widget.is_localized = True
    custom = str(widget.attrs.get("aria-describedby") or "")
    given: dict[str, Any] = {"id": id_} if id_ else {}
    if described_by:
        given["aria-describedby"] = _join_classes(custom, described_by)
    attrs = bf.build_widget_attrs(given, widget)
    # Server-side validation only: no browser pop-ups, GOV.UK error messages instead.
    attrs.pop("required", None)
    if not described_by:
        attrs.pop("aria-describedby", None)
    context: dict[str, Any] = widget.get_context(bf.html_name, bf.value(), attrs)["widget"]
    widget_attrs = dict(context["attrs"])
    widget_attrs.pop("required", None)
    if described_by:
        widget_attrs["aria-describedby"] = _join_classes(custom, described_by)
    elif custom:
        widget_attrs["aria-describedby"] = custom
    else:
        widget_attrs.pop("aria-describedby", None)
    context["attrs"] = widget_attrs
    return context


def _input_attrs(
    first: Mapping[str, Any], widget_attrs: Mapping[str, Any], drop: Iterable[str] = ()
) -> dict[str, Any]:
    """`first` (class, id, name, type, value ...) followed by the widget's other attributes."""
    dropped = set(drop) | set(first)
    attrs = dict(first)
    attrs.update({k: v for k, v in widget_attrs.items() if k not in dropped})
    return attrs


# ------------------------------------------------------------------------------------------------
# Renderers for each kind of widget
# ------------------------------------------------------------------------------------------------


def _render_input(common: _Common, classes: str) -> SafeString:
    bf = common.bf
    widget = bf.field.widget
    ctx = _widget_context(bf, common.described_by)
    widget_attrs = ctx["attrs"]
    input_type = str(ctx.get("type") or getattr(widget, "input_type", "text"))
    drop: set[str] = {"class"}
    extra: dict[str, Any] = {}
    if isinstance(widget, forms.NumberInput):
        # GOV.UK: avoid type="number" (scroll wheels change it, it rounds large numbers and
        # screen readers handle it badly). Use a text input with a numeric keyboard instead.
        input_type = "text"
        drop |= {"min", "max", "step"}
        decimal = isinstance(bf.field, (forms.DecimalField, forms.FloatField))
        extra["inputmode"] = widget_attrs.get("inputmode") or ("decimal" if decimal else "numeric")
        extra["spellcheck"] = widget_attrs.get("spellcheck", "false")
    elif isinstance(widget, forms.EmailInput):
        extra["spellcheck"] = widget_attrs.get("spellcheck", "false")
    password = input_type == "password"
    if password:
        extra["spellcheck"] = widget_attrs.get("spellcheck", "false")
        extra["autocapitalize"] = widget_attrs.get("autocapitalize", "none")
        extra["autocomplete"] = widget_attrs.get("autocomplete", "current-password")
    value = ctx.get("value")
    css = _join_classes(
        "govuk-input",
        password and "govuk-password-input__input govuk-js-password-input-input",
        common.errors and "govuk-input--error",
        widget_attrs.get("class"),
        classes,
    )
    first: dict[str, Any] = {
        "class": css,
        "id": common.id,
        "name": bf.html_name,
        "type": input_type,
        "value": None if value in (None, "") else str(value),
    }
    first.update(extra)
    context = common.context()
    context.update(
        password=password,
        input_attrs=_attrs(_input_attrs(first, widget_attrs, drop)),
    )
    return render_to_string("govuk/fields/input.html", context)


def _render_textarea(common: _Common, classes: str) -> SafeString:
    bf = common.bf
    ctx = _widget_context(bf, common.described_by)
    widget_attrs = ctx["attrs"]
    css = _join_classes(
        "govuk-textarea",
        common.errors and "govuk-textarea--error",
        widget_attrs.get("class"),
        classes,
    )
    first = {"class": css, "id": common.id, "name": bf.html_name}
    attrs = _input_attrs(first, widget_attrs, drop={"class", "cols"})
    attrs.setdefault("rows", 5)
    context = common.context()
    context.update(
        textarea_attrs=_attrs(attrs),
        value=ctx.get("value") or "",
    )
    return render_to_string("govuk/fields/textarea.html", context)


def _iter_options(ctx: Mapping[str, Any]) -> Iterator[tuple[str | None, list[dict[str, Any]]]]:
    for group_name, options, _index in ctx.get("optgroups", []):
        yield (str(group_name) if group_name else None), list(options)


def _render_select(common: _Common, classes: str) -> SafeString:
    bf = common.bf
    ctx = _widget_context(bf, common.described_by)
    widget_attrs = ctx["attrs"]
    css = _join_classes(
        "govuk-select",
        widget_attrs.get("class"),
        classes,
        common.errors and "govuk-select--error",
    )
    first: dict[str, Any] = {"class": css, "id": common.id, "name": bf.html_name}
    groups = []
    for group_name, options in _iter_options(ctx):
        groups.append(
            {
                "label": group_name,
                "options": [
                    {
                        "value": "" if option["value"] is None else str(option["value"]),
                        "label": str(option["label"]),
                        "selected": bool(option["selected"]),
                        "disabled": bool(option["attrs"].get("disabled")),
                    }
                    for option in options
                ],
            }
        )
    context = common.context()
    context.update(
        select_attrs=_attrs(_input_attrs(first, widget_attrs, drop={"class"})),
        groups=groups,
    )
    return render_to_string("govuk/fields/select.html", context)


def _render_choices(common: _Common, classes: str, kind: str) -> SafeString:
    """Radios (kind="radios") or checkboxes (kind="checkboxes") in a fieldset."""
    bf = common.bf
    widget = bf.field.widget
    ctx = _widget_context(bf, common.described_by)
    widget_attrs = ctx["attrs"]
    # Optional hints under individual options: widget.item_hints = {value: "hint text"}.
    item_hints: Mapping[str, str] = {
        str(k): str(v) for k, v in (getattr(widget, "item_hints", None) or {}).items()
    }
    input_type = "radio" if kind == "radios" else "checkbox"
    items = []
    number = 0
    for _group, options in _iter_options(ctx):
        for option in options:
            if str(option["label"]) == _BLANK_CHOICE_LABEL:
                continue
            number += 1
            item_id = common.id if number == 1 else f"{common.id}-{number}"
            value = "" if option["value"] is None else str(option["value"])
            hint = item_hints.get(value, "")
            hint_id = f"{item_id}-item-hint" if hint else ""
            input_attrs = {
                "class": f"govuk-{kind}__input",
                "id": item_id,
                "name": bf.html_name,
                "type": input_type,
                "value": value,
                "checked": bool(option["selected"]),
                "disabled": bool(option["attrs"].get("disabled") or widget_attrs.get("disabled")),
                "aria-describedby": hint_id or None,
            }
            items.append(
                {
                    "id": item_id,
                    "label": str(option["label"]),
                    "hint": hint,
                    "hint_id": hint_id,
                    "input_attrs": _attrs(input_attrs),
                }
            )
    # Widget data-* attributes (e.g. for scripts) go on the govuk-radios/checkboxes container.
    container_attrs = {k: v for k, v in widget_attrs.items() if k.startswith("data-")}
    context = common.context()
    context.update(
        kind=kind,
        items=items,
        container_classes=_join_classes(f"govuk-{kind}", widget_attrs.get("class"), classes),
        container_attrs=_attrs(container_attrs),
        module=f"govuk-{kind}",
    )
    return render_to_string("govuk/fields/choices.html", context)


def _render_checkbox(common: _Common, classes: str, legend: str | None) -> SafeString:
    """A single checkbox (BooleanField), optionally in a fieldset with a legend."""
    bf = common.bf
    item_hint_id = f"{common.id}-item-hint" if common.hint else ""
    described_by = _join_classes(item_hint_id, common.errors and common.error_id)
    ctx = _widget_context(bf, described_by)
    widget_attrs = ctx["attrs"]
    value = ctx.get("value")
    first: dict[str, Any] = {
        "class": _join_classes("govuk-checkboxes__input", widget_attrs.get("class")),
        "id": common.id,
        "name": bf.html_name,
        "type": "checkbox",
        "value": None if value in (None, "") else str(value),
        "checked": bool(widget_attrs.get("checked")),
    }
    context = common.context()
    context.update(
        legend=legend,
        item_hint_id=item_hint_id,
        container_classes=_join_classes("govuk-checkboxes", classes),
        input_attrs=_attrs(_input_attrs(first, widget_attrs, drop={"class"})),
    )
    return render_to_string("govuk/fields/checkbox.html", context)


def _render_file(common: _Common, classes: str) -> SafeString:
    bf = common.bf
    ctx = _widget_context(bf, common.described_by)
    widget_attrs = ctx["attrs"]
    css = _join_classes(
        "govuk-file-upload",
        widget_attrs.get("class"),
        classes,
        common.errors and "govuk-file-upload--error",
    )
    first = {"class": css, "id": common.id, "name": bf.html_name, "type": "file"}
    context = common.context()
    context.update(
        input_attrs=_attrs(_input_attrs(first, widget_attrs, drop={"class", "value"})),
        current=ctx.get("is_initial") and ctx.get("value"),
    )
    return render_to_string("govuk/fields/file.html", context)


_DATE_PART_LABELS = {"day": "Day", "month": "Month", "year": "Year"}


def _render_multi(common: _Common, classes: str) -> SafeString:
    """MultiWidget (e.g. SplitDateTimeWidget) or SelectDateWidget: one labelled input or select
    per part, side by side in a fieldset (GOV.UK date input layout).

    Part labels: ``widget.item_labels`` if set; "Date"/"Time" for SplitDateTimeWidget;
    "Day"/"Month"/"Year" for SelectDateWidget; otherwise "Part 1", "Part 2" ...
    """
    bf = common.bf
    widget = bf.field.widget
    ctx = _widget_context(bf, common.described_by, id_=common.id)
    labels: Sequence[str] = getattr(widget, "item_labels", None) or (
        ("Date", "Time") if isinstance(widget, forms.SplitDateTimeWidget) else ()
    )
    parts = []
    for index, sub in enumerate(ctx["subwidgets"]):
        sub_attrs = dict(sub["attrs"])
        for name in ("required", "aria-describedby", "aria-invalid"):  # on the fieldset
            sub_attrs.pop(name, None)
        sub_id = str(sub_attrs.get("id") or f"{common.id}_{index}")
        suffix = str(sub["name"]).rsplit("_", 1)[-1]
        if index < len(labels):
            label = str(labels[index])
        elif isinstance(widget, forms.SelectDateWidget):
            label = _DATE_PART_LABELS.get(suffix, suffix.capitalize())
        else:
            label = f"Part {index + 1}"
        part: dict[str, Any] = {"id": sub_id, "label": label}
        if "optgroups" in sub:  # a <select>
            first: dict[str, Any] = {
                "class": _join_classes(
                    "govuk-select",
                    sub_attrs.get("class"),
                    classes,
                    common.errors and "govuk-select--error",
                ),
                "id": sub_id,
                "name": sub["name"],
            }
            part["select_attrs"] = _attrs(_input_attrs(first, sub_attrs, drop={"class"}))
            part["options"] = [
                {
                    "value": "" if option["value"] is None else str(option["value"]),
                    "label": str(option["label"]),
                    "selected": bool(option["selected"]),
                }
                for _group, options in _iter_options(sub)
                for option in options
            ]
        else:
            value = sub.get("value")
            first = {
                "class": _join_classes(
                    "govuk-input",
                    common.errors and "govuk-input--error",
                    sub_attrs.get("class"),
                    classes or "govuk-input--width-10",
                ),
                "id": sub_id,
                "name": sub["name"],
                "type": sub.get("type") or "text",
                "value": None if value in (None, "") else str(value),
            }
            part["input_attrs"] = _attrs(_input_attrs(first, sub_attrs, drop={"class"}))
        parts.append(part)
    context = common.context()
    context.update(parts=parts)
    return render_to_string("govuk/fields/multi.html", context)


def _render_other(common: _Common) -> SafeString:
    """Any other widget: Django's own rendering inside a GOV.UK form group."""
    bf = common.bf
    attrs: dict[str, str | bool] = (
        {"aria-describedby": common.described_by} if common.described_by else {}
    )
    context = common.context()
    context.update(
        widget_html=bf.as_widget(attrs=attrs),
        label_for=bf.id_for_label,
    )
    return render_to_string("govuk/fields/other.html", context)


# ------------------------------------------------------------------------------------------------
# Tags
# ------------------------------------------------------------------------------------------------


@register.simple_tag
def govuk_field(
    bf: BoundField,
    *,
    label: str | None = None,
    label_size: str | None = None,
    page_heading: bool = False,
    hint: str | None = None,
    classes: str = "",
    form_group_classes: str = "",
    legend: str | None = None,
    optional_label: bool = True,
) -> SafeString:
    """Render one bound field as a GOV.UK form group.

    - ``label``: replaces the field's label (or legend for radios/checkboxes).
    - ``label_size``: "s", "m", "l" or "xl" (label or legend size); "l" when ``page_heading``.
    - ``page_heading``: the label/legend is the page's <h1>.
    - ``hint``: replaces ``help_text`` ("" for no hint).
    - ``classes``: extra classes on the input/select/textarea, or on the govuk-radios/
      govuk-checkboxes container (e.g. "govuk-radios--inline", "govuk-checkboxes--small").
    - ``form_group_classes``: extra classes on the govuk-form-group.
    - ``legend``: a single checkbox (BooleanField) is wrapped in a fieldset with this legend.
    - ``optional_label``: add " (optional)" to the label of a field that is not required.
    """
    if not isinstance(bf, BoundField):
        raise template.TemplateSyntaxError(
            f"govuk_field expects a bound field such as form.name, not {type(bf).__name__}"
        )
    widget = bf.field.widget
    if widget.is_hidden:
        return bf.as_widget()
    common = _common(
        bf,
        label=label,
        label_size=label_size,
        page_heading=page_heading,
        hint=hint,
        optional_label=optional_label,
        form_group_classes=form_group_classes,
    )
    # Order matters: CheckboxSelectMultiple is a RadioSelect; CheckboxInput and FileInput are
    # Inputs; SelectDateWidget is not a MultiWidget.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return _render_choices(common, classes, "checkboxes")
    if isinstance(widget, forms.RadioSelect):
        return _render_choices(common, classes, "radios")
    if isinstance(widget, forms.Select):
        return _render_select(common, classes)
    if isinstance(widget, forms.CheckboxInput):
        return _render_checkbox(common, classes, legend)
    if isinstance(widget, forms.FileInput):
        return _render_file(common, classes)
    if isinstance(widget, forms.Textarea):
        return _render_textarea(common, classes)
    if isinstance(widget, (forms.MultiWidget, forms.SelectDateWidget)):
        return _render_multi(common, classes)
    if isinstance(widget, forms.widgets.Input) and widget.input_type in _TEXT_INPUT_TYPES:
        return _render_input(common, classes)
    return _render_other(common)


def _form_error_items(form: forms.BaseForm) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    visible = form.visible_fields()
    first_href = f"#{anchor_id(visible[0])}" if visible else ""
    for bf in form.hidden_fields():
        for message in bf.errors:
            items.append({"text": f"{bf.label}: {message}", "href": ""})
    for message in form.non_field_errors():
        items.append({"text": str(message), "href": first_href})
    for bf in visible:
        for message in bf.errors:
            items.append({"text": str(message), "href": f"#{anchor_id(bf)}"})
    return items


def _error_items(obj: object) -> list[dict[str, str]]:
    if obj is None or obj == "":
        return []
    if isinstance(obj, forms.BaseFormSet):
        items = [{"text": str(message), "href": ""} for message in obj.non_form_errors()]
        for form in obj.forms:
            items.extend(_form_error_items(form))
        return items
    if isinstance(obj, forms.BaseForm):
        return _form_error_items(obj)
    raise template.TemplateSyntaxError(
        f"govuk_error_summary expects forms or formsets, not {type(obj).__name__}"
    )


@register.simple_tag
def govuk_error_summary(*forms_: object, title: str = "There is a problem") -> SafeString:
    """A GOV.UK error summary for one or more forms/formsets; nothing when there are no errors.

    Non-field errors link to the form's first field; hidden field errors are listed unlinked.
    """
    items: list[dict[str, str]] = []
    for obj in forms_:
        items.extend(_error_items(obj))
    if not items:
        return SafeString("")
    return render_to_string("govuk/error_summary.html", {"title": title, "items": items})


@register.simple_tag
def govuk_error_prefix(*forms_: object) -> str:
    """ "Error: " when any of the forms has errors, for the start of the page <title>."""
    return "Error: " if any(_error_items(obj) for obj in forms_) else ""


@register.simple_tag
def govuk_button(
    text: str,
    *,
    href: str = "",
    type: str = "submit",
    name: str = "",
    value: str = "",
    classes: str = "",
    prevent_double_click: bool = False,
    button_id: str = "",
) -> SafeString:
    """A GOV.UK button (<button>), or a link styled as one when ``href`` is given.

    ``classes``: e.g. "govuk-button--secondary", "govuk-button--warning".
    """
    css = _join_classes("govuk-button", classes)
    if href:
        return format_html(
            '<a href="{}" role="button" draggable="false"{}>{}</a>',
            href,
            _attrs({"class": css, "data-module": "govuk-button", "id": button_id or None}),
            text,
        )
    attrs: dict[str, Any] = {
        "type": type,
        "name": name or None,
        "value": value or None,
        "class": css,
        "data-module": "govuk-button",
        "data-prevent-double-click": "true" if prevent_double_click else None,
        "id": button_id or None,
    }
    return format_html("<button{}>{}</button>", _attrs(attrs), text)


# ------------------------------------------------------------------------------------------------
# Summary list
# ------------------------------------------------------------------------------------------------


@register.filter
def govuk_summary_rows(rows: Iterable[Any] | None) -> list[dict[str, Any]]:
    """Normalise summary list rows: (key, value) pairs or dicts with key, value and optional
    href, action (link text, default "Change") and visually_hidden (default: the key)."""
    result: list[dict[str, Any]] = []
    for row in rows or ():
        if not row:
            continue
        if isinstance(row, Mapping):
            key, value = row.get("key", ""), row.get("value", "")
            href = row.get("href") or ""
            action = row.get("action") or ("Change" if href else "")
            hidden = row.get("visually_hidden")
        else:
            key, value = row[0], row[1]
            href, action, hidden = "", "", None
        result.append(
            {
                "key": key,
                "value": value,
                "href": href,
                "action": action,
                "visually_hidden": key if hidden is None else hidden,
            }
        )
    return result


@register.filter
def govuk_any_actions(rows: Iterable[Mapping[str, Any]]) -> bool:
    """True when any normalised summary list row has an action link."""
    return any(row.get("href") for row in rows)


@register.simple_tag
def govuk_summary_list(rows: Iterable[Any] | None, *, classes: str = "") -> SafeString:
    """``{% govuk_summary_list rows %}``: same as including govuk/summary_list.html."""
    return render_to_string("govuk/summary_list.html", {"rows": rows, "classes": classes})


@register.simple_tag
def lantern_force_name() -> str:
    """The force's name from settings, for pages rendered without context processors (500)."""
    return str(getattr(settings, "LANTERN_FORCE_NAME", "") or "")
