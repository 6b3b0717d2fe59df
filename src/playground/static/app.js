// The playground page: shows the workspace as one person sees it and sends what they do. Every message
// arrives rendered from its Block Kit by the server; this script only lays it out, formats dates in the
// viewer's zone and turns clicks into requests.

const $ = (id) => document.getElementById(id);
const CHANNEL = 'C0RELEASES';
// A link names the acting person, the conversation or Home, and an open thread: reloaded or shared, it
// opens the same view.
const linked = new URLSearchParams(location.search);
const state = {
  me: linked.get('as') || localStorage.getItem('playground-user') || 'UMAYA0001',
  conv: linked.get('channel') || CHANNEL,
  thread: linked.get('thread'),
  view: linked.get('view') === 'home' ? 'home' : 'conversation',
  commands: [],
  users: [],
  modalId: null,
};

function toast(text) {
  const el = $('toast');
  el.textContent = text;
  el.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove('show'), 4000);
}

async function send(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ as: state.me, ...body }),
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) toast(answer.reason || `request failed (${res.status})`);
  return answer;
}

// --- Slack's <!date^…> in the viewer's own zone --------------------------------------------------

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
function formatDate(seconds, format) {
  const at = new Date(seconds * 1000);
  const day = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const today = day(new Date());
  const diff = Math.round((day(at) - today) / 86_400_000);
  const pretty =
    diff === 0
      ? 'today'
      : diff === -1
        ? 'yesterday'
        : diff === 1
          ? 'tomorrow'
          : at.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  const parts = {
    date_num: at.toLocaleDateString('sv-SE'),
    date: at.toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' }),
    date_short: at.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }),
    date_long: at.toLocaleDateString(undefined, {
      weekday: 'long',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
    }),
    date_pretty: pretty,
    date_short_pretty: pretty,
    date_long_pretty: pretty,
    time: at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }),
    time_secs: at.toLocaleTimeString(),
  };
  return format.replace(/\{(\w+)\}/g, (whole, key) => parts[key] ?? whole);
}

function formatDates(root) {
  for (const el of root.querySelectorAll('time.slack-date')) {
    const seconds = Number(el.dataset.ts);
    if (!Number.isFinite(seconds)) continue;
    el.textContent = formatDate(seconds, el.dataset.format || '{date_short} {time}');
    el.dateTime = new Date(seconds * 1000).toISOString();
    el.title = `${new Date(seconds * 1000).toLocaleString()} (${zone})`;
  }
}

// --- rendering ------------------------------------------------------------------------------------

function userName(id) {
  if (id.startsWith('UPLAYBOT')) return 'release-bot';
  return state.users.find((u) => u.id === id)?.name ?? id;
}

