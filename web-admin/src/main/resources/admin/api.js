// The console's API client: JSON over /admin/api with the session cookie; every change carries the
// CSRF token from the XSRF-TOKEN cookie in the X-XSRF-TOKEN header. A change refused for its token
// (expired while the computer slept, or replaced by a request that raced it) changed nothing: the
// client asks for the session's current token and sends the change once more. A 401 sends the
// browser to sign-in.

function cookie(name) {
  const found = document.cookie.split('; ').find(part => part.startsWith(name + '='));
  return found ? decodeURIComponent(found.split('=').slice(1).join('=')) : '';
}

function send(path, method, body) {
  const headers = {'Accept': 'application/json'};
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    headers['X-XSRF-TOKEN'] = cookie('XSRF-TOKEN');
  }
  return fetch('/admin/api' + path, {method, headers, credentials: 'same-origin',
    body: body ? JSON.stringify(body) : undefined});
}

export async function api(path, options = {}) {
  const method = options.method || 'GET';
  let response = await send(path, method, options.body);
  if (response.status === 403 && method !== 'GET') {
    await send('/session', 'GET');
    response = await send(path, method, options.body);
  }
  const body = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== '/session') {
    location.hash = '#/signin';
    throw new Error(body.message || 'sign in first');
  }
  if (!response.ok) {
    throw new Error(body.message || ('HTTP ' + response.status));
  }
  return body;
}

/** A path segment: user, device and conversation ids go into paths encoded. */
export function segment(id) {
  return encodeURIComponent(id);
}
