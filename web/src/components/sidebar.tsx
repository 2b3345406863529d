import { useEffect, useState } from 'react';
import { useI18n, type Lang } from '../i18n.js';
import { AppLink } from './app-link.js';

const sections = [
  { to: '/connectors', label: 'nav.connectors' },
  { to: '/connections', label: 'nav.connections' },
  { to: '/syncs', label: 'nav.syncs' },
  { to: '/pipelines', label: 'nav.pipelines' },
  { to: '/schedules', label: 'nav.schedules' },
  { to: '/runs', label: 'nav.runs' },
] as const;

/**
 * The left navigation: the sections, the language switch, sign out. On a phone it is a top bar whose menu button
 * opens the same navigation (styles.css hides the button on wider screens).
 */
export function Sidebar(props: { path: string; onSignOut: () => void }) {
  const { t, lang, setLang } = useI18n();
  const languages: [Lang, string][] = [
    ['en', 'EN'],
    ['ja', '日本語'],
  ];
  const [open, setOpen] = useState(false);
  // A link followed closes the menu, so the page it opens is not hidden under it.
  useEffect(() => setOpen(false), [props.path]);
  return (
    <nav className={open ? 'sidebar open' : 'sidebar'} aria-label={t('nav.label')}>
      <div className="sidebar-bar">
        <div className="brand">
          <span className="brand-mark">≋</span> Sluice
        </div>
        <button type="button" className="menu-button" aria-expanded={open} aria-controls="sidebar-menu" onClick={() => setOpen(!open)}>
          {t('nav.menu')}
        </button>
      </div>
      <div className="sidebar-menu" id="sidebar-menu">
        <ul>
          {sections.map((s) => (
            <li key={s.to}>
              <AppLink to={s.to} className={props.path.startsWith(s.to) ? 'active' : ''} testId={`nav-${s.to.slice(1)}`} current={props.path.startsWith(s.to)}>
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
      </div>
    </nav>
  );
}
