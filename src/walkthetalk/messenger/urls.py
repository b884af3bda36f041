from django.urls import URLPattern, URLResolver, path

from walkthetalk.messenger import views

app_name = "messenger"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.send, name="send"),
    path("receipt/", views.receipt, name="receipt"),
    path("read/", views.read, name="read"),
    path("read/thread/", views.thread, name="thread"),
    path("read/answer/", views.answer, name="answer"),
    path("read/close/", views.close, name="close"),
    path("leaders/<slug:slug>/", views.concerns, name="concerns"),
    path("leaders/<slug:slug>/roles/add/", views.add_role, name="add_role"),
    path("leaders/<slug:slug>/escalation/", views.set_escalation, name="set_escalation"),
    path("leaders/<slug:slug>/concerns/<str:public_id>/", views.concern, name="concern"),
    path(
        "leaders/<slug:slug>/concerns/<str:public_id>/status/",
        views.concern_status,
        name="concern_status",
    ),
]
