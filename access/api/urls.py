"""Routes of the access endpoints; server/urls.py mounts them under api/v1/."""

from __future__ import annotations

from django.urls import path

from access.api import views

urlpatterns = [
    path("tokens/", views.TokenListView.as_view(), name="api-tokens"),
    path("tokens/<int:token_id>/", views.TokenDetailView.as_view(), name="api-token"),
    path("sites/<int:site_id>/members/", views.MemberListView.as_view(), name="api-site-members"),
    path("sites/<int:site_id>/members/<int:member_id>/", views.MemberDetailView.as_view(), name="api-site-member"),
    path("sites/<int:site_id>/tokens/", views.SiteTokenListView.as_view(), name="api-site-tokens"),
    path("sites/<int:site_id>/tokens/<int:token_id>/", views.SiteTokenDetailView.as_view(), name="api-site-token"),
]
