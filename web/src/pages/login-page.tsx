import { useState } from 'react';
import { useI18n } from '../i18n.js';

/** Asks for the API token once (`sluice serve` prints it); it is kept in this browser. */
export function LoginPage(props: { refused: boolean; onLogin: (token: string) => void }) {
  const { t } = useI18n();
  const [value, setValue] = useState('');
  return (
    <div className="login">
      <form
        className="card login-card"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) props.onLogin(value.trim());
        }}
      >
        <h1>
          <span className="brand-mark">≋</span> Sluice
        </h1>
        <p className="muted">{t('login.help')}</p>
        {props.refused && (
          <div className="error-box" role="alert">
            {t('login.refused')}
          </div>
        )}
        <label>
          {t('login.token')}
          <input type="password" autoFocus value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" name="token" />
        </label>
        <button type="submit" className="primary">
          {t('login.submit')}
        </button>
      </form>
    </div>
  );
}
