from django.urls import path

from . import views

app_name = "statements"
urlpatterns = [
    path("", views.statement_list, name="list"),
    path("new/", views.statement_new, name="new"),
    path("<int:pk>/", views.statement_detail, name="detail"),
    path("<int:pk>/autosave/", views.statement_autosave, name="autosave"),
    path("<int:pk>/override/", views.statement_override, name="override"),
    path("<int:pk>/sign/", views.statement_sign_own, name="sign-own"),
    path("<int:pk>/withdraw/", views.statement_withdraw, name="withdraw"),
    path("<int:pk>/pdf/", views.statement_pdf, name="pdf"),
    path("s/<str:token>/", views.link, name="link"),
    path("witness/", views.witness, name="witness"),
    path("witness/details/", views.witness_details, name="witness-details"),
    path("witness/sign/", views.witness_sign, name="witness-sign"),
    path("witness/statement.pdf", views.witness_pdf, name="witness-pdf"),
    path("verify/", views.verify, name="verify"),
]
