"""Hostile input (hypothesis) against the main forms: no server error, whatever is typed.

Field names are read from each form's page, so fields added later are fuzzed too. Some
examples start from a valid form and spoil a few fields, to get past the first checks.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lantern.accounts.tests.factories import World, sign_in
from lantern.evidence.tests.test_requests import _form as evidence_request_form
from tests.security.figures import report

pytestmark = pytest.mark.django_db
EXAMPLES = 300 if os.environ.get("LANTERN_SECURITY_FULL") == "1" else 25

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\nSet-Cookie: x=1",
    "'; DROP TABLE accounts_user; --",
    "{{ 7*7 }}{% debug %}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\u202egpj.exe",
    "9" * 400,
    "-1",
    "0",
    "1e999",
    "NaN",
    "2026-02-30",
    "0000-00-00T00:00",
    "9999-12-31T23:59",
    "%s%s%s%n",
    "😀" * 50,
    "x" * 100_000,
]
VALUE = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300), st.integers().map(str))
FIELD_VALUE = st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=3))
NAME = re.compile(rb'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')


@pytest.fixture(autouse=True)
def _no_link_rate(settings: Any) -> None:
    """This sends hundreds of requests from one address; LINK_RATE itself is tested in
    lantern/core/tests/test_ratelimit.py."""
    settings.LINK_RATE = "1000000/m"


def form_fields(page: bytes) -> list[str]:
    names = {m.decode() for m in NAME.findall(page)} - {"csrfmiddlewaretoken"}
    return sorted(names)


# url name, who fills it in, a valid form to spoil (or None)
FORMS = [
    ("accounts:login", "anon", None),
    ("accounts:register-organisation", "anon", None),
    ("evidence:request-new", "officer", evidence_request_form),
    ("reports:new", "store_staff", None),
    ("statements:new", "officer", None),
]


@pytest.mark.parametrize(("name", "actor", "valid"), FORMS, ids=[f[0] for f in FORMS])
def test_hostile_form_input(
    world: World, name: str, actor: str, valid: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    client = Client() if actor == "anon" else sign_in(Client(), world.user(actor))
    url = reverse(name)
    page = client.get(url)
    assert page.status_code == 200
    fields = form_fields(page.content)
    assert fields, f"no form fields found on {url}"
    baseline = {k: str(v) for k, v in valid(world).items()} if valid else {}
    counts: Counter[str] = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        spoiled=st.dictionaries(st.sampled_from(fields), FIELD_VALUE, max_size=len(fields)),
        start_valid=st.booleans(),
    )
    def post(spoiled: dict[str, Any], start_valid: bool) -> None:
        data = {**(baseline if start_valid else {}), **spoiled}
        counts["attempts"] += 1
        try:
            response = client.post(url, data)
        except Exception:
            counts["server_errors"] += 1
            raise
        if response.status_code >= 500:
            counts["server_errors"] += 1
        assert response.status_code < 500, (data, response.status_code)

    post()
    report(
        capsys,
        f"hostile form input {name}",
        fields=len(fields),
        attempts=counts["attempts"],
        server_errors=counts["server_errors"],
    )
