// Why a query (a filter, a find & replace) could not run: a bad regular expression, a pattern cut off, a
// selection that does not fit the list. Its message is shown to the user as it is.
export class QueryError extends Error {
  override name = 'QueryError';
}
