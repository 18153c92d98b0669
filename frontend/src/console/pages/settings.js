// Site settings: copy the snippet, save the site's and the banner's settings through the REST API, keep the
// event aliases and custom dimensions, and send a test event. Admins edit; everyone else reads (the template
// renders the forms disabled and the API would refuse anyway).
import { handleSubmit, send, wireCopyButtons } from '../admin_forms.js';
import { fill } from '../dom.js';
import { initAliases, initDimensions } from './settings_lists.js';
import { initTestEvent } from './settings_test_event.js';

const SITE_FIELDS = ['name', 'timezone', 'allowed_origins', 'ip_truncation', 'consent_mode', 'honour_dnt', 'prompt_policy', 'retention_days'];

// The changes a site form holds, in the shapes PATCH /api/v1/sites/{id}/ takes.
function siteChanges(form) {
  const changes = {};
  for (const name of SITE_FIELDS) {
    const inputs = form.querySelectorAll(`[name="${name}"]`);
    if (!inputs.length) continue;
    const input = inputs[0];
    if (input.type === 'radio') {
      const checked = form.querySelector(`[name="${name}"]:checked`);
      if (checked) changes[name] = checked.value;
    } else if (input.type === 'checkbox') {
      changes[name] = input.checked;
    } else if (name === 'allowed_origins') {
      changes[name] = input.value.split('\n').map((line) => line.trim()).filter(Boolean);
    } else if (input.type === 'number') {
      changes[name] = input.value === '' ? null : Number(input.value);
    } else {
      changes[name] = input.value;
    }
  }
  return changes;
}

// The frame around the page (site switcher, side navigation, tab title) was rendered with the site's old name and
// time zone; a saved change shows there at once instead of after the next page load.
function showSavedSite(site, data) {
  data.site = { ...data.site, name: site.name, timezone: site.timezone };
  const option = document.querySelector(`#site-select option[value="${data.site.id}"]`);
  if (option) fill(option, site.name);
  const name = document.querySelector('[data-site-name]');
  if (name) fill(name, site.name);
  const zone = document.querySelector('[data-site-timezone]');
  if (zone) fill(zone, site.timezone);
  const heading = document.querySelector('main h1');
  if (heading) document.title = `${heading.textContent} · ${site.name}`;
}

// The banner form's changes; `texts` keeps every stored override the form does not show.
function bannerChanges(form, stored, textKeys) {
  const texts = JSON.parse(JSON.stringify(stored.texts || {}));
  for (const language of ['en', 'zh-Hans']) {
    for (const key of textKeys) {
      const input = form.querySelector(`[name="text-${language}-${key}"]`);
      if (!input) continue;
      const value = input.value.trim();
      texts[language] = texts[language] || {};
      if (value) texts[language][key] = value;
      else delete texts[language][key];
      if (!Object.keys(texts[language]).length) delete texts[language];
    }
  }
  const value = (name) => form.querySelector(`[name="${name}"]`).value;
  return {
    show: value('show'),
    policy_version: value('policy_version').trim(),
    policy_url: value('policy_url').trim(),
    language: value('language'),
    texts,
  };
}

export default function initSettings(root, data) {
  wireCopyButtons(root);
  initTestEvent(root, data);
  initAliases(root, data);
  initDimensions(root, data);
  if (!data.canEdit) return;

  for (const form of root.querySelectorAll('[data-site-form]')) {
    handleSubmit(form, (f) => send(data.api, { method: 'PATCH', payload: siteChanges(f) }), {
      // The test-event check needs to know the origins the site now accepts.
      onSaved: (site) => {
        data.allowedOrigins = site.allowed_origins;
        showSavedSite(site, data);
      },
    });
  }
  const bannerForm = root.querySelector('[data-banner-form]');
  let stored = { texts: {} };
  send(`${data.api}banner/`).then(
    (banner) => {
      stored = banner;
    },
    () => {}, // the form still saves what it shows; only overrides it does not show would be dropped
  );
  handleSubmit(
    bannerForm,
    (f) => send(`${data.api}banner/`, { method: 'PATCH', payload: bannerChanges(f, stored, data.bannerTextKeys) }),
    {
      onSaved: (banner) => {
        stored = banner;
      },
    },
  );
}
