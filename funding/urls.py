from django.urls import path

from funding import exports, views

app_name = "funding"

urlpatterns = [
    path("grants/", views.GrantListView.as_view(), name="grant_list"),
    path("grants/new/", views.GrantCreateView.as_view(), name="grant_create"),
    path("grants/<int:pk>/", views.GrantDetailView.as_view(), name="grant_detail"),
    path("grants/<int:pk>/edit/", views.GrantUpdateView.as_view(), name="grant_update"),
    path("grants/<int:pk>/history/", views.GrantHistoryView.as_view(), name="grant_history"),
    path("grants/<int:pk>/report/", views.GrantReportView.as_view(), name="grant_report"),
    path("grants/<int:pk>/report.csv", exports.grant_report_csv, name="grant_report_csv"),
    path("grants/<int:pk>/report.xlsx", exports.grant_report_xlsx, name="grant_report_xlsx"),
    path("communities/<slug:slug>/goals/", views.CommunityGoalsView.as_view(), name="goals"),
    path("communities/<slug:slug>/goals/new/", views.GoalFormView.as_view(), name="goal_create"),
    path("goals/<int:pk>/edit/", views.GoalFormView.as_view(), name="goal_update"),
    path("goals/<int:pk>/delete/", views.GoalDeleteView.as_view(), name="goal_delete"),
    path(
        "communities/<slug:slug>/figures/new/",
        views.ContextFigureFormView.as_view(),
        name="figure_create",
    ),
    path("figures/<int:pk>/edit/", views.ContextFigureFormView.as_view(), name="figure_update"),
    path("figures/<int:pk>/delete/", views.ContextFigureDeleteView.as_view(), name="figure_delete"),
]
