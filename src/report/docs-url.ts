/**
 * Absolute URL of a rule's documentation page. The docs/ folder ships inside
 * the npm package, so the page of the exact installed version is always there.
 */
export function ruleDocsUrl(ruleId: string, version: string): string {
  return `https://unpkg.com/tenantguard@${encodeURIComponent(version)}/docs/rules/${encodeURIComponent(ruleId)}.md`;
}
