// Nodes: per node its version, uptime, heap, CPU, event-loop lag, connections and share of the
// cluster's traffic, each marked past its threshold, and the same figures charted per node.

import {api} from './api.js';
import {ago, bytes, durationText, escape, level, number, table, time} from './format.js';
import {History, rangePicker, timeChart} from './charts.js';
import {chooseRange, chosenRange} from './overview.js';

function share(part, whole) {
  return whole > 0 ? number(100 * part / whole, 0) + ' %' : '—';
}

function nodesTable(data) {
  const t = data.thresholds;
  const totalSent = data.nodes.reduce((sum, n) => sum + (n.send_rate || 0), 0);
  const totalBytes = data.nodes.reduce((sum, n) => sum + (n.bytes_rate || 0), 0);
  const totalConnections = data.nodes.reduce((sum, n) => sum + (n.connections || 0), 0);
  return table([
    {title: 'Node', html: n => `<code>${escape(n.node)}</code>${n.node === data.served_by ? ' <span class="muted">(serving you)</span>' : ''}`},
    {title: 'Version', value: n => n.version},
    {title: 'Up', html: n => `<span title="${escape('since ' + new Date(n.started).toISOString())}">${escape(durationText((Date.now() - n.started) / 1000))}</span>
      <div class="muted small">since ${time(n.started)}</div>`},
    {title: 'Heap', num: true, html: n => {
      const percent = n.heap_max_bytes ? 100 * n.heap_used_bytes / n.heap_max_bytes : null;
      return level(`${bytes(n.heap_used_bytes)} of ${bytes(n.heap_max_bytes)} (${number(percent)} %)`, percent, t.heap_percent);
    }},
    {title: 'CPU', num: true, value: n => number(100 * n.cpu, 0) + ' %'},
    {title: 'Event-loop lag', num: true, html: n => level(number(n.event_loop_lag_ms, 1) + ' ms', n.event_loop_lag_ms, t.event_loop_lag_ms)},
    {title: 'Connections', num: true, html: n => `${number(n.connections)} <span class="muted">(${share(n.connections, totalConnections)})</span>`},
    {title: 'Devices online', num: true, value: n => number(n.devices_online)},
    {title: 'Messages / s', num: true, html: n => `${number(n.send_rate, 1)} <span class="muted">(${share(n.send_rate, totalSent)})</span>`},
    {title: 'Bytes out / s', num: true, html: n => `${bytes(n.bytes_rate)} <span class="muted">(${share(n.bytes_rate, totalBytes)})</span>`},
    {title: 'Delivery p99', num: true, html: n => level(number(n.delivery_p99_ms, 1) + ' ms', n.delivery_p99_ms, t.delivery_p99_ms)},
    {title: 'Errors / s', num: true, html: n => level(number(n.error_rate, 2), n.error_rate, t.error_rate)},
    {title: 'Reported', html: n => ago(n.updated)}
  ], data.nodes, 'No node has reported yet.', n => `data-node="${escape(n.node)}"`);
}

export async function render(view, {query}) {
  const data = await api('/overview');
  const minutes = chosenRange(query, data.history_minutes);
  view.innerHTML = `<div class="title-row"><h2>Nodes</h2><div class="range" id="range"></div></div>
    <p class="muted">Each node samples its own figures every ${number(data.interval_ms / 1000, 1)} s and keeps the last
    ${number(data.history_minutes)} minutes in memory. Share: the node's part of the cluster's connections and traffic.</p>
    <div id="nodes"></div>
    <div class="charts">
      <div class="chart" id="chart-heap"></div><div class="chart" id="chart-cpu"></div>
      <div class="chart" id="chart-loop"></div><div class="chart" id="chart-traffic"></div>
    </div>`;
  rangePicker(document.getElementById('range'), minutes, chosen => chooseRange('nodes', chosen));
  document.getElementById('nodes').innerHTML = nodesTable(data);
  const history = new History(api, minutes);
  await history.load();
  const percent = v => number(v, 0) + ' %';
  const heapPercent = () => history.perNode('heap_used_bytes', (used, node, i) => {
    const max = history.nodes[node].heap_max_bytes[i];
    return max ? 100 * used / max : null;
  });
  const sets = () => ({
    heap: heapPercent(),
    cpu: history.perNode('cpu', v => 100 * v),
    loop: history.perNode('event_loop_lag_ms'),
    traffic: history.perNode('send_rate')
  });
  const first = sets();
  const named = key => first[key].ids.map(id => ({label: id}));
  const charts = {
    heap: timeChart(document.getElementById('chart-heap'), {title: 'Heap used', series: named('heap'), unit: percent,
      threshold: data.thresholds.heap_percent}, first.heap.data),
    cpu: timeChart(document.getElementById('chart-cpu'), {title: 'CPU (share of the machine)', series: named('cpu'),
      unit: percent}, first.cpu.data),
    loop: timeChart(document.getElementById('chart-loop'), {title: 'Event-loop lag', series: named('loop'),
      unit: v => number(v, 1) + ' ms', threshold: data.thresholds.event_loop_lag_ms}, first.loop.data),
    traffic: timeChart(document.getElementById('chart-traffic'), {title: 'Messages per second', series: named('traffic'),
      unit: v => number(v, 2) + '/s'}, first.traffic.data)
  };
  return {
    every: data.interval_ms,
    refresh: async () => {
      const [fresh] = await Promise.all([api('/overview'), history.poll()]);
      document.getElementById('nodes').innerHTML = nodesTable(fresh);
      const next = sets();
      if (next.heap.ids.join() !== first.heap.ids.join()) {
        window.dispatchEvent(new HashChangeEvent('hashchange'));
        return;
      }
      Object.entries(charts).forEach(([key, chart]) => chart.update(next[key].data));
    }
  };
}
