"""Shapes of the token and member endpoints: input validation and the documented output."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from access.models import RoleChoice


class TokenCreateIn(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    site = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    role = serializers.ChoiceField(choices=RoleChoice.choices, required=False, allow_null=True, default=None)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class TokenOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The token's first characters, to tell tokens apart.")
    user = serializers.CharField(source="username")
    site = serializers.IntegerField(source="site_id", allow_null=True)
    role = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class TokenCreatedOut(TokenOut):
    token = serializers.CharField(help_text="The token itself. Shown only in this reply; only its hash is kept.")


class MemberIn(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=RoleChoice.choices)
    create_user = serializers.BooleanField(
        required=False, default=False, help_text="Create this user, with a one-time password shown in the reply."
    )


class MemberPatchIn(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=RoleChoice.choices)


class MemberOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()
    created_at = serializers.DateTimeField()


class MemberWithPasswordOut(MemberOut):
    password = serializers.CharField(
        required=False, help_text="Only when create_user was true: the new user's password, shown only here."
    )
