"""Signing in and out of the console (Django auth; django-axes counts failures and locks out, see lockout.py)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class ConsoleAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("That username and password do not match. Check both and try again."),
        "inactive": _("This account is disabled. Ask an administrator to enable it."),
    }


class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    authentication_form = ConsoleAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET): a link or image on another page cannot sign anyone out."""
