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
