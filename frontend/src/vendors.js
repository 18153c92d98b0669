// Drop-in command queues: a site that swaps only its script tag keeps its Baidu, Matomo, gtag or
// Amplitude calls. Each call becomes a command of the native table `t` (see beacon.js); nothing here
// sends. A queue's calls made before this script loaded are replayed, later ones run as they are pushed.
// Runs a queue's [command, ...args] entries through a table; unknown commands are ignored, as the
// vendors' own scripts ignore what they do not know.
function hook(name, table) {
  const q = (window[name] = window[name] || []);
  const push = q.push;
  const run = ([c, ...a]) => table[c] && table[c](...a);
  q.forEach(run);
  // Chained, not replaced: Tag Manager may be listening on the same dataLayer.
  q.push = (...calls) => (calls.forEach(run), push.apply(q, calls));
}

const num = (v) => (isNaN((v = parseFloat(v))) ? undefined : v);

export function vendors(t) {
  // Baidu and Matomo both describe an event as category, action, label (Matomo: name), value.
  const event = (category, action, label, value) => t.ev_(action, { category, action, label, value: num(value) });
  const consent = (c) => () => t.consent(c, 'matomo');

  hook('_hmt', {
    _trackEvent: event,
    _trackPageview: t.page,
    _setCustomVar: (index, name, value) => t.set(name, value),
    _setUserId: t.identify,
    _setAutoPageview: t.auto_,
  });

  hook('_paq', {
    trackPageView: (title) => t.page(0, title),
    trackEvent: event,
    setCustomDimension: (id, value) => t.set('dimension' + id, value),
    setUserId: t.identify,
    requireConsent: t.require_,
    rememberConsentGiven: consent('granted'),
    forgetConsentGiven: consent('denied'),
    setDocumentTitle: t.title_,
    setCustomUrl: t.url_,
  });

  // gtag.js pushes its `arguments` onto dataLayer; Tag Manager's plain objects match no command.
  const map = {};
  hook('dataLayer', {
    config: (id, o = {}) => {
      Object.assign(map, o.custom_map);
      if (o.user_id) t.identify(o.user_id);
      if (o.send_page_view !== false) t.page(o.page_location, o.page_title);
    },
    event: (name, o = {}) => {
      // custom_map {dimension1: 'model'} sends the event's `model` parameter as dimension1.
      const dims = {};
      for (const k in map) if (o[map[k]] != null) dims[k] = o[map[k]];
      t.ev_(name, { props: o, dims, category: o.event_category, label: o.event_label, value: num(o.value) });
    },
    set: (what, o) => {
      if (what == 'user_properties') for (const k in o) t.set(k, o[k]);
    },
    // A default of "denied" is gtag's requireConsent; an update is the visitor's choice.
    consent: (kind, { analytics_storage: s } = {}) =>
      kind == 'default' ? s == 'denied' && t.require_() : s && t.consent(s == 'granted' ? s : 'denied', 'gtag'),
  });

  // Amplitude-style: amplitude.track(name, props), identify, setUserId, setDeviceId.
  const prior = window.amplitude || {};
  const amp = (window.amplitude = {
    init() {},
    track: t.track,
    logEvent: t.track,
    // An Identify object keeps its operations in _properties; a plain object is taken as $set.
    identify: (i) => t.identify(0, i?._properties?.$set || i),
    setUserId: t.identify,
    setDeviceId: t.device_,
    reset: t.reset,
  });
  (prior._q || []).forEach((c) => amp[c.name] && amp[c.name](...c.args));
}
