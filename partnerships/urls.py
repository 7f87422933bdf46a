from django.urls import path

from partnerships import views

app_name = "partnerships"

urlpatterns = [
    path("communities/", views.CommunityListView.as_view(), name="community_list"),
    path("communities/<slug:slug>/", views.CommunityDetailView.as_view(), name="community_detail"),
    path(
        "communities/<slug:slug>/evaluation/",
        views.CommunityEvaluationView.as_view(),
        name="community_evaluation",
    ),
    path("communities/<slug:slug>/meetings/", views.MeetingListView.as_view(), name="meeting_list"),
    path(
        "communities/<slug:slug>/meetings/new/",
        views.MeetingCreateView.as_view(),
        name="meeting_create",
    ),
    path(
        "communities/<slug:slug>/meetings/<int:pk>/",
        views.MeetingDetailView.as_view(),
        name="meeting_detail",
    ),
    path(
        "communities/<slug:slug>/meetings/<int:pk>/edit/",
        views.MeetingUpdateView.as_view(),
        name="meeting_update",
    ),
]
