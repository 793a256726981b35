"""Every branch of the s.170 triage, and the force's in-person rule."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from lantern.collisions import advice as a


def _codes(**kwargs: object) -> list[str]:
    defaults: dict[str, object] = {
        "injury": False,
        "details_exchanged": "yes",
        "dangerous_driving": False,
        "has_footage": False,
        "occurred_at": None,
    }
    defaults.update(kwargs)
    return [x.code for x in a.collision_advice(**defaults)]  # type: ignore[arg-type]


def test_injury_needs_insurance_and_in_person_when_the_force_requires_it(settings) -> None:
    settings.PUBLIC_REPORT_INJURY_IN_PERSON = True
    when = timezone.make_aware(datetime(2026, 3, 2, 14, 30))
    found = a.collision_advice(
        injury=True,
        details_exchanged="yes",
        dangerous_driving=False,
        has_footage=False,
        occurred_at=when,
    )
    assert [x.code for x in found] == [a.INJURY, a.INJURY_IN_PERSON]
    text = " ".join(p for x in found for p in x.paragraphs)
    assert "within 7 days (by 9 March 2026)" in text
    assert "in person" in text and "within 24 hours (by 14:30 on 3 March 2026)" in text


def test_injury_without_the_in_person_rule_says_this_report_counts(settings) -> None:
    settings.PUBLIC_REPORT_INJURY_IN_PERSON = False
    found = a.collision_advice(
        injury=True,
        details_exchanged="no",
        dangerous_driving=False,
        has_footage=False,
        occurred_at=None,
    )
    assert [x.code for x in found] == [a.INJURY, a.INJURY_IN_PERSON]
    assert "in person" not in " ".join(found[1].paragraphs)
    assert "Sending this online report does that" in " ".join(found[1].paragraphs)


@pytest.mark.parametrize("exchanged", ["no", "some"])
def test_details_not_all_given_must_report_within_24_hours(exchanged: str) -> None:
    assert _codes(details_exchanged=exchanged) == [a.NOT_EXCHANGED]


def test_damage_only_with_details_exchanged_may_not_need_reporting() -> None:
    found = a.collision_advice(
        injury=False,
        details_exchanged="yes",
        dangerous_driving=False,
        has_footage=False,
        occurred_at=None,
    )
    assert [x.code for x in found] == [a.DAMAGE_ONLY_EXCHANGED]
    assert not found[0].important
    assert "can still report" in " ".join(found[0].paragraphs)


@pytest.mark.parametrize(("dangerous", "footage"), [(True, False), (False, True), (True, True)])
def test_dangerous_driving_or_footage_gets_the_14_day_limit_and_upload(
    dangerous: bool, footage: bool
) -> None:
    when = timezone.make_aware(datetime(2026, 3, 2, 9, 0))
    found = a.collision_advice(
        injury=False,
        details_exchanged="yes",
        dangerous_driving=dangerous,
        has_footage=footage,
        occurred_at=when,
    )
    assert [x.code for x in found][-2:] == [a.NIP_14_DAYS, a.FOOTAGE]
    assert "within 14 days of the offence (by 16 March 2026)" in found[-2].paragraphs[0]
    assert "do not post it on social media" in " ".join(found[-1].paragraphs)


@given(
    injury=st.booleans(),
    exchanged=st.sampled_from(["yes", "no", "some"]),
    dangerous=st.booleans(),
    footage=st.booleans(),
    hours_ago=st.integers(min_value=0, max_value=24 * 400),
)
def test_exactly_one_reporting_branch_and_nip_only_when_driving_or_footage(
    injury: bool, exchanged: str, dangerous: bool, footage: bool, hours_ago: int
) -> None:
    codes = _codes(
        injury=injury,
        details_exchanged=exchanged,
        dangerous_driving=dangerous,
        has_footage=footage,
        occurred_at=timezone.now() - timedelta(hours=hours_ago),
    )
    reporting = {a.INJURY, a.NOT_EXCHANGED, a.DAMAGE_ONLY_EXCHANGED} & set(codes)
    assert len(reporting) == 1
    assert (a.INJURY in codes) == injury
    assert (a.DAMAGE_ONLY_EXCHANGED in codes) == (not injury and exchanged == "yes")
    assert (a.NIP_14_DAYS in codes) == (a.FOOTAGE in codes) == (dangerous or footage)
