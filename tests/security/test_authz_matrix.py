"""Authorization matrix: every URL × state-changing method × anonymous and every role of two
organisations of each type, and object ids of organisation A tried by organisation B.

Who is refused comes from the URL sweep's GET table (`tests/test_url_sweep.py`, merged with
each app's `tests/sweep.py`) and, for URLs that answer GET with 405, from `WRITE_EXPECTED`
(`tests/security/write_rules.py` and each app's sweep module). A refused request must end in
a refusal (a 4xx or the sign-in page) and must not write a change to the ledger; no request,
allowed or not, may end in a server error. Set LANTERN_SECURITY_FULL=1 (as `make soak` does)
to send every method as every actor; the quick run sends POST as every actor and one of PUT,
PATCH or DELETE (chosen by URL) as anonymous plus one member of each role, alternating
organisation by URL.
"""

from __future__ import annotations

import os
import zlib
from collections import Counter
from collections.abc import Callable
from importlib import import_module
from importlib.util import find_spec
from typing import Any

import pytest
from django.apps import apps
from django.db.models import Max
from django.test import Client
from django.urls import reverse

from lantern.accounts.tests.factories import World, sign_in
from lantern.ledger.models import Action, Entry
from tests.security.figures import report
from tests.security.write_rules import WRITE_EXPECTED
from tests.sweep_rules import ACTORS, ROLES
from tests.test_url_sweep import EXPECTED, _outcome, _url_names

FULL = os.environ.get("LANTERN_SECURITY_FULL") == "1"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Ledger entries that record a read or a refusal, not a change.
NOT_CHANGES = {Action.AUTHZ_FAILED, Action.VIEWED}


@pytest.fixture(autouse=True)
def _no_link_rate(settings: Any) -> None:
    """This sends hundreds of requests from one address; LINK_RATE itself is tested in
    lantern/core/tests/test_ratelimit.py."""
    settings.LINK_RATE = "1000000/m"


def _app_tables(attribute: str) -> list[tuple[str, dict[str, Any]]]:
    """`attribute` of each app's `tests/sweep.py` that defines it."""
    found = []
    for config in apps.get_app_configs():
        module = f"{config.name}.tests.sweep"
        if (
            config.name.startswith("lantern.")
            and find_spec(f"{config.name}.tests")
            and find_spec(module)
        ):
            found.append((module, getattr(import_module(module), attribute, {})))
    return found


def _write_expectations() -> dict[str, Callable[[str], Any]]:
    merged: dict[str, Callable[[str], Any]] = dict(WRITE_EXPECTED)  # type: ignore[arg-type]
    for module, table in _app_tables("WRITE_EXPECTED"):
        clash = merged.keys() & table.keys()
        assert not clash, f"{module} repeats write expectations for {sorted(clash)}"
        merged.update(table)
    return merged


WRITES = _write_expectations()


def refused(outcome: Any) -> bool:
    return outcome == "login" or (isinstance(outcome, int) and 400 <= outcome < 500)


def may_write(name: str, actor: str) -> bool | None:
    """True, False, or None when the tables cannot tell (a POST-only URL with no write rule)."""
    if name in WRITES:
        return bool(WRITES[name](actor) == 200)
    want = EXPECTED[name][1](actor)
    if want == 405:
        return None
    return not refused(want)


def _methods_for(name: str) -> tuple[str, ...]:
    if FULL:
        return WRITE_METHODS
    return ("POST", WRITE_METHODS[1 + zlib.crc32(name.encode()) % 3])


def _actors_for(name: str, method: str) -> list[str]:
    if FULL or method == "POST":
        return ACTORS
    flip = zlib.crc32(name.encode()) % 2
    return ["anon"] + [role + ("_b" if (i + flip) % 2 else "") for i, role in enumerate(ROLES)]


def _send(client: Client, method: str, url: str) -> Any:
    if method == "POST":
        return client.post(url, {})
    return client.generic(method, url, b"", content_type="application/x-www-form-urlencoded")


