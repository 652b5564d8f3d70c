// examples/public/app.js
// The demo page's logic: cross-origin calls to the bucket through presigned URLs, and plain reports of what the browser blocked and why.

const $ = (id) => document.getElementById(id);
let config = { endpoint: '', origin: location.origin, sampleRules: [], noteHeader: 'x-amz-meta-note' };

function log(text, kind = '') {
  const entry = document.createElement('div');
  entry.className = `entry ${kind}`;
  entry.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  $('log').append(entry);
  $('log').scrollTop = $('log').scrollHeight;
  return entry;
}

/** A call to the page's own server (same origin: never subject to CORS). */
async function pageApi(method, path, body) {
  const response = await fetch(path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const data = await response.json();
  if (!response.ok) throw new Error(`${data.error}: ${data.message}`);
  return data;
}

const bucket = () => $('bucket').value.trim();

/**
 * A cross-origin call to the bucket endpoint. When the browser blocks it, fetch() only says
 * "Failed to fetch"; the page server then replays the request without a browser to find out why.
 */
async function bucketFetch(label, url, init = {}) {
  const method = init.method ?? 'GET';
  try {
    const response = await fetch(url, { ...init, cache: 'no-store' });
    log(`${label}: ${method} → ${response.status} ${response.statusText}`, response.ok ? 'ok' : 'blocked');
    return response;
  } catch (error) {
    log(`${label}: ${method} BLOCKED by the browser (${error.message}). The bucket's CORS rules do not allow ${config.origin}.`, 'blocked');
    const why = log('Asking the page server why…', 'why');
    try {
      const { explanation } = await pageApi('POST', '/api/explain', { url, method, headers: Object.keys(init.headers ?? {}) });
      why.textContent = `    Why: ${explanation}`;
    } catch (explainError) {
      why.textContent = `    Could not find out why: ${explainError.message}`;
    }
    return undefined;
  }
}

async function presign(operation, key, extra = {}) {
  return pageApi('POST', '/api/presign', { operation, bucket: bucket(), key, ...extra });
}

async function refreshBuckets() {
  try {
    $('buckets').textContent = (await pageApi('GET', '/api/buckets')).join(', ') || '(none)';
  } catch (error) {
    $('buckets').textContent = error.message;
  }
}

async function loadRules() {
  try {
    const { rules } = await pageApi('GET', `/api/cors?bucket=${encodeURIComponent(bucket())}`);
    $('rules').value = rules === null ? '' : JSON.stringify(rules, null, 2);
    $('rules-status').textContent = rules === null ? 'This bucket has no CORS configuration: every cross-origin call is blocked.' : `${rules.length} rule(s) loaded.`;
  } catch (error) {
    $('rules-status').textContent = error.message;
  }
}

async function listObjects() {
  const { url } = await presign('ListObjectsV2');
  const response = await bucketFetch('ListObjectsV2', url);
  const tbody = $('objects');
  tbody.replaceChildren();
  if (!response?.ok) return;
  const xml = new DOMParser().parseFromString(await response.text(), 'application/xml');
  for (const contents of xml.getElementsByTagName('Contents')) {
    const field = (name) => contents.getElementsByTagName(name)[0]?.textContent ?? '';
    const row = tbody.insertRow();
    row.insertCell().textContent = field('Key');
    row.insertCell().textContent = field('Size');
    row.insertCell().textContent = field('ETag');
    const actions = row.insertCell();
    const download = document.createElement('button');
    download.textContent = 'Download';
    download.onclick = () => downloadObject(field('Key'));
    const remove = document.createElement('button');
    remove.textContent = 'Delete';
    remove.onclick = () => deleteObject(field('Key'));
    actions.append(download, remove);
  }
}

async function downloadObject(key) {
  const { url } = await presign('GetObject', key);
  const response = await bucketFetch(`GetObject ${key}`, url);
  if (!response?.ok) return;
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = key.split('/').pop();
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

async function deleteObject(key) {
  const { url } = await presign('DeleteObject', key);
  const response = await bucketFetch(`DeleteObject ${key}`, url, { method: 'DELETE' });
  if (response?.ok) await listObjects();
}

async function upload() {
  const file = $('file').files[0];
  if (!file) return log('Choose a file first.', 'why');
  const note = $('note').checked ? `uploaded from ${config.origin}` : undefined;
  const { url } = await presign('PutObject', file.name, { note });
  const headers = note ? { [config.noteHeader]: note } : {};
  const response = await bucketFetch(`PutObject ${file.name}`, url, { method: 'PUT', body: file, headers });
  if (!response) return;
  const etag = response.headers.get('etag');
  log(etag === null
    ? '    ETag is not readable here: the matched rule does not list it in ExposeHeaders.'
    : `    ETag ${etag} (readable because the matched rule exposes it)`, etag === null ? 'why' : 'ok');
  if (response.ok) await listObjects();
}

const guard = (action) => () => action().catch((error) => log(error.message, 'blocked'));

$('create').onclick = guard(async () => {
  await pageApi('POST', '/api/buckets', { bucket: bucket(), acl: $('public').checked ? 'public-read' : 'private' });
  log(`Created bucket ${bucket()}`, 'ok');
  await refreshBuckets();
});
$('load').onclick = guard(loadRules);
$('sample').onclick = () => {
  $('rules').value = JSON.stringify(config.sampleRules, null, 2);
  $('rules-status').textContent = 'Sample inserted (not saved yet).';
};
$('save').onclick = guard(async () => {
  await pageApi('PUT', `/api/cors?bucket=${encodeURIComponent(bucket())}`, { bucket: bucket(), rules: JSON.parse($('rules').value) });
  $('rules-status').textContent = 'Saved.';
  log(`PutBucketCors ${bucket()}: saved`, 'ok');
});
$('remove').onclick = guard(async () => {
  await pageApi('DELETE', `/api/cors?bucket=${encodeURIComponent(bucket())}`);
  $('rules').value = '';
  $('rules-status').textContent = 'Deleted: cross-origin calls are now blocked.';
  log(`DeleteBucketCors ${bucket()}: deleted`, 'ok');
});
$('upload').onclick = guard(upload);
$('list').onclick = guard(listObjects);

guard(async () => {
  config = await pageApi('GET', '/api/config');
  $('page-origin').textContent = config.origin;
  $('endpoint').textContent = config.endpoint;
  await refreshBuckets();
  await loadRules();
})();
