"""Answering the public question pages through the test client, as a reporter would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from lantern.collisions import protection

AGO = timezone.localtime(timezone.now() - timedelta(hours=3))
WHEN_WHERE = {
    "date": AGO.date().isoformat(),
    "time": AGO.strftime("%H:%M"),
    "location": "Junction of High Street and Mill Lane",
    "postcode": "nt1 2ab",
    "latitude": "53.48095",
    "longitude": "-2.24263",
    "area": "",
}
VEHICLE = {
    "registration": "ab12 cde",
    "make": "Ford",
    "model": "Focus",
    "colour": "Blue",
    "damage": "Dented rear bumper",
    "driver_name": "Dee Driver",
    "driver_address": "1 Road, Northtown",
    "driver_contact": "07700 900123",
    "insurer": "Acme Insurance",
    "policy_number": "P-123",
    "add_another": "no",
}
YOU = {"name": "Sam Public", "email": "sam@example.com", "phone": "07700 900982"}


def post(client: Client, url: str, data: dict[str, Any], status: int = 302) -> Any:
    response = client.post(url, data)
    assert response.status_code == status, (url, response.status_code)
    return response


def answer_collision(
    client: Client,
    *,
    injured: bool = False,
    exchanged: str = "yes",
    dangerous: bool = False,
    footage: bool = False,
    you: dict[str, Any] | None = None,
    witnesses: int = 0,
    area: str = "",
) -> None:
    base = "/report/collision"
    post(client, f"{base}/when-where/", {**WHEN_WHERE, "area": area})
    post(
        client,
        f"{base}/injury/",
        {"injured": "yes" if injured else "no", "injury_details": "Whiplash" if injured else ""},
    )
    post(
        client,
        f"{base}/what-happened/",
        {
            "description": "The other car reversed into mine",
            "dangerous_driving": "yes" if dangerous else "no",
            "has_footage": "yes" if footage else "no",
        },
    )
    post(client, f"{base}/details-exchanged/", {"exchanged": exchanged})
    post(client, f"{base}/advice/", {})
    post(client, f"{base}/vehicle/1/", {**VEHICLE, "add_another": "yes"})
    post(client, f"{base}/vehicle/2/", {**VEHICLE, "registration": "XY99 ZZZ"})
    post(client, f"{base}/witnesses/", {"any_witnesses": "yes" if witnesses else "no"})
    for n in range(1, witnesses + 1):
        post(
            client,
            f"{base}/witness/{n}/",
            {"name": f"Witness {n}", "add_another": "yes" if n < witnesses else "no"},
        )
    post(client, f"{base}/you/", you or YOU)


def answer_crime(client: Client, *, kind: str = "theft", you: dict[str, Any] | None = None) -> None:
    base = "/report/crime"
    post(client, f"{base}/what/", {"crime_kind": kind})
    post(client, f"{base}/when-where/", WHEN_WHERE)
    post(
        client,
        f"{base}/details/",
        {
            "description": "My bike was taken from outside the library",
            "taken_or_damaged": "Red Raleigh bicycle",
            "value": "250",
            "has_footage": "no",
        },
    )
    post(client, f"{base}/you/", you or YOU)


def nonce_for(client: Client) -> str:
    """Solve this session's challenge as pow.mjs does in the browser."""
    challenge = client.session[protection.CHALLENGE_KEY]
    n = 0
    while not protection.solves(challenge["value"], str(n), challenge["bits"]):
        n += 1
    return str(n)


def send(client: Client, kind: str) -> Any:
    client.get(f"/report/{kind}/check/")  # issues the challenge
    return client.post(f"/report/{kind}/check/", {"pow_nonce": nonce_for(client)})
