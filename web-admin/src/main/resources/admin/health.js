// Sync health: how lag is spread, and the devices furthest behind, behind the retention window,
// retrying most and diverging, each with whether it is online now, so that "offline and behind"
// (it will catch up when it connects) reads apart from "online but not acking" (a client stuck).

import {api} from './api.js';
import {ago, device, escape, level, number, table, userLink} from './format.js';
import {barChart} from './charts.js';

const BUCKETS = ['0', '1-10', '11-100', '101-1000', '1001-10000', '>10000'];

/** Whether any lag in the bucket is above the threshold. */
function bucketBeyond(bucket, threshold) {
  const upper = bucket === '>10000' ? Infinity : Number(bucket.split('-').pop());
  return upper > threshold;
}

function state(d, threshold) {
  if (d.online == null) return '<span class="muted">unknown</span>';
  const behind = d.lag > threshold;
  if (d.online) {
    return behind ? '<span class="warn" data-state="online-not-acking">online, not acking</span>'
      : `<span class="ok" data-state="online">online</span> <span class="muted">${escape(d.presence.node)}</span>`;
  }
  return behind ? '<span class="muted" data-state="offline-behind">offline, behind</span>'
    : '<span class="muted" data-state="offline">offline</span>';
}

export async function render(view) {
  view.innerHTML = `<h2>Sync health</h2><div class="chart" id="lag-chart"></div><div id="health-tables"></div>`;
  let chart = null;
  const draw = async () => {
    const h = await api('/sync-health');
    const limit = h.thresholds.device_lag;
    const columns = [
      {title: 'User', html: d => userLink(d.user_id)},
      {title: 'Device', html: d => device(d.name, d.device_id)},
      {title: 'Platform', value: d => d.platform || '—'},
      {title: 'Online', html: d => state(d, limit)},
      {title: 'Cursor', num: true, value: d => number(d.cursor)},
      {title: 'Head', num: true, value: d => number(d.head)},
      {title: 'Lag', num: true, html: d => `<span data-lag="${d.lag}">${level(number(d.lag), d.lag, limit)}</span>`},
      {title: 'Duplicates', num: true, value: d => number(d.duplicate_sends)},
      {title: 'Last seen', html: d => ago(d.last_seen)}
    ];
    const row = d => `data-device-row="${escape(d.device_id)}"`;
    document.getElementById('health-tables').innerHTML = `
      <p class="muted">Lag is a warning above ${number(limit)} events (admin.thresholds.device_lag).
      Offline and behind: it catches up when it connects. Online and not acking: look at that client.</p>
      <h3>Furthest behind</h3>${table(columns, h.laggards, 'No devices.', row)}
      <h3>Stuck behind the retention window (will get a reset)</h3>${table(columns, h.behind_retention, 'None: every device is inside the window.', row)}
      <h3>Duplicate senders (retries caught)</h3>${table(columns, h.duplicate_senders, 'No duplicate sends.', row)}
      <h3>Divergent state (repaired after a digest mismatch)</h3>${table(columns.concat([
        {title: 'Divergences', num: true, html: d => `<span class="bad">${number(d.divergences)}</span>`},
        {title: 'Last', html: d => ago(d.last_divergence_at)}
      ]), h.divergent, 'No device reported a divergence.', row)}
      <p>Push tokens and deliveries: see <a href="#/push">Push</a>.</p>`;
    const element = document.getElementById('lag-chart');
    if (chart) chart.destroy();
    element.innerHTML = '';
    chart = barChart(element, {title: 'Devices by lag (events behind)', labels: BUCKETS,
      counts: BUCKETS.map(bucket => h.lag_distribution[bucket] || 0), warn: i => bucketBeyond(BUCKETS[i], limit)});
  };
  await draw();
  return {refresh: draw, every: 10000};
}
