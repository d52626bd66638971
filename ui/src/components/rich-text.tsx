/**
 * A light rich-text editor for `editor` fields: contenteditable with a few commands. The HTML is
 * stored as is; the server side is responsible for what it accepts (PocketBase stores it raw too).
 */
import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

const COMMANDS: Array<[string, string, string]> = [
  ['bold', 'B', 'Bold'],
  ['italic', 'I', 'Italic'],
  ['insertUnorderedList', '•', 'Bulleted list'],
  ['insertOrderedList', '1.', 'Numbered list'],
  ['formatBlock:h3', 'H', 'Heading'],
  ['createLink', 'Link', 'Link'],
  ['removeFormat', 'Clear', 'Clear formatting'],
];

export function RichText(props: { id: string; label: string; value: string; onInput: (html: string) => void }): JSX.Element {
  const area = useRef<HTMLDivElement>(null);
  // The DOM is the editor's state while it has the focus: a render can lag behind fast keystrokes,
  // and writing an older value back would move the caret. Outside values land when it is blurred.
  useEffect(() => {
    const el = area.current;
    if (el && document.activeElement !== el && el.innerHTML !== props.value) el.innerHTML = props.value;
  }, [props.value]);
  const emit = (html: string): void => props.onInput(html);
  const run = (cmd: string): void => {
    area.current?.focus();
    const [name, arg] = cmd.split(':');
    if (name === 'createLink') {
      const url = window.prompt('Link URL');
      if (url) document.execCommand('createLink', false, url);
    } else {
      document.execCommand(name!, false, arg);
    }
    emit(area.current?.innerHTML ?? '');
  };
  return (
    <div class="rte">
      <div class="bar" role="toolbar" aria-label={`${props.label} formatting`}>
        {COMMANDS.map(([cmd, text, title]) => (
          <button key={cmd} type="button" title={title} aria-label={title} onMouseDown={(e) => e.preventDefault()} onClick={() => run(cmd)}>
            {text}
          </button>
        ))}
      </div>
      <div
        id={props.id}
        ref={area}
        class="area"
        contentEditable
        role="textbox"
        aria-multiline="true"
        aria-label={props.label}
        onInput={(e) => emit(e.currentTarget.innerHTML)}
      />
    </div>
  );
}
