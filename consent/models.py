"""Privacy state that must outlive a request: the daily salts of the cookieless visitor id."""

from __future__ import annotations

from django.db import models


class VisitorSalt(models.Model):
    """One random salt per UTC day; deleted 48 hours after its day starts, so old visitor ids cannot be recomputed."""

    day = models.DateField(primary_key=True)
    salt = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)


class ConsentChoice(models.TextChoices):
    GRANTED = "granted", "Granted"
    DENIED = "denied", "Denied"


class ConsentSource(models.TextChoices):
    BANNER = "banner", "Sightline banner"
    OPT_OUT = "opt_out", "Opt-out element of a privacy page"
    API = "api", "sightline('consent', …) from the site's own consent tool"
    MATOMO = "matomo", "Matomo _paq consent calls"
    GTAG = "gtag", "gtag('consent', 'update', …)"


class ConsentRecord(models.Model):
    """One consent choice, as it was made. Append-only: the services only insert, the database refuses
    UPDATE and DELETE (triggers in migration 0002), and the admin is read-only."""

    # An integer, not a foreign key: consent must not depend on analytics (docs/architecture.md).
    site_id = models.BigIntegerField()
    # A keyed hash of the browser's random id: the same browser's records line up, nobody learns who it is.
    subject = models.CharField(max_length=64)
    choice = models.CharField(max_length=8, choices=ConsentChoice.choices)
    categories = models.JSONField(default=list, help_text='Categories granted, e.g. ["necessary", "analytics"].')
    policy_version = models.CharField(max_length=32)
    source = models.CharField(max_length=16, choices=ConsentSource.choices)
    recorded_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["site_id", "recorded_at"], name="consent_site_time"),
            models.Index(fields=["site_id", "subject"], name="consent_site_subject"),
        ]

    def __str__(self) -> str:
        return f"site {self.site_id}: {self.choice} ({self.source}, {self.recorded_at:%Y-%m-%d %H:%M})"


class BannerShow(models.TextChoices):
    AUTO = "auto", "On opt-in sites only"
    ALWAYS = "always", "Always, until the visitor chooses"
    NEVER = "never", "Never (the site has its own consent tool)"


class BannerLanguage(models.TextChoices):
    AUTO = "auto", "The page's language, else the browser's"
    EN = "en", "English"
    ZH_HANS = "zh-Hans", "Simplified Chinese"


class BannerSettings(models.Model):
    """A site's consent banner: when it shows, which texts, which policy version a choice is given to."""

    site_id = models.BigIntegerField(primary_key=True)
    show = models.CharField(max_length=8, choices=BannerShow.choices, default=BannerShow.AUTO)
    policy_version = models.CharField(
        max_length=32, default="1", help_text="Change it when the policy changes: stored consents then ask again."
    )
    policy_url = models.URLField(blank=True, default="", help_text="The privacy policy the banner links to.")
    language = models.CharField(max_length=8, choices=BannerLanguage.choices, default=BannerLanguage.AUTO)
    texts = models.JSONField(
        default=dict,
        blank=True,
        help_text='Overrides of the default texts per language, e.g. {"en": {"title": "Cookies? None."}}.',
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "banner settings"
        verbose_name_plural = "banner settings"

    def __str__(self) -> str:
        return f"Banner of site {self.site_id}"
