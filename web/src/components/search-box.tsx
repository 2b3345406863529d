import { useI18n } from '../i18n.js';

/** A search field above a list: a labelled `type=search` input whose words must all match. */
export function SearchBox(props: { value: string; onChange: (value: string) => void; label?: string; placeholder?: string; testId?: string }) {
  const { t } = useI18n();
  return (
    <input
      type="search"
      className="search-box"
      aria-label={props.label ?? t('list.search')}
      placeholder={props.placeholder ?? t('list.searchPlaceholder')}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
      data-testid={props.testId ?? 'list-search'}
      maxLength={200}
    />
  );
}