function messageItem(m, channel, inThread) {
  const li = document.createElement('li');
  li.className = `message${m.ephemeral ? ' ephemeral' : ''}`;
  li.dataset.key = m.ts;
  li.dataset.source = 'message';
  li.dataset.channel = channel;
  li.dataset.ts = m.ts;
  const time = new Date(m.at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const app = m.author.startsWith('UPLAYBOT') ? '<span class="app-badge">APP</span>' : '';
  const only = m.ephemeral ? '<span class="only-you">Only visible to you</span>' : '';
  const edited = m.edited ? '<span>(edited)</span>' : '';
  const replies =
    !inThread && m.replies > 0
      ? `<button type="button" class="replies" data-thread="${m.ts}">${m.replies} ${m.replies === 1 ? 'reply' : 'replies'}</button>`
      : '';
  li.innerHTML = `<div class="meta"><span class="author">${userName(m.author)}</span>${app}<span>${time}</span>${only}${edited}</div><div class="body">${m.html}</div>${replies}`;
  li.dataset.signature = `${m.html}|${m.replies}|${m.edited}`;
  formatDates(li);
  return li;
}

/** Updates a list in place: unchanged messages keep their element (and focus), changed ones flash. */
function renderList(list, messages, channel, inThread) {
  const wanted = new Map(messages.map((m) => [m.ts, m]));
  for (const el of [...list.children]) if (!wanted.has(el.dataset.key)) el.remove();
  let previous = null;
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  for (const m of messages) {
    let el = list.querySelector(`:scope > li[data-key="${CSS.escape(m.ts)}"]`);
    const signature = `${m.html}|${m.replies}|${m.edited}`;
    if (!el || el.dataset.signature !== signature) {
      const fresh = messageItem(m, channel, inThread);
      if (el) {
        fresh.classList.add('flash');
        el.replaceWith(fresh);
      }
      el = fresh;
    }
    const expected = previous ? previous.nextSibling : list.firstChild;
    if (el !== expected) list.insertBefore(el, expected);
    previous = el;
  }
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function renderSidebar(s) {
  const channel = s.conversations.find((c) => !c.dm);
  const dm = s.conversations.find((c) => c.dm);
  const current = (id) => (state.view === 'conversation' && state.conv === id ? 'true' : 'false');
  $('channels').innerHTML =
    `<li><button type="button" class="conv" data-conv="${channel.id}" aria-current="${current(channel.id)}">${channel.name}</button></li>`;
  $('dms').innerHTML =
    `<li><button type="button" class="conv" data-conv="${dm.id}" aria-current="${current(dm.id)}">${dm.name}${s.dmCount ? ` <span class="badge" aria-label="${s.dmCount} messages">${s.dmCount}</span>` : ''}</button></li>`;
  $('home-tab').setAttribute('aria-current', state.view === 'home' ? 'true' : 'false');
}

function renderModal(modal) {
  const dialog = $('modal');
  if (!modal) {
    state.modalId = null;
    if (dialog.open) dialog.close();
    return;
  }
  if (state.modalId !== modal.id) {
    state.modalId = modal.id;
    $('modal-title').textContent = modal.title;
    $('modal-body').innerHTML = modal.html;
    $('modal-body').dataset.viewId = modal.id;
    $('modal-submit').textContent = modal.submit || 'Submit';
    $('modal-submit').hidden = !modal.submit;
    $('modal-cancel').textContent = modal.close || 'Cancel';
    formatDates($('modal-body'));
  }
  if (!dialog.open) {
    dialog.showModal();
    dialog.querySelector('input, textarea')?.focus();
  }
}

function syncUrl() {
  const params = new URLSearchParams({ as: state.me });
  if (state.view === 'home') params.set('view', 'home');
  else {
    params.set('channel', state.conv);
    if (state.thread) params.set('thread', state.thread);
  }
  const url = `${location.pathname}?${params}`;
  if (url !== `${location.pathname}${location.search}`) history.replaceState(null, '', url);
}

let lastState = null;
async function refresh() {
  const params = new URLSearchParams({ as: state.me, channel: state.conv });
  if (state.thread) params.set('thread', state.thread);
  const res = await fetch(`/playground/state?${params}`);
  if (!res.ok) return;
  const s = await res.json();
  lastState = s;
  // A linked thread that is not there (deleted, or never seen by this person) is simply not opened.
  if (state.thread && !s.thread) state.thread = null;
  syncUrl();
  state.users = s.users;
  state.commands = s.commands;
  renderSidebar(s);
  const inHome = state.view === 'home';
  $('messages').hidden = inHome;
  $('composer').hidden = inHome;
  $('home').hidden = !inHome;
  if (inHome) {
    $('title').textContent = 'Home';
    const html = s.home ? s.home.html : '<p>Loading your Home tab…</p>';
    if ($('home').dataset.signature !== html) {
      $('home').innerHTML = html;
      $('home').dataset.signature = html;
      formatDates($('home'));
    }
  } else {
    $('title').textContent = s.conversations.find((c) => c.id === state.conv)?.name ?? '';
    renderList($('messages'), s.messages, state.conv, false);
  }
  $('thread').hidden = !s.thread;
  if (s.thread) renderList($('thread-messages'), [s.thread.parent, ...s.thread.replies], state.conv, true);
  renderModal(s.modal);
  renderClock(s.clock);
  document.body.dataset.ready = 'true';
}

let refreshing = null;
let again = false;
function scheduleRefresh() {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = Promise.all([refresh(), refreshJira(), refreshTour()])
    .catch(() => toast('the playground server is not answering'))
    .finally(() => {
      refreshing = null;
      if (again) {
        again = false;
        scheduleRefresh();
      }
    });
}

// --- the clock you move: the bot's injected clock, shown with its offset from real time ---------

const KIND_NAMES = {
  scheduled_freeze: 'scheduled freeze',
  freeze_reminder: 'freeze reminder',
  signoff_reminder: 'sign-off reminders',
  ship_reminder: 'ship reminder',
};

function describeOffset(ms) {
  const hours = Math.floor(ms / 3_600_000);
  if (hours === 0) return 'real time';
  const days = Math.floor(hours / 24);
  return `+${days > 0 ? `${days} d ` : ''}${hours % 24} h`;
}

function renderClock(clock) {
  if (!clock) return;
  const at = new Date(clock.now);
  const shown = at.toLocaleString(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
  $('clock-now').dateTime = clock.now;
  $('clock-now').textContent = `${shown} (${describeOffset(clock.offsetMs)})`;
  const next = clock.next;
  $('clock-next').title = next
    ? `${KIND_NAMES[next.kind] ?? next.kind} of ${next.version}, ${new Date(next.at).toLocaleString()}`
    : 'nothing is on the calendar';
  $('clock-next').setAttribute('aria-description', $('clock-next').title);
}

for (const button of document.querySelectorAll('[data-advance]')) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const answer = await send('/playground/clock', { advance: button.dataset.advance });
      if (answer.clock) renderClock(answer.clock);
      scheduleRefresh();
    } finally {
      button.disabled = false;
    }
  });
}

