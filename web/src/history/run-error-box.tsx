import { useI18n } from '../i18n.js';
import { runErrorText, type RunErrorOf } from '../server-messages.js';

/** Why a run ended, in the user's language (the English text when no translation fits); nothing when it has no error. */
export function RunErrorBox(props: { run: RunErrorOf }) {
  const { lang } = useI18n();
  const text = runErrorText(props.run, lang);
  if (!text) return null;
  return (
    <div className="error-box" data-testid="run-error">
      {text}
    </div>
  );
}
