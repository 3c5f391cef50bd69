/**
 * The device's attention (docs/protocol.md, "attention"): how present the user is, which the server
 * uses to decide where to push. A page follows its own: hidden or without focus is background;
 * visible and focused is focused, or idle after idleAfterMs without input. The device
 * declares the most attentive of its tabs, after each welcome and on each change that holds still
 * for a moment, and only when it differs from what the connection was last told.
 */

import { ErrorCode } from './codes.js';
import type { LockstepError } from './errors.js';
import type { Attention } from './types.js';

const LEAST_TO_MOST: readonly Attention[] = ['idle', 'background', 'focused'];
const DEBOUNCE_MS = 250;
const INPUT_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'];

export function isAttention(value: unknown): value is Attention {
  return LEAST_TO_MOST.includes(value as Attention);
}

export function mostAttentive(states: Iterable<Attention | undefined>): Attention | undefined {
  let best: Attention | undefined;
  for (const state of states) {
    if (state && (!best || LEAST_TO_MOST.indexOf(state) > LEAST_TO_MOST.indexOf(best))) best = state;
  }
  return best;
}

/** What a page offers to watch (the browser's window and document). */
export interface PageLike {
  document: { visibilityState: string; hasFocus(): boolean } & Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  addEventListener: EventTarget['addEventListener'];
  removeEventListener: EventTarget['removeEventListener'];
}

/**
 * Follows the page's attention and calls onChange with each new value (undefined when the page is
 * hidden for good, `pagehide`); answers the function that stops watching.
 */
export function watchPage(onChange: (state: Attention | undefined) => void, idleAfterMs: number, page: PageLike): () => void {
  const { document } = page;
  let lastInput = Date.now();
  let current: Attention | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const update = () => {
    clearTimeout(timer);
    const quietMs = Date.now() - lastInput;
    const inFront = document.visibilityState === 'visible' && document.hasFocus();
    const next: Attention = !inFront ? 'background' : quietMs < idleAfterMs ? 'focused' : 'idle';
    if (next === 'focused') timer = setTimeout(update, idleAfterMs - quietMs);
    if (next !== current) onChange((current = next));
  };
  const input = () => {
    lastInput = Date.now();
    if (current === 'idle') update();
  };
  const attend = () => {
    lastInput = Date.now();
    update();
  };
  const hide = () => {
    clearTimeout(timer);
    onChange((current = undefined));
  };
  const detach: Array<() => void> = [];
  const on = (target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>, name: string, listener: () => void, options?: AddEventListenerOptions) => {
    target.addEventListener(name, listener, options);
    detach.push(() => target.removeEventListener(name, listener, options));
  };
  INPUT_EVENTS.forEach((name) => on(page, name, input, { passive: true, capture: true }));
  on(page, 'focus', attend);
  on(page, 'blur', update);
  on(page, 'pagehide', hide);
  on(document, 'visibilitychange', attend);
  update();
  return () => {
    clearTimeout(timer);
    detach.forEach((off) => off());
  };
}

/** Tells the connection the device's attention: debounced, only changes, again after each welcome. */
export class AttentionSender {
  private wanted: Attention | undefined;
  private sent: Attention | undefined;
  private sending = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private send: ((state: Attention) => Promise<unknown>) | undefined;

  constructor(private readonly onError: (error: LockstepError) => void) {}

  get current(): Attention | undefined {
    return this.wanted;
  }

  set(state: Attention): void {
    this.wanted = state;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), DEBOUNCE_MS);
  }

  /** A connection was welcomed: it has not been told anything yet. */
  connected(send: (state: Attention) => Promise<unknown>): void {
    this.send = send;
    this.sent = undefined;
    this.sending = false;
    this.flush();
  }

  disconnected(): void {
    this.send = undefined;
    clearTimeout(this.timer);
  }

  private flush(): void {
    const { wanted, send } = this;
    if (!send || !wanted || wanted === this.sent || this.sending) return;
    this.sending = true;
    this.sent = wanted;
    send(wanted).then(() => undefined, (error: LockstepError) => {
      // a server without attention says unknown_type: stop telling this connection
      if (error.code === ErrorCode.unknownType) this.send = undefined;
      else if (error.code !== ErrorCode.connectionLost) this.onError(error);
    }).then(() => {
      if (this.send !== send) return;
      this.sending = false;
      this.flush();
    });
  }
}