// --- the Jira panel: versions, tickets and what the bot wrote back -------------------------------

const escapeText = (text) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

function renderJira(jira) {
  if (!jira.connected) {
    return '<p>The bot talks to the Jira named in JIRA_BASE_URL: look there.</p>';
  }
  const names = [...new Set(jira.projects.flatMap((p) => p.versions.map((v) => v.name)))].reverse();
  return names
    .map((name) => {
      const versions = jira.projects
        .map((p) => ({ project: p.key, version: p.versions.find((v) => v.name === name) }))
        .filter((x) => x.version);
      const states = versions
        .map(({ project, version }) =>
          version.released
            ? `<li>${escapeText(project)} ${escapeText(name)}: <strong class="released">released</strong> ${escapeText(version.releaseDate ?? '')}</li>`
            : `<li>${escapeText(project)} ${escapeText(name)}: unreleased</li>`,
        )
        .join('');
      const notes = versions
        .filter(({ version }) => version.description)
        .map(
          ({ project, version }) =>
            `<details><summary>Notes the bot wrote into ${escapeText(project)} ${escapeText(name)}</summary><pre>${escapeText(version.description)}</pre></details>`,
        )
        .join('');
      const tickets = jira.issues
        .filter((i) => i.fixVersions.includes(name))
        .map(
          (i) =>
            `<li><span class="key">${escapeText(i.key)}</span> ${escapeText(i.summary)} <span class="meta">${escapeText(i.type)} · ${escapeText(i.status)}${i.assignee ? ` · ${escapeText(i.assignee)}` : ''}</span></li>`,
        )
        .join('');
      return `<section class="jira-version" data-version="${escapeText(name)}"><h3>Version ${escapeText(name)}</h3><ul class="states">${states}</ul>${notes}<ul class="tickets">${tickets}</ul></section>`;
    })
    .join('');
}

async function refreshJira() {
  if ($('jira-panel').hidden) return;
  const res = await fetch('/playground/jira');
  if (!res.ok) return;
  const html = renderJira(await res.json());
  if ($('jira-body').dataset.signature !== html) {
    $('jira-body').innerHTML = html;
    $('jira-body').dataset.signature = html;
  }
}

