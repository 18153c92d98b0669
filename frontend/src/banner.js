// The consent banner and the opt-out element (/consent.js). Loaded by the beacon only when needed; it
// reads the site's texts from the settings the beacon fetched (sightline.cfg) and reports every choice
// through sightline('consent', choice, source), which records it in the server's consent ledger.
// Built with DOM calls and textContent only: no inline script or style, no innerHTML of site texts.
const d = document;
const sightline = window.sightline;
const cfg = sightline.cfg;

function language() {
  if (cfg.texts[cfg.language]) return cfg.language;
  const wanted = (d.documentElement.lang || navigator.language || '').toLowerCase();
  return wanted.startsWith('zh') ? 'zh-Hans' : 'en';
}
const lang = language();
const text = cfg.texts[lang];

function el(tag, props, ...children) {
  const node = Object.assign(d.createElement(tag), props);
  node.append(...children.filter((c) => c != null));
  return node;
}

const button = (label, onclick, className = 'sightline-button') => el('button', { type: 'button', className, onclick }, label);

const policyLink = () =>
  cfg.policy_url ? el('a', { href: cfg.policy_url, className: 'sightline-link' }, text.policy_link) : null;

function choose(choice, source) {
  sightline('consent', choice, source);
}

function category(id, label, description, checked, disabled) {
  const box = el('input', { type: 'checkbox', id, checked, disabled });
  box.setAttribute('aria-describedby', id + '-description');
  return el(
    'div',
    { className: 'sightline-category' },
    el('label', { htmlFor: id }, box, ' ', label),
    el('p', { id: id + '-description' }, description),
  );
}

function showBanner() {
  const analytics = category('sightline-analytics', text.analytics, text.analytics_description, false, false);
  const categories = el(
    'fieldset',
    { className: 'sightline-categories', id: 'sightline-categories', hidden: true },
    el('legend', {}, text.categories),
    category('sightline-necessary', text.necessary, text.necessary_description, true, true),
    analytics,
  );
  const close = (choice) => {
    banner.remove();
    choose(choice, 'banner');
  };
  const save = button(text.save, () => close(d.getElementById('sightline-analytics').checked ? 'granted' : 'denied'));
  save.hidden = true;
  const more = button(
    text.customize,
    () => {
      categories.hidden = save.hidden = !categories.hidden;
      more.setAttribute('aria-expanded', String(!categories.hidden));
    },
    'sightline-link-button',
  );
  more.setAttribute('aria-expanded', 'false');
  more.setAttribute('aria-controls', 'sightline-categories');
  // Reject and accept are the same kind of button, side by side: neither choice is easier to make.
  const banner = el(
    'section',
    { id: 'sightline-banner', className: 'sightline-banner', lang },
    el('h2', { id: 'sightline-banner-title' }, text.title),
    el('p', { id: 'sightline-banner-body' }, text.body, ' ', policyLink()),
    categories,
    el(
      'div',
      { className: 'sightline-actions' },
      button(text.reject, () => close('denied')),
      button(text.accept, () => close('granted')),
      save,
      more,
    ),
  );
  // A labelled section is a region landmark that screen readers list; first in the page, it is also
  // first in the keyboard's tab order.
  banner.setAttribute('aria-labelledby', 'sightline-banner-title');
  banner.setAttribute('aria-describedby', 'sightline-banner-body');
  d.body.prepend(banner);
}

// The opt-out element of a privacy page: the current state and one button to change it.
function optOut(host) {
  const render = () => {
    const granted = sightline('consent') == 'granted';
    host.replaceChildren(
      el(
        'div',
        { className: 'sightline-opt-out', lang },
        el('p', { role: 'status' }, granted ? text.opted_in : text.opted_out),
        button(granted ? text.opt_out : text.opt_in, () => {
          choose(granted ? 'denied' : 'granted', 'opt_out');
          render();
        }),
      ),
    );
  };
  render();
}

function start() {
  // Styles come from the same server as this script: no inline style, nothing from another host.
  const css = el('link', { rel: 'stylesheet', href: new URL('consent.css', d.currentScript.src).href });
  d.head.append(css);
  const host = d.getElementById('sightline-opt-out');
  if (host) optOut(host);
  else if (sightline.banner) showBanner();
}

start();
