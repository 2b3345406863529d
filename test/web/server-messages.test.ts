import { describe, expect, it } from 'vitest';
import { withRunEndCode } from '../../src/sync/run-end-messages.js';
import { MAX_RUN_END_PARAM_CHARS, runErrorText, serverErrorText } from '../../web/src/server-messages.js';

describe("the server's error messages, by code and params", () => {
  it('shows the server message in English (it names the nearest match) and a translation in Japanese', () => {
    const unknown = { message: 'no sync named "ordrs" (did you mean "orders"?)', code: 'unknown_name' as const, params: { what: 'sync', name: 'ordrs' } };
    expect(serverErrorText(unknown, 'en')).toBe('no sync named "ordrs" (did you mean "orders"?)');
    expect(serverErrorText(unknown, 'ja')).toBe('同期「ordrs」はありません。');
    expect(serverErrorText({ ...unknown, params: { what: 'connector', name: 'x' } }, 'ja')).toBe('コネクタ「x」はありません。');
  });

  it('translates the messages users see most', () => {
    const ja = (code: Parameters<typeof serverErrorText>[0]['code'], params: Record<string, string | number> = {}) => serverErrorText({ message: 'english', code, params }, 'ja');
    expect(ja('already_running', { what: 'sync', name: 'orders', run: 'r1' })).toBe('同期「orders」はすでに実行中です（実行 r1）。');
    expect(ja('invalid_project', { file: 'sluice.yaml', count: 2 })).toBe('sluice.yaml に 2 件の問題があり、プロジェクトを読み込めません。');
    expect(ja('invalid_config', { file: 'connectors/a.yaml', count: 1 })).toBe('connectors/a.yaml に 1 件の設定の問題があります。');
    expect(ja('invalid_input', { where: 'query.limit', detail: 'Too small' })).toBe('query.limit の値が正しくありません: Too small');
    expect(ja('unauthorized')).toContain('API トークン');
    expect(ja('admin_only')).toContain('管理者トークン');
  });

  it('keeps the server message for a code it does not translate, an answer without a code, or a missing param', () => {
    expect(serverErrorText({ message: 'run "r" is not running (succeeded)', code: 'conflict' }, 'ja')).toBe('run "r" is not running (succeeded)');
    expect(serverErrorText({ message: 'plain text' }, 'ja')).toBe('plain text');
    expect(serverErrorText({ message: 'm', code: 'unknown_name', params: { what: 'sync' } }, 'ja')).toBe('同期「{name}」はありません。');
  });

  it('inserts a hostile name as text, with no placeholder expanded from it', () => {
    const name = '<script>{what}</script>';
    expect(serverErrorText({ message: 'm', code: 'unknown_name', params: { what: 'sync', name } }, 'ja')).toBe('同期「<script>{what}</script>」はありません。');
  });
});

describe("a run's error, by the code and params the API reads from it", () => {
  const coded = (error: string) => withRunEndCode({ error });

  it('shows the English text in English, and its translation with the numbers in Japanese', () => {
    const partial = coded('1 of 3 rows failed (on_error.max_failed_rows: 0)');
    expect(runErrorText(partial, 'en')).toBe('1 of 3 rows failed (on_error.max_failed_rows: 0)');
    expect(runErrorText(partial, 'ja')).toBe('3 行中 1 行が失敗しました（on_error.max_failed_rows: 0）');
    expect(runErrorText(coded('2 of 2 rows invalid again'), 'ja')).toBe('2 行中 2 行が再び不正でした');
    expect(runErrorText(coded('the API is unavailable: 503 Service Unavailable after 2 attempts'), 'ja')).toBe('API を利用できません: 503 Service Unavailable after 2 attempts');
    expect(runErrorText(coded('the run ended meanwhile (cancelled); it stopped so that two runs never send the same rows'), 'ja')).toBe(
      'その間に実行が終了しました（キャンセル）。2 つの実行が同じ行を送らないよう、この実行は停止しました',
    );
    expect(runErrorText(coded('the run was cancelled'), 'ja')).toBe('実行はキャンセルされました');
    expect(runErrorText(coded('step "orders" failed: 1 of 3 rows failed (on_error.max_failed_rows: 0)'), 'ja')).toBe(
      'ステップ「orders」が失敗しました: 3 行中 1 行が失敗しました（on_error.max_failed_rows: 0）',
    );
    expect(runErrorText(coded('step "orders" failed: relation "x" does not exist'), 'ja')).toBe('ステップ「orders」が失敗しました: relation "x" does not exist');
  });

  it('keeps the English text for a text without a code, a code this UI does not know, or a param missing', () => {
    expect(runErrorText(coded('relation "orders" does not exist'), 'ja')).toBe('relation "orders" does not exist');
    expect(runErrorText({ error: 'a newer server says so', errorCode: 'from_a_newer_server', errorParams: {} }, 'ja')).toBe('a newer server says so');
    expect(runErrorText({ error: 'x', errorCode: 'toString', errorParams: {} }, 'ja')).toBe('x');
    expect(runErrorText({ error: '1 of 3 rows failed again', errorCode: 'failed_again', errorParams: { failed: 1 } }, 'ja')).toBe('1 of 3 rows failed again');
    expect(runErrorText({ error: null }, 'ja')).toBeNull();
  });

  it('inserts hostile params as text, with no placeholder expanded from them, and cuts a very long one', () => {
    const step = `"quoted" <b>step</b> {detail} {{ row.x }}`;
    const detail = `<img src=x onerror=alert(1)> {step} ${'x'.repeat(5000)}`;
    const shown = runErrorText(coded(`step "${step}" failed: ${detail}`), 'ja')!;
    expect(shown).toBe(`ステップ「${step}」が失敗しました: ${detail.slice(0, MAX_RUN_END_PARAM_CHARS)}…`);
  });
});
