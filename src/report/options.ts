import type { Severity } from '../config/types.js';

/** What a report needs to know about a rule (a subset of Rule, so reports stay pure data). */
export interface RuleDescriptor {
  id: string;
  title: string;
  description: string;
  defaultSeverity: Severity;
}

/** Inputs a reporter may use besides the AuditResult. All optional. */
export interface ReportOptions {
  /**
   * Repository file that findings without a migration location are anchored to
   * (SARIF, GitHub annotations): `--sarif-anchor`, else the config file, else the
   * first file of the migrations folder. Relative to the working directory.
   */
  anchor?: string | null;
  /** Rules to describe in SARIF `tool.driver.rules` and JUnit suites; default: the registry. */
  rules?: readonly RuleDescriptor[];
  /** ANSI colours (pretty): the CLI turns them off when stdout is not a TTY or NO_COLOR is set. */
  color?: boolean;
  /** Pretty: also list info findings and the full message of every consequence (`--verbose`). */
  verbose?: boolean;
  /**
   * Where rule documentation links point (`docsBaseUrl`; `{version}` is replaced):
   * the CLI passes the config's, else the installed package's docs folder as a
   * `file:` URL. Default: the published package's docs.
   */
  docsBaseUrl?: string | null;
}
