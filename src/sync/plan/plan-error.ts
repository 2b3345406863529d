/** Raised when the data cannot be planned (duplicate keys): the run stops before sending anything. */
export class PlanError extends Error {
  override name = 'PlanError';
}
