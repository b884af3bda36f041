from django.urls import URLPattern, URLResolver

app_name = "messenger"
urlpatterns: list[URLPattern | URLResolver] = []
