package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/exec/expr"
	"github.com/eddysql/eddy/parser"
)

// Table is a table declared with CREATE TABLE. Column expressions (computed columns, the
// watermark) are bound against the table's full row: all columns in DDL order.
type Table struct {
	Name          string
	Columns       []Column
	RowTime       int       // index of the WATERMARK column, -1 when none
	Watermark     expr.Expr // over the full row; nil when none
	WatermarkText string
	PrimaryKey    []string
	Options       map[string]string // keys lower case
	Connector     *connectors.Factory
	Def           *parser.CreateTable
}

// Column is one column of a Table.
type Column struct {
	Name     string
	Type     arrow.DataType
	Computed expr.Expr // nil for a physical column
	// Metadata is the key of a METADATA column (read from the connector, e.g. a Kafka
	// record's 'partition'); "" for others. Sinks do not write metadata columns.
	Metadata string
	Pos      parser.Pos
}

// View is a named query.
type View struct {
	Name    string
	Columns []string
	Query   parser.SQLQuery
	Def     *parser.CreateView
}

// Catalog holds the tables, views and settings of a session. Names match case-insensitively.
type Catalog struct {
	tables   map[string]*Table
	views    map[string]*View
	Settings map[string]string
}

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog {
	return &Catalog{tables: map[string]*Table{}, views: map[string]*View{}, Settings: map[string]string{}}
}

// Table finds a table by name.
func (c *Catalog) Table(name string) *Table { return c.tables[strings.ToLower(name)] }

// View finds a view by name.
func (c *Catalog) View(name string) *View { return c.views[strings.ToLower(name)] }

// TableNames lists tables, sorted.
func (c *Catalog) TableNames() []string {
	var out []string
	for _, t := range c.tables {
		out = append(out, t.Name)
	}
	sort.Strings(out)
	return out
}

// ViewNames lists views, sorted.
func (c *Catalog) ViewNames() []string {
	var out []string
	for _, v := range c.views {
		out = append(out, v.Name)
	}
	sort.Strings(out)
	return out
}

func (c *Catalog) relationNames() []string {
	return append(c.TableNames(), c.ViewNames()...)
}

// Physical reports whether column i is read from the source (not computed).
func (t *Table) Physical(i int) bool { return t.Columns[i].Computed == nil }

// Written reports whether column i is in the table's records: physical and not METADATA.
func (t *Table) Written(i int) bool { return t.Physical(i) && t.Columns[i].Metadata == "" }

// FullSchema is the planner schema of the table's full row.
func (t *Table) FullSchema() Schema {
	s := make(Schema, len(t.Columns))
	for i, c := range t.Columns {
		s[i] = Field{Name: c.Name, Type: c.Type, Qualifier: t.Name, RowTime: i == t.RowTime, ProcTime: c.Computed != nil && isProcTime(c.Computed, nil)}
	}
	return s
}

// ColumnIndex finds a column by name, -1 when absent.
func (t *Table) ColumnIndex(name string) int {
	for i, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

func (t *Table) columnNames() string {
	var n []string
	for _, c := range t.Columns {
		n = append(n, c.Name)
	}
	return strings.Join(n, ", ")
}

// Describe renders DESCRIBE output rows: name, type, null, key, extras, watermark.
func (t *Table) Describe() [][]string {
	var rows [][]string
	for i, c := range t.Columns {
		key := ""
		for _, k := range t.PrimaryKey {
			if strings.EqualFold(k, c.Name) {
				key = "PRI"
			}
		}
		extras := ""
		if c.Computed != nil {
			extras = "AS " + c.Computed.String()
		}
		wm := ""
		typ := expr.TypeName(c.Type)
		if i == t.RowTime {
			wm = t.WatermarkText
			typ += " *ROWTIME*"
		}
		rows = append(rows, []string{c.Name, typ, "TRUE", key, extras, wm})
	}
	return rows
}

func (c *Catalog) errExists(kind, name string) error {
	return fmt.Errorf("%s '%s' already exists; use DROP %s %s first, or CREATE %s IF NOT EXISTS", kind, name, strings.ToUpper(kind), name, strings.ToUpper(kind))
}
