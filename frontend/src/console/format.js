// Numbers and dates in the reader's language and the site's time zone (Intl, no libraries).

// Django's language codes to BCP 47 ("zh-hans" → "zh-Hans").
export function locale(language) {
  return (language || 'en').replace(/-hans$/i, '-Hans').replace(/-hant$/i, '-Hant');
}

export function formatters(language, timeZone) {
  const tag = locale(language);
  const integer = new Intl.NumberFormat(tag, { maximumFractionDigits: 0 });
  const compact = new Intl.NumberFormat(tag, { maximumFractionDigits: 1 });
  const percent = new Intl.NumberFormat(tag, { style: 'percent', maximumFractionDigits: 1 });
  const signedPercent = new Intl.NumberFormat(tag, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' });
  const hour = new Intl.DateTimeFormat(tag, { timeZone, hour: '2-digit', minute: '2-digit' });
  const day = new Intl.DateTimeFormat(tag, { timeZone, month: 'short', day: 'numeric' });
  const full = new Intl.DateTimeFormat(tag, { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return {
    integer: (n) => integer.format(n ?? 0),
    decimal: (n) => compact.format(n ?? 0),
    percent: (ratio) => percent.format(ratio ?? 0),
    delta: (ratio) => signedPercent.format(ratio),
    // Seconds as "1 min 05 s" style, in the reader's language through Intl units.
    duration: (seconds) => {
      const total = Math.round(seconds ?? 0);
      const minutes = Math.floor(total / 60);
      const unit = (value, name) => new Intl.NumberFormat(tag, { style: 'unit', unit: name, unitDisplay: 'narrow' }).format(value);
      return minutes ? `${unit(minutes, 'minute')} ${unit(total % 60, 'second')}` : unit(total, 'second');
    },
    bucket: (iso, interval) => (interval === 'hour' ? hour : day).format(new Date(iso)),
    time: (date) => full.format(date),
  };
}

// The change from `previous` to `current` as a ratio; null when there is nothing to compare with.
export function change(current, previous) {
  if (current === null || current === undefined || previous === null || previous === undefined) return null;
  if (previous === 0) return current === 0 ? 0 : null;
  return (current - previous) / previous;
}
