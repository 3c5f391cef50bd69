// The Lockstep operators' console: a small single-page app over /admin/api. Views are routed by the
// URL hash; each view draws itself and may hand back a refresh, which runs on a timer while the view
// is shown (paused while a dialog is open or the tab is hidden), so no view needs a reload.

import {api} from './api.js';
import {escape} from './format.js';
import {clearNotice, dialogOpen, notify} from './ui.js';
import * as overview from './overview.js';
import * as nodes from './nodes.js';
import * as users from './users.js';
import * as connections from './connections.js';
import * as conversations from './conversations.js';
import * as health from './health.js';
import * as push from './push.js';
import * as plugins from './plugins.js';
import * as audit from './audit.js';

const view = document.getElementById('view');
const nav = document.getElementById('nav');
const VIEWS = {overview, nodes, users, user: users, connections, conversations, conversation: conversations, health,
  push, plugins, audit};
let current = null;
let visit = 0;

async function signIn() {
  nav.hidden = true;
  document.getElementById('sign-out').hidden = true;
  document.getElementById('whoami').textContent = '';
  await api('/session');
  view.innerHTML = `<form class="signin" id="signin-form">
      <h2>Sign in</h2>
      <label for="username">Username</label><input id="username" autocomplete="username" required>
      <label for="password">Password</label><input id="password" type="password" autocomplete="current-password" required>
      <button type="submit" id="signin-button">Sign in</button>
      <div class="error" id="signin-error"></div>
    </form>`;
  document.getElementById('signin-form').addEventListener('submit', async event => {
    event.preventDefault();
    try {
      await api('/session', {method: 'POST', body: {username: document.getElementById('username').value,
        password: document.getElementById('password').value}});
      location.hash = '#/overview';
    } catch (error) {
      document.getElementById('signin-error').textContent = error.message;
    }
  });
}

/** Runs the view's refresh every `every` ms until the operator leaves the view. */
function keepFresh(mine, refresh, every) {
  const tick = async () => {
    if (mine !== visit) return;
    if (!document.hidden && !dialogOpen()) {
      try {
        await refresh();
        if (document.getElementById('notice').className === 'error') clearNotice();
      } catch (error) {
        if (mine === visit) notify('Could not refresh: ' + error.message, 'error');
      }
    }
    if (mine === visit) current = setTimeout(tick, every);
  };
  current = setTimeout(tick, every);
}

async function route() {
  clearTimeout(current);
  clearNotice();
  const mine = ++visit;
  const [path, queryString] = location.hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(queryString || '');
  if (path === '/signin') {
    return signIn();
  }
  const session = await api('/session');
  if (!session.signed_in) {
    location.hash = '#/signin';
    return;
  }
  nav.hidden = false;
  document.getElementById('sign-out').hidden = false;
  document.getElementById('whoami').textContent = `${session.username} · node ${session.node}`;
  const [, page = 'overview', id] = path.split('/');
  nav.querySelectorAll('a').forEach(a => {
    const target = a.getAttribute('href').slice(2);
    a.classList.toggle('active', target === page || target === page + 's');
  });
  const module = VIEWS[page] || overview;
  try {
    const live = await module.render(view, {page, id: id ? decodeURIComponent(id) : null, query,
      isCurrent: () => mine === visit});
    if (live && mine === visit) keepFresh(mine, live.refresh, live.every || 5000);
  } catch (error) {
    if (mine === visit) view.innerHTML = `<p class="error">${escape(error.message)}</p>`;
  }
}

document.getElementById('sign-out').addEventListener('click', async () => {
  await api('/session', {method: 'DELETE'});
  location.hash = '#/signin';
});
window.addEventListener('hashchange', route);
route();
