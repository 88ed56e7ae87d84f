export const SOURCE_SCHEMA: string;
export const POSTGRESQL_SCHEMA: string;
export function renderPostgresqlSchema(source: string): string;
export function writePostgresqlSchema(): boolean;
