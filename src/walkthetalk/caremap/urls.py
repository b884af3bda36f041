from django.urls import path

from walkthetalk.caremap import views

app_name = "caremap"
urlpatterns = [
    path("join/", views.join, name="join"),
    path("map/import/", views.import_map, name="import_new"),
    path("map/example.<str:fmt>", views.example_map, name="example_map"),
    path("map/<slug:slug>/", views.care_map, name="care_map"),
    path("map/<slug:slug>/units/add/", views.add_unit, name="add_unit"),
    path("map/<slug:slug>/units/<int:unit_id>/", views.edit_unit, name="edit_unit"),
    path("map/<slug:slug>/levels/add/", views.add_level, name="add_level"),
    path("map/<slug:slug>/sectors/add/", views.add_sector, name="add_sector"),
    path("map/<slug:slug>/import/", views.import_map, name="import_map"),
    path("map/<slug:slug>/export.<str:fmt>", views.export_map, name="export_map"),
    path("map/<slug:slug>/invitations/", views.invitations, name="invitations"),
    path("map/<slug:slug>/invitations/sheet/", views.invitation_sheet, name="invitation_sheet"),
    path(
        "map/<slug:slug>/invitations/links.csv",
        views.invitation_links_csv,
        name="invitation_links_csv",
    ),
    path("map/<slug:slug>/staff/", views.staff, name="staff"),
]
