"""Cases: exhibits, links, retention and the CPS bundle (included under evidence/cases/)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
