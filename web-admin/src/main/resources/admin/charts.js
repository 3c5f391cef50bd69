// Charts over uPlot (loaded from its WebJar as the global uPlot): time series whose legend shows the
// newest values while the pointer is elsewhere (never "--"), with times in the browser's zone, and a
// bar chart of counts whose bars sit whole inside the plot and whose axis counts in whole numbers.
// Each chart's element carries data-points (how many points it draws) and data-from (its first time,
// epoch ms), which the browser tests read.

import {clockText, escape, number} from './format.js';

const COLORS = ['#1f6feb', '#c62828', '#2e7d32', '#8e24aa', '#ef6c00', '#00838f', '#6d4c41', '#546e7a'];
const THRESHOLD = '#e0a100';
const WHOLE = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 1e6, 1e7];

/** Keeps the legend on the newest point whenever the pointer is not over the plot. */
function newestInLegend() {
  const show = u => {
    const last = u.data[0].length - 1;
    const hovering = u.cursor.left != null && u.cursor.left >= 0;
    if (!hovering && last >= 0 && u.legend.idx !== last) {
      u.setLegend({idx: last}, false);
    }
  };
  return {hooks: {ready: show, setData: show, setLegend: show}};
}

function width(element) {
  return Math.max(320, Math.floor(element.getBoundingClientRect().width || 420) - 16);
}

const hoursMinutes = new Intl.DateTimeFormat('en-GB', {hour: '2-digit', minute: '2-digit', hourCycle: 'h23'});
const zone = new Intl.DateTimeFormat('en-GB', {timeZoneName: 'short'}).formatToParts(new Date())
  .find(part => part.type === 'timeZoneName').value;

/** Time ticks on a 24-hour clock, with seconds when the ticks are less than a minute apart. */
function timeTicks(u, ticks, axis, space, increment) {
  return ticks.map(t => increment < 60 ? clockText(t * 1000).split(' ')[0] : hoursMinutes.format(new Date(t * 1000)));
}

/**
 * A time chart: series [{label, color?, dash?}], values formatted by unit(v); data [[t seconds], [..], ...].
 * threshold (optional) draws a dashed line at that value, named in the legend; counts: whole-number ticks.
 */
export function timeChart(element, {title, series, unit = v => number(v, 2), threshold = null, counts = false}, data) {
  const lines = series.map((s, i) => ({label: s.label, stroke: s.color || COLORS[i % COLORS.length], width: 2,
    dash: s.dash, spanGaps: false, value: (u, v) => v == null ? '—' : unit(v)}));
  const withThreshold = threshold == null ? data : [...data, data[0].map(() => threshold)];
  if (threshold != null) {
    lines.push({label: 'threshold', stroke: THRESHOLD, width: 1, dash: [6, 4], points: {show: false},
      value: () => unit(threshold)});
  }
  const chart = new uPlot({
    title, width: width(element), height: 210, plugins: [newestInLegend()],
    cursor: {points: {size: 6}},
    scales: {y: {range: (u, min, max) => [0, Math.max(max || 0, threshold || 0, 1) * 1.1]}},
    series: [{label: 'time', value: (u, v) => v == null ? '—' : clockText(v * 1000)}, ...lines],
    axes: [{values: timeTicks, label: `time (${zone})`, labelSize: 18, labelFont: '11px system-ui'},
      {size: 60, values: (u, ticks) => ticks.map(unit), ...(counts ? {incrs: WHOLE} : {})}]
  }, withThreshold, element);
  const mark = points => {
    element.dataset.points = String(points[0].length);
    element.dataset.from = points[0].length ? String(points[0][0] * 1000) : '';
  };
  mark(data);
  return {
    update(next) {
      chart.setData(threshold == null ? next : [...next, next[0].map(() => threshold)]);
      mark(next);
    },
    destroy() {
      chart.destroy();
    }
  };
}

/**
 * Bars of whole counts per named bucket; bars listed in warn are drawn in the warning colour. The
 * legend names the series only: the counts are on the axis.
 */
