// Reads Parquet back with DuckDB: an implementation independent of the hyparquet code that writes it.
import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';

/** The rows of one SQL query on a fresh in-memory database. */
export async function query(sql: string): Promise<Record<string, DuckDBValue>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjects();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
