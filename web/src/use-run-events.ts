import { useEffect, useState } from 'react';
import { apiFetch } from './api-client.js';
import type { RunOutcome, RunProgress, RunRecord } from '../../src/api/runs.js';
import { readEventStream } from './read-event-stream.js';
import { isUnreachableError, reportUnreachable, useLoadAgainWhenBack } from './server-reachability.js';

/** What the UI knows of a run it follows: the latest progress, then the summary. */
export interface RunEvents {
  progress: RunProgress | null;
  summary: RunOutcome | null;
  error: unknown;
}

/** Progress as far as a run record tells it (a run started elsewhere is followed through its record). */
function progressOf(record: RunRecord): RunProgress {
  const { planned, delivered, failed } = record.counts;
  return { runId: record.id, sync: record.name, phase: 'sending', planned, sent: delivered + failed, delivered, failed, rate: 0, etaSeconds: null };
}

/**
 * Follows `GET /api/runs/:id/events` (SSE read through fetch, so the bearer header is sent) until `done`; a stream cut
 * off because the server went away is followed again when it answers.
 */
export function useRunEvents(runId: string | null): RunEvents {
  const [state, setState] = useState<RunEvents>({ progress: null, summary: null, error: null });
  const [attempt, setAttempt] = useState(0);
  useLoadAgainWhenBack(state.error, () => setAttempt((n) => n + 1));
  useEffect(() => {
    if (!runId) return;
    setState({ progress: null, summary: null, error: null });
    const controller = new AbortController();
    (async () => {
      const response = await apiFetch(`/api/runs/${encodeURIComponent(runId)}/events`, { signal: controller.signal });
      if (!response.body) throw new Error('the server sent no event stream');
      await readEventStream(response.body, (event) => {
        if (event.event === 'progress') setState((s) => ({ ...s, progress: JSON.parse(event.data) as RunProgress }));
        else if (event.event === 'record') setState((s) => ({ ...s, progress: progressOf(JSON.parse(event.data) as RunRecord) }));
        else if (event.event === 'done') setState((s) => ({ ...s, summary: JSON.parse(event.data) as RunOutcome }));
        else if (event.event === 'error') setState((s) => ({ ...s, error: new Error(event.data) }));
      });
    })().catch((e: unknown) => {
      if (controller.signal.aborted) return;
      // A stream cut off mid-way is a server gone too: the banner shows and retries.
      if (isUnreachableError(e)) reportUnreachable();
      setState((s) => ({ ...s, error: e }));
    });
    return () => controller.abort();
  }, [runId, attempt]);
  return state;
}
