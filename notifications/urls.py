from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("accounts/profile/", views.ProfileView.as_view(), name="profile"),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        views.InvitationView.as_view(),
        name="invitation",
    ),
]
