from django.urls import path

from . import views

app_name = "casework"
urlpatterns = [
    path("incidents/", views.incident_list, name="incident-list"),
    path("incidents/new/", views.incident_new, name="incident-new"),
    path("incidents/<str:reference>/", views.incident_detail, name="incident-detail"),
    path("incidents/<str:reference>/note/", views.incident_note, name="incident-note"),
    path("incidents/<str:reference>/photo/", views.incident_photo, name="incident-photo"),
    path(
        "incidents/<str:reference>/photo/<int:entry>/",
        views.incident_photo_file,
        name="incident-photo-file",
    ),
    path("incidents/<str:reference>/attend/", views.incident_attend, name="incident-attend"),
    path("incidents/<str:reference>/regrade/", views.incident_regrade, name="incident-regrade"),
    path("incidents/<str:reference>/triage/", views.incident_triage, name="incident-triage"),
    path("incidents/<str:reference>/close/", views.incident_close, name="incident-close"),
    path("incidents/<str:reference>/tasks/new/", views.task_new, name="task-new"),
    path("video-response/", views.video_queue, name="video-queue"),
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/<int:pk>/reallocate/", views.task_reallocate, name="task-reallocate"),
    path("tasks/<int:pk>/done/", views.task_done, name="task-done"),
    path("crimes/", views.crime_list, name="crime-list"),
    path("crimes/new/", views.crime_new, name="crime-new"),
    path("crimes/<int:pk>/", views.crime_detail, name="crime-detail"),
    path("crimes/<int:pk>/finalise/", views.crime_finalise, name="crime-finalise"),
    path("board/", views.board, name="board"),
    path("settings/", views.force_settings, name="settings"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
]
