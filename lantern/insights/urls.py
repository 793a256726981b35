from django.urls import path

from . import benefit_views, views

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
]