/** Opens one side panel (closing the other), or closes it and gives focus back to its toggle. */
const PANELS = ['tour', 'jira', 'pipeline'];
function showPanel(name, open) {
  if (name === 'tour') localStorage.setItem('playground-tour', open ? 'shown' : 'hidden');
  for (const other of PANELS) {
    const show = open && other === name;
    $(`${other}-panel`).hidden = !show;
    $(`${other}-toggle`).setAttribute('aria-expanded', String(show));
  }
  if (!open) $(`${name}-toggle`).focus();
  else if (name === 'jira') void refreshJira().then(() => $('close-jira').focus());
  else if (name === 'tour') void refreshTour().then(() => $('close-tour').focus());
  else void openPipeline().then(() => $('pipeline-service').focus());
}
for (const name of PANELS) {
  $(`${name}-toggle`).addEventListener('click', () => showPanel(name, $(`${name}-panel`).hidden));
  $(`close-${name}`).addEventListener('click', () => showPanel(name, false));
}

// --- the tour: a checklist ticked from what really happened --------------------------------------

async function refreshTour() {
  if ($('tour-panel').hidden) return;
  const res = await fetch('/playground/tour');
  if (!res.ok) return;
  const { steps } = await res.json();
  const html = steps
    .map(
      (step) =>
        `<li data-step="${escapeText(step.id)}" class="${step.done ? 'done' : 'todo'}"><span aria-hidden="true">${step.done ? '✓' : '○'}</span> ${escapeText(step.title)}<span class="visually-hidden">${step.done ? ' (done)' : ' (not yet)'}</span></li>`,
    )
    .join('');
  if ($('tour-steps').dataset.signature !== html) {
    $('tour-steps').innerHTML = html;
    $('tour-steps').dataset.signature = html;
  }
}

$('reset-session').addEventListener('click', async () => {
  const sure = await confirmFirst(
    JSON.stringify({
      title: 'Reset the session?',
      text: 'Every release, vote, message, Jira write-back and clock move of this playground is forgotten.',
      confirm: 'Reset',
      deny: 'Keep it',
    }),
  );
  if (!sure) return;
  const answer = await send('/playground/reset', {});
  if (!answer.ok) return;
  state.conv = CHANNEL;
  state.thread = null;
  state.view = 'conversation';
  pipeline.token = null;
  toast('A fresh session: the workspace, the seeded Jira and the clock as on the first start.');
  scheduleRefresh();
});

// --- the pipeline panel: a gate check as a CI job sends it -------------------------------------

const pipeline = { token: null, url: null, issues: [] };
const newCommit = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('');

function renderPipelineIssues() {
  const service = $('pipeline-service').value;
  const project = service.replace(/-service$/, '').toUpperCase();
  $('pipeline-issues').innerHTML =
    '<legend>Tickets</legend>' +
    pipeline.issues
      .filter((i) => i.key.startsWith(`${project}-`))
      .map(
        (i) =>
          `<label class="check"><input type="checkbox" value="${escapeText(i.key)}" /> <span class="key">${escapeText(i.key)}</span> ${escapeText(i.summary)} <span class="meta">${escapeText(i.type)} · ${escapeText(i.fixVersions.join(', ') || 'no version')}</span></label>`,
      )
      .join('');
  $('pipeline-image').value = `registry.playground.test/${service}:${$('pipeline-commit').value}`;
}

async function openPipeline() {
  if (pipeline.token) return;
  const [setup, jira] = await Promise.all([
    fetch('/playground/pipeline').then((r) => r.json()),
    fetch('/playground/jira').then((r) => r.json()),
  ]);
  pipeline.token = setup.token;
  pipeline.url = setup.gateUrl;
  pipeline.issues = jira.issues;
  $('pipeline-service').innerHTML = setup.services.map((s) => `<option>${escapeText(s)}</option>`).join('');
  $('pipeline-environment').innerHTML = setup.environments
    .map((e) => `<option>${escapeText(e)}</option>`)
    .join('');
  $('pipeline-commit').value = newCommit();
  renderPipelineIssues();
}
$('pipeline-service').addEventListener('change', renderPipelineIssues);

