from django.urls import URLPattern, URLResolver, path

from walkthetalk.conversations import views

app_name = "conversations"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.staff_list, name="staff_list"),
    path("new/<slug:slug>/", views.create, name="create"),
    path("import/<slug:slug>/", views.import_polis, name="import_polis"),
    path("topics/<slug:slug>/", views.topics, name="topics"),
    path("<str:public_id>/", views.start, name="start"),
    path("<str:public_id>/join/", views.join, name="join"),
    path("<str:public_id>/agreements/", views.agreements, name="agreements"),
    path("<str:public_id>/vote/", views.vote, name="vote"),
    path("<str:public_id>/write/", views.write, name="write"),
    path("<str:public_id>/write/similar/", views.similar, name="similar"),
    path("<str:public_id>/mine/", views.mine, name="mine"),
    path("<str:public_id>/stand/", views.stand, name="stand"),
    path("<str:public_id>/statements/<str:statement_id>/ask/", views.ask, name="ask"),
    path("<str:public_id>/manage/", views.manage, name="manage"),
    path("<str:public_id>/manage/preview/", views.preview, name="preview"),
    path("<str:public_id>/manage/agreements/", views.edit_agreements, name="edit_agreements"),
    path("<str:public_id>/manage/moderate/", views.moderate, name="moderate"),
    path(
        "<str:public_id>/manage/moderation-log.csv",
        views.moderation_log,
        name="moderation_log",
    ),
]
