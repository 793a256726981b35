"""The GOV.UK form tags render the installed GOV.UK Frontend's markup for each widget."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template, TemplateSyntaxError
from django.utils.datastructures import MultiValueDict


class SampleForm(forms.Form):
    name = forms.CharField(
        label="Full name",
        help_text="As it appears on your ID",
        widget=forms.TextInput(
            attrs={"autocomplete": "name", "spellcheck": "false", "class": "govuk-input--width-20"}
        ),
    )
    email = forms.EmailField(
        label="Email address",
        error_messages={"required": "Enter your email address", "invalid": "Enter a real email"},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea)
    colour = forms.ChoiceField(
        label="Colour",
        choices=[("", "Choose a colour"), ("red", "Red"), ("blue", "Blue")],
        error_messages={"required": "Select a colour"},
    )
    contact = forms.ChoiceField(
        label="How should we contact you?",
        choices=[("email", "Email"), ("phone", "Phone"), ("post", "Post")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how we should contact you"},
    )
    days = forms.MultipleChoiceField(
        label="Which days can you work?",
        choices=[("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday")],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the days you can work"},
    )
    agree = forms.BooleanField(
        label="I agree to the terms",
        help_text="You can withdraw at any time",
        error_messages={"required": "Agree to the terms to continue"},
    )
    photo = forms.FileField(label="Photo", required=False)
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a password"},
    )
    count = forms.IntegerField(label="Number of items", required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("name") == "clash":
            raise forms.ValidationError("These details do not match our records")
        return cleaned


class OtherForm(forms.Form):
    reference = forms.CharField(label="Reference", error_messages={"required": "Enter a reference"})


VALID = {
    "name": "Alex Smith",
    "email": "alex@example.org",
    "colour": "red",
    "contact": "phone",
    "days": ["mon", "wed"],
    "agree": "on",
    "password": "correct horse battery staple",
}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def element(html: str, **match: str) -> dict[str, str | None]:
    """The attributes of the one element whose attributes include `match` (for_ means for)."""
    wanted = {key.rstrip("_").replace("_", "-"): value for key, value in match.items()}
    found = [
        attrs
        for _tag, attrs in parse(html).elements
        if all(attrs.get(k) == v for k, v in wanted.items())
    ]
    assert len(found) == 1, f"{len(found)} elements match {wanted} in:\n{html}"
    return found[0]


def classes(attrs: dict[str, str | None]) -> set[str]:
    return set((attrs.get("class") or "").split())


def text(html: str) -> str:
    return " ".join(" ".join(parse(html).text).split())


def render(source: str, **context: Any) -> str:
    return Template("{% load govuk %}" + source).render(Context(context))


def field(form: forms.Form, name: str, options: str = "") -> str:
    return render(f"{{% govuk_field form.{name} {options} %}}", form=form)


@pytest.fixture
def invalid_form() -> SampleForm:
    form = SampleForm(
        data={
            "name": 'Alex "Al" <b>Smith</b>',
            "email": "not-an-email",
            "notes": "Line one\nLine <two>",
            "colour": "blue",
            "contact": "",
            "days": [],
            "password": "secret",
            "count": "12",
        }
    )
    assert not form.is_valid()
    return form


# ------------------------------------------------------------------------------------------------
# Text inputs
# ------------------------------------------------------------------------------------------------


def test_text_input_classes_label_hint_and_widget_attrs() -> None:
    html = field(SampleForm(), "name")
    group = element(html, **{"class": "govuk-form-group"})
    assert group is not None
    label = element(html, for_="id_name")
    assert classes(label) == {"govuk-label"}
    hint = element(html, id="id_name-hint")
    assert classes(hint) == {"govuk-hint"}
    assert "As it appears on your ID" in text(html)
    field_input = element(html, id="id_name")
    assert classes(field_input) == {"govuk-input", "govuk-input--width-20"}
    assert field_input["name"] == "name"
    assert field_input["type"] == "text"
    assert field_input["autocomplete"] == "name"
    assert field_input["spellcheck"] == "false"
    assert field_input["aria-describedby"] == "id_name-hint"
    assert "required" not in field_input  # server-side validation with GOV.UK messages
    assert "value" not in field_input
    assert "govuk-error-message" not in html


def test_text_input_error_message_and_preserved_value(invalid_form: SampleForm) -> None:
    html = field(invalid_form, "email")
    assert classes(element(html, **{"class": "govuk-form-group govuk-form-group--error"}))
    error = element(html, id="id_email-error")
    assert classes(error) == {"govuk-error-message"}
    assert "Error: Enter a real email" in text(html)
    field_input = element(html, id="id_email")
    assert classes(field_input) == {"govuk-input", "govuk-input--error"}
    assert field_input["type"] == "email"
    assert field_input["value"] == "not-an-email"
    assert field_input["aria-describedby"] == "id_email-error"
    assert field_input["autocomplete"] == "email"
    assert field_input["spellcheck"] == "false"


def test_hint_and_error_both_described(invalid_form: SampleForm) -> None:
    form = SampleForm(data={**VALID, "name": ""})
    assert not form.is_valid()
    field_input = element(field(form, "name"), id="id_name")
    assert field_input["aria-describedby"] == "id_name-hint id_name-error"
    assert "govuk-input--error" in classes(field_input)


def test_submitted_value_is_escaped_not_lost(invalid_form: SampleForm) -> None:
    html = field(invalid_form, "name")
    assert "<b>" not in html
    assert element(html, id="id_name")["value"] == 'Alex "Al" <b>Smith</b>'


def test_page_heading_and_label_size() -> None:
    html = field(SampleForm(), "email", 'page_heading=True hint="We only use it for this"')
    assert '<h1 class="govuk-label-wrapper">' in html
    assert classes(element(html, for_="id_email")) == {"govuk-label", "govuk-label--l"}
    assert "We only use it for this" in text(html)
    html = field(SampleForm(), "email", 'label_size="m" label="Work email" classes="extra"')
    assert classes(element(html, for_="id_email")) == {"govuk-label", "govuk-label--m"}
    assert "Work email" in text(html)
    assert classes(element(html, id="id_email")) == {"govuk-input", "extra"}
    assert "<h1" not in html


def test_bad_label_size_is_a_template_error() -> None:
    with pytest.raises(TemplateSyntaxError):
        field(SampleForm(), "email", 'label_size="huge"')


def test_optional_fields_are_labelled_optional() -> None:
    assert "Notes (optional)" in text(field(SampleForm(), "notes"))
    assert "Notes (optional)" not in text(field(SampleForm(), "notes", "optional_label=False"))
    assert "(optional)" not in text(field(SampleForm(), "email"))


def test_password_uses_password_input_component_and_is_not_echoed(
    invalid_form: SampleForm,
) -> None:
    html = field(invalid_form, "password")
    group = element(html, **{"data-module": "govuk-password-input"})
    assert {"govuk-form-group", "govuk-password-input"} <= classes(group)
    field_input = element(html, id="id_password")
    assert field_input["type"] == "password"
    assert "value" not in field_input
    assert field_input["autocomplete"] == "new-password"
    assert {"govuk-input", "govuk-password-input__input"} <= classes(field_input)
    toggle = element(html, **{"aria-controls": "id_password"})
    assert "hidden" in toggle  # shown by JavaScript only


def test_number_input_is_text_with_numeric_keyboard(invalid_form: SampleForm) -> None:
    field_input = element(field(invalid_form, "count"), id="id_count")
    assert field_input["type"] == "text"
    assert field_input["inputmode"] == "numeric"
    assert field_input["value"] == "12"


# ------------------------------------------------------------------------------------------------
# Textarea, select, file
# ------------------------------------------------------------------------------------------------


def test_textarea_keeps_submitted_text(invalid_form: SampleForm) -> None:
    html = field(invalid_form, "notes")
    textarea = element(html, id="id_notes")
    assert classes(textarea) == {"govuk-textarea"}
    assert textarea["name"] == "notes"
    assert "Line one\nLine &lt;two&gt;</textarea>" in html
    assert classes(element(html, for_="id_notes")) == {"govuk-label"}


def test_select_marks_submitted_option(invalid_form: SampleForm) -> None:
    html = field(invalid_form, "colour")
    assert classes(element(html, id="id_colour")) == {"govuk-select"}
    assert "selected" in element(html, value="blue")
    assert "selected" not in element(html, value="red")
    assert element(html, for_="id_colour")


def test_select_error() -> None:
    form = SampleForm(data={**VALID, "colour": ""})
    html = field(form, "colour")
    select = element(html, id="id_colour")
    assert classes(select) == {"govuk-select", "govuk-select--error"}
    assert select["aria-describedby"] == "id_colour-error"
    assert "Error: Select a colour" in text(html)


def test_file_upload() -> None:
    html = field(SampleForm(), "photo", 'hint="A JPEG or PNG, up to 10MB"')
    file_input = element(html, id="id_photo")
    assert classes(file_input) == {"govuk-file-upload"}
    assert file_input["type"] == "file"
    assert file_input["aria-describedby"] == "id_photo-hint"
    assert "value" not in file_input
    assert element(html, for_="id_photo")


def test_file_upload_error() -> None:
    class PhotoForm(forms.Form):
        photo = forms.FileField(label="Photo", error_messages={"required": "Select a photo"})

    form = PhotoForm(data={}, files=MultiValueDict())
    assert not form.is_valid()
    html = field(form, "photo")
    assert classes(element(html, id="id_photo")) == {
        "govuk-file-upload",
        "govuk-file-upload--error",
    }

    ok = PhotoForm(data={}, files=MultiValueDict({"photo": [SimpleUploadedFile("a.jpg", b"x")]}))
    assert ok.is_valid()


# ------------------------------------------------------------------------------------------------
# Radios and checkboxes
# ------------------------------------------------------------------------------------------------


def test_radios_in_fieldset_with_first_id_unsuffixed() -> None:
    form = SampleForm(data={**VALID, "contact": "phone"})
    html = field(form, "contact", 'classes="govuk-radios--inline"')
    assert "<fieldset" in html
    assert "<legend" in html
    assert "How should we contact you?" in text(html)
    container = element(html, **{"data-module": "govuk-radios"})
    assert classes(container) == {"govuk-radios", "govuk-radios--inline"}
    ids = ["id_contact", "id_contact-2", "id_contact-3"]
    for item_id, value in zip(ids, ["email", "phone", "post"], strict=True):
        radio = element(html, id=item_id)
        assert classes(radio) == {"govuk-radios__input"}
        assert radio["type"] == "radio"
        assert radio["name"] == "contact"
        assert radio["value"] == value
        label = element(html, for_=item_id)
        assert classes(label) == {"govuk-label", "govuk-radios__label"}
    assert "checked" in element(html, id="id_contact-2")
    assert "checked" not in element(html, id="id_contact")


def test_radios_error_on_fieldset(invalid_form: SampleForm) -> None:
    html = field(invalid_form, "contact", "page_heading=True")
    fieldset = element(html, **{"class": "govuk-fieldset"})
    assert fieldset["aria-describedby"] == "id_contact-error"
    assert element(html, id="id_contact-error")
    assert '<h1 class="govuk-fieldset__heading">' in html
    legend = element(html, **{"class": "govuk-fieldset__legend govuk-fieldset__legend--l"})
    assert legend is not None
    assert "govuk-form-group--error" in html


def test_radio_item_hints() -> None:
    form = SampleForm()
    form.fields["contact"].widget.item_hints = {"post": "Takes up to 5 days"}  # type: ignore[attr-defined]
    html = field(form, "contact")
    assert element(html, id="id_contact-3")["aria-describedby"] == "id_contact-3-item-hint"
    hint = element(html, id="id_contact-3-item-hint")
    assert classes(hint) == {"govuk-hint", "govuk-radios__hint"}


def test_checkboxes_keep_submitted_choices(invalid_form: SampleForm) -> None:
    form = SampleForm(data={**VALID, "days": ["mon", "wed"], "email": ""})
    html = field(form, "days")
    assert classes(element(html, **{"data-module": "govuk-checkboxes"})) == {"govuk-checkboxes"}
    assert "checked" in element(html, id="id_days")
    assert "checked" not in element(html, id="id_days-2")
    assert "checked" in element(html, id="id_days-3")
    for item_id in ("id_days", "id_days-2", "id_days-3"):
        checkbox = element(html, id=item_id)
        assert checkbox["type"] == "checkbox"
        assert checkbox["name"] == "days"
        assert classes(element(html, for_=item_id)) == {"govuk-label", "govuk-checkboxes__label"}
    html = field(invalid_form, "days")
    assert element(html, **{"class": "govuk-fieldset"})["aria-describedby"] == "id_days-error"


def test_single_checkbox(invalid_form: SampleForm) -> None:
    html = field(invalid_form, "agree")
    checkbox = element(html, id="id_agree")
    assert classes(checkbox) == {"govuk-checkboxes__input"}
    assert checkbox["type"] == "checkbox"
    assert "checked" not in checkbox
    assert checkbox["aria-describedby"] == "id_agree-item-hint id_agree-error"
    assert classes(element(html, for_="id_agree")) == {"govuk-label", "govuk-checkboxes__label"}
    assert "Error: Agree to the terms to continue" in text(html)
    assert "(optional)" not in text(html)

    checked = SampleForm(data={**VALID, "email": ""})
    assert "checked" in element(field(checked, "agree"), id="id_agree")


def test_single_checkbox_with_legend() -> None:
    html = field(SampleForm(), "agree", 'legend="Terms and conditions" label_size="m"')
    assert "<fieldset" in html
    assert "Terms and conditions" in text(html)
    assert element(html, **{"class": "govuk-fieldset__legend govuk-fieldset__legend--m"})


def test_split_date_time_widget_is_labelled_parts() -> None:
    class WhenForm(forms.Form):
        when = forms.SplitDateTimeField(label="When did it happen?")

    form = WhenForm(data={"when_0": "2026-01-02", "when_1": "nonsense"})
    assert not form.is_valid()
    html = field(form, "when")
    assert element(html, id="id_when_0")["value"] == "2026-01-02"
    assert element(html, id="id_when_1")["value"] == "nonsense"
    assert element(html, for_="id_when_0")
    assert element(html, for_="id_when_1")
    assert "When did it happen?" in text(html)
    summary = render("{% govuk_error_summary form %}", form=form)
    assert element(summary, href="#id_when_0")


def test_hidden_field_renders_plain_input() -> None:
    class HiddenForm(forms.Form):
        token = forms.CharField(widget=forms.HiddenInput, initial="abc")

    html = field(HiddenForm(), "token")
    assert element(html, type="hidden")["value"] == "abc"
    assert "govuk-form-group" not in html


# ------------------------------------------------------------------------------------------------
# Error summary, error prefix, button, summary list
# ------------------------------------------------------------------------------------------------


def test_error_summary_links_to_each_field(invalid_form: SampleForm) -> None:
    html = render("{% govuk_error_summary form %}", form=invalid_form)
    summary = element(html, **{"data-module": "govuk-error-summary"})
    assert classes(summary) == {"govuk-error-summary"}
    assert element(html, role="alert")
    assert "There is a problem" in text(html)
    hrefs = [attrs["href"] for tag, attrs in parse(html).elements if tag == "a"]
    assert hrefs == ["#id_email", "#id_contact", "#id_days", "#id_agree"]
    for expected in (
        "Enter a real email",
        "Select how we should contact you",
        "Select the days you can work",
        "Agree to the terms to continue",
    ):
        assert expected in text(html)


def test_error_summary_includes_non_field_errors_first() -> None:
    form = SampleForm(data={**VALID, "name": "clash"})
    assert not form.is_valid()
    html = render("{% govuk_error_summary form %}", form=form)
    link = element(html, href="#id_name")
    assert link is not None
    assert "These details do not match our records" in text(html)


def test_error_summary_several_forms_and_none() -> None:
    first = SampleForm(data={**VALID, "email": ""})
    second = OtherForm(data={})
    html = render("{% govuk_error_summary first None second %}", first=first, second=second)
    hrefs = [attrs["href"] for tag, attrs in parse(html).elements if tag == "a"]
    assert hrefs == ["#id_email", "#id_reference"]


def test_error_summary_renders_nothing_without_errors() -> None:
    assert render("{% govuk_error_summary form %}", form=SampleForm()).strip() == ""
    valid = SampleForm(data=VALID)
    assert valid.is_valid(), valid.errors
    assert render("{% govuk_error_summary form %}", form=valid).strip() == ""
    assert render("{% govuk_error_summary form %}", form=None).strip() == ""
    assert render("{% govuk_error_summary missing %}").strip() == ""


def test_error_summary_formset() -> None:
    formset_class = forms.formset_factory(OtherForm, extra=0, min_num=1, validate_min=True)
    formset = formset_class(
        data={
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-0-reference": "",
        }
    )
    assert not formset.is_valid()
    html = render("{% govuk_error_summary formset %}", formset=formset)
    assert element(html, href="#id_form-0-reference")


def test_error_prefix(invalid_form: SampleForm) -> None:
    assert render("{% govuk_error_prefix form %}Sign in", form=invalid_form) == "Error: Sign in"
    assert render("{% govuk_error_prefix form %}Sign in", form=SampleForm()) == "Sign in"


def test_button() -> None:
    html = render("{% govuk_button label prevent_double_click=True %}", label="Save <now>")
    button = element(html, **{"data-module": "govuk-button"})
    assert button["type"] == "submit"
    assert button["data-prevent-double-click"] == "true"
    assert "Save &lt;now&gt;" in html
    html = render('{% govuk_button "Cancel" href="/back" classes="govuk-button--secondary" %}')
    link = element(html, href="/back")
    assert link["role"] == "button"
    assert classes(link) == {"govuk-button", "govuk-button--secondary"}


def test_summary_list_rows() -> None:
    rows = [
        ("Name", "Alex <Smith>"),
        {"key": "Email", "value": "alex@example.org", "href": "/change-email"},
    ]
    for source in (
        '{% include "govuk/summary_list.html" with rows=rows %}',
        "{% govuk_summary_list rows %}",
    ):
        html = render(source, rows=rows)
        assert classes(element(html, **{"class": "govuk-summary-list"})) == {"govuk-summary-list"}
        assert "Alex &lt;Smith&gt;" in html
        assert "govuk-summary-list__row--no-actions" in html  # the Name row
        link = element(html, href="/change-email")
        assert classes(link) == {"govuk-link"}
        assert "Change Email" in text(html)


def test_not_a_bound_field_is_a_template_error() -> None:
    with pytest.raises(TemplateSyntaxError):
        render("{% govuk_field form %}", form=SampleForm())


def test_select_date_widget_is_three_labelled_selects() -> None:
    class BirthForm(forms.Form):
        born = forms.DateField(label="Date of birth", widget=forms.SelectDateWidget(years=[2000]))

    form = BirthForm(data={"born_day": "3", "born_month": "", "born_year": "2000"})
    assert not form.is_valid()
    html = field(form, "born")
    assert element(html, role="group")["aria-describedby"] == "id_born-error"
    for part, label in (("day", "Day"), ("month", "Month"), ("year", "Year")):
        select = element(html, id=f"id_born_{part}")
        assert {"govuk-select", "govuk-select--error"} <= classes(select)
        assert select["name"] == f"born_{part}"
        assert element(html, for_=f"id_born_{part}")
        assert label in text(html)
    summary = render("{% govuk_error_summary form %}", form=form)
    assert element(summary, href="#id_born_day")