export function barChart(element, {title, labels, counts, warn = () => false}) {
  const within = counts.map((c, i) => warn(i) || !c ? null : c);
  const beyond = counts.map((c, i) => warn(i) && c ? c : null);
  const bars = uPlot.paths.bars({size: [0.6, 80]});
  const chart = new uPlot({
    title, width: Math.min(720, width(element)), height: 230, legend: {live: false},
    scales: {x: {time: false, range: () => [-0.5, labels.length - 0.5]},
      y: {range: (u, min, max) => [0, Math.max(1, Math.ceil((max || 0) * 1.15))]}},
    axes: [
      {splits: () => labels.map((_, i) => i), values: (u, ticks) => ticks.map(i => labels[i] ?? ''), grid: {show: false}},
      {size: 50, incrs: WHOLE,
        values: (u, ticks) => ticks.map(v => Number.isInteger(v) ? number(v) : '')}
    ],
    series: [
      {label: 'lag', value: (u, i) => i == null ? '—' : labels[i] + ' events'},
      {label: 'devices', stroke: '#1f6feb', fill: 'rgba(31,111,235,.3)', paths: bars, points: {show: false},
        value: (u, v) => v == null ? '—' : number(v)},
      {label: 'devices, bucket past the threshold', stroke: '#c77700', fill: 'rgba(224,161,0,.45)', paths: bars,
        points: {show: false}, value: (u, v) => v == null ? '—' : number(v)}
    ]
  }, [labels.map((_, i) => i), within, beyond], element);
  element.dataset.points = String(labels.length);
  return chart;
}

/**
 * The cluster's figures over a time range: loads the range from /history, then appends what is new at
 * each poll and drops what fell out of the range. t is in seconds (uPlot's unit); figures by key.
 */
export class History {
  constructor(api, minutes) {
    this.api = api;
    this.minutes = minutes;
    this.t = [];
    this.cluster = {};
    this.nodes = {};
    this.missing = [];
  }

  async load() {
    this.t = [];
    this.cluster = {};
    this.nodes = {};
    this.append(await this.api(`/history?minutes=${this.minutes}`));
  }

  async poll() {
    const newest = this.t.length ? this.t[this.t.length - 1] * 1000 : 0;
    this.append(await this.api(`/history?minutes=${this.minutes}&since=${newest}`));
  }

  append(answer) {
    const before = this.t.length;
    this.missing = answer.missing || [];
    this.t.push(...answer.t.map(ms => ms / 1000));
    for (const [key, values] of Object.entries(answer.cluster)) {
      this.cluster[key] = (this.cluster[key] || new Array(before).fill(null)).concat(values);
    }
    for (const [node, figures] of Object.entries(answer.nodes)) {
      const own = this.nodes[node] || (this.nodes[node] = {});
      for (const [key, values] of Object.entries(figures)) {
        own[key] = (own[key] || new Array(before).fill(null)).concat(values);
      }
    }
    for (const own of Object.values(this.nodes)) {
      for (const key of Object.keys(own)) {
        while (own[key].length < this.t.length) own[key].push(null);
      }
    }
    const from = Date.now() / 1000 - this.minutes * 60;
    let drop = 0;
    while (drop < this.t.length && this.t[drop] < from) drop++;
    if (drop) {
      this.t.splice(0, drop);
      Object.values(this.cluster).forEach(values => values.splice(0, drop));
      Object.values(this.nodes).forEach(own => Object.values(own).forEach(values => values.splice(0, drop)));
    }
  }

  /** [t, cluster[key1], cluster[key2], ...] */
  clusterData(...keys) {
    return [this.t, ...keys.map(key => this.cluster[key] || this.t.map(() => null))];
  }

  /** [t, one column per node of key, mapped by fn], with the node ids. */
  perNode(key, fn = v => v) {
    const ids = Object.keys(this.nodes).sort();
    return {ids, data: [this.t, ...ids.map(node => (this.nodes[node][key] || []).map((v, i) => v == null ? null : fn(v, node, i)))]};
  }
}

/** The time-range choice: buttons 5 min and 1 h; calls back with the minutes chosen. */
export function rangePicker(element, minutes, choose) {
  const choices = [[5, '5 min'], [60, '1 h']];
  element.innerHTML = `<span class="muted">Range</span> ` + choices.map(([value, label]) =>
    `<button type="button" data-range="${value}" class="${value === minutes ? 'selected' : ''}" aria-pressed="${value === minutes}">${escape(label)}</button>`).join('');
  element.querySelectorAll('[data-range]').forEach(button => button.addEventListener('click', () => choose(Number(button.dataset.range))));
}
