"""Cases: exhibits, links, retention and the CPS bundle (included under evidence/cases/)."""

from django.urls import path

from . import case_views

urlpatterns = [
    path("", case_views.case_list, name="case-list"),
    path("<int:pk>/", case_views.case_detail, name="case-detail"),
    path("<int:pk>/bundle/", case_views.case_bundle, name="case-bundle"),
    path("exhibits/<int:pk>/reference/", case_views.item_exhibit, name="item-exhibit"),
    path("exhibits/<int:pk>/link/", case_views.item_link, name="item-link"),
    path("exhibits/<int:pk>/retention/", case_views.item_retention, name="item-retention"),
    path("exhibits/<int:pk>/delete/", case_views.item_delete, name="item-delete"),
    path("deletions/<int:pk>/decide/", case_views.deletion_decide, name="deletion-decide"),
]
