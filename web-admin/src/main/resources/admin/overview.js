// Overview: the cluster at a glance. Cards of totals, what is beyond a threshold now (each warning
// linked to the view that explains it), and charts drawn from the nodes' history at once, then
// extended at every sample interval.

import {api} from './api.js';
import {card, escape, number} from './format.js';
import {History, rangePicker, timeChart} from './charts.js';

const VIEW_NAMES = {health: 'Sync health', nodes: 'Nodes', push: 'Push'};

export function chosenRange(query, allowed) {
  const asked = Number(query.get('range') || sessionStorage.getItem('lockstep.range') || 5);
  return Math.min(asked === 60 ? 60 : 5, Math.max(1, allowed));
}

export function chooseRange(page, minutes) {
  sessionStorage.setItem('lockstep.range', String(minutes));
  location.hash = `#/${page}?range=${minutes}`;
}

function warningsHtml(warnings) {
  if (!warnings.length) {
    return '<p class="ok" id="no-warnings">Every figure is within its threshold.</p>';
  }
  return `<ul class="warnings">${warnings.map(w => `<li data-warning="${escape(w.id)}">
      <span class="warn-mark" aria-hidden="true">▲</span> ${escape(w.text)}
      <a href="#/${escape(w.view)}">${escape(VIEW_NAMES[w.view] || w.view)} →</a></li>`).join('')}</ul>`;
}

function drawCards(data) {
  document.getElementById('cards').innerHTML = [
    card('Nodes', number(data.nodes.length)),
    card('Connections', number(data.connections)),
    card('Devices online', number(data.devices_online)),
    card('Messages / s', number(data.send_rate, 1)),
    card('Warnings', `<span class="${data.warnings.length ? 'warn' : 'ok'}">${data.warnings.length}</span>`, 'id="warning-count"')
  ].join('');
  document.getElementById('warnings').innerHTML = warningsHtml(data.warnings);
}

export async function render(view, {query}) {
  const data = await api('/overview');
  const minutes = chosenRange(query, data.history_minutes);
  view.innerHTML = `<div class="title-row"><h2>Overview</h2><div class="range" id="range"></div></div>
    <div class="cards" id="cards"></div>
    <h3>Warnings</h3><div id="warnings"></div>
    <h3>Last ${minutes === 60 ? 'hour' : minutes + ' minutes'}, whole cluster</h3>
    <div class="charts">
      <div class="chart" id="chart-rate"></div><div class="chart" id="chart-delivery"></div>
      <div class="chart" id="chart-read"></div><div class="chart" id="chart-connections"></div>
      <div class="chart" id="chart-errors"></div><div class="chart" id="chart-loop"></div>
    </div>`;
  rangePicker(document.getElementById('range'), minutes, chosen => chooseRange('overview', chosen));
  drawCards(data);
  const t = data.thresholds;
  const history = new History(api, minutes);
  await history.load();
  const ms = v => number(v, 1) + ' ms';
  const perSecond = v => number(v, 2) + '/s';
  const connections = history.perNode('connections');
  const loop = history.perNode('event_loop_lag_ms');
  const charts = {
    rate: timeChart(document.getElementById('chart-rate'), {title: 'Messages per second',
      series: [{label: 'messages/s'}], unit: perSecond}, history.clusterData('send_rate')),
    delivery: timeChart(document.getElementById('chart-delivery'), {title: 'Commit → delivery',
      series: [{label: 'p50'}, {label: 'p99 (worst node)'}], unit: ms, threshold: t.delivery_p99_ms},
      history.clusterData('delivery_p50_ms', 'delivery_p99_ms')),
    read: timeChart(document.getElementById('chart-read'), {title: 'Read propagation',
      series: [{label: 'p50'}, {label: 'p99 (worst node)'}], unit: ms, threshold: t.read_propagation_p99_ms},
      history.clusterData('read_propagation_p50_ms', 'read_propagation_p99_ms')),
    connections: timeChart(document.getElementById('chart-connections'), {title: 'Connections per node',
      series: connections.ids.map(id => ({label: id})), unit: v => number(v), counts: true}, connections.data),
    errors: timeChart(document.getElementById('chart-errors'), {title: 'Errors per second',
      series: [{label: 'Redis/PostgreSQL'}, {label: 'ack failures'}, {label: 'slow consumers'}, {label: 'push failures'}],
      unit: perSecond}, history.clusterData('error_rate', 'ack_failure_rate', 'slow_consumer_rate', 'push_failure_rate')),
    loop: timeChart(document.getElementById('chart-loop'), {title: 'Event-loop lag per node',
      series: loop.ids.map(id => ({label: id})), unit: ms, threshold: t.event_loop_lag_ms}, loop.data)
  };
  const nodeIds = connections.ids.join();
  return {
    every: data.interval_ms,
    refresh: async () => {
      const [fresh] = await Promise.all([api('/overview'), history.poll()]);
      drawCards(fresh);
      const perNode = history.perNode('connections');
      if (perNode.ids.join() !== nodeIds) {
        window.dispatchEvent(new HashChangeEvent('hashchange'));
        return;
      }
      charts.rate.update(history.clusterData('send_rate'));
      charts.delivery.update(history.clusterData('delivery_p50_ms', 'delivery_p99_ms'));
      charts.read.update(history.clusterData('read_propagation_p50_ms', 'read_propagation_p99_ms'));
      charts.connections.update(perNode.data);
      charts.errors.update(history.clusterData('error_rate', 'ack_failure_rate', 'slow_consumer_rate', 'push_failure_rate'));
      charts.loop.update(history.perNode('event_loop_lag_ms').data);
    }
  };
}