class Matrix:
    """Signed-in clients that are signed in again if an allowed request signed them out."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.clients: dict[str, Client] = {}
        self.baseline: dict[str, set[str]] = {}
        for actor in ACTORS:
            self._fresh(actor)

    def _fresh(self, actor: str) -> None:
        client = Client(raise_request_exception=False)
        if actor != "anon":
            sign_in(client, self.world.user(actor))
        client.get("/")
        self.clients[actor] = client
        self.baseline[actor] = set(client.session.keys())

    def send(self, actor: str, method: str, url: str) -> tuple[Any, bool]:
        """The outcome, and whether the ledger recorded a change.

        An allowed request may sign the client out or grant its session something (a link
        holder's principal); such a client is replaced, so that each request is judged on
        the actor's own rights, not on what an earlier URL gave them.
        """
        client = self.clients[actor]
        before = Entry.objects.aggregate(m=Max("id"))["m"] or 0
        outcome = _outcome(_send(client, method, url))
        changed = Entry.objects.filter(id__gt=before).exclude(action__in=NOT_CHANGES).exists()
        if set(client.session.keys()) != self.baseline[actor]:
            self._fresh(actor)
        return outcome, changed


def test_every_post_only_url_has_write_rules() -> None:
    names = set(_url_names())
    stale = WRITES.keys() - names
    assert not stale, f"Remove write expectations for URLs that no longer exist: {sorted(stale)}"
    missing = sorted(
        name
        for name in names
        if name not in WRITES and any(may_write(name, actor) is None for actor in ACTORS)
    )
    assert not missing, (
        "These URLs answer GET with 405, so say who may POST to them in WRITE_EXPECTED "
        f"(tests/security/write_rules.py or the app's tests/sweep.py): {missing}"
    )


@pytest.mark.django_db
def test_write_matrix(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    matrix = Matrix(world)
    counts: Counter[str] = Counter()
    failures = []
    for name, (kwargs_for, _) in sorted(EXPECTED.items()):
        url = reverse(name, kwargs=kwargs_for(world))
        for method in _methods_for(name):
            for actor in _actors_for(name, method):
                allowed = may_write(name, actor)
                outcome, changed = matrix.send(actor, method, url)
                counts["attempts"] += 1
                where = f"{method} {name} as {actor}"
                if isinstance(outcome, int) and outcome >= 500:
                    counts["server_errors"] += 1
                    failures.append(f"{where}: server error {outcome}")
                elif allowed is None:
                    # test_every_post_only_url_has_write_rules names it; here only "no 500".
                    counts["without_write_rule"] += 1
                elif allowed:
                    counts["allowed"] += 1
                else:
                    counts["refused_attempts"] += 1
                    if not refused(outcome) or changed:
                        counts["refused_but_succeeded"] += 1
                        failures.append(
                            f"{where}: should be refused, got {outcome}"
                            + (" and a ledgered change" if changed else "")
                        )
    report(
        capsys,
        "authz write matrix" + (" (full)" if FULL else ""),
        urls=len(EXPECTED),
        attempts=counts["attempts"],
        refused_attempts=counts["refused_attempts"],
        refused_but_succeeded=counts["refused_but_succeeded"],
        without_write_rule=counts["without_write_rule"],
        server_errors=counts["server_errors"],
    )
    assert not failures, "\n".join(failures)


# URLs whose arguments name no organisation's object (each organisation gets its own
# version of the page), with the reason; apps add theirs as SWAP_EXEMPT in tests/sweep.py.
SWAP_EXEMPT = {
    "insights:template-edit": "`purpose` is a kind of template; each force edits its own",
}


def _swap_exempt() -> dict[str, str]:
    merged = dict(SWAP_EXEMPT)
    for _, table in _app_tables("SWAP_EXEMPT"):
        merged.update(table)
    return merged


def _object_urls(world: World) -> list[tuple[str, str]]:
    """Signed-in URLs addressing one object: all the sweep's objects belong to organisation A."""
    found = []
    exempt = _swap_exempt()
    for name, (kwargs_for, expect) in sorted(EXPECTED.items()):
        kwargs = kwargs_for(world)
        public = expect("anon") != "login" and name not in WRITES
        if kwargs and not public and name not in exempt:
            found.append((name, reverse(name, kwargs=kwargs)))
    return found


@pytest.mark.django_db
def test_object_ids_of_organisation_a_refused_to_organisation_b(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    matrix = Matrix(world)
    outsiders = [actor for actor in ACTORS if actor.endswith("_b")]
    methods = ("GET", *WRITE_METHODS) if FULL else ("GET", "POST")
    attempts = successes = errors = 0
    failures = []
    urls = _object_urls(world)
    for name, url in urls:
        for method in methods:
            for actor in outsiders:
                if method == "GET":
                    outcome = _outcome(matrix.clients[actor].get(url))
                    changed = False
                else:
                    outcome, changed = matrix.send(actor, method, url)
                attempts += 1
                if isinstance(outcome, int) and outcome >= 500:
                    errors += 1
                    failures.append(f"{method} {name} as {actor}: server error {outcome}")
                elif not refused(outcome) or changed:
                    successes += 1
                    failures.append(f"{method} {name} as {actor}: got {outcome}")
    report(
        capsys,
        "object id swap (organisation B asking for A's objects)",
        urls=len(urls),
        attempts=attempts,
        successes=successes,
        server_errors=errors,
    )
    assert urls, "the sweep lists no object URLs"
    assert not failures, "\n".join(failures)
