"""The console's routes (server/urls.py mounts them at the root). One line per page, named as in navigation.py."""

from __future__ import annotations

from django.urls import path, re_path

from consent.views.assets import client_asset
from console.views import (
    administration,
    auth,
    cohorts,
    events,
    funnels,
    home,
    overview,
    paths,
    retention,
    site_settings,
)

app_name = "console"

SITE = "sites/<int:site_id>/"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("sites/switch/", home.switch_site, name="switch"),
    # The bundled script and styles (frontend/dist/console.*), served like the beacon's files.
    re_path(r"^assets/(?P<name>console\.(?:js|css))$", client_asset, name="asset"),
    path(SITE + "overview/", overview.overview, name="overview"),
    path(SITE + "events/", events.events, name="events"),
    path(SITE + "funnels/", funnels.funnels, name="funnels"),
    path(SITE + "retention/", retention.retention, name="retention"),
    path(SITE + "paths/", paths.paths, name="paths"),
    path(SITE + "cohorts/", cohorts.cohorts, name="cohorts"),
    path(SITE + "settings/", site_settings.site_settings, name="settings"),
    path(SITE + "consent/", administration.consent_rates, name="consent"),
    path(SITE + "members/", administration.members, name="members"),
    path(SITE + "tokens/", administration.tokens, name="tokens"),
]