function gateVerdict(res, answer) {
  if (!res.ok)
    return `<p class="verdict refused">HTTP ${res.status}: ${escapeText(answer.reason ?? answer.error ?? '')}</p>`;
  const word = answer.allowed ? 'allowed' : 'refused';
  return `<p class="verdict ${word}">${answer.allowed ? 'Allowed' : 'Refused'}: ${escapeText(answer.reason ?? '')}</p>`;
}

/** A refused change of a frozen release can ask for an exception: one per refused ticket. */
function exceptionForm(answer, service) {
  const keys = (answer.checked_issues ?? [])
    .filter((i) => i.verdict !== 'fix_for_release' && i.verdict !== 'exception')
    .map((i) => i.key);
  if (answer.allowed || !answer.release || keys.length === 0) return '';
  return (
    `<form id="exception-form" class="pipeline" data-release="${escapeText(answer.release)}" data-service="${escapeText(service)}" data-keys="${escapeText(keys.join(' '))}">` +
    `<label for="exception-reason">Why ${escapeText(keys.join(', '))} must go into ${escapeText(answer.release)}</label>` +
    '<input id="exception-reason" required maxlength="300" />' +
    '<button type="submit">Ask for an exception</button></form>'
  );
}

$('pipeline-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const service = $('pipeline-service').value;
  const image = $('pipeline-image').value.trim();
  const res = await fetch(pipeline.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${pipeline.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      service,
      environment: $('pipeline-environment').value,
      issues: [...$('pipeline-issues').querySelectorAll('input:checked')].map((i) => i.value),
      commit: $('pipeline-commit').value,
      pipeline_url: `${location.origin}/#pipeline`,
      ...(image ? { images: [image] } : {}),
    }),
  });
  const answer = await res.json().catch(() => ({}));
  $('pipeline-result').innerHTML =
    gateVerdict(res, answer) +
    `<pre class="gate-answer">${escapeText(JSON.stringify(answer, null, 2))}</pre>` +
    (res.ok ? exceptionForm(answer, service) : '');
  // A refusal posts nothing in Slack, but the tour counts it.
  scheduleRefresh();
  if (res.ok && answer.allowed && !answer.repeated) {
    // The next deploy of this service is another commit, as a pipeline's would be.
    $('pipeline-commit').value = newCommit();
    $('pipeline-image').value = `registry.playground.test/${service}:${$('pipeline-commit').value}`;
  }
});

$('pipeline-result').addEventListener('submit', async (event) => {
  const form = event.target.closest('#exception-form');
  if (!form) return;
  event.preventDefault();
  const reason = $('exception-reason').value.trim();
  if (!reason) return;
  for (const key of form.dataset.keys.split(' ')) {
    await send('/playground/command', {
      channel: CHANNEL,
      text: `/release exception ${form.dataset.release} ${key} ${form.dataset.service} ${reason}`,
    });
  }
  const done = document.createElement('p');
  done.className = 'panel-note';
  done.textContent =
    'Asked: a release manager approves or denies it in #releases. Then send the check again.';
  form.replaceWith(done);
});

// --- what a person does ---------------------------------------------------------------------------

function confirmFirst(spec) {
  if (!spec) return Promise.resolve(true);
  const c = JSON.parse(spec);
  $('confirm-title').textContent = c.title;
  $('confirm-text').textContent = c.text;
  $('confirm-ok').textContent = c.confirm;
  $('confirm-deny').textContent = c.deny;
  const dialog = $('confirm');
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

async function press(button) {
  const holder = button.closest('[data-source]');
  if (!holder) return;
  if (!(await confirmFirst(button.dataset.confirm))) return;
  const source =
    holder.dataset.source === 'message'
      ? { kind: 'message', channel: holder.dataset.channel, ts: holder.dataset.ts }
      : holder.dataset.source === 'modal'
        ? { kind: 'modal', viewId: holder.dataset.viewId }
        : { kind: 'home' };
  button.disabled = true;
  try {
    await send('/playground/action', {
      source,
      actionId: button.dataset.actionId,
      blockId: button.dataset.blockId,
      value: button.dataset.value,
    });
  } finally {
    button.disabled = false;
  }
}

document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const action = target?.closest('button[data-action-id]');
  if (action && !action.closest('dialog#confirm')) {
    void press(action);
    return;
  }
  const conv = target?.closest('button[data-conv]');
  if (conv) {
    state.view = 'conversation';
    state.conv = conv.dataset.conv;
    state.thread = null;
    scheduleRefresh();
    return;
  }
  const thread = target?.closest('button[data-thread]');
  if (thread) {
    state.thread = thread.dataset.thread;
    scheduleRefresh();
  }
});

