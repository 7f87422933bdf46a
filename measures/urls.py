from django.urls import path

from measures import exports, schedule_views, views

app_name = "measures"

urlpatterns = [
    path("measures/", views.MeasureListView.as_view(), name="list"),
    path("measures/new/", views.MeasureCreateView.as_view(), name="create"),
    # The exports: measures/exports.py. A community's evaluation page: partnerships/views.py.
    path("measures/export.csv", exports.measures_csv, name="export_csv"),
    path("measures/export.xlsx", exports.measures_xlsx, name="export_xlsx"),
    path("reports/export.csv", exports.reports_csv, name="reports_export_csv"),
    path("measures/<int:pk>/", views.MeasureDetailView.as_view(), name="detail"),
    path("measures/<int:pk>/edit/", views.MeasureUpdateView.as_view(), name="update"),
    path("measures/<int:pk>/history/", views.MeasureHistoryView.as_view(), name="history"),
    path("measures/<int:pk>/photo/", views.MeasurePhotoView.as_view(), name="photo"),
    path("measures/<int:pk>/archive/", views.MeasureArchiveView.as_view(), name="archive"),
    path("measures/<int:pk>/reports/new/", views.ReportCreateView.as_view(), name="report_create"),
    path("reports/<int:pk>/edit/", views.ReportUpdateView.as_view(), name="report_update"),
    path("reports/<int:pk>/delete/", views.ReportDeleteView.as_view(), name="report_delete"),
    # A measure's time slots and their cancelled or added days: measures/schedule_views.py.
    path("measures/<int:pk>/schedule/", schedule_views.ScheduleView.as_view(), name="schedule"),
    path(
        "measures/<int:pk>/schedule/new/",
        schedule_views.SlotCreateView.as_view(),
        name="slot_create",
    ),
    path(
        "measures/<int:pk>/schedule/<int:slot>/edit/",
        schedule_views.SlotUpdateView.as_view(),
        name="slot_update",
    ),
    path(
        "measures/<int:pk>/schedule/<int:slot>/delete/",
        schedule_views.SlotDeleteView.as_view(),
        name="slot_delete",
    ),
    path(
        "measures/<int:pk>/schedule/changes/<int:change>/delete/",
        schedule_views.ScheduleChangeDeleteView.as_view(),
        name="schedule_change_delete",
    ),
]
