import { SqliteDialect, SqliteQueryCompiler, type LimitNode, type OffsetNode } from 'kysely';

/**
 * SQLite writes `limit cast(? as integer)` where Kysely writes `limit ?`. SQLite looks at the value
 * bound to a bare LIMIT or OFFSET parameter while planning, and so marks the prepared statement
 * to be planned again whenever that parameter is bound, which is every run: a list page cost
 * three times what it does with the cast (measured: 40 µs against 12 µs for a 2-row page).
 */
class SqliteCompiler extends SqliteQueryCompiler {
  protected override visitLimit(node: LimitNode): void {
    this.append('limit cast(');
    this.visitNode(node.limit);
    this.append(' as integer)');
  }

  protected override visitOffset(node: OffsetNode): void {
    this.append('offset cast(');
    this.visitNode(node.offset);
    this.append(' as integer)');
  }
}

export class PlannedOnceSqliteDialect extends SqliteDialect {
  override createQueryCompiler(): SqliteCompiler {
    return new SqliteCompiler();
  }
}
