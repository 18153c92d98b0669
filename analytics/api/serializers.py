"""Input checks and documented output shapes of the analytics endpoints.

Inputs are checked here only for type and presence; the facade checks meaning (time zones, query JSON) and
answers with field errors of its own. Outputs read the facade's dataclasses attribute by attribute.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from analytics.models import ConsentMode, IpTruncation, PromptPolicy
from consent.facade import BANNER_LANGUAGES, BANNER_SHOW_CHOICES, text_override_errors


class SiteOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    timezone = serializers.CharField()
    allowed_origins = serializers.ListField(child=serializers.CharField())
    public_key = serializers.CharField()
    ip_truncation = serializers.CharField()
    consent_mode = serializers.CharField()
    honour_dnt = serializers.BooleanField()
    prompt_policy = serializers.CharField()
    retention_days = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class SiteWithRoleOut(SiteOut):
    role = serializers.CharField(help_text="Your role on the site: viewer, analyst or admin.")


class SiteCreateIn(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    allowed_origins = serializers.ListField(child=serializers.CharField(max_length=500), required=False, default=list)
    timezone = serializers.CharField(max_length=64, required=False, default="UTC")


class SiteCreatedOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    public_key = serializers.CharField()
    secret_key = serializers.CharField(help_text="For backends' /api/v1/batch. Shown only in this reply.")
    snippet = serializers.CharField()


class SitePatchIn(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False)
    timezone = serializers.CharField(max_length=64, required=False)
    allowed_origins = serializers.ListField(child=serializers.CharField(max_length=500), required=False)
    ip_truncation = serializers.ChoiceField(choices=IpTruncation.choices, required=False)
    consent_mode = serializers.ChoiceField(choices=ConsentMode.choices, required=False)
    honour_dnt = serializers.BooleanField(required=False)
    prompt_policy = serializers.ChoiceField(choices=PromptPolicy.choices, required=False)
    retention_days = serializers.IntegerField(min_value=1, required=False)


class DimensionOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    key = serializers.CharField(help_text='Filter and break down by it as "dims.<key>".')
    display_name = serializers.CharField()
    scope = serializers.CharField()
    created_at = serializers.DateTimeField()


class DimensionIn(serializers.Serializer[Any]):
    key = serializers.CharField(max_length=200)
    display_name = serializers.CharField(max_length=200)
    scope = serializers.CharField(max_length=32, required=False, default="event")


class DimensionPatchIn(serializers.Serializer[Any]):
    display_name = serializers.CharField(max_length=200, required=False)
    scope = serializers.CharField(max_length=32, required=False)


class AliasOut(serializers.Serializer[Any]):
    alias = serializers.CharField(help_text="The event name as clients send it.")
    name = serializers.CharField(help_text="The name it is stored under.")


class AliasIn(AliasOut):
    pass


class CohortOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    definition = serializers.JSONField(help_text="See docs/queries.md#cohorts.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CohortIn(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    definition = serializers.JSONField()


class CohortPatchIn(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False)
    definition = serializers.JSONField(required=False)


def checked(serializer: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    """The validated fields of a request body (only those sent, for the optional ones); 400 if invalid.

    Unknown fields are refused rather than dropped: a misspelt setting must not look like it was saved.
    """
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
    unknown = sorted(set(data) - set(serializer().fields))
    if unknown:
        raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
    instance = serializer(data=data)
    instance.is_valid(raise_exception=True)
    return dict(instance.validated_data)


class RecentEventOut(serializers.Serializer[Any]):
    uuid = serializers.CharField()
    name = serializers.CharField()
    timestamp = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    path = serializers.CharField()
    # A field named like DRF's own Field.source attribute: allowed at runtime, which mypy cannot see.
    source = serializers.CharField(help_text="native, amplitude, posthog, matomo, ga4 …")  # type: ignore[assignment]


class BannerOut(serializers.Serializer[Any]):
    show = serializers.CharField(help_text="auto (opt-in sites only), always or never.")
    policy_version = serializers.CharField()
    policy_url = serializers.CharField()
    language = serializers.CharField()
    texts = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()), help_text="The site's overrides only."
    )
    default_texts = serializers.DictField(child=serializers.DictField(child=serializers.CharField()))
    updated_at = serializers.DateTimeField(allow_null=True, help_text="null: never saved, these are the defaults.")


class BannerPatchIn(serializers.Serializer[Any]):
    show = serializers.ChoiceField(choices=BANNER_SHOW_CHOICES, required=False)
    policy_version = serializers.CharField(max_length=32, required=False)
    policy_url = serializers.URLField(max_length=200, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=BANNER_LANGUAGES, required=False)
    texts = serializers.JSONField(required=False, help_text='e.g. {"en": {"title": "…"}, "zh-Hans": {…}}')

    def validate_texts(self, value: Any) -> Any:
        errors = text_override_errors(value)
        if errors:
            raise serializers.ValidationError(errors)
        return value


class ConsentDayOut(serializers.Serializer[Any]):
    day = serializers.DateField()
    granted = serializers.IntegerField()
    denied = serializers.IntegerField()
    opt_in_rate = serializers.FloatField(allow_null=True, help_text="granted / (granted + denied); null: none.")


class ConsentTotalsOut(serializers.Serializer[Any]):
    granted = serializers.IntegerField()
    denied = serializers.IntegerField()
    opt_in_rate = serializers.FloatField(allow_null=True)


class ConsentDailyOut(serializers.Serializer[Any]):
    timezone = serializers.CharField(help_text="The site's time zone: the days are its days.")
    start = serializers.DateField()
    end = serializers.DateField()
    days = ConsentDayOut(many=True)
    totals = ConsentTotalsOut()
