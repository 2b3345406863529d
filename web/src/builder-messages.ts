// The texts of the connector builder's additions and of the project editor, spread into the dictionaries in i18n.ts.

export const builderEn = {
  'project.title': '{file} does not load',
  'project.intro': 'Every page needs the project, so it is shown here to fix. The problems are marked in the gutter.',
  'project.issues': 'Problems',
  'project.goTo': 'Go to line {line}',
  'project.save': 'Save and check',
  'project.checkAgain': 'Check again',
  'project.adminOnly': 'Only the admin token may edit sluice.yaml here: fix the file where it lives, then check again.',
  'project.editor': 'sluice.yaml',

  'schema.invalidValue': '“{value}” is not a valid {name}: choose one of {options}.',

  'preview.fromSync': 'Sample rows from a sync',
  'preview.loadSample': 'Load sample rows',
  'preview.loadingSample': 'Loading…',
  'preview.sampleLoaded': '{count} rows of {sync} loaded.',
  'preview.confirmTitle': 'Send to a real API?',
  'preview.confirmText': 'This sends {method} {url} to {host}, which is not a local test server: it may create or change real data.',
  'preview.confirmSend': 'Send it',
  'preview.cancel': 'Cancel',
};

export const builderJa: Record<keyof typeof builderEn, string> = {
  'project.title': '{file} を読み込めません',
  'project.intro': 'どのページもプロジェクトを必要とするため、ここで修正できるように表示しています。問題のある行は左端に印が付いています。',
  'project.issues': '問題',
  'project.goTo': '{line} 行目へ移動',
  'project.save': '保存して確認',
  'project.checkAgain': 'もう一度確認',
  'project.adminOnly': 'ここで sluice.yaml を編集できるのは管理者トークンだけです。ファイルを直接直してから、もう一度確認してください。',
  'project.editor': 'sluice.yaml',

  'schema.invalidValue': '「{value}」は {name} として正しくありません。{options} から選んでください。',

  'preview.fromSync': '同期のサンプル行',
  'preview.loadSample': 'サンプル行を読み込む',
  'preview.loadingSample': '読み込み中…',
  'preview.sampleLoaded': '{sync} の {count} 行を読み込みました。',
  'preview.confirmTitle': '実際の API に送信しますか？',
  'preview.confirmText': '{host} に {method} {url} を送信します。ローカルのテスト サーバーではないため、実際のデータが作成・変更される場合があります。',
  'preview.confirmSend': '送信する',
  'preview.cancel': 'キャンセル',
};
