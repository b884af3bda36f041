from django.urls import URLPattern, URLResolver, path

from walkthetalk.agenda import views

app_name = "agenda"
urlpatterns: list[URLPattern | URLResolver] = [
    path("backlog/", views.backlog, name="backlog"),
    path("backlog/raise/", views.raise_issue, name="raise_issue"),
    path("backlog/raise/similar/", views.similar_issues, name="similar_issues"),
    path("backlog/<str:public_id>/rate/", views.rate, name="rate"),
    path("gatherings/<str:public_id>/", views.gathering, name="gathering"),
    path("you-said-we-did/", views.follow_up, name="follow_up"),
    path("manage/<slug:slug>/", views.manage, name="manage"),
    path("manage/<slug:slug>/issues/add/", views.add_issue, name="add_issue"),
    path("manage/<slug:slug>/issues/candidate/", views.take_candidate, name="take_candidate"),
    path("manage/<slug:slug>/issues/<str:public_id>/", views.issue_action, name="issue_action"),
    path("manage/<slug:slug>/gatherings/add/", views.create_gathering, name="create_gathering"),
    path(
        "manage/<slug:slug>/gatherings/<str:public_id>/",
        views.manage_gathering,
        name="manage_gathering",
    ),
    path(
        "manage/<slug:slug>/gatherings/<str:public_id>/items/add/",
        views.add_item,
        name="add_item",
    ),
    path(
        "manage/<slug:slug>/gatherings/<str:public_id>/items/<int:item_id>/record/",
        views.record,
        name="record",
    ),
    path(
        "manage/<slug:slug>/gatherings/<str:public_id>/items/<int:item_id>/actions/",
        views.add_action,
        name="add_action",
    ),
    path("manage/<slug:slug>/actions/<str:public_id>/", views.edit_action, name="edit_action"),
    path(
        "manage/<slug:slug>/actions/<str:public_id>/aims/",
        views.action_targets,
        name="action_targets",
    ),
    path(
        "manage/<slug:slug>/actions/<str:public_id>/statements/",
        views.action_statements,
        name="action_statements",
    ),
    path("manage/<slug:slug>/you-said-we-did/", views.staff_follow_up, name="staff_follow_up"),
]
