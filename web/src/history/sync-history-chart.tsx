import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { RunRecord, RunsPage } from '../../../src/api/runs.js';
import { api } from '../api-client.js';
import { AppLink } from '../components/app-link.js';
import { ErrorBox } from '../components/error-box.js';
import { formatDuration } from '../format-duration.js';
import { formatTime } from '../format-time.js';
import { useI18n } from '../i18n.js';

/** How many of the latest runs the chart shows. */
const RUNS = 100;

interface Series {
  label: string;
  color: string;
  values: number[];
}

/**
 * The run each retry sent again, by id: as the server links them (GET /api/runs/:id), the newest run before the retry
 * that rejected rows. `runs` is oldest first.
 */
function retriedRuns(runs: RunRecord[]): Map<string, string> {
  const links = new Map<string, string>();
  let lastRejecting: string | null = null;
  for (const r of runs) {
    if (r.kind === 'retry' && lastRejecting) links.set(r.id, lastRejecting);
    if (r.counts.failed + r.counts.invalid > 0) lastRejecting = r.id;
  }
  return links;
}

/** Steps between the time axis's ticks, in seconds: whole seconds at least (runs seconds apart had a tick every 250 ms). */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000, 7776000, 31536000];

/** The time axis's tick labels in the user's language (uPlot's own are American: "12/7/26 11:31pm"), as fine as the ticks are apart. */
const timeLabels = (lang: string) => (_u: uPlot, ticks: number[]) => {
  const apart = ticks.length > 1 ? ticks[1]! - ticks[0]! : 86400;
  const parts: Intl.DateTimeFormatOptions =
    apart < 60 ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : apart < 86400 ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' } : { year: 'numeric', month: 'short', day: 'numeric' };
  return ticks.map((tick) => new Date(tick * 1000).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB', parts));
};

/** A CSS variable of the page (the palette follows prefers-color-scheme). */
const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/**
 * One uPlot chart over the runs' start times, as wide as its box. The canvas is an image to assistive technology
 * (`label` says what it shows); the numbers are in the table under the charts.
 */
function Chart(props: { x: number[]; series: Series[]; label: string; testId: string; format: (v: number) => string; lang: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--row-border') }, ticks: { stroke: cssVar('--row-border') } };
    const plot = new uPlot(
      {
        width: Math.max(240, el.clientWidth),
        height: 170,
        legend: { show: false },
        cursor: { drag: { x: true, y: false } },
        scales: {
          // Runs a moment apart (a run and its retry) are spread over a minute at least, so the axis has a time to show.
          x: { time: true, range: (_u, min, max) => (max - min < 60 ? [(min + max) / 2 - 30, (min + max) / 2 + 30] : [min, max]) },
          y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max * 1.1)] },
        },
        axes: [{ ...axis, incrs: TIME_STEPS, values: timeLabels(props.lang), space: 90 }, { ...axis, values: (_u, ticks) => ticks.map(props.format), size: 56 }],
        series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: true, size: 6, fill: s.color } }))],
      },
      [props.x, ...props.series.map((s) => s.values)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(240, el.clientWidth), height: 170 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.x, props.series, props.format, props.lang]);
  return <div className="chart" ref={box} role="img" aria-label={props.label} data-testid={props.testId} />;
}

/**
 * A sync's history: delivered, failed and invalid rows per run, and each run's duration, for its last 100 finished
 * runs (and retries). Loads again when `after` changes (the page's list of runs, after a run ends).
 */
