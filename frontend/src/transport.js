// Delivery: events batch in memory, go out with fetch (sendBeacon when the page is hidden), and what
// could not be delivered is retried with back-off. Every event has a uuid, so a retry of a request
// that did arrive is stored once by the server. `changed(queue)` is told of every change so the
// beacon can mirror the queue to localStorage, which it does only after the visitor consented.
const MAX_QUEUE = 200; // oldest events are dropped beyond this, so a dead server cannot fill storage
const BATCH = 50;

export function transport(url, key, changed) {
  let queue = [];
  let timer = 0;
  let busy = 0;
  let backoff = 1e3;

  const done = (batch) => changed((queue = queue.filter((e) => !batch.includes(e))));
  const body = (batch) => JSON.stringify({ key, sent_at: Date.now(), events: batch });

  const send = () => {
    clearTimeout(timer);
    timer = 0;
    if (busy || !queue.length) return;
    const batch = queue.slice(0, BATCH);
    busy = 1;
    // A string body is sent as text/plain, a simple request: no CORS preflight.
    fetch(url, { method: 'POST', body: body(batch) })
      .then((r) => {
        // 429 and 5xx mean "not stored, try again"; any other answer is final for these events.
        if (r.status == 429 || r.status > 499) throw r;
        backoff = 1e3;
        done(batch);
      })
      .catch(() => {
        timer = setTimeout(send, (backoff = Math.min(backoff * 2, 6e4)));
      })
      .finally(() => {
        busy = 0;
        if (queue.length && !timer) send();
      });
  };

  return {
    // Adding nothing still reports the queue: the beacon uses it to save changed identifiers.
    add_(events) {
      changed((queue = queue.concat(events).slice(-MAX_QUEUE)));
      // A short wait gathers bursts into one request.
      timer = timer || setTimeout(send, queue.length < BATCH ? 500 : 0);
    },
    // Back online: try at once instead of waiting out the back-off.
    now_() {
      backoff = 1e3;
      send();
    },
    // The page is going away: hand what is left to sendBeacon, which outlives the page.
    beacon_() {
      while (queue.length && navigator.onLine) {
        const batch = queue.slice(0, BATCH);
        if (!navigator.sendBeacon(url, body(batch))) break;
        done(batch);
      }
    },
    set_(events) {
      changed((queue = events));
    },
  };
}
