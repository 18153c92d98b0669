// Overview: headline numbers against the previous period, the visitors/page-views chart, top lists and the
// live view. Every number comes from the REST API's insights (the same query objects as docs/queries.md).
import { ApiError, insight } from '../api.js';
import { drawChart } from '../charts.js';
import { el, fill, setBusy, table } from '../dom.js';
import { change, formatters } from '../format.js';
import { t } from '../page_data.js';

const LIVE_EVERY_MS = 15000;
const TOP = 10;

export default function initOverview(root, data) {
  const fmt = formatters(data.language, data.site.timezone);
  const ask = (kind, query) => insight(data.api, kind, query);
  const { current, previous } = data.range;
  const pageviews = [{ key: 'name', op: 'in', value: data.pageviewEvents }];
  const pageError = root.querySelector('[data-page-error]');

  function showError(error, retry) {
    if (!(error instanceof ApiError)) console.error(error); // a bug of ours: keep it visible in the console
    const button = el('button', { type: 'button', class: 'button' }, t('retry'));
    button.addEventListener('click', () => {
      pageError.hidden = true;
      retry();
    });
    fill(pageError, el('p', {}, error instanceof ApiError ? error.message : t('error_server')), button);
    pageError.hidden = false;
  }

  // The headline totals and the referrers, browsers, systems and devices lists share one sessions query: it
  // answers several breakdowns side by side with the whole range's totals, and cutting a range into sessions
  // is this page's costliest work (BENCHMARKS.md, "Console"). The lists count visits (sessions, by each visit's
  // first value, as Matomo's referrer and device reports do), so the query asks for no distinct visitors per
  // value (`breakdown_visitors: false`), which cost most of its time; the headline visitors are the totals'.
  // A failed answer is forgotten, so "Try again" asks anew.
  const BREAKDOWNS = [
    { key: 'referrer', limit: TOP },
    { key: 'browser', limit: 8 },
    { key: 'os', limit: 8 },
    { key: 'device_type', limit: 5 },
  ];
  let currentAnswer = null;
  function currentSessions() {
    if (!currentAnswer) {
      currentAnswer = ask('sessions', { date_range: current, breakdowns: BREAKDOWNS, breakdown_visitors: false })
        .catch((error) => {
          currentAnswer = null;
          throw error;
        });
    }
    return currentAnswer;
  }

  // --- headline numbers and chart -------------------------------------------------------------------
  function setKpi(key, value, previousValue, format, lowerIsBetter = false) {
    const card = root.querySelector(`[data-kpi="${key}"]`);
    fill(card.querySelector('[data-value]'), format(value));
    const ratio = change(value, previousValue);
    const delta = card.querySelector('[data-delta]');
    delta.classList.remove('good', 'bad');
    if (ratio === null) {
      fill(delta, t('previous_none'));
    } else {
      if (ratio !== 0) delta.classList.add((ratio < 0) === lowerIsBetter ? 'good' : 'bad');
      fill(delta, el('span', { class: 'delta-value' }, fmt.delta(ratio)), ' ', t('vs_previous'));
      delta.title = `${t('vs_previous')}: ${format(previousValue)}`;
    }
    setBusy(card, false);
  }

  async function loadHeadlines() {
    const trendQuery = {
      series: [
        { event: null, math: 'persons' },
        { event: null, math: 'count', filters: pageviews },
      ],
      interval: data.interval,
      date_range: current,
      // The chart shows buckets and the page views' total, which comes from the buckets: no whole-range
      // distinct-visitor count (the headline visitors come from the sessions answer). It draws no previous
      // period, so it asks no `compare`, which would count the previous period's visitors per bucket too.
      totals: false,
    };
    // The previous period's page views, for their headline's comparison: a count the hourly rollups answer.
    const viewsBeforeQuery = {
      series: [{ event: null, math: 'count', filters: pageviews }],
      interval: 'month',
      date_range: previous,
      totals: false,
    };
    const [now, before, trend, viewsBefore] = await Promise.all([
      currentSessions(),
      ask('sessions', { date_range: previous }),
      ask('trends', trendQuery),
      ask('trends', viewsBeforeQuery),
    ]);
    const a = now.totals;
    const b = before.totals;
    const views = trend.series[1];
    setKpi('visitors', a.visitors, b.visitors, fmt.integer);
    setKpi('pageviews', views.total, viewsBefore.series[0].total, fmt.integer);
    setKpi('sessions', a.sessions, b.sessions, fmt.integer);
    setKpi('bounce_rate', a.bounce_rate, b.sessions ? b.bounce_rate : null, fmt.percent, true);
    setKpi('avg_duration', a.avg_duration_s, b.sessions ? b.avg_duration_s : null, fmt.duration);
    root.querySelector('[data-empty-state]').hidden = a.sessions > 0;

    const card = root.querySelector('[data-trend]');
    drawChart(card.querySelector('[data-trend-chart]'), {
      labels: trend.buckets.map((iso) => fmt.bucket(iso, data.interval)),
      datasets: [
        { label: t('visitors'), data: trend.series[0].data },
        { label: t('pageviews'), data: views.data },
      ],
      numberFormat: fmt.integer,
    });
    card.querySelector('[data-loading]').hidden = true;
    setBusy(card, false);
  }

  // --- top lists --------------------------------------------------------------------------------------
  const label = (value) => (value === '$other' ? t('other') : value === null || value === '' ? t('unknown') : value);
  const visitRows = (answer) => answer.rows.map((row) => ({ name: row.breakdown_value, count: row.sessions }));
  const visitsBy = (key) => currentSessions()
    .then((answer) => answer.breakdowns.find((b) => b.key === key))
    .then(visitRows);
  const countsBy = (key, filters) => ask('trends', {
    series: [{ event: null, math: 'count', filters }],
    interval: 'month',
    date_range: current,
    breakdown: { key, limit: TOP },
  }).then((r) => r.series.map((s) => ({ name: s.breakdown_value, count: s.total })));

  const visits = { count: t('visits'), countTitle: t('visits_hint') };
  const LISTS = {
    pages: { head: t('page'), count: t('pageviews'), load: () => countsBy('path', pageviews) },
    referrers: {
      head: t('referrer'),
      ...visits,
      load: () => visitsBy('referrer'),
      label: (v) => (v === null || v === '' ? t('direct') : label(v)),
    },
    events: { head: t('event'), count: t('count'), load: () => countsBy('name', []) },
    browsers: { head: t('browser'), ...visits, load: () => visitsBy('browser') },
    os: { head: t('os'), ...visits, load: () => visitsBy('os') },
    devices: { head: t('device'), ...visits, load: () => visitsBy('device_type') },
  };

  async function loadList(key) {
    const spec = LISTS[key];
    const card = root.querySelector(`[data-list="${key}"]`);
    const body = card.querySelector('[data-list-body]');
    const rows = (await spec.load()).filter((r) => r.count > 0);
    // $other last, whatever its size: it is the rest, not an entry.
    rows.sort((x, y) => (x.name === '$other') - (y.name === '$other') || y.count - x.count);
    const top = Math.max(1, ...rows.map((r) => r.count));
    fill(body, rows.length ? table({
      caption: card.querySelector('h2').textContent,
      columns: [
        { label: spec.head, value: (r) => (spec.label || label)(r.name) },
        { label: spec.count, title: spec.countTitle, value: (r) => fmt.integer(r.count), numeric: true },
      ],
      rows,
      bar: (r) => r.count / top,
    }) : el('p', { class: 'muted' }, t('no_data_list')));
    setBusy(card, false);
  }

  // --- live -----------------------------------------------------------------------------------------
  const live = root.querySelector('[data-live]');
  let liveTimer = null;

  async function loadLive() {
    const result = await ask('live', { minutes: 30 });
    fill(live.querySelector('[data-live-visitors]'), fmt.integer(result.visitors));
    drawChart(live.querySelector('[data-live-chart]'), {
      type: 'bar',
      labels: result.minutes.map((m) => fmt.bucket(m.minute, 'hour')),
      datasets: [{ label: t('live_events'), data: result.minutes.map((m) => m.events) }],
      numberFormat: fmt.integer,
      legend: false,
    });
    fill(live.querySelector('[data-live-pages]'), result.pages.length ? table({
      caption: t('live_visitors'),
      columns: [
        { label: t('page'), value: (p) => p.path || t('unknown') },
        { label: t('visitors'), value: (p) => fmt.integer(p.visitors), numeric: true },
      ],
      rows: result.pages.slice(0, 5),
    }) : el('p', { class: 'muted' }, t('no_data_list')));
    fill(live.querySelector('[data-live-updated]'), t('live_updated', { time: fmt.time(new Date()) }));
    setBusy(live, false);
  }

  function scheduleLive() {
    clearTimeout(liveTimer);
    // A hidden tab asks nothing; it catches up as soon as it is shown again.
    if (document.hidden) return;
    liveTimer = setTimeout(() => loadLive().then(scheduleLive, (error) => {
      showError(error, scheduleLive);
    }), LIVE_EVERY_MS);
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) loadLive().then(scheduleLive, (error) => showError(error, scheduleLive));
  });

  const guard = (task) => task().catch((error) => showError(error, () => guard(task)));
  guard(loadHeadlines);
  for (const key of Object.keys(LISTS)) guard(() => loadList(key));
  guard(() => loadLive().then(scheduleLive));
}
