import type { ApiErrorCode } from '../../src/api/api-error-body.js';

/** The UI's languages, as i18n.ts's Lang (not imported from it: that file needs the DOM, and Node tests load this one). */
type Lang = 'en' | 'ja';

/**
 * The server's error messages users meet most, in the languages other than English, by the answer's stable code and
 * params. English shows the server's own message: it is the text CLI and API users read, and it carries more (the
 * nearest name, the names there are). Codes not listed here show the server's message in every language.
 */
const translated: Record<Exclude<Lang, 'en'>, Partial<Record<ApiErrorCode, string>>> = {
  ja: {
    invalid_project: '{file} に {count} 件の問題があり、プロジェクトを読み込めません。',
    invalid_config: '{file} に {count} 件の設定の問題があります。',
    invalid_input: '{where} の値が正しくありません: {detail}',
    unknown_name: '{what}「{name}」はありません。',
    already_running: '{what}「{name}」はすでに実行中です（実行 {run}）。',
    unauthorized: 'API トークンがないか、正しくありません。もう一度サインインしてください。',
    admin_only: 'この操作はプロジェクトを変更するため、管理者トークンが必要です（オペレーター トークンでできるのは閲覧、プレビュー、実行、再送です）。',
  },
};

/** What the `what` param names, in each language (an unlisted one shows as sent). */
const things: Record<Exclude<Lang, 'en'>, Record<string, string>> = {
  ja: { sync: '同期', connection: '接続', connector: 'コネクタ', pipeline: 'パイプライン', run: '実行', endpoint: 'エンドポイント' },
};

/** A server error as the user reads it in `lang`: the translation of its code with its params, or the server's message. */
export function serverErrorText(error: { message: string; code?: ApiErrorCode | undefined; params?: Record<string, string | number> }, lang: Lang): string {
  if (lang === 'en' || !error.code) return error.message;
  const template = translated[lang][error.code];
  if (!template) return error.message;
  const params = error.params ?? {};
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!(name in params)) return whole;
    const value = String(params[name]);
    return name === 'what' ? (things[lang][value] ?? value) : value;
  });
}

/**
 * Why a run ended, in the languages other than English, by the code the API adds beside its English `error`
 * (src/sync/run-end-messages.ts makes the English text and reads it back into code and params).
 */
const runEnds: Record<Exclude<Lang, 'en'>, Record<string, string>> = {
  ja: {
    failed_rows: '{planned} 行中 {failed} 行が失敗しました（on_error.max_failed_rows: {limit}）',
    failed_again: '{planned} 行中 {failed} 行が再び失敗しました',
    invalid_rows: '{planned} 行中 {invalid} 行が不正です（on_error.max_invalid_rows: {limit}）',
    invalid_again: '{planned} 行中 {invalid} 行が再び不正でした',
    api_unavailable: 'API を利用できません: {detail}',
    stopped_lost_contact: '実行は完了せずに停止しました（プロセスが終了したか、連絡が途絶えました）',
    stopped_lease_expired: '実行は完了せずに停止しました（プロセスが終了したか、連絡が途絶えました。リースは {at} に期限切れ）',
    stopped_process_ended: '実行は完了せずに停止しました（{host} のプロセス {pid} が終了しました）',
    lease_taken: '{lease} のリースが期限切れになり、別の実行に引き継がれました。2 つの実行が同じ行を送らないよう、この実行は停止しました',
    lease_taken_by_attempt: '{lease} のリースが期限切れになり、別の試行に引き継がれました。2 つの実行が同じ行を送らないよう、この実行は停止しました',
    lease_not_renewed_because: '{lease} のリースを期限内に更新できませんでした（{detail}）。2 つの実行が同じ行を送らないよう、この実行は停止しました',
    lease_not_renewed: '{lease} のリースを期限内に更新できませんでした。2 つの実行が同じ行を送らないよう、この実行は停止しました',
    ended_meanwhile_because: 'その間に実行が終了しました（{status}: {detail}）。2 つの実行が同じ行を送らないよう、この実行は停止しました',
    ended_meanwhile: 'その間に実行が終了しました（{status}）。2 つの実行が同じ行を送らないよう、この実行は停止しました',
    partition_unfinished: 'パーティション {partition}/{partitions} が完了しませんでした',
    queue_job_failed: '実行のキュー ジョブが最終的に失敗しました: {detail}',
    step_failed: 'ステップ「{step}」が失敗しました: {detail}',
    write_back_failed: '同期 {sync}: テーブル {table}（接続 {connection}）への write_back が {count} 行で失敗しました: {detail}。配信はすべて台帳に記録されています（sluice sync records {sync}）',
    cancelled: '実行はキャンセルされました',
  },
};

/** A status param (`ended_meanwhile`'s), in each language. */
const statuses: Record<Exclude<Lang, 'en'>, Record<string, string>> = {
  ja: { queued: '待機中', running: '実行中', succeeded: '成功', failed: '失敗', cancelled: 'キャンセル' },
};

/** A param longer than this is cut where a translated run end shows it (the English text is the whole record). */
export const MAX_RUN_END_PARAM_CHARS = 2000;

/** The error of a run (or of its outcome) as the API returns it: the English text, and its code and params when it has one. */
export interface RunErrorOf {
  error?: string | null;
  errorCode?: string | null;
  errorParams?: Record<string, string | number> | null;
  /** The code and params of the `detail` param, when it is a run end too: it is translated in turn. */
  errorDetail?: { code: string; params: Record<string, string | number> } | null;
}

/**
 * A run's error as the user reads it in `lang`: its code's translation with its params, or the English text (English,
 * or a code this UI does not know, or a param missing). Params go in as plain text: a `{name}` in a value stays as is.
 */
export function runErrorText(run: RunErrorOf, lang: Lang): string | null {
  const english = run.error ?? null;
  if (lang === 'en' || !english || !run.errorCode) return english;
  const template = Object.hasOwn(runEnds[lang], run.errorCode) ? runEnds[lang][run.errorCode] : undefined;
  const params = run.errorParams ?? {};
  if (!template) return english;
  const detail = run.errorDetail && typeof params.detail === 'string'
    ? runErrorText({ error: params.detail, errorCode: run.errorDetail.code, errorParams: run.errorDetail.params }, lang)
    : null;
  let missing = false;
  const text = template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!Object.hasOwn(params, name)) {
      missing = true;
      return whole;
    }
    const value = String(params[name]);
    if (name === 'status') return statuses[lang][value] ?? value;
    if (name === 'detail' && detail !== null) return detail;
    return value.length > MAX_RUN_END_PARAM_CHARS ? `${value.slice(0, MAX_RUN_END_PARAM_CHARS)}…` : value;
  });
  return missing ? english : text;
}
