// The console's one script. Shared behaviour for every page, then the page's own module by its key
// (<body>'s console-data "page"). Adding a page: write pages/<key>.js and add it to PAGES below.
import initCohorts from './pages/cohorts.js';
import initConsent from './pages/consent.js';
import initEvents from './pages/events.js';
import initFunnels from './pages/funnels.js';
import initMembers from './pages/members.js';
import initOverview from './pages/overview.js';
import initPaths from './pages/paths.js';
import initRetention from './pages/retention.js';
import initSettings from './pages/settings.js';
import initTokens from './pages/tokens.js';
import { readJson } from './page_data.js';

const PAGES = {
  overview: initOverview,
  events: initEvents,
  funnels: initFunnels,
  retention: initRetention,
  paths: initPaths,
  cohorts: initCohorts,
  settings: initSettings,
  consent: initConsent,
  members: initMembers,
  tokens: initTokens,
};

function enhanceForms() {
  // Selects that act at once (site, language); their submit buttons are only for browsers without scripts.
  for (const select of document.querySelectorAll('select[data-submit-on-change]')) {
    select.addEventListener('change', () => select.form.requestSubmit());
  }
  for (const button of document.querySelectorAll('[data-hidden-with-script]')) button.hidden = true;
  // The date-range picker: custom dates only when "custom" is picked; a preset applies at once.
  for (const form of document.querySelectorAll('[data-range-picker]')) {
    const select = form.querySelector('select[name="range"]');
    const custom = form.querySelector('[data-custom-dates]');
    const sync = () => {
      const isCustom = select.value === 'custom';
      custom.hidden = !isCustom;
      for (const input of custom.querySelectorAll('input')) input.disabled = !isCustom;
      form.querySelector('button[type="submit"]').hidden = !isCustom;
    };
    select.addEventListener('change', () => (select.value === 'custom' ? sync() : form.requestSubmit()));
    sync();
  }
}

function start() {
  enhanceForms();
  const data = readJson('console-data');
  const init = data && PAGES[data.page];
  if (init) init(document.getElementById('main'), data);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
