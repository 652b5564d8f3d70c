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

/** A call to the page's own server (same origin: never subject to CORS); it accepts changes only as JSON. */
async function pageApi(method, path, body) {
  const json = method !== 'GET';
  const response = await fetch(path, { method, headers: json ? { 'content-type': 'application/json' } : {}, body: json ? JSON.stringify(body ?? {}) : undefined });
  const data = await response.json();
  if (response.ok) return data;
  // The code once: a refusal of the rules editor names S3's code in its message already.
  const message = String(data.message).includes(`${data.error}: `) ? data.message : `${data.error}: ${data.message}`;
  throw Object.assign(new Error(message), { code: data.error });
}

const bucket = () => $('bucket').value.trim();

/** `Code: Message` of an S3 XML error body, or undefined when the body is not one. */
function s3Error(text) {
  const xml = new DOMParser().parseFromString(text, 'application/xml');
  const field = (name) => xml.querySelector(`Error > ${name}`)?.textContent;
  return field('Code') === undefined ? undefined : `${field('Code')}: ${field('Message') ?? ''}`;
}

/** Logs a bucket answer: its status, and S3's Code and Message when it is an error (readable: CORS headers are on errors too). */
function logAnswer(label, method, status, statusText, body) {
  log(`${label}: ${method} → ${status} ${statusText}`, status >= 200 && status < 300 ? 'ok' : 'blocked');
  const error = status >= 300 ? s3Error(body) : undefined;
  if (error !== undefined) log(`    S3 said ${error}`, 'why');
}

/** The headline's cause, by where the bucket stands: only a bucket with rules has rules to blame. */
function blockedCause(bucketName, state) {
  if (state === 'missing') return `Bucket ${bucketName} does not exist: create it in 1. Bucket.`;
  if (state === 'no-configuration') return `Bucket ${bucketName} has no CORS configuration: save rules in 2.`;
  if (state === 'configured') return `The CORS rules of ${bucketName} do not allow ${config.origin}.`;
  return '';
}

/** The browser refused the call: fetch() only says "Failed to fetch", so the page server replays it without a browser to find out why. */
async function explainBlocked(label, url, method, headerNames, reason) {
  const headline = log(`${label}: ${method} BLOCKED by the browser (${reason}).`, 'blocked');
  const why = log('Asking the page server why…', 'why');
  try {
    const { bucket: bucketName, bucketState, explanation, rules, suggestion } = await pageApi('POST', '/api/explain', { url, method, headers: headerNames });
    headline.textContent += ` ${blockedCause(bucketName, bucketState)}`;
    why.textContent = `    Why: ${explanation}`;
    // Rule by rule, from the endpoint's own explain (GET ?cors&explain, for the bucket's owner); labels number rules from 1.
    for (const rule of rules ?? []) {
      const denied = rule.deniedHeaders.length > 0 ? `; no AllowedHeader covers ${rule.deniedHeaders.join(', ')}` : '';
      log(`    ${rule.label}: ${rule.failed.length === 0 ? 'matches' : `fails on ${rule.failed.join(', ')}`}${denied}`, 'why');
    }
    if (suggestion) log(`    Suggestion: ${suggestion}`, 'why');
  } catch (explainError) {
    why.textContent = `    Could not find out why: ${explainError.message}`;
  }
}

/** A cross-origin call to the bucket endpoint; undefined when the browser blocked it (then explained in the log). */
async function bucketFetch(label, url, init = {}) {
  const method = init.method ?? 'GET';
  let response;
  try {
    response = await fetch(url, { ...init, cache: 'no-store' });
  } catch (error) {
    await explainBlocked(label, url, method, Object.keys(init.headers ?? {}), error.message);
    return undefined;
  }
  logAnswer(label, method, response.status, response.statusText, response.ok ? '' : await response.clone().text());
  return response;
}

/**
 * A cross-origin PUT of a file with upload progress (fetch() reports none, XMLHttpRequest does).
 * Resolves `{ ok, etag }`, or undefined when the browser blocked it (then explained in the log).
 */
function bucketUpload(label, url, file, headers, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      logAnswer(label, 'PUT', xhr.status, xhr.statusText, xhr.responseText);
      resolve({ ok: xhr.status >= 200 && xhr.status < 300, etag: xhr.getResponseHeader('etag') });
    };
    // A network error with status 0: the browser refused the preflight or the answer.
    xhr.onerror = () => void explainBlocked(label, url, 'PUT', Object.keys(headers), 'network error').then(() => resolve(undefined));
    xhr.send(file);
  });
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

function addLintItem(text) {
  const item = document.createElement('li');
  item.textContent = text;
  $('lint').append(item);
}

/**
 * What converting the editor's rules to S3's lost (another provider's rules: GCS, Azure, B2, R2), one
 * item per warning with its code; `verb` says when (as you type, or what the last Save stored).
 */
function showConversion(verb, format, warnings) {
  $('conversion').textContent = '';
  for (const warning of warnings) {
    const item = document.createElement('li');
    item.textContent = `${verb} ${format}: ${warning.message} (${warning.code})`;
    $('conversion').append(item);
  }
}

/** What the last Save converted, kept on screen until the rules are edited (the editor then shows S3's list). */
let savedConversion = null;

/** The editor's text is replaced (loaded, sample, saved, deleted): what a Save converted no longer applies unless `kept`. */
function setEditor(text, kept = null) {
  $('rules').value = text;
  savedConversion = kept;
  showConversion(kept?.verb ?? '', kept?.format ?? '', kept?.warnings ?? []);
  lintEditor();
}

