"""Evidence items: viewing, playback and download (included under evidence/items/)."""

from django.urls import URLPattern, path

from . import item_views

urlpatterns: list[URLPattern] = [
    path("<int:pk>/", item_views.item_detail, name="item-detail"),
    path("<int:pk>/play/", item_views.item_play, name="item-play"),
    path("<int:pk>/download/", item_views.item_download, name="item-download"),
    path("<int:pk>/stills/<int:derived_pk>/", item_views.item_still, name="item-still"),
]
