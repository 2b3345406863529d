// GET and PUT /api/project: sluice.yaml as text, for the project editor the UI opens when the file is invalid.
import type { ConfigIssue } from './config-issue.js';

/** `GET /api/project` (admin): the file's name, its text with every literal credential shown as ****, and its issues. */
export interface ProjectText {
  file: string;
  text: string;
  /** Empty when the project loads. */
  issues: ConfigIssue[];
}
