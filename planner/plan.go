package planner

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/exec/expr"
	"github.com/eddysql/eddy/parser"
)

// Plan is a planned query or INSERT: its physical tree (rooted at a PhysSink) and the
// logical plans before and after rewriting, for EXPLAIN and tests.
type Plan struct {
	Root      *PhysSink
	Logical   Node
	Optimized Node
	Fired     []string
}

// PlanQuery plans a SELECT whose rows go to the client.
func (p *Planner) PlanQuery(q parser.SQLQuery) (*Plan, error) {
	return p.plan(q, nil, nil, parser.Pos{})
}

// PlanInsert plans INSERT INTO table SELECT ...
func (p *Planner) PlanInsert(ins *parser.Insert) (*Plan, error) {
	t := p.Cat.Table(ins.Table)
	if t == nil {
		if p.Cat.View(ins.Table) != nil {
			return nil, p.errAt(ins.Pos, "INSERT INTO a table", "cannot INSERT INTO view '%s'", ins.Table)
		}
		return nil, p.errAt(ins.Pos, p.relationHint(), "unknown table '%s'", ins.Table)
	}
	if t.Connector.NewSink == nil {
		return nil, p.errAt(ins.Pos, "", "connector '%s' of table '%s' can only be read, not written", t.Connector.Name, t.Name)
	}
	return p.plan(ins.Query, t, ins.Columns, ins.Pos)
}

func (p *Planner) plan(q parser.SQLQuery, sink *Table, cols []string, pos parser.Pos) (*Plan, error) {
	n, err := p.newBinder().bindQuery(q.Node, q.Src)
	if err != nil {
		return nil, err
	}
	if sink != nil {
		if n, err = p.fitToSink(n, sink, cols, pos); err != nil {
			return nil, err
		}
	}
	p.RulesFired = nil
	opt, _, err := p.Optimize(n)
	if err != nil {
		return nil, err
	}
	phys, err := p.Physical(opt, sink)
	if err != nil {
		return nil, p.errAt(q.Src.PosOf(q.Node), "", "%v", err)
	}
	return &Plan{Root: phys.(*PhysSink), Logical: n, Optimized: opt, Fired: append([]string{}, p.RulesFired...)}, nil
}

// fitToSink maps a query's columns onto the sink table's physical columns by position (or by
// the INSERT's column list), with implicit casts.
func (p *Planner) fitToSink(n Node, t *Table, cols []string, pos parser.Pos) (Node, error) {
	in := n.Schema()
	var target []int
	if len(cols) > 0 {
		for _, c := range cols {
			i := t.ColumnIndex(c)
			if i < 0 || !t.Written(i) {
				return nil, p.errAt(pos, "columns: "+t.columnNames(), "table '%s' has no column '%s' to insert into", t.Name, c)
			}
			target = append(target, i)
		}
	} else {
		for i := range t.Columns {
			if t.Written(i) {
				target = append(target, i)
			}
		}
	}
	if len(target) != len(in) {
		return nil, p.errAt(pos, fmt.Sprintf("select %d columns, one for each of %s", len(target), strings.Join(colNames(t, target), ", ")),
			"INSERT INTO %s: the query has %d columns, the table %d", t.Name, len(in), len(target))
	}
	exprs := make([]expr.Expr, 0, len(t.Columns))
	names := make([]string, 0, len(t.Columns))
	byTarget := map[int]int{}
	for k, ti := range target {
		byTarget[ti] = k
	}
	for i, c := range t.Columns {
		if !t.Written(i) {
			continue
		}
		k, ok := byTarget[i]
		var e expr.Expr
		if ok {
			e = &expr.Column{Index: k, Name: in[k].Name, T: in[k].Type}
			if !typesEqual(in[k].Type, c.Type) {
				ce, err := expr.NewCast(e, c.Type, false)
				if err != nil {
					return nil, p.errAt(pos, "CAST the column in the SELECT list", "INSERT INTO %s: column %s is %s, the query gives %s", t.Name, c.Name, expr.TypeName(c.Type), expr.TypeName(in[k].Type))
				}
				e = ce
			}
		} else {
			e = &expr.Literal{Value: nil, T: c.Type}
		}
		exprs = append(exprs, e)
		names = append(names, c.Name)
	}
	return &Project{Input: n, Exprs: exprs, Names: names}, nil
}

func colNames(t *Table, idx []int) []string {
	var out []string
	for _, i := range idx {
		out = append(out, t.Columns[i].Name)
	}
	return out
}
