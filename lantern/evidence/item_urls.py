"""Evidence items: viewing, playback and download (included under evidence/items/)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
