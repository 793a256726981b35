from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_new, name="new"),
    path("figures/", views.report_figures, name="figures"),
    path("figures.csv", views.report_figures_csv, name="figures-csv"),
    path("upload/", views.report_bulk, name="bulk"),
    path("upload/template.csv", views.report_bulk_template, name="bulk-template"),
    path("rules/", views.report_rules, name="rules"),
    path("email-settings/", views.report_email_settings, name="email-settings"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/edit/", views.report_edit, name="edit"),
    path("<int:pk>/answers/<slug:step>/", views.report_step, name="step"),
    path("<int:pk>/check/", views.report_check, name="check"),
    path("<int:pk>/again/", views.report_again, name="again"),
    path("<int:pk>/withdraw/", views.report_withdraw, name="withdraw"),
    path("<int:pk>/reply/", views.report_reply, name="reply"),
    path("<int:pk>/record-crime/", views.report_record_crime, name="record-crime"),
    path("<int:pk>/ask/", views.report_ask, name="ask"),
    path("<int:pk>/allocate/", views.report_allocate, name="allocate"),
    path("<int:pk>/finalise/", views.report_finalise, name="finalise"),
    path("<int:pk>/note/", views.report_note, name="note"),
    path("<int:pk>/reopen/", views.report_reopen, name="reopen"),
    path("<int:pk>/link/", views.report_link, name="link"),
    path("<int:pk>/request-cctv/", views.report_request_cctv, name="request-cctv"),
    path("<int:pk>/attach/", views.report_attach, name="attach"),
]
