"""Top-level URLs: one include per app."""

from django.urls import include, path

urlpatterns = [
    path("", include("lantern.core.urls")),
    path("accounts/", include("lantern.accounts.urls")),
    path("ledger/", include("lantern.ledger.urls")),
    path("evidence/", include("lantern.evidence.urls")),
    path("uploads/", include("lantern.uploads.urls")),
    path("statements/", include("lantern.statements.urls")),
    path("reports/", include("lantern.reports.urls")),
    path("outbox/", include("lantern.notifications.urls")),
]
