from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from aktive import views
from aktive.accounts import LimitedPasswordResetForm
from aktive.passwords import PasswordChangeForm, SetPasswordForm
from notifications.views import language_switch

handler500 = "aktive.views.server_error"

# Django's password reset, with one word for it on every page ("a new password"), our e-mail
# written to the outbox (notifications/forms.py), and a few e-mails per address and account an
# hour at most (aktive/accounts.py).
password_reset_urls = [
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(
            form_class=LimitedPasswordResetForm, title=_("Set a new password")
        ),
        name="password_reset",
    ),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(
            title=_("Check your e-mail"),
            extra_context={"limit": settings.PASSWORD_RESET_LIMIT_PER_HOUR},
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=SetPasswordForm, title=_("Choose a new password")
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(title=_("Your new password is saved")),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    *password_reset_urls,
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm),
        name="password_change",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", language_switch, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("notifications.urls")),
    path("hva-skjer/", include("measures.public_urls")),
    path("tilgjengelighet/", views.accessibility, name="accessibility"),
    path("", include("funding.urls")),
    path("", include("partnerships.urls")),
    path("", include("measures.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
