"""Synthetic traffic of an AI image tool site, produced as COPY text in chunks of constant size.

The model, hour by hour over the window: each hour has an event budget shaped by the time of day and the day
of the week in the site's time zone and a slow growth. Visitors whose return falls in the hour come back
first; new visitors fill the rest of the budget. Each visitor draws a power-law activity on arrival: most
never return, a few come back weekly, a handful daily. A session (events less than 30 minutes apart) follows
a plausible path: land from a referrer, look around, generate images (click_generate, then image_generated
or generation_failed), edit (inpaint, outpaint), download, sign up or log in - from that event on the
anonymous visitor carries a user id too, which is an identity link - train a model in a notebook, buy a plan.
Bots crawl pages quickly and never return. Nothing is kept per event; memory holds only the visitors who
are due back.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bench.datagen import pools
from bench.datagen.pools import weighted

HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000
SECOND_US = 1_000_000
# Relative traffic by local hour (0-23) and local weekday (Monday first): evenings and weekdays are busiest.
DIURNAL = (0.55, 0.35, 0.22, 0.15, 0.12, 0.13, 0.2, 0.35, 0.6, 0.85, 1.0, 1.0,
           0.9, 0.95, 1.0, 1.0, 0.95, 0.9, 0.9, 1.0, 1.1, 1.15, 1.0, 0.8)  # fmt: skip
WEEKLY = (1.0, 1.02, 1.03, 1.0, 0.95, 0.8, 0.78)
GROWTH_OVER_WINDOW = 0.3  # traffic at the end of the window is 30 % above its start
ONCE_SHARE = 0.62  # visitors who never come back
BOT_SHARE = 0.03  # sessions from crawlers and scripts
NULL = "\\N"


@dataclass(frozen=True, slots=True)
class TrafficConfig:
    site_id: int
    events: int
    start: datetime  # aware; the window is [start, end)
    end: datetime
    timezone: str = "Asia/Shanghai"
    seed: int = 1
    host: str = "https://imagine.example"
    chunk_rows: int = 50_000


@dataclass(frozen=True, slots=True)
class Chunk:
    events: str  # COPY text for analytics_event, columns in EVENT_COLUMNS order
    keys: str  # COPY text for analytics_eventkey (site_id, uuid, timestamp)
    links: str  # COPY text for analytics_identitylink (site_id, anonymous_id, user_id, linked_at)
    rows: int
    link_rows: int


class Visitor:
    __slots__ = ("anon", "bot", "creator", "dims", "group", "interval_days", "linked", "stay", "tail", "trainer",
                 "user")  # fmt: skip

    def __init__(self) -> None:
        self.anon = ""
        self.user = ""
        self.tail = ""  # source, browser, os, device_type, is_bot, ip: fixed per browser
        self.group = ""  # '"exp_group": "A"', spliced into every properties object
        self.bot = False
        self.linked = False  # whether this browser's anonymous id is already linked to the user
        self.creator = 0.0  # chance that a session of theirs generates images
        self.trainer = False
        self.dims = "{}"
        self.interval_days = 0.0
        self.stay = 0.0  # chance of coming back after each visit


def _hour_weights(cfg: TrafficConfig) -> tuple[list[float], list[int]]:
    zone = ZoneInfo(cfg.timezone)
    start_us = _epoch_us(cfg.start)
    hours = -(-(_epoch_us(cfg.end) - start_us) // HOUR_US)
    weights, local_hours = [], []
    for h in range(hours):
        local = datetime.fromtimestamp((start_us + h * HOUR_US) / SECOND_US, zone)
        span = min(HOUR_US, _epoch_us(cfg.end) - start_us - h * HOUR_US) / HOUR_US
        growth = 1 + GROWTH_OVER_WINDOW * h / max(1, hours - 1)
        weights.append(DIURNAL[local.hour] * WEEKLY[local.weekday()] * growth * span)
        local_hours.append(local.hour)
    return weights, local_hours


def _epoch_us(moment: datetime) -> int:
    return round(moment.timestamp() * SECOND_US)


class TrafficGenerator:
    """Yields Chunks totalling exactly `cfg.events` events; the same config and seed give the same text."""

    def __init__(self, cfg: TrafficConfig) -> None:
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.start_us, self.end_us = _epoch_us(cfg.start), _epoch_us(cfg.end)
        self.prompts = pools.make_prompts(self.rng)
        self.referrers, self.referrer_cum = weighted(pools.REFERRERS)
        self.humans, self.human_cum = weighted(pools.HUMAN_CLIENTS)
        self.bots, self.bot_cum = weighted(pools.BOT_CLIENTS)
        paths = {path: (f"{cfg.host}{path}", title) for path, title, _ in pools.PAGES}
        self.pages = paths
        self.next_pages, self.next_cum = weighted(tuple((p, w) for p, _, w in pools.PAGES))
        self.landing = {ch: weighted(items) for ch, items in pools.LANDING_BY_CHANNEL.items()}
        self.hour_local = [0]
        self.minute_text: dict[int, str] = {}
        self.returns: dict[int, list[Visitor]] = {}
        self.count = 0
        self.lines: list[str] = []
        self.keys: list[str] = []
        self.links: list[str] = []
        self.next_user = 0
        self.site = str(cfg.site_id)

    # --- text of one row -------------------------------------------------------------------------------
    def _ts(self, us: int) -> str:
        minute = us // MINUTE_US
        prefix = self.minute_text.get(minute)
        if prefix is None:
            prefix = datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%d %H:%M:")
            self.minute_text[minute] = prefix
        rest = us - minute * MINUTE_US
        return f"{prefix}{rest // SECOND_US:02d}.{rest % SECOND_US:06d}+00"

    def _emit(self, t: int, ids: str, head: str, label: str, value: str, page: str, props: str, tail: str,
              dims: str = "{}") -> bool:  # fmt: skip
        """Appends one event at t; False once the run's total or the window's end is reached."""
        if self.count >= self.cfg.events or t >= self.end_us:
            return False
        self.count += 1
        bits = self.rng.getrandbits(74)
        # UUIDv7 (time-ordered, as PostHog's SDKs send): the dedup index then grows at its right edge.
        uid = f"{t // 1000:012x}7{bits >> 62:03x}{(bits & 0x3FFFFFFFFFFFFFFF) | 0x8000000000000000:016x}"
        ts = self._ts(t)
        site = self.site
        received = self._ts(t + 40_000 + (bits & 0xFFFFF))
        self.lines.append(
            f"{site}\t{uid}\t{ts}\t{received}\t{head}\t{label}\t{value}\t{ids}\t{page}\t{props}\t{dims}\t{tail}\n"
        )
        self.keys.append(f"{site}\t{uid}\t{ts}\n")
        return True

    # --- people ----------------------------------------------------------------------------------------
    def _client_tail(self, bot: bool) -> str:
        rng = self.rng
        if bot:
            browser, os_name, device = rng.choices(self.bots, cum_weights=self.bot_cum)[0]
        else:
            browser, os_name, device = rng.choices(self.humans, cum_weights=self.human_cum)[0]
        r = rng.random()
        if r < 0.05:
            ip = f"2001:db8:{rng.randrange(0x10000):x}::"
        elif r < 0.15:
            ip = rng.choice(("192.0.2.0", "198.51.100.0", "203.0.113.0"))
        else:
            ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.0"
        source = "native" if rng.random() < 0.85 else "posthog"
        return f"{source}\t{browser}\t{os_name}\t{device}\t{'t' if bot else 'f'}\t{ip}"

    def _new_visitor(self) -> Visitor:
        rng = self.rng
        v = Visitor()
        v.bot = rng.random() < BOT_SHARE
        v.tail = self._client_tail(v.bot)
        v.group = '"exp_group": "A"' if rng.random() < 0.5 else '"exp_group": "B"'
        if v.bot:  # no cookies: the cookieless daily visitor id
            v.anon = f"v:{rng.getrandbits(64):016x}"
            return v
        v.anon = f"{rng.getrandbits(128):032x}"
        v.creator = rng.choice((0.05, 0.3, 0.7, 0.9))
        v.trainer = rng.random() < 0.12
        if v.trainer:
            version = rng.choices(pools.IMAGE_VERSIONS, weights=[w for _, w in pools.IMAGE_VERSIONS])[0][0]
            role = rng.choices(pools.ROLES, weights=[w for _, w in pools.ROLES])[0][0]
            v.dims = f'{{"image_version": "{version}", "role": "{role}"}}'
        if rng.random() >= ONCE_SHARE:
            activity = min(60.0, rng.paretovariate(1.1))  # 1 = fortnightly ... 14 = daily, heavy tail
            v.interval_days = 14.0 / activity
            v.stay = min(0.97, 1 - 0.6 / activity**0.7)
        return v

    def _schedule_return(self, v: Visitor, hour: int) -> None:
        rng = self.rng
        if v.bot or rng.random() >= v.stay:
            return
        days = int(rng.expovariate(1 / v.interval_days))
        wanted = rng.choices(range(24), weights=DIURNAL)[0]
        target = hour + days * 24 + (wanted - self.hour_local[hour]) % 24
        if target < hour + 2:  # at least two hours later: a new session, not the same one
            target += 24
        if target < len(self.hour_local):
            self.returns.setdefault(target, []).append(v)

    # --- one session -----------------------------------------------------------------------------------
    def _session(self, v: Visitor, t: int, returning: bool) -> None:
        rng, emit = self.rng, self._emit
        relogin = returning and bool(v.user) and rng.random() < 0.08
        if relogin:  # the same person on a new browser: anonymous again until they log in
            v.anon, v.tail, v.linked = f"{rng.getrandbits(128):032x}", self._client_tail(False), False
        ids = f"{v.anon}\t{'' if relogin else v.user}\t\t{rng.getrandbits(64):016x}"
        tail = v.tail
        props = "{" + v.group + "}"
        if returning:
            channel, referrer = ("direct", "") if rng.random() < 0.7 else ("search", "https://www.google.com/")
        else:
            channel, referrer = rng.choices(self.referrers, cum_weights=self.referrer_cum)[0]
        landing, landing_cum = self.landing[channel]
        path = rng.choices(landing, cum_weights=landing_cum)[0][0] if not v.bot else "/"
        url, title = self.pages[path]
        if not emit(t, ids, "page_view\t\t", "", NULL, f"{url}\t{path}\t{referrer}\t{title}", props, tail):
            return
        if v.bot:
            for _ in range(rng.randrange(2, 15)):
                t += rng.randrange(300_000, 4 * SECOND_US)
                path = rng.choices(self.next_pages, cum_weights=self.next_cum)[0][0]
                page_url, title = self.pages[path]
                if not emit(t, ids, "page_view\t\t", "", NULL, f"{page_url}\t{path}\t{url}\t{title}", props, tail):
                    return
                url = page_url
            return
        if relogin:
            t, ids = self._log_in(v, t, ids, props, tail, url, signup=False)
        elif rng.random() < 0.3:  # bounce
            return
        for _ in range(min(6, int(rng.expovariate(0.8)))):
            t += int(rng.lognormvariate(16.5, 0.9))  # median 15 s on a page
            path = rng.choices(self.next_pages, cum_weights=self.next_cum)[0][0]
            page_url, title = self.pages[path]
            if not emit(t, ids, "page_view\t\t", "", NULL, f"{page_url}\t{path}\t{url}\t{title}", props, tail):
                return
            url = page_url
        if v.user and not relogin and rng.random() < 0.05:  # an expired login on the same browser
            t, ids = self._log_in(v, t, ids, props, tail, url, signup=False)
        if rng.random() < v.creator and not self._create(v, t, ids, props, tail, url):
            return

    def _log_in(self, v: Visitor, t: int, ids: str, props: str, tail: str, referrer: str,
                *, signup: bool) -> tuple[int, str]:  # fmt: skip
        """The identify moment: from here on this browser's events carry the user id too."""
        rng = self.rng
        t += int(rng.lognormvariate(16.8, 0.6))
        url, title = self.pages["/account"]
        self._emit(t, ids, "page_view\t\t", "", NULL, f"{url}\t/account\t{referrer}\t{title}", props, tail)
        if not v.user:
            self.next_user += 1
            v.user = f"u-{self.next_user:07d}"
        session = ids.rsplit("\t", 1)[1]
        ids = f"{v.anon}\t{v.user}\t\t{session}"
        t += int(rng.lognormvariate(17.5, 0.5))
        name = "signup\taccount\tsignup" if signup else "login\taccount\tlogin"
        if self._emit(t, ids, name, "", NULL, f"{url}\t/account\t\t{title}", props, tail) and not v.linked:
            v.linked = True
            self.links.append(f"{self.site}\t{v.anon}\t{v.user}\t{self._ts(t)}\n")
        return t, ids

    def _create(self, v: Visitor, t: int, ids: str, props_base: str, tail: str, referrer: str) -> bool:
        rng, emit = self.rng, self._emit
        url, title = self.pages["/generate"]
        gen_page = f"{url}\t/generate\t\t{title}"
        t += int(rng.lognormvariate(16.0, 0.7))
        if not emit(t, ids, "page_view\t\t", "", NULL, f"{url}\t/generate\t{referrer}\t{title}", props_base, tail):
            return False
        model, steps, sizes, per_step, _ = rng.choices(pools.MODELS, weights=[m[4] for m in pools.MODELS])[0]
        loops = 1 + int(rng.expovariate(0.25 if v.stay < 0.9 else 0.1))
        for i in range(loops):
            if not v.user and i == 2:  # the free tier ends: sign up, or leave
                if rng.random() >= 0.55:
                    return True
                t, ids = self._log_in(v, t, ids, props_base, tail, url, signup=True)
            t += int(rng.lognormvariate(17.0, 0.8))  # median 24 s writing a prompt
            prompt = rng.choice(self.prompts)
            width, height = rng.choice(sizes)
            run_steps = steps if rng.random() < 0.7 else rng.choice((10, 20, 40, 50))
            shape = f'"model": "{model}", "steps": {run_steps}, "width": {width}, "height": {height}'
            props = f'{{"prompt_length": {prompt.length}, {shape}, {v.group}}}'
            if not emit(t, ids, "click_generate\timage_generation\tclick_generate", prompt.label,
                        str(prompt.length), gen_page, props, tail):  # fmt: skip
                return False
            duration = int(run_steps * per_step * (width * height / 1_048_576) * rng.uniform(0.8, 1.6) * 1000) + 400
            t += duration * 1000
            done = f'{{"duration_ms": {duration}, {shape}, {v.group}}}'
            if rng.random() < 0.07:
                failed = f'{{"duration_ms": {duration}, "error": "{rng.choice(pools.FAILURES)}", {v.group}}}'
                if not emit(t, ids, "generation_failed\timage_generation\tgeneration_failed", "", str(duration),
                            gen_page, failed, tail):  # fmt: skip
                    return False
                continue
            if not emit(t, ids, "image_generated\timage_generation\timage_generated", "", str(duration), gen_page,
                        done, tail):  # fmt: skip
                return False
            r = rng.random()
            if r < 0.12:
                edit = "inpaint" if r < 0.08 else "outpaint"
                t += int(rng.lognormvariate(16.8, 0.6))
                edit_ms = duration // 2 + rng.randrange(300, 3000)
                edit_props = f'{{"duration_ms": {edit_ms}, "mask_pct": {rng.randrange(5, 80)}, {v.group}}}'
                if not emit(t + edit_ms * 1000, ids, f"{edit}\timage_editing\t{edit}", "", str(edit_ms), gen_page,
                            edit_props, tail):  # fmt: skip
                    return False
                t += edit_ms * 1000
            if rng.random() < 0.3:
                t += int(rng.lognormvariate(15.5, 0.6))
                fmt = rng.choice(pools.DOWNLOAD_FORMATS)
                if not emit(t, ids, "download\tengagement\tdownload", "", NULL, gen_page,
                            f'{{"format": "{fmt}", {v.group}}}', tail):  # fmt: skip
                    return False
        if v.user and v.trainer and rng.random() < 0.5:
            t += int(rng.lognormvariate(17.0, 0.6))
            train = f'{{"gpu": "{rng.choice(pools.GPUS)}", "images": {rng.randrange(10, 400)}, {v.group}}}'
            page = f"{self.cfg.host}/notebooks\t/notebooks\t{url}\tNotebooks - Imagine"
            if not emit(t, ids, "start_training\ttraining\tstart_training", "", str(rng.randrange(5, 240)), page,
                        train, tail, v.dims):  # fmt: skip
                return False
        if v.user and rng.random() < 0.04:
            price_url, price_title = self.pages["/pricing"]
            t += int(rng.lognormvariate(16.5, 0.6))
            plan = rng.choice(("basic", "pro"))
            page = f"{price_url}\t/pricing\t{url}\t{price_title}"
            plan_props = f'{{"plan": "{plan}", {v.group}}}'
            emit(t, ids, "page_view\t\t", "", NULL, page, props_base, tail)
            t += int(rng.lognormvariate(17.0, 0.6))
            if emit(t, ids, "checkout_started\trevenue\tcheckout", plan, NULL, page, plan_props, tail) and (
                rng.random() < 0.45
            ):
                price = "9.0" if plan == "basic" else "29.0"
                emit(t + 40 * SECOND_US, ids, "subscription_purchased\trevenue\tpurchase", plan, price, page,
                     plan_props, tail)  # fmt: skip
        return True

    # --- the run ---------------------------------------------------------------------------------------
    def chunks(self) -> Iterator[Chunk]:
        weights, self.hour_local = _hour_weights(self.cfg)
        total_weight, cumulative = sum(weights), 0.0
        rng = self.rng
        for hour, weight in enumerate(weights):
            cumulative += weight
            due = round(self.cfg.events * cumulative / total_weight)
            hour_start = self.start_us + hour * HOUR_US
            span = min(HOUR_US, self.end_us - hour_start)
            for v in self.returns.pop(hour, ()):
                if self.count >= due:
                    break
                self._session(v, hour_start + rng.randrange(span), returning=True)
                self._schedule_return(v, hour)
            while self.count < due:
                v = self._new_visitor()
                self._session(v, hour_start + rng.randrange(span), returning=False)
                self._schedule_return(v, hour)
            if len(self.lines) >= self.cfg.chunk_rows:
                yield self._flush()
            if hour % 24 == 23:
                self.minute_text.clear()
        if self.lines:
            yield self._flush()

    def _flush(self) -> Chunk:
        # Lines start with the site and a UUIDv7, so text order is time order: sorted, every index of the
        # events and keys tables is appended to at its right edge, which PostgreSQL does a fifth faster.
        self.lines.sort()
        self.keys.sort()
        chunk = Chunk("".join(self.lines), "".join(self.keys), "".join(self.links), len(self.lines), len(self.links))
        self.lines, self.keys, self.links = [], [], []
        return chunk
