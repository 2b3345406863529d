import { useI18n, type Lang } from '../i18n.js';
import { AppLink } from './app-link.js';

const sections = [
  { to: '/connectors', label: 'nav.connectors' },
  { to: '/connections', label: 'nav.connections' },
  { to: '/syncs', label: 'nav.syncs' },
  { to: '/runs', label: 'nav.runs' },
] as const;

/** The left navigation: the four sections, the language switch, sign out. */
export function Sidebar(props: { path: string; onSignOut: () => void }) {
  const { t, lang, setLang } = useI18n();
  const languages: [Lang, string][] = [
    ['en', 'EN'],
    ['ja', '日本語'],
  ];
  return (
    <nav className="sidebar" aria-label={t('nav.label')}>
      <div className="brand">
        <span className="brand-mark">≋</span> Sluice
      </div>
      <ul>
        {sections.map((s) => (
          <li key={s.to}>
            <AppLink to={s.to} className={props.path.startsWith(s.to) ? 'active' : ''} testId={`nav-${s.to.slice(1)}`}>
              {t(s.label)}
            </AppLink>
          </li>
        ))}
      </ul>
      <div className="sidebar-foot">
        <div className="lang-switch" role="group" aria-label={t('nav.language')}>
          {languages.map(([code, label]) => (
            <button key={code} type="button" className={lang === code ? 'active' : ''} aria-pressed={lang === code} onClick={() => setLang(code)}>
              {label}
            </button>
          ))}
        </div>
        <button type="button" className="link-button" onClick={props.onSignOut}>
          {t('nav.signOut')}
        </button>
      </div>
    </nav>
  );
}
