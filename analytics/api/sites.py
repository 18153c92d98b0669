"""Sites: the ones the caller may see, one site's settings, and site creation for superusers."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.permissions import HasSiteRole, IsSuperuserUnnarrowed, principal
from access.roles import Role
from access.selectors import visible_site_roles
from analytics import facade, services
from analytics.api.serializers import SiteCreatedOut, SiteCreateIn, SiteOut, SitePatchIn, SiteWithRoleOut, checked
from analytics.models import Site


class SiteListView(APIView):
    def get_permissions(self) -> Sequence[BasePermission]:
        if self.request.method == "POST":
            return [IsSuperuserUnnarrowed()]
        return [IsAuthenticated()]

    @extend_schema(responses=SiteWithRoleOut(many=True), summary="The sites you may see, with your role on each")
    def get(self, request: Request) -> Response:
        roles = visible_site_roles(user=request.user, token=principal(request))
        # None: a superuser's unnarrowed access, to every site.
        site_ids = list(Site.objects.values_list("pk", flat=True)) if roles is None else sorted(roles)
        sites = facade.site_list(site_ids=site_ids)
        rows = [{**dataclasses.asdict(s), "role": Role.ADMIN if roles is None else roles[s.id]} for s in sites]
        return Response(SiteWithRoleOut(rows, many=True).data)

    @extend_schema(request=SiteCreateIn, responses={201: SiteCreatedOut}, summary="Create a site (superusers)")
    def post(self, request: Request) -> Response:
        fields = checked(SiteCreateIn, request.data)
        site = services.site_create(
            name=fields["name"],
            origins=fields["allowed_origins"],
            timezone=fields["timezone"],
            server_url=request.build_absolute_uri("/").rstrip("/"),
        )
        return Response(SiteCreatedOut(site).data, status=status.HTTP_201_CREATED)


class SiteDetailView(APIView):
    permission_classes = [HasSiteRole]
    required_roles = {"GET": Role.VIEWER, "PATCH": Role.ADMIN}

    @extend_schema(responses=SiteWithRoleOut, summary="One site's settings, with your role on it")
    def get(self, request: Request, site_id: int) -> Response:
        site = facade.site_get(site_id=site_id)
        return Response(SiteWithRoleOut({**dataclasses.asdict(site), "role": request.site_role}).data)  # type: ignore[attr-defined]

    @extend_schema(request=SitePatchIn, responses=SiteOut, summary="Change a site's settings (admins)")
    def patch(self, request: Request, site_id: int) -> Response:
        site = facade.site_update(site_id=site_id, **checked(SitePatchIn, request.data))
        return Response(SiteOut(site).data)
