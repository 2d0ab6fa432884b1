/** The bench database's tables and columns, named from the model metadata (src/db/sql-names.ts), for its raw SQL. */
import { parsePgUrl, quoteIdent } from '../../src/db/pg-url';
import { sqlNames, type SqlNames } from '../../src/db/sql-names';

export const benchNames = (url: string): SqlNames => sqlNames(quoteIdent(parsePgUrl(url).schema));
