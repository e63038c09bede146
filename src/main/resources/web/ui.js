// The management UI's only script of its own (CSP: script-src 'self', no inline script).
// The management token lives in this tab's sessionStorage and travels only as an Authorization header:
// on every htmx request (htmx:configRequest) and every api() call. Never in a URL, never in a cookie.

const TOKEN_KEY = 'switchboard.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** A management API call with the signed-in token; resolves to the fetch Response. */
export function api(method, path, body, contentType = 'application/json') {
  const headers = { Authorization: 'Bearer ' + token() };
  if (body !== undefined) {
    headers['Content-Type'] = contentType;
  }
  return fetch(path, { method, headers, body: body === undefined ? undefined : body, credentials: 'omit' });
}

function signIn(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  document.getElementById('main').hidden = true;
  document.getElementById('sign-out').hidden = true;
  document.getElementById('who').textContent = '';
  document.getElementById('signin').hidden = false;
  document.getElementById('signin-error').textContent = message || '';
  document.getElementById('signin-token').focus();
}

async function showWho() {
  const response = await api('GET', '/admin/api/whoami');
  if (response.status === 401) {
    signIn('The token was refused; sign in again.');
    return;
  }
  const who = await response.json();
  document.getElementById('who').textContent = who.name + ' (' + who.role + ')';
  document.body.dataset.role = who.role;
}

document.addEventListener('htmx:configRequest', (event) => {
  const t = token();
  if (!t) {
    event.preventDefault(); // nothing is asked for before sign-in
    return;
  }
  event.detail.headers['Authorization'] = 'Bearer ' + t;
});

document.addEventListener('htmx:afterRequest', (event) => {
  if (event.detail.xhr && event.detail.xhr.status === 401) {
    signIn('The token was refused; sign in again.');
  }
});

// Charts: a fragment carries its ECharts option as JSON in data-chart; ECharts is loaded only where one is shown.
let echartsModule;
async function drawCharts(root) {
  const pending = root.querySelectorAll('[data-chart]:not([data-chart-drawn])');
  if (pending.length === 0) {
    return;
  }
  echartsModule = echartsModule || await import('/ui/assets/vendor/echarts/5.3.1/dist/echarts.esm.min.js');
  for (const el of pending) {
    el.dataset.chartDrawn = 'true';
    const chart = echartsModule.getInstanceByDom(el) || echartsModule.init(el);
    chart.setOption(JSON.parse(el.dataset.chart));
  }
}

document.addEventListener('htmx:beforeCleanupElement', (event) => {
  if (echartsModule && event.target.dataset && event.target.dataset.chartDrawn) {
    echartsModule.getInstanceByDom(event.target)?.dispose();
  }
});
document.addEventListener('htmx:afterSettle', (event) => drawCharts(event.target));

document.getElementById('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const given = document.getElementById('signin-token').value.trim();
  const response = await fetch('/admin/api/whoami', { headers: { Authorization: 'Bearer ' + given }, credentials: 'omit' });
  if (response.status !== 200) {
    document.getElementById('signin-error').textContent = 'That token was refused (' + response.status + ').';
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, given);
  location.reload(); // the page's fragments load again, now with the token
});

document.getElementById('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
});

if (token()) {
  document.getElementById('main').hidden = false;
  document.getElementById('sign-out').hidden = false;
  showWho();
  drawCharts(document);
} else {
  signIn();
}
