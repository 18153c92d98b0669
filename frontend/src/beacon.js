// The Sightline beacon (/s.js). Loaded async by the snippet, or alone as <script async src data-key>.
// It fetches the site's consent settings, then runs every call queued before it loaded.
// Privacy: nothing is written to storage and no identifier is sent before the visitor consents; the
// decision is consent/decision.py's, mirrored in decision.js.
import { decide } from './decision.js';
import { transport } from './transport.js';
import { vendors } from './vendors.js';

const w = window;
const d = document;
const L = location;
const me = d.currentScript;
const attr = me.dataset;
const src = new URL(me.src);
const key = attr.key || src.searchParams.get('key');
const api = attr.api || src.origin;
const MAX_HELD = 200; // events held in memory while an opt-in site waits for the visitor's choice
const PER_SECOND = 10; // events of one name per second; more are dropped (scroll or mousemove handlers)

const uuid = () =>
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
    (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16),
  );
const abs = (u) => u && new URL(u, L).href;

// Everything kept after consent is one localStorage entry: {policy, ids, queue}. Access is guarded:
// storage throws in sandboxed frames, some private modes and when the quota is full.
const STORE = 'sightline';
const load = () => {
  try {
    return JSON.parse(localStorage[STORE]);
  } catch (e) {}
};
const keep = (value) => {
  try {
    value ? (localStorage[STORE] = JSON.stringify(value)) : localStorage.removeItem(STORE);
  } catch (e) {}
};

// The stub lets calls made before the settings arrive be queued even without the inline snippet.
const stub = (w.sightline = w.sightline || ((...a) => (stub.q = stub.q || []).push(a)));

function start(cfg) {
  const privacy = cfg.dnt && (navigator.doNotTrack == 1 || navigator.globalPrivacyControl);
  const saved = load() || {};
  // A stored yes counts only for the policy version it was given to; a new version asks again.
  let choice = !!saved.policy && saved.policy == cfg.policy && 'granted';
  let ids = (choice && saved.ids) || {};
  let held = [];
  let dims = {};
  let mode = cfg.mode;
  let auto = attr.auto != 'false';
  let title, url, lastUrl, lastPath, sec, rate;
  let since = Date.now();
  const out = transport(api + '/api/v1/collect', key, (queue) => choice && keep({ policy: cfg.policy, ids, queue }));
  // Events a consented visitor's earlier pages could not deliver.
  if (choice) out.set_(saved.queue || []);

  // Moves held events on as the decision allows: sent (with ids only after consent), kept, or dropped.
  const process = () => {
    const [collect, identified] = decide(choice, privacy, privacy, mode, true, false);
    if (collect) {
      if (identified) ids.anonymous_id = ids.anonymous_id || uuid();
      out.add_(held.map((e) => (identified ? { ...e, ...ids, consent: choice } : e)));
    }
    if (collect || choice || privacy) held = [];
  };

  const ev = (name, fields) => {
    const t = Date.now();
    if (sec != (sec = (t / 1e3) | 0)) rate = {};
    if (!name || (rate[name] = -~rate[name]) > PER_SECOND) return;
    held = held
      .concat({ name, uuid: uuid(), ts: t, url: url || L.href, ...fields, dims: { ...dims, ...fields.dims } })
      .slice(-MAX_HELD);
    process();
  };

  const page = (u, t) => {
    u = abs(u) || url || L.href;
    ev('page_view', { url: u, title: t || title || d.title, referrer: lastUrl || d.referrer });
    lastUrl = u;
    lastPath = L.pathname + L.search;
  };

  // Engagement: the time the page was visible, reported when it is hidden or left for another route.
  const leave = () => {
    const ms = since && Date.now() - since;
    since = !d.hidden && Date.now();
    if (ms) ev('engagement', { props: { engaged_ms: ms } });
  };

  // Native commands and the internal ones the vendor queues map onto, in one table.
  const t = {
    track: (name, props) => ev(name, { props }),
    ev_: ev,
    page,
    identify: (id, traits) => {
      if (id) ids.user_id = '' + id;
      ev('identify', { props: traits && { $set: traits } });
    },
    consent: (c, source) => {
      if (c == null) return choice;
      c = c === true || c == 'granted' ? 'granted' : 'denied';
      fetch(api + '/api/v1/consent', {
        method: 'POST',
        body: JSON.stringify({ key, choice: c, subject: ids.anonymous_id || uuid(), source: source || 'api' }),
        keepalive: true,
      }).catch(() => {});
      choice = c;
      if (c != 'granted') {
        // Withdrawal: forget the identifiers and everything not yet sent, here and in storage.
        ids = {};
        held = [];
        out.set_([]);
        keep();
      }
      process();
    },
    set: (k, v) => (v == null ? delete dims[k] : (dims[k] = v)),
    reset: () => {
      ids = {};
      dims = {};
      out.add_([]);
    },
    auto_: (on) => (auto = on !== false),
    require_: () => (mode = 'opt_in'),
    title_: (v) => (title = v),
    url_: (v) => (url = abs(v)),
    device_: (v) => (ids.device_id = v),
  };
  const sightline = (c, ...a) => t[c] && t[c](...a);
  sightline.cfg = cfg;
  sightline.attr = attr;
  // Matomo and gtag sites send their own page views; a second, automatic one would count each twice.
  if (w._paq || w.dataLayer) auto = false;
  w.sightline = sightline;
  // Native calls first: a site's own consent call should apply before the vendor queues' events.
  (stub.q || []).forEach((a) => sightline(...a));
  vendors(t);
  if (auto) page();

  // Single-page apps: a pushState or back/forward to a new path is a new page view.
  const nav = () => {
    if (auto && L.pathname + L.search != lastPath) {
      leave();
      page();
    }
  };
  const push = history.pushState;
  history.pushState = function (...a) {
    push.apply(this, a);
    nav();
  };
  addEventListener('popstate', nav);
  addEventListener('online', out.now_);
  // Hidden is the last moment a page is sure to see (mobile browsers may skip unload and pagehide).
  const hide = (e) => {
    if (d.hidden || e.type == 'pagehide') {
      leave();
      out.beacon_();
    } else since = Date.now();
  };
  addEventListener('pagehide', hide);
  d.addEventListener('visibilitychange', hide);

  // Add-ons are separate scripts, fetched only when a page needs them: link tracking when the site turned
  // it on (data-outbound, data-downloads), the banner, or the opt-out element of a privacy page.
  const addOn = (name) => d.head.append(Object.assign(d.createElement('script'), { src: api + name }));
  if (attr.outbound != null || attr.downloads != null) addOn('/links.js');
  if ((sightline.banner = cfg.banner && !choice && !privacy) || d.getElementById('sightline-opt-out'))
    addOn('/consent.js');
  out.now_();
}

// Settings come from the server (mode, DNT, banner, policy version); retried until they arrive.
const config = () =>
  fetch(api + '/api/v1/consent/config?key=' + key)
    // A refusal (unknown key, origin not allowed) is final; only an unreachable server is retried.
    .then((r) => r.ok && r.json().then(start), () => setTimeout(config, 5e3));
config();
