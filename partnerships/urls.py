from django.urls import path

from partnerships import calendar, views

app_name = "partnerships"

urlpatterns = [
    path("communities/", views.CommunityListView.as_view(), name="community_list"),
    path("communities/<slug:slug>/", views.CommunityDetailView.as_view(), name="community_detail"),
    path(
        "communities/<slug:slug>/evaluation/",
        views.CommunityEvaluationView.as_view(),
        name="community_evaluation",
    ),
    # School holidays and the public pages' settings: partnerships/calendar.py.
    path(
        "communities/<slug:slug>/holidays/",
        calendar.CommunityHolidaysView.as_view(),
        name="community_holidays",
    ),
    path(
        "communities/<slug:slug>/holidays/<int:pk>/delete/",
        calendar.HolidayDeleteView.as_view(),
        name="holiday_delete",
    ),
    path(
        "communities/<slug:slug>/public/",
        calendar.CommunityPublicPagesView.as_view(),
        name="community_public",
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
    path(
        "communities/<slug:slug>/meetings/<int:pk>/delete/",
        views.MeetingDeleteView.as_view(),
        name="meeting_delete",
    ),
]
