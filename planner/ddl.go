package planner

import (
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/exec/expr"
	"github.com/eddysql/eddy/parser"
)

func (p *Planner) createTable(s *parser.CreateTable) error {
	key := strings.ToLower(s.Name)
	if p.Cat.tables[key] != nil || p.Cat.views[key] != nil {
		if s.IfNotExists {
			return nil
		}
		return p.errAt(s.Pos, "", "%v", p.Cat.errExists("table", s.Name))
	}
	t := &Table{Name: s.Name, RowTime: -1, PrimaryKey: s.PrimaryKey, Options: map[string]string{}, Def: s}
	optPos := map[string]parser.Pos{}
	for _, o := range s.Options {
		k := strings.ToLower(o.Key)
		t.Options[k] = o.Value
		optPos[k] = o.Pos
	}
	seen := map[string]bool{}
	for _, c := range s.Columns {
		if seen[strings.ToLower(c.Name)] {
			return p.errAt(c.Pos, "rename one of them", "column '%s' is declared twice", c.Name)
		}
		seen[strings.ToLower(c.Name)] = true
		col := Column{Name: c.Name, Pos: c.Pos}
		if c.Metadata != nil {
			col.Metadata = strings.ToLower(c.Metadata.Key)
		}
		if c.Computed == nil {
			typ, err := ParseType(c.Type)
			if err != nil {
				pos := c.TypePos
				if pos.Line == 0 {
					pos = c.Pos
				}
				return p.errAt(pos, "", "%v", err)
			}
			col.Type = typ
		}
		t.Columns = append(t.Columns, col)
	}
	// Computed columns see the physical columns.
	var physical Schema
	for _, c := range t.Columns {
		if c.Type != nil {
			physical = append(physical, Field{Name: c.Name, Type: c.Type})
		} else {
			physical = append(physical, Field{Name: "\x00" + c.Name}) // not addressable
		}
	}
	for i, c := range s.Columns {
		if c.Computed == nil {
			continue
		}
		eb := &exprBinder{p: p, src: c.Computed.Src, schema: physical, what: "the physical columns of " + s.Name}
		e, err := eb.bind(c.Computed.Node)
		if err != nil {
			return err
		}
		t.Columns[i].Computed = e
		t.Columns[i].Type = e.Type()
	}
	if s.Watermark != nil {
		w := s.Watermark
		idx := t.ColumnIndex(w.Column)
		if idx < 0 {
			return p.errAt(w.Pos, "columns: "+t.columnNames(), "WATERMARK FOR names unknown column '%s'", w.Column)
		}
		if !isTimestamp(t.Columns[idx].Type) {
			return p.errAt(w.Pos, "declare it TIMESTAMP(3) or TIMESTAMP_LTZ(3), or add a computed column: ts AS TO_TIMESTAMP_LTZ(millis, 3)",
				"the watermark column '%s' is %s, not a timestamp", w.Column, expr.TypeName(t.Columns[idx].Type))
		}
		eb := &exprBinder{p: p, src: w.Expr.Src, schema: t.FullSchema(), what: s.Name}
		e, err := eb.bind(w.Expr.Node)
		if err != nil {
			return err
		}
		if !isTimestamp(e.Type()) {
			return p.errAt(w.Pos, "write WATERMARK FOR ts AS ts - INTERVAL '5' SECOND", "the watermark expression must be a timestamp, got %s", expr.TypeName(e.Type()))
		}
		t.RowTime, t.Watermark = idx, e
		if text := w.Expr.Src.UserText(w.Expr.Node); text != "" {
			t.WatermarkText = text
		} else {
			t.WatermarkText = e.String()
		}
	}
	for _, k := range s.PrimaryKey {
		if t.ColumnIndex(k) < 0 {
			return p.errAt(s.Pos, "columns: "+t.columnNames(), "PRIMARY KEY names unknown column '%s'", k)
		}
	}
	conn, ok := t.Options["connector"]
	if !ok {
		return p.errAt(s.Pos, "add WITH ('connector' = '...'); connectors: "+strings.Join(connectors.Names(), ", "), "table '%s' has no connector", s.Name)
	}
	f, err := connectors.Lookup(conn)
	if err != nil {
		return p.errAt(optPos["connector"], "", "%v", err)
	}
	if err := f.CheckOptions(t.Options); err != nil {
		pos := s.Pos
		for k, ps := range optPos {
			if strings.Contains(err.Error(), "'"+k+"'") {
				pos = ps
			}
		}
		return p.errAt(pos, "", "%v", err)
	}
	for _, c := range t.Columns {
		if c.Metadata == "" {
			continue
		}
		if _, ok := f.Metadata[c.Metadata]; !ok {
			var keys []string
			for k, doc := range f.Metadata {
				keys = append(keys, k+" ("+doc+")")
			}
			sort.Strings(keys)
			hint := "connector '" + f.Name + "' has no metadata; remove the METADATA column"
			if len(keys) > 0 {
				hint = "metadata of '" + f.Name + "': " + strings.Join(keys, ", ")
			}
			return p.errAt(c.Pos, hint, "unknown METADATA key '%s' for connector '%s'", c.Metadata, f.Name)
		}
	}
	t.Connector = f
	p.Cat.tables[key] = t
	return nil
}

func isTimestamp(t arrow.DataType) bool { return t != nil && t.ID() == arrow.TIMESTAMP }

func (p *Planner) createView(s *parser.CreateView) error {
	key := strings.ToLower(s.Name)
	if p.Cat.tables[key] != nil || (p.Cat.views[key] != nil && !s.OrReplace) {
		if s.IfNotExists {
			return nil
		}
		return p.errAt(s.Pos, "", "%v", p.Cat.errExists("view", s.Name))
	}
	v := &View{Name: s.Name, Columns: s.Columns, Query: s.Query, Def: s}
	// Bind once now so that errors surface at CREATE VIEW.
	if _, err := p.newBinder().bindQuery(s.Query.Node, s.Query.Src); err != nil {
		return err
	}
	p.Cat.views[key] = v
	return nil
}