/**
 * Lint warnings for the rules in the editor, shown as you type (a short pause after the last key): the
 * text is read on the server as Save reads it, in any shape the editor takes (S3's list, the AWS CLI's
 * {"CORSRules": [...]}, XML, or another provider's rules with what converting them loses); rules that
 * cannot be saved say why, in Save's words. Warnings of older text are cleared at once, and only the
 * latest text's answer is shown.
 */
let lintTimer;
let lintRound = 0;
function lintEditor() {
  clearTimeout(lintTimer);
  $('lint').textContent = '';
  const round = ++lintRound;
  const text = $('rules').value;
  if (text.trim() === '') return;
  lintTimer = setTimeout(async () => {
    try {
      const { format, conversionWarnings, warnings } = await pageApi('POST', '/api/lint', { text });
      if (round !== lintRound) return;
      if (savedConversion === null) showConversion('Converting from', format, conversionWarnings);
      for (const warning of warnings) addLintItem(`${warning.message} (${warning.code})`);
    } catch (error) {
      if (round !== lintRound) return;
      if (savedConversion === null) showConversion('', '', []);
      addLintItem(`Save would be refused: ${error.message}`);
    }
  }, 300);
}

function setRulesStatus(text, kind = 'muted') {
  $('rules-status').textContent = text;
  $('rules-status').className = kind;
}

/** The editor always shows the named bucket's rules (or nothing), so Save never copies another bucket's. */
async function loadRules() {
  const name = bucket();
  setEditor('');
  $('rules-bucket').textContent = name;
  try {
    const { rules } = await pageApi('GET', `/api/cors?bucket=${encodeURIComponent(name)}`);
    if (name !== bucket()) return; // the name changed meanwhile: that load wins
    setEditor(rules === null ? '' : JSON.stringify(rules, null, 2));
    setRulesStatus(rules === null ? 'This bucket has no CORS configuration: every cross-origin call is blocked.' : `${rules.length} rule(s) loaded.`);
  } catch (error) {
    // Not an error of the user's: the bucket is simply not made yet (the default name on a fresh page).
    if (error.code === 'NoSuchBucket') setRulesStatus(`Bucket ${name} does not exist yet: create it in 1. Bucket.`);
    else setRulesStatus(`Could not load the rules of ${name}: ${error.message}`, 'blocked');
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

function showProgress(name, loaded, total) {
  $('upload-progress').hidden = false;
  $('upload-progress').max = Math.max(total, 1);
  $('upload-progress').value = loaded;
  $('upload-status').textContent = `${name}: ${loaded.toLocaleString()} of ${total.toLocaleString()} bytes sent`;
}

async function upload() {
  const file = $('file').files[0];
  if (!file) return log('Choose a file first.', 'why');
  $('upload').disabled = true;
  try {
    const note = $('note').checked ? `uploaded from ${config.origin}` : undefined;
    const { url } = await presign('PutObject', file.name, { note });
    const headers = note ? { [config.noteHeader]: note } : {};
    showProgress(file.name, 0, file.size);
    const result = await bucketUpload(`PutObject ${file.name}`, url, file, headers, (loaded, total) => showProgress(file.name, loaded, total));
    $('upload-status').textContent = result === undefined ? `${file.name}: blocked` : `${file.name}: ${result.ok ? 'uploaded' : 'refused'}`;
    if (!result?.ok) return;
    log(result.etag === null
      ? '    ETag is not readable here: the matched rule does not list it in ExposeHeaders.'
      : `    ETag ${result.etag} (readable because the matched rule exposes it)`, result.etag === null ? 'why' : 'ok');
    await listObjects();
  } finally {
    $('upload').disabled = false;
    $('upload-progress').hidden = true;
  }
}

const guard = (action) => () => action().catch((error) => log(error.message, 'blocked'));

$('create').onclick = guard(async () => {
  await pageApi('POST', '/api/buckets', { bucket: bucket(), acl: $('public').checked ? 'public-read' : 'private' });
  log(`Created bucket ${bucket()}`, 'ok');
  await Promise.all([refreshBuckets(), loadRules()]);
});
$('bucket').onchange = guard(loadRules);
$('load').onclick = guard(loadRules);
$('rules').oninput = () => {
  savedConversion = null;
  lintEditor();
};
$('sample').onclick = () => {
  setEditor(JSON.stringify(config.sampleRules, null, 2));
  setRulesStatus('Sample inserted (not saved yet).');
};
$('save').onclick = guard(async () => {
  const name = bucket();
  let saved;
  try {
    saved = await pageApi('PUT', '/api/cors', { bucket: name, text: $('rules').value });
  } catch (error) {
    setRulesStatus(`Not saved: ${error.message}`, 'blocked');
    log(`PutBucketCors ${name}: refused, ${error.message}`, 'blocked');
    return;
  }
  // What was stored, in the shape the editor shows (a pasted {"CORSRules": [...]}, XML or another provider's rules become S3's list).
  const converted = saved.conversionWarnings.length > 0 ? { verb: 'Converted from', format: saved.format, warnings: saved.conversionWarnings } : null;
  setEditor(JSON.stringify(saved.rules, null, 2), converted);
  const losses = converted === null ? '' : ` with ${converted.warnings.length} conversion warning(s)`;
  setRulesStatus(`Saved. ${saved.rules.length} rule(s) stored (read as ${saved.format}${losses}), shown as the editor's list.`, 'ok');
  log(`PutBucketCors ${name}: saved`, 'ok');
});
$('remove').onclick = guard(async () => {
  await pageApi('DELETE', '/api/cors', { bucket: bucket() });
  setEditor('');
  setRulesStatus('Deleted: cross-origin calls are now blocked.');
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
