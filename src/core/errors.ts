/**
 * The one registry of API errors. Every error a client can see is created here, so its code,
 * status and message are stable; `docs/errors.md` is kept in sync with this file by a test.
 * Codes are never reused once retired: add new ones, mark old ones `retired`.
 *
 * The response shape is PocketBase's `{status, message, data}`; `data` holds per-field errors
 * (`{code, message, params?}`), nested for nested values.
 */

export interface ErrorSpec {
  readonly status: number;
  readonly message: string;
  readonly retired?: true;
}

export const errorRegistry = {
  bad_request: { status: 400, message: 'Something went wrong while processing your request.' },
  validation_failed: { status: 400, message: 'Failed to validate the submitted data.' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  invalid_filter: { status: 400, message: 'Invalid filter expression.' },
  invalid_sort: { status: 400, message: 'Invalid sort expression.' },
  invalid_query_param: { status: 400, message: 'Invalid query parameter.' },
  collection_in_use: { status: 400, message: 'The collection is referenced by other collections.' },
  view_readonly: { status: 400, message: 'View collections are read-only.' },
  graphql_invalid_request: { status: 400, message: 'The GraphQL request is malformed.' },
  graphql_parse_failed: { status: 400, message: 'The GraphQL document could not be parsed.' },
  graphql_validation_failed: { status: 400, message: 'The GraphQL document is not valid against the schema.' },
  graphql_too_deep: { status: 400, message: 'The GraphQL query is nested too deeply.' },
  graphql_too_costly: { status: 400, message: 'The GraphQL query would cost too much.' },
  graphql_persisted_query_not_found: { status: 400, message: 'PersistedQueryNotFound' },
  unauthorized: { status: 401, message: 'Missing or invalid authentication.' },
  forbidden: { status: 403, message: 'You are not allowed to perform this request.' },
  superuser_only: { status: 403, message: 'Only superusers can perform this action.' },
  setup_link_invalid: { status: 403, message: 'The setup link is invalid or was already used.' },
  not_found: { status: 404, message: "The requested resource wasn't found." },
  collection_not_found: { status: 404, message: 'Missing collection context.' },
  method_not_allowed: { status: 405, message: 'Method not allowed.' },
  conflict: { status: 409, message: 'The request conflicts with the current state of the resource.' },
  precondition_failed: { status: 412, message: 'The resource has changed since it was read.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Unsupported content type.' },
  range_not_satisfiable: { status: 416, message: "The requested range is not satisfiable." },
  unprocessable: { status: 422, message: 'The request could not be processed.' },
  too_many_requests: { status: 429, message: 'Too Many Requests.' },
  internal: { status: 500, message: 'Something went wrong while processing your request.' },
  unavailable: { status: 503, message: 'The service is temporarily unavailable.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorRegistry;

/**
 * Per-field validation codes and their default messages. The codes are PocketBase's where one
 * exists (clients branch on them); Galley-only codes keep the `validation_` prefix.
 */
export const fieldErrorRegistry = {
  validation_required: 'Cannot be blank.',
  validation_invalid_value: 'Invalid value.',
  validation_is_email: 'Must be a valid email address.',
  validation_is_url: 'Must be a valid url.',
  validation_invalid_type: 'Invalid value type.',
  validation_values_mismatch: 'Values don\'t match.',
  validation_not_unique: 'Value must be unique.',
  validation_invalid_old_password: 'Missing or invalid old password.',
  validation_invalid_token: 'Invalid or expired token.',
  validation_invalid_password: 'Invalid password.',
  validation_min_text_constraint: 'Must be at least {min} character(s).',
  validation_max_text_constraint: 'Must be no more than {max} character(s).',
  validation_min_number_constraint: 'Must be larger than {min}.',
  validation_max_number_constraint: 'Must be less than {max}.',
  validation_only_int_constraint: 'Decimal numbers are not allowed.',
  validation_not_a_number: 'The submitted number is not properly formatted.',
  validation_invalid_format: 'Invalid value format.',
  validation_match_invalid: 'Must be in a valid format.',
  validation_invalid_date: 'Must be a valid date.',
  validation_min_date_constraint: 'Must be no earlier than {min}.',
  validation_max_date_constraint: 'Must be no later than {max}.',
  validation_email_domain_not_allowed: 'Email domain is not allowed.',
  validation_url_domain_not_allowed: 'Url domain is not allowed.',
  validation_invalid_select_value: 'Invalid value {value}.',
  validation_too_many_values: 'Select no more than {maxSelect}.',
  validation_not_enough_values: 'Select at least {minSelect}.',
  validation_missing_rel_records: 'Failed to find all relation records with the provided ids.',
  validation_json_size_limit: 'The maximum allowed JSON size is {maxSize} bytes.',
  validation_invalid_json: 'Must be a valid json value.',
  validation_invalid_rule: 'Invalid rule.',
  validation_invalid_index: 'Invalid index expression.',
  validation_invalid_view_query: 'Invalid view query.',
  validation_collection_name_exists: 'Collection name must be unique (case insensitive).',
  validation_invalid_name: 'Invalid name.',
  validation_field_name_duplicate: 'Duplicated or invalid field name.',
  validation_system_field_change: 'System fields cannot be changed or removed.',
  validation_field_type_change: 'The type of an existing field cannot be changed.',
  validation_invalid_collection_type: 'The collection type cannot be changed.',
  validation_unknown_field_type: 'Unknown field type.',
  validation_invalid_relation_collection: 'The relation collection does not exist.',
  validation_duplicated_field_id: 'Duplicated or invalid field id.',
  validation_reserved_field_name: 'The field name is reserved and cannot be used.',
  validation_found_via: 'The value cannot contain "_via_".',
  validation_missing_primary_key: 'Missing or invalid "id" primary key field.',
  validation_collection_system_name_change: 'System collection name cannot be changed.',
  validation_collection_system_rule_change: 'System collection API rule cannot be changed.',
  validation_collection_system_flag_change: 'System collection state cannot be changed.',
  validation_collection_name_id_duplicate: 'The name must not match an existing collection id.',
  validation_invalid_regex: 'Invalid regular expression.',
  validation_relation_collection_change: 'The relation collection cannot be changed.',
  validation_indexes_not_supported: "View collections don't support indexes.",
  validation_duplicated_index_name: 'The index name already exists.',
  validation_index_unique_violation: 'Existing records have duplicate values for this unique index.',
  validation_missing_required_unique_index: 'Missing required unique index for field {fieldName}.',
  validation_view_dependency: 'A view collection depends on this change; update or delete the view first.',
  validation_invalid_file: 'Invalid new files: {invalidFiles}.',
  validation_too_many_files: 'The maximum allowed files is {maxSelect}.',
  validation_file_size_limit: 'The file is larger than the maximum allowed size of {maxSize} bytes.',
  validation_invalid_mime_type: 'The file type is not allowed.',
  validation_image_too_large: 'The image has more than {maxPixels} pixels.',
  validation_invalid_image: 'The file is not a readable image.',
} as const satisfies Record<string, string>;

export type FieldErrorCode = keyof typeof fieldErrorRegistry;

export interface FieldError {
  code: string;
  message: string;
  params?: Record<string, unknown>;
}

export interface ErrorData {
  [key: string]: FieldError | ErrorData | unknown;
}

export interface ApiErrorBody {
  status: number;
  message: string;
  data: ErrorData;
}

// Shared by every copy of this module: an app file loaded through tsx gets its own instance of
// `galley` (tsx namespaces its imports), and the errors its hooks throw must still count as ApiErrors.
const API_ERROR = Symbol.for('galley.ApiError');

export class ApiError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[API_ERROR] === true;
  }

  readonly code: ErrorCode;
  readonly status: number;
  readonly data: ErrorData;
  /** Response headers the error needs (`Retry-After` on a 429); the HTTP layer sends them. */
  readonly headers: Record<string, string> = {};

  constructor(code: ErrorCode, message?: string, data?: ErrorData, options?: { cause?: unknown }) {
    const spec: ErrorSpec = errorRegistry[code];
    super(message ?? spec.message, options);
    this.name = 'ApiError';
    this.code = code;
    this.status = spec.status;
    this.data = data ?? {};
  }

  toJSON(): ApiErrorBody {
    return { status: this.status, message: this.message, data: this.data };
  }
}
// On the prototype, not declared on the class: the type stays the same in every copy.
Object.defineProperty(ApiError.prototype, API_ERROR, { value: true });

export function apiError(code: ErrorCode, message?: string, data?: ErrorData, cause?: unknown): ApiError {
  return new ApiError(code, message, data, cause === undefined ? undefined : { cause });
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** A per-field error with the registry's default message, `{name}` placeholders filled from params. */
export function fieldError(code: FieldErrorCode, params?: Record<string, unknown>, message?: string): FieldError {
  let text: string = message ?? fieldErrorRegistry[code];
  if (params && message === undefined) {
    text = text.replace(/\{(\w+)\}/g, (m, key: string) => (key in params ? String(params[key]) : m));
  }
  return params ? { code, message: text, params } : { code, message: text };
}

/** A 400 with per-field errors, the shape PocketBase answers for validation failures. */
export function validationError(data: ErrorData, message?: string): ApiError {
  return new ApiError('validation_failed', message ?? errorRegistry.validation_failed.message, data);
}
