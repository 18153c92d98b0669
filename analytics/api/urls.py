"""Routes of the analytics endpoints; server/urls.py mounts them under api/v1/."""

from __future__ import annotations

from django.urls import path

from analytics.api import catalogue, cohorts, configuration, consent_admin, events, insights, recent_events, sites

SITE = "sites/<int:site_id>/"

urlpatterns = [
    path("sites/", sites.SiteListView.as_view(), name="api-sites"),
    path(SITE, sites.SiteDetailView.as_view(), name="api-site"),
    path(SITE + "dimensions/", configuration.DimensionListView.as_view(), name="api-site-dimensions"),
    path(
        SITE + "dimensions/<int:dimension_id>/",
        configuration.DimensionDetailView.as_view(),
        name="api-site-dimension",
    ),
    path(SITE + "aliases/", configuration.AliasListView.as_view(), name="api-site-aliases"),
    # An alias is an event name and may hold any character: URL-encode it.
    path(SITE + "aliases/<path:alias>/", configuration.AliasDetailView.as_view(), name="api-site-alias"),
    path(SITE + "cohorts/", cohorts.CohortListView.as_view(), name="api-site-cohorts"),
    path(SITE + "cohorts/<int:cohort_id>/", cohorts.CohortDetailView.as_view(), name="api-site-cohort"),
    path(SITE + "insights/funnels/dropped/", insights.FunnelDroppedView.as_view(), name="api-site-funnel-dropped"),
    path(
        SITE + "insights/funnels/dropped/page/",
        insights.FunnelDroppedPageView.as_view(),
        name="api-site-funnel-dropped-page",
    ),
    path(SITE + "insights/<str:kind>/", insights.InsightView.as_view(), name="api-site-insight"),
    path(SITE + "catalogue/", catalogue.EventCatalogueView.as_view(), name="api-site-catalogue"),
    path(SITE + "catalogue/values/", catalogue.PropertyValuesView.as_view(), name="api-site-catalogue-values"),
    path(SITE + "events/export", events.EventExportView.as_view(), name="api-site-events-export"),
    path(SITE + "events/recent/", recent_events.RecentEventsView.as_view(), name="api-site-events-recent"),
    path(SITE + "banner/", consent_admin.BannerView.as_view(), name="api-site-banner"),
    path(SITE + "consent/daily/", consent_admin.ConsentDailyView.as_view(), name="api-site-consent-daily"),
]
