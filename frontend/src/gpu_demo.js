// The GPU worker's demo page (gpu_worker/templates/gpu_worker/demo.html): the seed's generate page.
// Each button is tracked through the beacon's Baidu-compatible queue, as the seed page did; the image
// comes from the real generate API, polled until the job ends. All text is set with textContent.
const me = document.currentScript;
const key = me.dataset.key;
// The site's prompt policy: only "scrubbed" lets prompt text into the click events' label (ingest's scrubber
// then removes PII from it); "none" (the default) and "hashed" send an empty label, the length still counts.
const promptPolicy = me.dataset.promptPolicy || 'none';
const $ = (id) => document.getElementById(id);
window._hmt = window._hmt || [];

let current = null; // {id, image_url, prompt, width, height}

function track(action) {
  const prompt = $('prompt').value;
  const label = promptPolicy === 'scrubbed' ? prompt.slice(0, 50) : '';
  window._hmt.push(['_trackEvent', 'image_generation', action, label, prompt.length]);
}

function say(text) {
  $('status').textContent = text;
}

function setBusy(busy) {
  for (const id of ['generate', 'download', 'inpaint', 'outpaint']) $(id).disabled = busy || (id !== 'generate' && !current);
}

async function post(body) {
  const response = await fetch('/api/v1/generate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key, ...body }),
  });
  const reply = await response.json();
  if (response.status !== 202) throw new Error(`${reply.code}: ${reply.detail}`);
  return reply;
}

async function wait(job) {
  for (;;) {
    const response = await fetch(`${job.status_url}?key=${encodeURIComponent(key)}`);
    const reply = await response.json();
    if (reply.status === 'succeeded' || reply.status === 'failed') return reply;
    say(`${reply.status}…`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function run(body) {
  setBusy(true);
  say('queued…');
  try {
    const done = await wait(await post({ prompt: $('prompt').value, steps: Number($('steps').value), ...body }));
    if (done.status === 'failed') {
      say(`failed: ${done.error_class}`);
      return;
    }
    current = done;
    const img = $('result');
    img.src = done.image_url;
    img.alt = `generated image ${done.width}×${done.height}`;
    img.hidden = false;
    say(`done in ${done.run_ms} ms (waited ${done.queue_wait_ms} ms, batch of ${done.batch_size})`);
  } catch (error) {
    say(String(error.message || error));
  } finally {
    setBusy(false);
  }
}

async function currentImage() {
  const blob = await (await fetch(current.image_url)).blob();
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.readAsDataURL(blob);
  });
}

function centreMask(width, height) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#fff';
  ctx.fillRect(width / 4, height / 4, width / 2, height / 2);
  return canvas.toDataURL('image/png');
}

$('generate').addEventListener('click', () => {
  track('click_generate');
  const side = Number($('size').value);
  run({ mode: 'text_to_image', width: side, height: side });
});

$('download').addEventListener('click', () => {
  track('click_download');
  const link = document.createElement('a');
  link.href = current.image_url;
  link.download = `${current.id}.png`;
  link.click();
});

$('inpaint').addEventListener('click', async () => {
  track('click_inpaint');
  run({ mode: 'inpaint', image: await currentImage(), mask: centreMask(current.width, current.height) });
});

$('outpaint').addEventListener('click', async () => {
  track('click_outpaint');
  const pixels = Math.max(16, Math.min(256, Math.floor(current.width / 4 / 16) * 16));
  if (current.width + pixels > 1024) return say('the image is already as wide as it may be');
  run({ mode: 'outpaint', image: await currentImage(), direction: 'right', pixels });
});
