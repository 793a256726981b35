from django.urls import URLPattern

app_name = "collisions"
urlpatterns: list[URLPattern] = []
