"""A site's custom dimensions and event aliases: everyone on the site reads them, admins change them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.permissions import HasSiteRole
from access.roles import Role
from analytics import facade
from analytics.api.serializers import AliasIn, AliasOut, DimensionIn, DimensionOut, DimensionPatchIn, checked

_READ_ALL_WRITE_ADMIN = {"GET": Role.VIEWER, "POST": Role.ADMIN, "PATCH": Role.ADMIN, "DELETE": Role.ADMIN}


class DimensionListView(APIView):
    permission_classes = [HasSiteRole]
    required_roles = _READ_ALL_WRITE_ADMIN

    @extend_schema(responses=DimensionOut(many=True), summary="The site's custom dimensions")
    def get(self, request: Request, site_id: int) -> Response:
        return Response(DimensionOut(facade.dimension_list(site_id=site_id), many=True).data)

    @extend_schema(request=DimensionIn, responses={201: DimensionOut}, summary="Declare a custom dimension")
    def post(self, request: Request, site_id: int) -> Response:
        dimension = facade.dimension_create(site_id=site_id, **checked(DimensionIn, request.data))
        return Response(DimensionOut(dimension).data, status=status.HTTP_201_CREATED)


class DimensionDetailView(APIView):
    permission_classes = [HasSiteRole]
    required_roles = _READ_ALL_WRITE_ADMIN

    @extend_schema(request=DimensionPatchIn, responses=DimensionOut, summary="Rename or re-scope a dimension")
    def patch(self, request: Request, site_id: int, dimension_id: int) -> Response:
        fields = checked(DimensionPatchIn, request.data)
        dimension = facade.dimension_update(site_id=site_id, dimension_id=dimension_id, **fields)
        return Response(DimensionOut(dimension).data)

    @extend_schema(responses={204: None}, summary="Remove a dimension (stored values stay in the events)")
    def delete(self, request: Request, site_id: int, dimension_id: int) -> Response:
        facade.dimension_delete(site_id=site_id, dimension_id=dimension_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AliasListView(APIView):
    permission_classes = [HasSiteRole]
    required_roles = _READ_ALL_WRITE_ADMIN

    @extend_schema(responses=AliasOut(many=True), summary="The site's event aliases")
    def get(self, request: Request, site_id: int) -> Response:
        return Response(AliasOut(facade.alias_list(site_id=site_id), many=True).data)

    @extend_schema(request=AliasIn, responses={201: AliasOut}, summary="Store events sent as `alias` as `name`")
    def post(self, request: Request, site_id: int) -> Response:
        alias = facade.alias_set(site_id=site_id, **checked(AliasIn, request.data))
        return Response(AliasOut(alias).data, status=status.HTTP_201_CREATED)


class AliasDetailView(APIView):
    permission_classes = [HasSiteRole]
    required_roles = _READ_ALL_WRITE_ADMIN

    @extend_schema(responses={204: None}, summary="Stop renaming this alias")
    def delete(self, request: Request, site_id: int, alias: str) -> Response:
        facade.alias_delete(site_id=site_id, alias=alias)
        return Response(status=status.HTTP_204_NO_CONTENT)
