import { describe, expect, it } from 'vitest';
import { serverErrorText } from '../../web/src/server-messages.js';

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
