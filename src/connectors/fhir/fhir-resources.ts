/**
 * The slice of FHIR R4 the connector itself reads: searchset Bundles (for paging) and
 * OperationOutcome (for errors). Everything else in a resource is left to the JSONata mappings.
 */

export const FHIR_JSON = 'application/fhir+json';
export const JSON_PATCH = 'application/json-patch+json';

export interface FhirBundle {
  readonly resourceType: 'Bundle';
  readonly type?: string;
  readonly total?: number;
  readonly link?: ReadonlyArray<{ readonly relation?: string; readonly url?: string }>;
  readonly entry?: ReadonlyArray<{ readonly resource?: unknown; readonly search?: { readonly mode?: string } }>;
}

export interface OperationOutcomeIssue {
  readonly severity?: string;
  readonly code?: string;
  readonly diagnostics?: string;
  readonly details?: { readonly text?: string; readonly coding?: ReadonlyArray<{ readonly system?: string; readonly code?: string }> };
}

export interface OperationOutcome {
  readonly resourceType: 'OperationOutcome';
  readonly issue?: readonly OperationOutcomeIssue[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function isResource(value: unknown): value is { resourceType: string } & Record<string, unknown> {
  return isObject(value) && typeof value.resourceType === 'string';
}

export function isBundle(value: unknown): value is FhirBundle {
  return isObject(value) && value.resourceType === 'Bundle';
}

export function isOperationOutcome(value: unknown): value is OperationOutcome {
  return isObject(value) && value.resourceType === 'OperationOutcome';
}

/** The issues that make an OperationOutcome a failure (warnings and information do not). */
export function failingIssues(outcome: OperationOutcome): OperationOutcomeIssue[] {
  return (Array.isArray(outcome.issue) ? outcome.issue : []).filter((issue) => issue?.severity === 'error' || issue?.severity === 'fatal');
}

/**
 * The failing OperationOutcome of an answer: the body itself, or an `outcome` entry of a searchset
 * (a server reporting that part of the search failed). Undefined when nothing failed.
 */
export function failingOutcome(body: unknown): OperationOutcomeIssue[] | undefined {
  if (isOperationOutcome(body)) {
    const issues = failingIssues(body);
    return issues.length > 0 ? issues : undefined;
  }
  if (isBundle(body) && Array.isArray(body.entry)) {
    const issues = body.entry.flatMap((entry) => (entry?.search?.mode === 'outcome' && isOperationOutcome(entry.resource) ? failingIssues(entry.resource) : []));
    return issues.length > 0 ? issues : undefined;
  }
  return undefined;
}

/** `error invalid: start is not a date; …`, for messages. */
export function describeIssues(issues: readonly OperationOutcomeIssue[]): string {
  return issues
    .map((issue) => {
      const text = [issue.details?.text, issue.diagnostics].filter((t): t is string => typeof t === 'string' && t !== '').join(' — ');
      return `${issue.severity ?? 'error'} ${issue.code ?? 'unknown'}${text ? `: ${text}` : ''}`;
    })
    .join('; ');
}

/** The URL of the `next` link of a searchset page, if any. */
export function nextLink(bundle: FhirBundle): string | undefined {
  const link = Array.isArray(bundle.link) ? bundle.link.find((l) => l?.relation === 'next') : undefined;
  return typeof link?.url === 'string' && link.url !== '' ? link.url : undefined;
}
