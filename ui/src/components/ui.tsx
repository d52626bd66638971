/** Small building blocks shared by the screens: labelled inputs, alerts, dialogs, empty states. */
import type { ComponentChildren, JSX } from 'preact';
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage, fieldErrors } from '../pb.js';
import type { FieldErrors } from '../pb.js';

let nextId = 0;
/** A stable id for label/input pairs. */
export function useId(prefix = 'f'): string {
  const ref = useRef<string>();
  ref.current ??= `${prefix}${++nextId}`;
  return ref.current;
}

export function Field(props: { label: string; error?: string | undefined; hint?: ComponentChildren; children: (id: string) => ComponentChildren }): JSX.Element {
  const id = useId();
  return (
    <div class="stack" style="gap:4px">
      <label class="field" for={id}>
        {props.label}
      </label>
      {props.children(id)}
      {props.error ? (
        <span class="error-text" id={`${id}-err`} role="alert">
          {props.error}
        </span>
      ) : null}
      {props.hint ? <span class="muted small">{props.hint}</span> : null}
    </div>
  );
}

export function TextInput(props: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  type?: string;
  error?: string | undefined;
  hint?: ComponentChildren;
  placeholder?: string;
  mono?: boolean;
  autoFocus?: boolean;
  autoComplete?: string;
  required?: boolean;
}): JSX.Element {
  return (
    <Field label={props.label} error={props.error} hint={props.hint}>
      {(id) => (
        <input
          id={id}
          class={props.mono ? 'mono' : undefined}
          type={props.type ?? 'text'}
          value={props.value}
          placeholder={props.placeholder}
          autoFocus={props.autoFocus}
          autoComplete={props.autoComplete}
          required={props.required}
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={props.error ? `${id}-err` : undefined}
          onInput={(e) => props.onInput(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

export function NumberInput(props: {
  label: string;
  value: number | null;
  onInput: (v: number | null) => void;
  nullable?: boolean;
  error?: string | undefined;
  hint?: ComponentChildren;
  autoFocus?: boolean;
}): JSX.Element {
  return (
    <Field label={props.label} error={props.error} hint={props.hint}>
      {(id) => (
        <input
          id={id}
          type="number"
          step="any"
          value={props.value === null ? '' : String(props.value)}
          autoFocus={props.autoFocus}
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={props.error ? `${id}-err` : undefined}
          onInput={(e) => {
            const raw = e.currentTarget.value;
            props.onInput(raw === '' ? (props.nullable ? null : 0) : Number(raw));
          }}
        />
      )}
    </Field>
  );
}

export function Check(props: { label: string; checked: boolean; onChange: (v: boolean) => void; hint?: string; ariaLabel?: string }): JSX.Element {
  return (
    <label class="check" title={props.hint}>
      <input type="checkbox" aria-label={props.ariaLabel} checked={props.checked} onChange={(e) => props.onChange(e.currentTarget.checked)} />
      {props.label}
    </label>
  );
}

export function Select<T extends string>(props: { label: string; value: T; options: ReadonlyArray<T | { value: T; label: string }>; onChange: (v: T) => void }): JSX.Element {
  return (
    <Field label={props.label}>
      {(id) => (
        <select id={id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as T)}>
          {props.options.map((o) => {
            const opt = typeof o === 'string' ? { value: o, label: o } : o;
            return (
              <option key={opt.value} value={opt.value}>
                {opt.label}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
}

export function Alert(props: { kind?: 'error' | 'info'; children: ComponentChildren }): JSX.Element {
  return (
    <div class={`alert ${props.kind ?? 'info'}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

export function Empty(props: { children: ComponentChildren }): JSX.Element {
  return <div class="empty">{props.children}</div>;
}

/** A modal on the native <dialog>: focus trap, Escape and the backdrop come from the browser. */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; footer?: ComponentChildren; wide?: boolean }): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      aria-label={props.title}
      style={props.wide ? 'width:min(1000px,96vw)' : undefined}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <div class="dlg-head">
        <h2 style="margin:0;flex:1">{props.title}</h2>
        <button type="button" class="link" aria-label="Close" onClick={props.onClose}>
          ✕
        </button>
      </div>
      <div class="dlg-body">{props.children}</div>
      {props.footer ? <div class="dlg-foot">{props.footer}</div> : null}
    </dialog>
  );
}

/** A short-lived status message in the corner. */
const ToastContext = createContext<(message: string) => void>(() => {});
export const useToast = (): ((message: string) => void) => useContext(ToastContext);

export function ToastHost(props: { children: ComponentChildren }): JSX.Element {
  const [message, setMessage] = useState<string | null>(null);
  const timer = useRef<number>();
  const show = (m: string): void => {
    setMessage(m);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setMessage(null), 3000);
  };
  return (
    <ToastContext.Provider value={show}>
      {props.children}
      <div aria-live="polite">{message ? <div class="toast">{message}</div> : null}</div>
    </ToastContext.Provider>
  );
}

/** Runs `load` when `deps` change; keeps the previous data while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => alive && setState({ data, error: undefined, loading: false }),
      (error: unknown) => alive && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      alive = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/**
 * The state of a form that calls the API: `run(fn)` marks it busy, clears the previous errors,
 * and on failure keeps the server's message and per-field errors for the inputs.
 */
export function useSubmit(): {
  busy: boolean;
  error: string;
  errors: FieldErrors;
  setError: (message: string) => void;
  setErrors: (errors: FieldErrors) => void;
  run: (fn: () => Promise<void>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const run = async (fn: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError('');
    setErrors({});
    try {
      await fn();
    } catch (err) {
      setError(errorMessage(err));
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, errors, setError, setErrors, run };
}

/** A table head of plain column titles. */
export function TableHead(props: { columns: readonly string[] }): JSX.Element {
  return (
    <thead>
      <tr>
        {props.columns.map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}
