from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.login_view, name="login"),
    path("sign-out/", views.logout_view, name="logout"),
    path("sign-in/code/", views.verify, name="verify"),
    path("two-factor/set-up/", views.mfa_setup, name="mfa-setup"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("confirm-it-is-you/", views.reauth, name="reauth"),
    path("", views.profile, name="profile"),
    path("switch-organisation/", views.switch_organisation, name="switch-organisation"),
    path("password/", views.password_change, name="password-change"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/sent/", views.password_reset_sent, name="password-reset-sent"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path("password-reset/done/", views.password_reset_complete, name="password-reset-complete"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("people/", views.people, name="people"),
    path("people/invite/", views.person_invite, name="person-invite"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/access/", views.person_disable, name="person-access"),
    path("invitations/<int:pk>/withdraw/", views.invitation_revoke, name="invitation-revoke"),
    path("partners/", views.partners, name="partners"),
    path("partners/<int:pk>/", views.partner_detail, name="partner-detail"),
    path("partners/<int:pk>/approve/", views.partner_approve, name="partner-approve"),
    path("partners/<int:pk>/refuse/", views.partner_refuse, name="partner-refuse"),
    path("partners/<int:pk>/suspend/", views.partner_suspend, name="partner-suspend"),
    path("partners/<int:pk>/reinstate/", views.partner_reinstate, name="partner-reinstate"),
    path("register-organisation/", views.register_organisation, name="register-organisation"),
]
