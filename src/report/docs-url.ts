/** The URL of a rule's documentation page, by rule id. */
export type DocsUrl = (ruleId: string) => string;

/** Where the docs of a published version are served from (the docs/ folder ships in the npm package). */
const PUBLISHED_DOCS = 'https://unpkg.com/tenantguard@{version}/docs/rules/';

/**
 * Rule documentation URLs under `baseUrl` (`docsBaseUrl` in the config;
 * `{version}` in it becomes the tenantguard version), else under the
 * published package's docs. The CLI passes the installed package's own
 * docs folder as a `file:` URL when nothing is configured, so every link
 * resolves offline; a reporter called without one stays a pure function.
 */
export function docsUrlFor(version: string, baseUrl?: string | null): DocsUrl {
  const base = (baseUrl ?? PUBLISHED_DOCS).replaceAll('{version}', encodeURIComponent(version));
  const folder = base.endsWith('/') ? base : `${base}/`;
  return (ruleId) => `${folder}${encodeURIComponent(ruleId)}.md`;
}

/** Absolute URL of a rule's documentation page (see docsUrlFor). */
export function ruleDocsUrl(ruleId: string, version: string, baseUrl?: string | null): string {
  return docsUrlFor(version, baseUrl)(ruleId);
}

/** The docs/rules folder of this installation (it ships in the package beside dist/), as a `file:` URL ending in `/`. */
export function installedDocsBaseUrl(): string {
  return new URL('../../docs/rules/', import.meta.url).href;
}
