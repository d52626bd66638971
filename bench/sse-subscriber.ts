/**
 * One realtime subscriber (SSE, as a guest) kept connected during the create scenario, so writes
 * pay for the fan-out on every target: GET /api/realtime, the client id from `PB_CONNECT`, then
 * POST /api/realtime with the subscription. Counts the event frames it receives.
 */
export interface SseSubscriber {
  /** Frames received after the subscription (PB_CONNECT not counted). */
  readonly events: number;
  close(): void;
}

export async function subscribe(url: string, topic: string, timeoutMs = 10_000): Promise<SseSubscriber> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const res = await fetch(`${url}/api/realtime`, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
  if (!res.ok || !res.body) throw new Error(`GET /api/realtime answered ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let clientId: string | undefined;
  while (clientId === undefined) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the realtime stream ended before PB_CONNECT');
    buffered += decoder.decode(value, { stream: true });
    clientId = /"clientId":"([^"]+)"/.exec(buffered)?.[1];
  }
  clearTimeout(timer);
  const state = { events: 0, closed: false };
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const text = decoder.decode(value, { stream: true });
        for (let i = text.indexOf('data:'); i >= 0; i = text.indexOf('data:', i + 5)) state.events++;
      }
    } catch {
      // aborted on close
    }
  })();
  const sub = await fetch(`${url}/api/realtime`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId, subscriptions: [topic] }),
  });
  if (sub.status !== 204 && sub.status !== 200) {
    controller.abort();
    throw new Error(`POST /api/realtime answered ${sub.status}: ${await sub.text()}`);
  }
  return {
    get events() {
      return state.events;
    },
    close() {
      if (!state.closed) {
        state.closed = true;
        controller.abort();
      }
    },
  };
}
