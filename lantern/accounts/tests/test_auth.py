"""Signing in: password, lockout, two-factor, recovery codes, idle timeout, step-up."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.accounts import mfa
from lantern.accounts.decorators import SESSION_AUTH_AT
from lantern.accounts.middleware import SESSION_LAST_SEEN
from lantern.accounts.tests.factories import PASSWORD, World, sign_in, totp_now
from lantern.ledger.models import Action, Entry

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_officer_signs_in_with_password_and_code(world: World) -> None:
    client = Client()
    response = _login(client, "officer")
    assert response.status_code == 302
    # Password alone is not enough: every page asks for the code first.
    home = client.get(reverse("core:home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse("accounts:verify"))
    wrong = client.post(reverse("accounts:verify"), {"code": "000000"})
    assert "The security code is not correct" in wrong.content.decode()
    # Right away, even the right code waits: wrong guesses are throttled.
    throttled = client.post(reverse("accounts:verify"), {"code": totp_now(world.user("officer"))})
    assert "Too many wrong codes. Wait" in throttled.content.decode()
    time.sleep(1.1)
    ok = client.post(reverse("accounts:verify"), {"code": totp_now(world.user("officer"))})
    assert ok.status_code == 302
    page = client.get(reverse("core:home"))
    assert page.status_code == 200
    assert "Force A" in page.content.decode()
    actions = list(Entry.objects.values_list("action", flat=True))
    assert Action.LOGIN in actions and Action.MFA_FAILED in actions


def test_store_staff_without_two_factor_signs_in_with_password(world: World) -> None:
    client = Client()
    _login(client, "store_staff")
    assert client.get(reverse("core:home")).status_code == 200


def test_wrong_password_same_message_as_unknown_user(world: World) -> None:
    wrong = _login(Client(), "officer", "not-the-password").content.decode()
    unknown = _login(Client(), "nobody-at-all", "not-the-password").content.decode()
    message = "Enter a correct username and password"
    assert message in wrong and message in unknown
    assert Entry.objects.filter(action=Action.LOGIN_FAILED, actor_label="nobody-at-all").exists()


def test_lockout_after_repeated_failures_reveals_nothing(world: World, settings) -> None:
    for username in ("officer", "no-such-user"):
        client = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login(client, username, "wrong-password")
        locked = _login(client, username, PASSWORD)
        assert locked.status_code == 429
        assert "wrong details too many times" in locked.content.decode()
    # The right password does not get in while locked.
    client = Client()
    _login(client, "officer", PASSWORD)
    assert client.get(reverse("core:home")).status_code == 302


def test_first_sign_in_requires_two_factor_setup_for_police(world: World) -> None:
    user = world.user("officer")
    TOTPDevice.objects.filter(user=user).delete()
    client = Client()
    _login(client, "officer")
    home = client.get(reverse("core:home"))
    assert home["Location"].startswith(reverse("accounts:mfa-setup"))
    page = client.get(reverse("accounts:mfa-setup"))
    body = page.content.decode()
    assert "data:image/svg+xml;base64," in body
    secret = page.context["secret"]
    assert secret in body
    bad = client.post(reverse("accounts:mfa-setup"), {"code": "12345x"})
    assert "The code must be 6 digits" in bad.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    done = client.post(reverse("accounts:mfa-setup"), {"code": code})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("core:home")).status_code == 200
    assert Entry.objects.filter(action=Action.MFA_ENROLLED, actor=user).exists()

    # A recovery code signs in once, and only once.
    other = Client()
    _login(other, "officer")
    assert other.post(reverse("accounts:verify"), {"code": codes[0].upper()}).status_code == 302
    assert other.get(reverse("core:home")).status_code == 200
    again = Client()
    _login(again, "officer")
    reused = again.post(reverse("accounts:verify"), {"code": codes[0]})
    assert "not correct" in reused.content.decode()
    assert mfa.recovery_codes_remaining(user) == 9


def test_disabled_membership_ends_sessions_at_once(world: World, client_for) -> None:
    officer = client_for("officer")
    assert officer.get(reverse("core:home")).status_code == 200
    admin = client_for("force_admin")
    url = reverse("accounts:person-access", args=[world.membership("officer").pk])
    assert admin.post(url).status_code == 302
    response = officer.get(reverse("core:home"))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]
    # And they cannot sign in again.
    client = Client()
    _login(client, "officer")
    assert client.get(reverse("core:home")).status_code == 302


def test_police_idle_timeout(world: World, client_for, settings) -> None:
    officer = client_for("officer")
    assert officer.get(reverse("core:home")).status_code == 200
    session = officer.session
    session[SESSION_LAST_SEEN] = int(time.time()) - settings.LANTERN_IDLE_TIMEOUT_POLICE * 60 - 5
    session.save()
    response = officer.get(reverse("core:home"))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]
    # A retailer, idle for the same time, is still signed in (longer partner timeout).
    staff = client_for("lp_manager")
    session = staff.session
    session[SESSION_LAST_SEEN] = int(time.time()) - settings.LANTERN_IDLE_TIMEOUT_POLICE * 60 - 5
    session.save()
    assert staff.get(reverse("core:home")).status_code == 200


def test_step_up_required_for_sensitive_action(world: World, client_for) -> None:
    admin = client_for("force_admin")
    session = admin.session
    session[SESSION_AUTH_AT] = int(time.time()) - 3600
    session.save()
    url = reverse("accounts:person-access", args=[world.membership("officer").pk])
    response = admin.post(url)
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:reauth")
    )
    assert world.membership("officer").is_active  # nothing happened
    reauth = reverse("accounts:reauth") + f"?next={url}"
    bad = admin.post(reauth, {"password": "wrong", "code": totp_now(world.user("force_admin"))})
    assert "The password is not correct" in bad.content.decode()
    good = admin.post(
        reauth,
        {"password": PASSWORD, "code": totp_now(world.user("force_admin")), "next": url},
    )
    assert good.status_code == 302 and good["Location"] == url
    assert admin.post(url).status_code == 302
    assert not world.membership("officer").is_active


def test_reauth_refuses_offsite_next(world: World, client_for) -> None:
    admin = client_for("store_staff")
    response = admin.post(
        reverse("accounts:reauth"), {"password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("core:home")


def test_logout_is_post_and_recorded(world: World, client_for) -> None:
    officer = client_for("officer")
    assert officer.get(reverse("accounts:logout")).status_code == 405
    assert officer.post(reverse("accounts:logout")).status_code == 302
    assert officer.get(reverse("core:home")).status_code == 302
    assert Entry.objects.filter(action=Action.LOGOUT, actor=world.user("officer")).exists()


def test_switch_organisation(world: World) -> None:
    from lantern.accounts.models import Membership

    user = world.user("officer")
    other = Membership.objects.create(user=user, organisation=world.orgs["force_b"], role="analyst")
    client = sign_in(Client(), user)
    assert client.get(reverse("core:home")).context["membership"].organisation.slug == "force"
    client.post(reverse("accounts:switch-organisation"), {"membership": other.pk})
    assert client.get(reverse("core:home")).context["membership"].pk == other.pk
    # Someone else's membership id is ignored.
    client.post(
        reverse("accounts:switch-organisation"),
        {"membership": world.membership("officer_b").pk},
    )
    assert client.get(reverse("core:home")).context["membership"].pk == other.pk


def test_password_reset_by_email(world: World, mailoutbox) -> None:
    client = Client()
    client.post(reverse("accounts:password-reset"), {"email": "store_staff@example.test"})
    client.post(reverse("accounts:password-reset"), {"email": "nobody@example.test"})
    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password-reset/" in line)
    path = link.split("127.0.0.1:8000", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    new = "a-brand-new-long-password-7"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    assert _login(Client(), "store_staff", new).status_code == 302
