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
    path("casework/", include("lantern.casework.urls")),
    path("intelligence/", include("lantern.intelligence.urls")),
    path("report/", include("lantern.collisions.urls")),
    path("devices/", include("lantern.devices.urls")),
    path("insights/", include("lantern.insights.urls")),
    path("video-calls/", include("lantern.videocalls.urls")),
    path("redaction/", include("lantern.redaction.urls")),
    path("outbox/", include("lantern.notifications.urls")),
    path("api/", include("lantern.api.urls")),
]
