from django.urls import path

from . import views

app_name = "intelligence"

urlpatterns = [
    path("", views.profile_list, name="profile-list"),
    path("gallery/", views.gallery, name="gallery"),
    path("new/", views.profile_new, name="profile-new"),
    path("analysis/", views.analysis, name="analysis"),
    path("export/", views.export, name="export"),
    path("rules/", views.policy, name="policy"),
    path("alerts/", views.alerts, name="alerts"),
    path("deletion-review/", views.deletion_review, name="deletion-review"),
    path("exclusions/<int:pk>/edit/", views.exclusion_edit, name="exclusion-edit"),
    path("exclusions/<int:pk>/withdraw/", views.exclusion_withdraw, name="exclusion-withdraw"),
    path("reports/<int:report_pk>/offender/", views.report_pick, name="report-pick"),
    path("images/<int:pk>/", views.image, name="image"),
    path("images/<int:pk>/remove/", views.image_remove, name="image-remove"),
    path("links/<int:pk>/decide/", views.link_decide, name="link-decide"),
    path("<int:pk>/", views.profile_detail, name="profile-detail"),
    path("<int:pk>/edit/", views.profile_edit, name="profile-edit"),
    path("<int:pk>/approve/", views.profile_approve, name="profile-approve"),
    path("<int:pk>/names/", views.profile_names, name="profile-names"),
    path("<int:pk>/markers/", views.marker_add, name="marker-add"),
    path("<int:pk>/markers/<int:marker_pk>/remove/", views.marker_remove, name="marker-remove"),
    path("<int:pk>/images/", views.image_add, name="image-add"),
    path("<int:pk>/links/", views.link_add, name="link-add"),
    path("<int:pk>/exclusions/new/", views.exclusion_new, name="exclusion-new"),
    path("<int:pk>/duplicates/", views.duplicates, name="duplicates"),
    path("<int:pk>/merge/<int:other_pk>/", views.merge, name="merge"),
    path("<int:pk>/not-same/<int:other_pk>/", views.not_same, name="not-same"),
    path("<int:pk>/subject-access/", views.subject_access, name="subject-access"),
    path("<int:pk>/erase/", views.erase, name="erase"),
]
