/** One API rule: locked (superusers only, `null`), or an expression checked as you type. */
import type { JSX } from 'preact';
import { useMemo } from 'preact/hooks';
import type { Collection } from '../../../src/core/schema.js';
import { ruleProblem } from '../rules.js';
import { Check, useId } from './ui.js';

export function RuleInput(props: {
  label: string;
  value: string | null;
  draft: Collection;
  collections: readonly Collection[];
  serverError?: string | undefined;
  onChange: (v: string | null) => void;
}): JSX.Element {
  const id = useId('rule');
  const locked = props.value === null;
  const problem = useMemo(
    () => (locked ? null : ruleProblem(props.value, props.draft, props.collections)),
    [props.value, props.draft, props.collections, locked],
  );
  const error = problem ?? props.serverError;
  return (
    <div class="stack" style="gap:4px">
      <div class="row">
        <label class="field" for={id} style="flex:1">
          {props.label}
        </label>
        <Check label="Superusers only" ariaLabel={`${props.label}: superusers only`} checked={locked} onChange={(v) => props.onChange(v ? null : '')} />
      </div>
      <textarea
        id={id}
        class="mono"
        rows={2}
        disabled={locked}
        value={props.value ?? ''}
        placeholder={locked ? 'Only superusers can perform this action' : 'Empty = everyone. e.g. @request.auth.id != "" && owner = @request.auth.id'}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={`${id}-state`}
        onInput={(e) => props.onChange(e.currentTarget.value)}
      />
      <span id={`${id}-state`} class={error ? 'error-text' : 'ok-text'} aria-live="polite">
        {locked ? '' : error ? error : props.value === '' ? 'Everyone (guests included).' : 'Valid rule.'}
      </span>
    </div>
  );
}
