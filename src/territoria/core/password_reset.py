"""Password reset by e-mail, with Django's views and French pages.

The mail goes through Django's mail settings (SMTP when `TERRITORIA_EMAIL_HOST` is set;
otherwise written to `DATA_DIR/mails/`, or shown in the terminal with
`TERRITORIA_EMAIL_BACKEND=console`). The page after the request is the same whether or not an
account has this address (no way to learn who has an account), and requests are limited per
client address so the form cannot be used to flood a mailbox.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.urls import path, reverse_lazy

from territoria.core.client_address import client_address

MAX_REQUESTS_PER_HOUR = 5


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "core/password/reset_form.html"
    email_template_name = "core/password/reset_email.txt"
    subject_template_name = "core/password/reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def _key(self) -> str:
        return "password-reset:" + (client_address(self.request) or "inconnu")

    def form_valid(self, form):
        count = cache.get(self._key(), 0)
        if count >= MAX_REQUESTS_PER_HOUR:
            form.add_error(
                None,
                "Trop de demandes de réinitialisation depuis votre connexion : réessayez dans une heure.",
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        cache.set(self._key(), count + 1, 3600)
        # Links use SITE_URL like every mail of the platform, never the request's Host header.
        self.extra_email_context = {
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "reset_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        }


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "core/password/reset_done.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mail_to_files"] = not settings.EMAIL_HOST
        context["contact_email"] = settings.CONTACT_EMAIL
        return context


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/password/reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "min_length": settings.PASSWORD_MIN_LENGTH}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "core/password/reset_complete.html"


urlpatterns = [
    path("mot-de-passe/oubli/", PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe/oubli/envoye/", PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
