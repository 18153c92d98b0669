"""Sites and the event store. ORM only: writes go through services, reads through selectors."""

from __future__ import annotations

from django.db import models


class IpTruncation(models.TextChoices):
    # Matomo's and GA's default: the last IPv4 octet, the last 80 bits of IPv6.
    STANDARD = "standard", "Last octet (IPv4) / last 80 bits (IPv6)"
    STRONG = "strong", "Last two octets (IPv4) / last 96 bits (IPv6)"


class ConsentMode(models.TextChoices):
    # Before a visitor has chosen: count them without identifiers, or not at all.
    COOKIELESS = "cookieless", "Cookieless counting until consent"
    OPT_IN = "opt_in", "Nothing until consent"


class PromptPolicy(models.TextChoices):
    NONE = "none", "Never store prompt text"
    SCRUBBED = "scrubbed", "Store scrubbed, truncated prompt text"
    HASHED = "hashed", "Store a keyed hash of the prompt"


class Site(models.Model):
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="UTC")
    allowed_origins = models.JSONField(
        default=list, blank=True, help_text='Origins allowed to send beacons, e.g. ["https://example.com"].'
    )
    public_key = models.CharField(max_length=64, unique=True)
    # Only a SHA-256 of the secret key is kept; the key itself is shown once, when the site is created.
    secret_key_hash = models.CharField(max_length=64, unique=True)
    ip_truncation = models.CharField(max_length=16, choices=IpTruncation.choices, default=IpTruncation.STANDARD)
    consent_mode = models.CharField(max_length=16, choices=ConsentMode.choices, default=ConsentMode.COOKIELESS)
    honour_dnt = models.BooleanField(
        default=True, help_text="Treat Do-Not-Track and Global Privacy Control as opt-out."
    )
    prompt_policy = models.CharField(max_length=16, choices=PromptPolicy.choices, default=PromptPolicy.NONE)
    retention_days = models.PositiveIntegerField(default=730)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} (#{self.pk})"


class Event(models.Model):
    """One tracked event. In PostgreSQL the table is range-partitioned by month (see migration 0002)."""

    pk = models.CompositePrimaryKey("site_id", "timestamp", "uuid")
    # The primary key starts with site_id, so a separate site_id index would only slow every insert.
    site = models.ForeignKey(Site, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    uuid = models.UUIDField()
    timestamp = models.DateTimeField()
    received_at = models.DateTimeField()
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=200, blank=True, default="")
    action = models.CharField(max_length=200, blank=True, default="")
    label = models.CharField(max_length=500, blank=True, default="")
    value = models.FloatField(null=True, blank=True)
    anonymous_id = models.CharField(max_length=200, blank=True, default="")
    user_id = models.CharField(max_length=200, blank=True, default="")
    device_id = models.CharField(max_length=200, blank=True, default="")
    session_id = models.CharField(max_length=200, blank=True, default="")
    url = models.TextField(blank=True, default="")
    path = models.TextField(blank=True, default="")
    referrer = models.TextField(blank=True, default="")
    title = models.TextField(blank=True, default="")
    properties = models.JSONField(default=dict)
    dimensions = models.JSONField(default=dict)
    source = models.CharField(max_length=16)
    browser = models.CharField(max_length=64, blank=True, default="")
    os = models.CharField(max_length=64, blank=True, default="")
    device_type = models.CharField(max_length=16, blank=True, default="")
    is_bot = models.BooleanField(default=False)
    # Truncated before it reaches the pipeline's output (consent/ip_truncation.py); never the raw address.
    ip = models.CharField(max_length=45, blank=True, default="")

    class Meta:
        # The primary key (site_id, timestamp, uuid) already serves "a site's events in a time range".
        indexes = [models.Index(fields=["site", "name", "timestamp"], name="event_site_name_time")]


class EventKey(models.Model):
    """The (site, uuid) of every stored event: the dedup key a partitioned table cannot hold unique itself."""

    pk = models.CompositePrimaryKey("site_id", "uuid")
    # The primary key starts with site_id, so a separate site_id index would only slow every insert.
    site = models.ForeignKey(Site, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    uuid = models.UUIDField()
    timestamp = models.DateTimeField()


class IdentityLink(models.Model):
    """An anonymous or device id seen together with a user id: both are the same person."""

    pk = models.CompositePrimaryKey("site_id", "anonymous_id")
    # The primary key starts with site_id, so a separate site_id index would only slow every insert.
    site = models.ForeignKey(Site, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    anonymous_id = models.CharField(max_length=200)
    user_id = models.CharField(max_length=200)
    linked_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["site", "user_id"], name="identity_site_user")]


class EventAlias(models.Model):
    """Renames an incoming event at ingest: tap_ad, clickAd and adClick can all be stored as click_banner."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=200, help_text="The name as sent by a client.")
    name = models.CharField(max_length=200, help_text="The name it is stored under.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "alias"], name="alias_unique_per_site")]
        verbose_name_plural = "event aliases"

    def __str__(self) -> str:
        return f"{self.alias} → {self.name}"


class Cohort(models.Model):
    """A saved set of persons (docs/queries.md, "Cohorts"); the definition is validated JSON."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=200)
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class DimensionScope(models.TextChoices):
    EVENT = "event", "Event"
    USER = "user", "User"


class CustomDimension(models.Model):
    """A named key of events' `dims` (e.g. image_version) the console offers for filters and breakdowns."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="dimensions")
    key = models.CharField(max_length=100)
    display_name = models.CharField(max_length=200)
    scope = models.CharField(max_length=8, choices=DimensionScope.choices, default=DimensionScope.EVENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "key"], name="dimension_key_unique_per_site")]

    def __str__(self) -> str:
        return self.display_name


class HourlyRollup(models.Model):
    """Event counts per site, UTC hour and the main dimensions; kept by analytics.refresh_rollups."""

    # The unique key starts with site_id, so a separate site_id index would only slow every refresh.
    site = models.ForeignKey(Site, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    hour = models.DateTimeField()
    name = models.CharField(max_length=200)
    browser = models.CharField(max_length=64, blank=True, default="")
    os = models.CharField(max_length=64, blank=True, default="")
    device_type = models.CharField(max_length=16, blank=True, default="")
    is_bot = models.BooleanField(default=False)
    events = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "hour", "name", "browser", "os", "device_type", "is_bot"], name="rollup_unique_key"
            )
        ]


class PathRollup(models.Model):
    """Event counts per site, UTC hour, name and path (the top pages); kept with HourlyRollup, same watermark.

    A table of its own: the path multiplied into HourlyRollup's browser × os × device_type key would grow it
    several times over for the one list that needs it.
    """

    site = models.ForeignKey(Site, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    hour = models.DateTimeField()
    name = models.CharField(max_length=200)
    # No unique key: paths are unbounded text, and each hour's rows are only ever replaced whole.
    path = models.TextField(blank=True, default="")
    is_bot = models.BooleanField(default=False)
    events = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["site", "hour"], name="pathrollup_site_hour")]


class RollupWatermark(models.Model):
    """Events received up to `received_until` are reflected in the rollups (one row, key "hourly")."""

    key = models.CharField(max_length=32, primary_key=True)
    received_until = models.DateTimeField()


class SessionPart(models.Model):
    """A piece of a session: one person's non-bot events within one UTC hour, no gap longer than the timeout.

    Kept by analytics.refresh_rollups next to the hourly rollups (analytics/engine/session_parts.py). The person
    is the integer of analytics_person that analytics_personevent gives the part's events; `anon_key` /
    `device_key` name the id whose identity link, once it appears, moves the part to the linked user (the same
    columns and the same move as person events, docs/queries.md "Person events").
    """

    # The (site, hour) index serves every read and every refresh, so no separate site_id index.
    site = models.ForeignKey(Site, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    hour = models.DateTimeField()
    person = models.IntegerField()
    anon_key = models.IntegerField(null=True)
    device_key = models.IntegerField(null=True)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    # The first event's (timestamp, uuid) as fixed-width text: orders first values across parts.
    pos = models.CharField(max_length=64)
    page_views = models.IntegerField()
    engagement_ms = models.FloatField()
    # Each breakdown column's first set value ("" if none) and, when not on the first event, where it was set.
    referrer = models.TextField(blank=True, default="")
    referrer_pos = models.CharField(max_length=64, null=True)
    browser = models.CharField(max_length=64, blank=True, default="")
    browser_pos = models.CharField(max_length=64, null=True)
    os = models.CharField(max_length=64, blank=True, default="")
    os_pos = models.CharField(max_length=64, null=True)
    device_type = models.CharField(max_length=16, blank=True, default="")
    device_type_pos = models.CharField(max_length=64, null=True)
    # The part's session among all its person's parts: its first event time (NULL until a refresh assigns it),
    # and whether this part is all of it.
    session_start = models.DateTimeField(null=True)
    alone = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["site", "hour"], name="sessionpart_site_hour"),
            # A refresh redoes the sessions of the persons it touched from their last one: their parts in order.
            models.Index(fields=["site", "person", "first_at"], name="sessionpart_person"),
            # Queries order the persons with parts whose session is not known yet; a refresh finds them here.
            models.Index(
                fields=["site", "hour"], name="sessionpart_unassigned", condition=models.Q(session_start__isnull=True)
            ),
            # A link applied later finds the parts it moves through these (few rows: only unresolved ids).
            models.Index(
                fields=["site", "anon_key"], name="sessionpart_anon", condition=models.Q(anon_key__isnull=False)
            ),
            models.Index(
                fields=["site", "device_key"], name="sessionpart_device", condition=models.Q(device_key__isnull=False)
            ),
        ]


class SessionPartsWatermark(models.Model):
    """Events received up to `received_until` are in the session parts, cut by `recipe` (timeout, page views…)."""

    key = models.CharField(max_length=32, primary_key=True)
    received_until = models.DateTimeField()
    recipe = models.JSONField()


class Person(models.Model):
    """A compact integer for every person key (docs/queries.md, "Persons") that analytics_personevent uses.

    Kept by analytics.refresh_rollups (analytics/engine/person_events.py). Also holds the anonymous and device ids
    that events still count under a person of their own; `merged` is set once such an id's identity link has been
    applied, i.e. its events were moved to the linked user.
    """

    id = models.AutoField(primary_key=True)
    site = models.ForeignKey(Site, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    key = models.CharField(max_length=200)
    merged = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "key"], name="person_key_unique_per_site")]


class PersonEvent(models.Model):
    """Every stored event, narrowed to what funnels and retention without filters read: its person as an integer.

    Kept by analytics.refresh_rollups (analytics/engine/person_events.py). `anon_key` / `device_key` name the
    anonymous / device id (analytics_person) whose identity link, once it appears, would change the event's person.
    """

    pk = models.CompositePrimaryKey("site_id", "timestamp", "uuid")
    # The primary key starts with site_id, so a separate site_id index would only slow every insert.
    site = models.ForeignKey(Site, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    timestamp = models.DateTimeField()
    uuid = models.UUIDField()
    person = models.IntegerField()
    name = models.CharField(max_length=200)
    is_bot = models.BooleanField(default=False)
    anon_key = models.IntegerField(null=True)
    device_key = models.IntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["site", "anon_key"], name="personevent_anon", condition=models.Q(anon_key__isnull=False)
            ),
            models.Index(
                fields=["site", "device_key"], name="personevent_device", condition=models.Q(device_key__isnull=False)
            ),
        ]
