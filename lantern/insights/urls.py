from django.urls import path

from . import automation_views, benefit_views, views

app_name = "insights"

urlpatterns = [
    path("victims/", views.dashboard, name="victims-code"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/victims/new/", views.victim_new, name="victim-new"),
    path("cases/<int:pk>/events/new/", views.event_new, name="event-new"),
    path("victims/<int:pk>/edit/", views.victim_edit, name="victim-edit"),
    path("obligations/<int:pk>/told/", views.obligation_contact, name="obligation-contact"),
    path("letters/", views.letter_queue, name="letters"),
    path("letters/<int:pk>/", views.letter_detail, name="letter"),
    path("letters/<int:pk>/pdf/", views.letter_pdf, name="letter-pdf"),
    path("templates/", views.template_list, name="templates"),
    path("templates/settings/", views.settings_save, name="settings"),
    path("templates/<slug:purpose>/", views.template_edit, name="template-edit"),
    path("benefits/", benefit_views.dashboard, name="benefits"),
    path("benefits/export.csv", benefit_views.export_csv, name="benefits-csv"),
    path("benefits/export.pdf", benefit_views.export_pdf, name="benefits-pdf"),
    path("benefits/assumptions/", benefit_views.assumptions, name="benefits-assumptions"),
    path("markers/", automation_views.marker_rules, name="markers"),
    path("closures/", automation_views.closures, name="closures"),
    path("cases/<int:pk>/disclosure/", automation_views.disclosure, name="disclosure"),
    path("cases/<int:pk>/disclosure.csv", automation_views.disclosure_csv, name="disclosure-csv"),
    path("cases/<int:pk>/disclosure.pdf", automation_views.disclosure_pdf, name="disclosure-pdf"),
    path("retention/", automation_views.retention, name="retention"),
    path("retention/decide/", automation_views.retention_decide, name="retention-decide"),
]
