"""Saved cohorts: everyone on the site reads and uses them, analysts and admins keep them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.permissions import HasSiteRole
from access.roles import Role
from analytics import facade
from analytics.api.serializers import CohortIn, CohortOut, CohortPatchIn, checked

_READ_ALL_WRITE_ANALYST = {"GET": Role.VIEWER, "POST": Role.ANALYST, "PATCH": Role.ANALYST, "DELETE": Role.ANALYST}


class CohortListView(APIView):
    permission_classes = [HasSiteRole]
    required_roles = _READ_ALL_WRITE_ANALYST

    @extend_schema(responses=CohortOut(many=True), summary="The site's cohorts")
    def get(self, request: Request, site_id: int) -> Response:
        return Response(CohortOut(facade.cohort_list(site_id=site_id), many=True).data)

    @extend_schema(request=CohortIn, responses={201: CohortOut}, summary="Save a cohort")
    def post(self, request: Request, site_id: int) -> Response:
        cohort = facade.cohort_create(site_id=site_id, **checked(CohortIn, request.data))
        return Response(CohortOut(cohort).data, status=status.HTTP_201_CREATED)


class CohortDetailView(APIView):
    permission_classes = [HasSiteRole]
    required_roles = _READ_ALL_WRITE_ANALYST

    @extend_schema(responses=CohortOut, summary="One cohort")
    def get(self, request: Request, site_id: int, cohort_id: int) -> Response:
        return Response(CohortOut(facade.cohort_get(site_id=site_id, cohort_id=cohort_id)).data)

    @extend_schema(request=CohortPatchIn, responses=CohortOut, summary="Rename a cohort or change its definition")
    def patch(self, request: Request, site_id: int, cohort_id: int) -> Response:
        fields = checked(CohortPatchIn, request.data)
        return Response(CohortOut(facade.cohort_update(site_id=site_id, cohort_id=cohort_id, **fields)).data)

    @extend_schema(responses={204: None}, summary="Delete a cohort")
    def delete(self, request: Request, site_id: int, cohort_id: int) -> Response:
        facade.cohort_delete(site_id=site_id, cohort_id=cohort_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
