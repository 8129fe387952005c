package parser

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Statement is one parsed statement of a script. Concrete types are listed below;
// callers type-switch on them.
type Statement interface {
	// Position is where the statement starts in the user's text.
	Position() Pos
}

// SQLExpr is a TiDB expression together with the Source that maps its node offsets
// (ast.Node.OriginTextPosition) back to the user's text.
type SQLExpr struct {
	Node ast.ExprNode
	Src  *Source
}

// SQLQuery is a TiDB query (*ast.SelectStmt or *ast.SetOprStmt) with its Source.
type SQLQuery struct {
	Node ast.ResultSetNode
	Src  *Source
}

// CreateTable is `CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name (...) WITH (...)`, and also
// Kinesis Data Analytics' `CREATE [OR REPLACE] STREAM name (...)`.
type CreateTable struct {
	Pos         Pos
	Name        string
	Temporary   bool
	IfNotExists bool
	Columns     []ColumnDef
	Watermark   *WatermarkDef // nil when the table declares none
	PrimaryKey  []string      // PRIMARY KEY (a, b) NOT ENFORCED, nil when absent
	Options     []Option      // WITH ('k' = 'v', ...), in the order written

	OrReplace     bool     // KDA's CREATE OR REPLACE STREAM
	Comment       string   // COMMENT '...' after the column list
	PartitionedBy []string // PARTITIONED BY (a, b), nil when absent
}

// ColumnDef is one column of a CREATE TABLE.
type ColumnDef struct {
	Pos  Pos
	Name string
	// Type is the normalised type name: upper case, single spaces, no spaces inside
	// parentheses or angle brackets, e.g. "BIGINT", "TIMESTAMP(3)", "DECIMAL(10,2)",
	// "VARCHAR(20)", "TIMESTAMP_LTZ(3)", "ARRAY<STRING>", "ROW<a INT,b STRING>".
	// Empty for a computed column.
	Type     string
	TypePos  Pos
	NotNull  bool
	Computed *SQLExpr     // `name AS expr`; nil for a physical column
	Metadata *MetadataDef // `name TYPE METADATA [FROM 'key'] [VIRTUAL]`; nil otherwise
	Comment  string
}

// MetadataDef marks a METADATA column; Key is the FROM key or, when absent, the column name.
type MetadataDef struct {
	Key     string
	Virtual bool
}

// WatermarkDef is `WATERMARK FOR column AS expr`.
type WatermarkDef struct {
	Pos    Pos
	Column string
	Expr   SQLExpr
}

// Option is one `'key' = 'value'` of a WITH clause or a SET statement.
type Option struct {
	Pos   Pos // of the key
	Key   string
	Value string
}

// CreateView is `CREATE [TEMPORARY] VIEW [IF NOT EXISTS] name [(cols)] AS query`.
type CreateView struct {
	Pos         Pos
	Name        string
	IfNotExists bool
	OrReplace   bool
	Columns     []string
	Query       SQLQuery

	Temporary bool
	Comment   string
}

// DropTable is `DROP [TEMPORARY] TABLE [IF EXISTS] name`.
type DropTable struct {
	Pos      Pos
	Name     string
	IfExists bool
}

// DropView is `DROP [TEMPORARY] VIEW [IF EXISTS] name`.
type DropView struct {
	Pos      Pos
	Name     string
	IfExists bool
}

// Insert is `INSERT INTO table [(cols)] query`, and also a KDA pump
// `CREATE [OR REPLACE] PUMP p AS INSERT INTO ...`.
type Insert struct {
	Pos     Pos
	Table   string
	Columns []string
	Query   SQLQuery

	Overwrite bool   // INSERT OVERWRITE
	Pump      string // the KDA pump's name when written as CREATE PUMP p AS INSERT ...
}

// StatementSet is `EXECUTE STATEMENT SET BEGIN insert; ... END` (also `BEGIN STATEMENT SET; ... END;`).
type StatementSet struct {
	Pos     Pos
	Inserts []*Insert
}

// Set is `SET 'key' = 'value'` (SET key = value is accepted too).
type Set struct {
	Pos   Pos
	Key   string
	Value string
}

// Reset is `RESET 'key'`, or `RESET` (Key empty) for all.
type Reset struct {
	Pos Pos
	Key string
}

// Show is `SHOW TABLES | VIEWS | FUNCTIONS | JOBS`; What is the upper-case word.
type Show struct {
	Pos  Pos
	What string
}

// Describe is `DESCRIBE name` / `DESC name`.
type Describe struct {
	Pos  Pos
	Name string
}

// Explain is `EXPLAIN [PLAN FOR] statement`, where statement is a Query or an Insert.
type Explain struct {
	Pos  Pos
	Stmt Statement
}

// Query is a SELECT (or UNION, or WITH ... SELECT) whose rows the caller prints.
type Query struct {
	Pos   Pos
	Query SQLQuery
}

func (s *CreateTable) Position() Pos  { return s.Pos }
func (s *CreateView) Position() Pos   { return s.Pos }
func (s *DropTable) Position() Pos    { return s.Pos }
func (s *DropView) Position() Pos     { return s.Pos }
func (s *Insert) Position() Pos       { return s.Pos }
func (s *StatementSet) Position() Pos { return s.Pos }
func (s *Set) Position() Pos          { return s.Pos }
func (s *Reset) Position() Pos        { return s.Pos }
func (s *Show) Position() Pos         { return s.Pos }
func (s *Describe) Position() Pos     { return s.Pos }
func (s *Explain) Position() Pos      { return s.Pos }
func (s *Query) Position() Pos        { return s.Pos }
