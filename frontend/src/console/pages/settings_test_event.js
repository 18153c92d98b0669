// Site settings: "Send a test event". The browser sends an event through the real collect endpoint with the
// site's public key, exactly as the snippet would, then polls the recent-events API until that very event (by
// its uuid) is stored. In production the event passes through Redis and the worker first: the page says so.
import { send, setStatus } from '../admin_forms.js';
import { el, fill, table } from '../dom.js';
import { formatters } from '../format.js';
import { t } from '../page_data.js';

const POLL_EVERY_MS = 1000;
const GIVE_UP_AFTER_MS = 60000;

// crypto.randomUUID exists only in secure contexts; getRandomValues everywhere.
function uuid4() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function collect(data, id) {
  const event = {
    key: data.publicKey,
    name: data.testEventName,
    uuid: id,
    url: window.location.origin + window.location.pathname,
    title: document.title,
    // Consent given here and now, so an opt-in site or a browser sending Do-Not-Track keeps the test.
    consent: 'granted',
    props: { sent_from: 'console' },
  };
  const response = await fetch(data.collectUrl, {
    method: 'POST',
    credentials: 'omit',
    headers: { 'Content-Type': 'text/plain' },
    body: JSON.stringify(event),
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { status: response.status, body: body || {} };
}

export function initTestEvent(root, data) {
  const section = root.querySelector('#test-event');
  const button = section.querySelector('[data-test-send]');
  const status = section.querySelector('[data-test-status]');
  const results = section.querySelector('[data-test-results]');
  const fmt = formatters(data.language, data.site.timezone);
  const recentUrl = `${data.api}events/recent/?name=${encodeURIComponent(data.testEventName)}&limit=5`;

  function showRecent(events, id) {
    const columns = [
      { label: t('event'), value: (e) => e.name },
      { label: t('time'), value: (e) => fmt.time(new Date(e.timestamp)) },
      { label: t('path'), value: (e) => e.path },
      { label: t('source'), value: (e) => e.source },
    ];
    const shown = table({ columns, rows: events, caption: t('recent_title') });
    const index = events.findIndex((e) => e.uuid === id);
    if (index >= 0) shown.tBodies[0].rows[index].classList.add('row-highlight');
    fill(results, el('h3', {}, t('recent_title')), shown);
  }

  async function waitForArrival(id, startedAt) {
    while (Date.now() - startedAt < GIVE_UP_AFTER_MS) {
      let events;
      try {
        events = await send(recentUrl);
      } catch (error) {
        setStatus(status, error.status === 403 ? t('test_no_permission') : error.message, error.status === 403 ? '' : 'error');
        return;
      }
      if (events.some((e) => e.uuid === id)) {
        const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
        setStatus(status, t('test_arrived', { seconds }), 'ok');
        showRecent(events, id);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
    }
    setStatus(status, t('test_slow', { seconds: GIVE_UP_AFTER_MS / 1000 }), 'error');
  }

  function offerOrigin(origin) {
    const allow = el('button', { type: 'button', class: 'button' }, t('test_allow_origin', { origin }));
    allow.addEventListener('click', async () => {
      allow.disabled = true;
      try {
        const site = await send(data.api, { method: 'PATCH', payload: { allowed_origins: [...data.allowedOrigins, origin] } });
        data.allowedOrigins = site.allowed_origins;
        const textarea = root.querySelector('[name="allowed_origins"]');
        if (textarea) textarea.value = site.allowed_origins.join('\n');
        // Each web process trusts its copy of the site's settings for a few seconds: keep trying that long.
        run(Date.now() + (data.siteCacheSeconds + 2) * 1000);
      } catch (error) {
        setStatus(status, error.message, 'error');
      }
    });
    fill(results, el('p', {}, allow));
  }

  async function run(retryOriginUntil = 0) {
    button.disabled = true;
    fill(results);
    setStatus(status, t('test_sending', { url: window.location.origin + data.collectUrl }));
    const id = uuid4();
    const startedAt = Date.now();
    try {
      let reply = await collect(data, id);
      while (reply.status === 403 && reply.body.code === 'origin_not_allowed' && Date.now() < retryOriginUntil) {
        setStatus(status, t('test_origin_pending'));
        await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
        reply = await collect(data, id);
      }
      if (reply.status === 403 && reply.body.code === 'origin_not_allowed') {
        setStatus(status, t('test_origin', { origin: window.location.origin }), 'error');
        if (data.canEdit) offerOrigin(window.location.origin);
      } else if (reply.status !== 202) {
        const detail = reply.body.detail || reply.body.code || '';
        setStatus(status, t('test_refused', { status: reply.status, detail }), 'error');
      } else if (!reply.body.accepted) {
        setStatus(status, t('test_ignored'), 'error');
      } else {
        setStatus(status, t('test_waiting'));
        await waitForArrival(id, startedAt);
      }
    } catch {
      setStatus(status, t('error_network'), 'error');
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener('click', () => run());
}
