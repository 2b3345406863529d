import { describe, expect, it } from 'vitest';
import { parseEventChunk, readEventStream, type StreamEvent } from '../../web/src/read-event-stream.js';

/** A response body that arrives in the given pieces, as a network would split it. */
function body(pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const p of pieces) controller.enqueue(encoder.encode(p));
      controller.close();
    },
  });
}

describe('reading Server-Sent Events from a fetch body', () => {
  it('keeps an event split across chunks until its blank line arrives', () => {
    const first = parseEventChunk('event: progress\ndata: {"sent":1');
    expect(first.events).toEqual([]);
    const second = parseEventChunk(first.rest + '}\n\nevent: done\ndata: {}\n\n');
    expect(second.events).toEqual([
      { event: 'progress', data: '{"sent":1}' },
      { event: 'done', data: '{}' },
    ]);
    expect(second.rest).toBe('');
  });

  it('skips comments (keep-alives), joins multi-line data, accepts CRLF, defaults the event name to message', () => {
    const { events } = parseEventChunk(': keep-alive\n\r\ndata: a\r\ndata: b\r\n\r\nevent:done\ndata:x\n\n');
    expect(events).toEqual([
      { event: 'message', data: 'a\nb' },
      { event: 'done', data: 'x' },
    ]);
  });

  it('decodes UTF-8 split inside a character and delivers every event of the stream in order', async () => {
    const text = 'event: progress\ndata: {"sync":"顧客"}\n\nevent: done\ndata: {"ok":true}\n\n';
    const bytes = new TextEncoder().encode(text);
    const cut = new TextEncoder().encode(text.slice(0, text.indexOf('顧'))).length + 1; // inside the 3 bytes of 顧
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, cut));
        controller.enqueue(bytes.slice(cut));
        controller.close();
      },
    });
    const seen: StreamEvent[] = [];
    await readEventStream(stream, (e) => seen.push(e));
    expect(seen).toEqual([
      { event: 'progress', data: '{"sync":"顧客"}' },
      { event: 'done', data: '{"ok":true}' },
    ]);
  });

  it('delivers a last event that has no trailing blank line when the stream ends', async () => {
    const seen: StreamEvent[] = [];
    await readEventStream(body(['event: done\n', 'data: {"run":null}']), (e) => seen.push(e));
    expect(seen).toEqual([{ event: 'done', data: '{"run":null}' }]);
  });
});
