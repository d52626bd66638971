/** Copies a text to the clipboard; says so, or asks to copy by hand where the browser refuses. */
import type { JSX } from 'preact';
import { useToast } from './ui.js';

export function CopyButton(props: { text: string; label: string }): JSX.Element {
  const toast = useToast();
  return (
    <button
      type="button"
      onClick={() => {
        const refused = (): void => toast('The browser refused the clipboard: select the text and copy it.');
        // No clipboard API on plain http other than localhost.
        if (!navigator.clipboard) refused();
        else navigator.clipboard.writeText(props.text).then(() => toast('Copied.'), refused);
      }}
    >
      {props.label}
    </button>
  );
}