export function SyncHistoryChart(props: { name: string; after?: unknown }) {
  const { t, lang } = useI18n();
  const [runs, setRuns] = useState<RunRecord[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [scheme, setScheme] = useState(() => window.matchMedia('(prefers-color-scheme: dark)').matches);

  useEffect(() => {
    let live = true;
    api<RunsPage>(`/api/runs?name=${encodeURIComponent(props.name)}&kind=sync&limit=${RUNS}`).then(
      (page) => {
        if (!live) return;
        setRuns(page.runs.filter((r) => r.finishedAt).reverse());
        setError(null);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [props.name, props.after]);

  // The colours come from the palette: drawn again when the scheme changes.
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => setScheme(media.matches);
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, []);

  const chart = useMemo(() => {
    if (!runs || runs.length === 0) return null;
    const seconds = (r: RunRecord) => (new Date(r.finishedAt!).getTime() - new Date(r.startedAt).getTime()) / 1000;
    return {
      x: runs.map((r) => new Date(r.startedAt).getTime() / 1000),
      rows: [
        { label: t('runs.delivered'), color: cssVar('--ok'), values: runs.map((r) => r.counts.delivered) },
        { label: t('runs.failed'), color: cssVar('--bad'), values: runs.map((r) => r.counts.failed) },
        { label: t('runs.invalid'), color: cssVar('--warn'), values: runs.map((r) => r.counts.invalid) },
      ],
      duration: [{ label: t('runs.duration'), color: cssVar('--accent'), values: runs.map(seconds) }],
      total: (k: 'delivered' | 'failed' | 'invalid') => runs.reduce((n, r) => n + r.counts[k], 0),
      longest: Math.max(...runs.map(seconds)),
      retryOf: retriedRuns(runs),
    };
    // `scheme` re-reads the palette's colours.
  }, [runs, t, scheme]);

  const whole = (v: number) => (Number.isInteger(v) ? String(v) : '');
  const secondsText = (v: number) => `${Number(v.toFixed(1))}`;

  return (
    <section className="card" data-testid="sync-history">
      <h2>{t('history.title')}</h2>
      <ErrorBox error={error} />
      {runs && runs.length === 0 && <p className="muted">{t('history.empty')}</p>}
      {chart && runs && (
        <>
          <p className="muted small" data-testid="history-summary">
            {t('history.summary', {
              count: runs.length,
              delivered: chart.total('delivered'),
              failed: chart.total('failed'),
              invalid: chart.total('invalid'),
              longest: formatDuration(chart.longest * 1000),
            })}
          </p>
          <div className="charts">
            <figure className="chart-figure">
              <figcaption className="chart-caption">
                {t('history.rows')}
                <span className="chart-legend">
                  {chart.rows.map((s) => (
                    <span key={s.label} className="legend-item">
                      <span className="legend-swatch" style={{ background: s.color }} aria-hidden="true" />
                      {s.label}
                    </span>
                  ))}
                </span>
              </figcaption>
              <Chart x={chart.x} series={chart.rows} label={t('history.rows')} testId="history-rows-chart" format={whole} lang={lang} />
            </figure>
            <figure className="chart-figure">
              <figcaption className="chart-caption">{t('history.duration')}</figcaption>
              <Chart x={chart.x} series={chart.duration} label={t('history.duration')} testId="history-duration-chart" format={secondsText} lang={lang} />
            </figure>
          </div>
          <details>
            <summary>{t('history.showTable')}</summary>
            <div className="scroll-x">
              <table className="table compact" data-testid="history-table">
                <thead>
                  <tr>
                    <th scope="col">{t('runs.run')}</th>
                    <th scope="col">{t('runs.started')}</th>
                    <th scope="col" className="num">{t('runs.delivered')}</th>
                    <th scope="col" className="num">{t('runs.failed')}</th>
                    <th scope="col" className="num">{t('runs.invalid')}</th>
                    <th scope="col" className="num">{t('runs.duration')}</th>
                  </tr>
                </thead>
                <tbody>
                  {runs.map((r, i) => (
                    <tr key={r.id} data-testid="history-run">
                      <td>
                        <AppLink to={`/runs/${encodeURIComponent(r.id)}`}>
                          <code className="small">{r.id}</code>
                        </AppLink>
                        {chart.retryOf.has(r.id) && (
                          <div className="muted small">
                            {t('run.retryOf')}{' '}
                            <AppLink to={`/runs/${encodeURIComponent(chart.retryOf.get(r.id)!)}`}>
                              <code className="small">{chart.retryOf.get(r.id)}</code>
                            </AppLink>
                          </div>
                        )}
                      </td>
                      <td className="nowrap">{formatTime(r.startedAt, lang)}</td>
                      <td className="num">{r.counts.delivered}</td>
                      <td className="num">{r.counts.failed}</td>
                      <td className="num">{r.counts.invalid}</td>
                      <td className="num">{formatDuration((chart.duration[0]!.values[i] ?? 0) * 1000)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}
