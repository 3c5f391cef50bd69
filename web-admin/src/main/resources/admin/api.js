// The console's API client: JSON over /admin/api with the session cookie; every change carries the
// CSRF token from the XSRF-TOKEN cookie in the X-XSRF-TOKEN header. A 401 sends the browser to sign-in.

function cookie(name) {
  const found = document.cookie.split('; ').find(part => part.startsWith(name + '='));
  return found ? decodeURIComponent(found.split('=').slice(1).join('=')) : '';
}

export async function api(path, options = {}) {
  const method = options.method || 'GET';
  const headers = {'Accept': 'application/json'};
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    headers['X-XSRF-TOKEN'] = cookie('XSRF-TOKEN');
  }
  const response = await fetch('/admin/api' + path, {method, headers, credentials: 'same-origin',
    body: options.body ? JSON.stringify(options.body) : undefined});
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
