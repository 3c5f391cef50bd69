// The console's shared page furniture: the confirmation dialog, the notice line, and copying ids.

import {COPY_ICON, escape} from './format.js';

const dialog = document.getElementById('confirm');
const notice = document.getElementById('notice');
let noticeTimer = null;

/** Asks the operator to confirm; resolves true only for the confirm button. bodyHtml must be escaped. */
export function confirmAction({title, bodyHtml, confirm}) {
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-body').innerHTML = bodyHtml;
  document.getElementById('confirm-ok').textContent = confirm;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise(resolve => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), {once: true}));
}

export function dialogOpen() {
  return dialog.open;
}

/** A one-line message under the header: kind ok, warn or error; an error stays until the next notice. */
export function notify(text, kind = 'ok') {
  clearTimeout(noticeTimer);
  notice.className = kind;
  notice.innerHTML = escape(text);
  notice.hidden = false;
  if (kind !== 'error') {
    noticeTimer = setTimeout(() => { notice.hidden = true; }, 6000);
  }
}

export function clearNotice() {
  notice.hidden = true;
}

async function copy(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

/** Every copy button ([data-copy]) copies its id, wherever a view put it. */
document.addEventListener('click', async event => {
  const button = event.target.closest('[data-copy]');
  if (!button) return;
  event.preventDefault();
  try {
    await copy(button.dataset.copy);
    button.classList.add('copied');
    button.textContent = '✓';
    setTimeout(() => { button.classList.remove('copied'); button.innerHTML = COPY_ICON; }, 1200);
  } catch (error) {
    notify('Could not copy: ' + error.message, 'error');
  }
});
