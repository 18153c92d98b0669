// Building DOM safely. Tracked data (titles, URLs, referrers, property values, user ids) is attacker-controlled,
// so every console script builds elements with these helpers: text goes in as text nodes, never as HTML.
// There is deliberately no way to pass HTML here; innerHTML is not used anywhere in the console.

const PROPERTY_ATTRIBUTES = new Set(['hidden', 'disabled', 'checked', 'selected', 'value']);

// el('a', {href: url, class: 'x', dataset: {id: 1}}, 'text', otherNode)
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name === 'href' && !isSafeUrl(value)) continue;
    else if (name.startsWith('on')) throw new Error('el(): attach listeners with addEventListener, not attributes');
    else if (PROPERTY_ATTRIBUTES.has(name)) node[name] = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Only http(s) and same-origin relative links: a tracked "javascript:" URL must never become clickable.
export function isSafeUrl(value) {
  try {
    const url = new URL(String(value), window.location.href);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

// Replaces a node's content with the given children (strings become text).
export function fill(node, ...children) {
  clear(node);
  append(node, children);
  return node;
}

export function setBusy(node, busy) {
  node.setAttribute('aria-busy', busy ? 'true' : 'false');
}

// A table from column definitions and row objects. Each column: {label, value: row => text or Node, numeric,
// title} (title: the header's tooltip, plain text).
// `bar` (0..1 per row) draws a proportion bar behind the first cell, through the CSSOM (allowed by the CSP).
export function table({ columns, rows, bar = null, caption = null }) {
  const head = el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: c.numeric ? 'num' : null, title: c.title || null }, c.label))));
  const body = el('tbody', {}, rows.map((row) => {
    const cells = columns.map((c, i) => {
      const cell = el(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, class: c.numeric ? 'num' : null }, c.value(row));
      if (i === 0 && bar) {
        const share = Math.max(0, Math.min(1, bar(row)));
        cell.classList.add('bar-cell');
        const fillBar = el('span', { class: 'bar', 'aria-hidden': 'true' });
        fillBar.style.setProperty('--share', String(share));
        cell.prepend(fillBar);
      }
      return cell;
    });
    return el('tr', {}, cells);
  }));
  return el('table', { class: 'data-table' }, caption ? el('caption', { class: 'visually-hidden' }, caption) : null, head, body);
}
