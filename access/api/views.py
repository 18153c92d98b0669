"""HTTP for personal tokens, site members and a site's tokens: validate, call one service or selector, shape."""

from __future__ import annotations

import dataclasses

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access import selectors, services
from access.api.serializers import (
    MemberIn,
    MemberOut,
    MemberPatchIn,
    MemberWithPasswordOut,
    TokenCreatedOut,
    TokenCreateIn,
    TokenOut,
)
from access.permissions import HasSiteRole, IsAccountWide, principal
from access.roles import Role, role_at_least
from server.errors import DomainError


def _user_id(request: Request) -> int:
    user_id = request.user.pk
    assert isinstance(user_id, int)  # the permission classes let no anonymous request this far
    return user_id


class TokenListView(APIView):
    permission_classes = [IsAccountWide]

    @extend_schema(responses=TokenOut(many=True), summary="Your API tokens (never the tokens themselves)")
    def get(self, request: Request) -> Response:
        return Response(TokenOut(selectors.token_list_of_user(user_id=_user_id(request)), many=True).data)

    @extend_schema(request=TokenCreateIn, responses={201: TokenCreatedOut}, summary="Create a token (shown once)")
    def post(self, request: Request) -> Response:
        data = TokenCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        site_id, role = fields["site"], fields["role"]
        if site_id is not None and role is not None:
            held = selectors.site_role(user=request.user, token=principal(request), site_id=site_id)
            if not role_at_least(held, Role(role)):
                raise DomainError("role_not_held", f"You do not hold the {role} role on site #{site_id}.")
        made = services.api_token_create(
            user_id=_user_id(request), name=fields["name"], site_id=site_id, role=role, expires_at=fields["expires_at"]
        )
        body = TokenCreatedOut({**dataclasses.asdict(made.info), "token": made.token}).data
        return Response(body, status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    permission_classes = [IsAccountWide]

    @extend_schema(responses={204: None}, summary="Revoke one of your tokens")
    def delete(self, request: Request, token_id: int) -> Response:
        services.api_token_revoke(user_id=_user_id(request), token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SiteAdminView(APIView):
    permission_classes = [HasSiteRole]
    required_roles: dict[str, Role] = {"GET": Role.ADMIN, "POST": Role.ADMIN, "PATCH": Role.ADMIN, "DELETE": Role.ADMIN}


class MemberListView(SiteAdminView):
    @extend_schema(responses=MemberOut(many=True), summary="The site's members and their roles")
    def get(self, request: Request, site_id: int) -> Response:
        return Response(MemberOut(selectors.member_list(site_id=site_id), many=True).data)

    @extend_schema(
        request=MemberIn,
        responses={201: MemberWithPasswordOut},
        summary="Give a user a role on the site (or create the user, with a one-time password)",
    )
    def post(self, request: Request, site_id: int) -> Response:
        data = MemberIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if fields["create_user"]:
            made = services.member_add_new_user(site_id=site_id, username=fields["username"], role=fields["role"])
            body = {**dataclasses.asdict(made.member), "password": made.password}
            return Response(MemberWithPasswordOut(body).data, status=status.HTTP_201_CREATED)
        member = services.member_add(site_id=site_id, username=fields["username"], role=fields["role"])
        return Response(MemberOut(member).data, status=status.HTTP_201_CREATED)


class MemberDetailView(SiteAdminView):
    @extend_schema(request=MemberPatchIn, responses=MemberOut, summary="Change a member's role")
    def patch(self, request: Request, site_id: int, member_id: int) -> Response:
        data = MemberPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_update(site_id=site_id, member_id=member_id, role=data.validated_data["role"])
        return Response(MemberOut(member).data)

    @extend_schema(responses={204: None}, summary="Take a member's access to the site away")
    def delete(self, request: Request, site_id: int, member_id: int) -> Response:
        services.member_remove(site_id=site_id, member_id=member_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SiteTokenListView(SiteAdminView):
    @extend_schema(responses=TokenOut(many=True), summary="Tokens narrowed to this site, whoever holds them")
    def get(self, request: Request, site_id: int) -> Response:
        return Response(TokenOut(selectors.token_list_of_site(site_id=site_id), many=True).data)


class SiteTokenDetailView(SiteAdminView):
    @extend_schema(responses={204: None}, summary="Revoke a token narrowed to this site")
    def delete(self, request: Request, site_id: int, token_id: int) -> Response:
        services.site_token_revoke(site_id=site_id, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
