from django.urls import path

from . import views

app_name = "videocalls"
urlpatterns = [
    path("", views.call_list, name="list"),
    path("new/", views.call_new, name="new"),
    path("join/<str:token>/", views.join, name="join"),
    path("call/", views.public_call, name="public"),
    path("call/signal/", views.public_signal, name="public-signal"),
    path("call/files/", views.public_files, name="public-files"),
    path("call/consent/", views.public_consent, name="public-consent"),
    path("call/consent/withdraw/", views.public_consent_withdraw, name="public-consent-withdraw"),
    path("<str:reference>/", views.call_detail, name="detail"),
    path("<str:reference>/signal/", views.call_signal, name="signal"),
    path("<str:reference>/recording/", views.call_recording, name="recording"),
    path("<str:reference>/resend/", views.call_resend, name="resend"),
    path("<str:reference>/end/", views.call_end, name="end"),
    path("<str:reference>/statement/", views.call_statement, name="statement"),
]