$('close-thread').addEventListener('click', () => {
  state.thread = null;
  scheduleRefresh();
});

$('home-tab').addEventListener('click', () => {
  state.view = 'home';
  state.thread = null;
  scheduleRefresh();
  void send('/playground/home', {});
});

$('user').addEventListener('change', (event) => {
  state.me = event.target.value;
  localStorage.setItem('playground-user', state.me);
  state.thread = null;
  if (state.conv !== CHANNEL) state.conv = `D${state.me}`;
  scheduleRefresh();
  if (state.view === 'home') void send('/playground/home', {});
});

function showHint() {
  const text = $('composer-input').value;
  const command = state.commands.find((c) => text.split(/\s/)[0] === c.command);
  $('hint').textContent = command
    ? `${command.command} ${command.usage} · ${command.description}`
    : text.startsWith('/')
      ? state.commands.map((c) => `${c.command} ${c.usage}`).join('   ')
      : '';
}
$('composer-input').addEventListener('input', showHint);

$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('composer-input');
  const text = input.value.trim();
  if (!text) return;
  if (!text.startsWith('/')) {
    toast('Only slash commands reach the bot here: try /release help');
    return;
  }
  input.value = '';
  showHint();
  await send('/playground/command', { channel: state.conv, text });
});

$('modal-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const values = {};
  for (const field of $('modal-body').querySelectorAll('input[name], textarea[name]')) {
    values[field.name] = { ...(values[field.name] || {}), [field.dataset.actionId]: field.value };
  }
  for (const el of $('modal-body').querySelectorAll('.field-error')) el.textContent = '';
  const answer = await send('/playground/submit', { viewId: state.modalId, values });
  if (answer.errors) {
    for (const [blockId, message] of Object.entries(answer.errors)) {
      const block = $('modal-body').querySelector(`[data-block-id="${CSS.escape(blockId)}"] .field-error`);
      if (block) block.textContent = message;
    }
  }
});

$('modal-cancel').addEventListener('click', () => void send('/playground/close', { viewId: state.modalId }));
$('modal').addEventListener('cancel', (event) => {
  event.preventDefault();
  void send('/playground/close', { viewId: state.modalId });
});

// --- start ----------------------------------------------------------------------------------------

async function start() {
  // Slack forgets "only visible to you" replies when its client reloads; so does the playground.
  await send('/playground/reload', {});
  // Another person's DMs are theirs: a link to one opens the channel instead.
  if (state.conv !== CHANNEL && state.conv !== `D${state.me}`) state.conv = CHANNEL;
  const first = await fetch(`/playground/state?as=${encodeURIComponent(state.me)}`);
  const s = first.ok ? await first.json() : await (await fetch('/playground/state?as=UMAYA0001')).json();
  if (!first.ok) {
    state.me = 'UMAYA0001';
    state.conv = CHANNEL;
    state.thread = null;
  }
  if (state.view === 'home') void send('/playground/home', {});
  $('user').innerHTML = s.users
    .map(
      (u) => `<option value="${u.id}"${u.id === state.me ? ' selected' : ''}>${u.name} (${u.role})</option>`,
    )
    .join('');
  $('command-list').innerHTML = s.commands
    .map((c) => `<option value="${c.command} ">${c.description}: ${c.usage}</option>`)
    .join('');
  // A first visit opens with the tour; hidden once, it stays hidden (the Tour button brings it back).
  if (localStorage.getItem('playground-tour') !== 'hidden') showPanel('tour', true);
  const events = new EventSource('/playground/events');
  events.onmessage = scheduleRefresh;
  scheduleRefresh();
}
void start();
window.playground = {
  state,
  get lastState() {
    return lastState;
  },
};
