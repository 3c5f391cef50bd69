/**
 * Lossless JSON for frames. Hybrid-clock stamps (`hlc`, `server_hlc`) exceed 2^53, where a JSON
 * number loses digits. Before JSON.parse, a scanner wraps those numbers in marked strings (it skips
 * `body` and `value`, which carry the app's own JSON); after it, marked strings become BigInt.
 * Encoding writes BigInt values back as plain JSON numbers.
 */

const EXACT_KEYS = new Set(['hlc', 'server_hlc']);
const OPAQUE_KEYS = new Set(['body', 'value']);
const MARK = '\uE000';

export function parseFrame(text: string): Record<string, any> {
  const parsed = JSON.parse(protectStamps(text));
  return restoreStamps(parsed) as Record<string, any>;
}

/** JSON text of a frame; BigInt values are written as exact integers. */
export function encodeFrame(frame: unknown): string {
  const stamps: bigint[] = [];
  const text = JSON.stringify(frame, (_key, value) => {
    if (typeof value === 'bigint') {
      stamps.push(value);
      return `${MARK}${stamps.length - 1}${MARK}`;
    }
    return value;
  });
  if (stamps.length === 0) return text;
  return text.replace(new RegExp(`"${MARK}(\\d+)${MARK}"`, 'g'), (_match, index) => stamps[Number(index)].toString());
}

function protectStamps(text: string): string {
  let out = '';
  let copiedTo = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c !== 0x22) {
      i++;
      continue;
    }
    const end = stringEnd(text, i);
    const key = text.slice(i + 1, end);
    let j = skipSpace(text, end + 1);
    if (text.charCodeAt(j) !== 0x3a) {
      i = end + 1;
      continue;
    }
    j = skipSpace(text, j + 1);
    if (OPAQUE_KEYS.has(key)) {
      i = valueEnd(text, j);
      continue;
    }
    if (EXACT_KEYS.has(key)) {
      const numberEnd = scanInteger(text, j);
      if (numberEnd > j) {
        out += `${text.slice(copiedTo, j)}"${MARK}${text.slice(j, numberEnd)}"`;
        copiedTo = numberEnd;
        i = numberEnd;
        continue;
      }
    }
    i = j;
  }
  return copiedTo === 0 ? text : out + text.slice(copiedTo);
}

function restoreStamps(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restoreStamps(value[i]);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      const field = object[key];
      if (OPAQUE_KEYS.has(key)) continue;
      if (EXACT_KEYS.has(key) && typeof field === 'string' && field.startsWith(MARK)) {
        object[key] = BigInt(field.slice(1));
      } else if (field !== null && typeof field === 'object') {
        restoreStamps(field);
      }
    }
  }
  return value;
}

/** Index of the quote that closes the string opening at start. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i;
    else i++;
  }
  return text.length;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  return i;
}

function scanInteger(text: string, from: number): number {
  let i = from;
  if (text[i] === '-') i++;
  while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
  const next = text[i];
  return next === '.' || next === 'e' || next === 'E' ? from : i;
}

/** Index just after the JSON value starting at from (strings, objects and arrays skipped whole). */
function valueEnd(text: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i = stringEnd(text, i) + 1;
      if (depth === 0) return i;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) return i;
      depth--;
      if (depth === 0) return i + 1;
    } else if (depth === 0 && (c === ',')) return i;
    i++;
  }
  return i;
}
