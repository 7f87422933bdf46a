from django.urls import path

from measures import exports, views

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
]
