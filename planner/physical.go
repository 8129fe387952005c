package planner

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/exec/expr"
)

// ChangelogMode says which row kinds a node emits.
type ChangelogMode uint8

const (
	// Append: only inserts (+I).
	Append ChangelogMode = iota
	// Updating: +I, -U, +U, -D.
	Updating
)

func (m ChangelogMode) String() string {
	if m == Updating {
		return "updating"
	}
	return "append"
}

// Props are what every physical node knows about its output.
type Props struct {
	Schema Schema
	Mode   ChangelogMode
	// TimeAttr names the output's event-time attribute ("" when it has none).
	TimeAttr string
}

// PhysNode is a node of the physical plan: immutable, with its properties computed once.
type PhysNode interface {
	Props() Props
	Inputs() []PhysNode
	// Describe is the node's EXPLAIN line without the properties.
	Describe() string
}

// PhysScan reads a table: decode ReadCols, compute the needed computed columns, derive
// watermarks, apply Filter, output Cols.
type PhysScan struct {
	Table  *Table
	Cols   []int     // full-row columns output
	Filter expr.Expr // over the full row; nil when none
	props  Props
}

// NeededCols are the full-row columns the scan materialises: outputs, filter inputs, the
// watermark column and what the watermark and computed columns read; in table order.
func (s *PhysScan) NeededCols() []int {
	need := make([]bool, len(s.Table.Columns))
	for _, c := range s.Cols {
		need[c] = true
	}
	if s.Filter != nil {
		for _, c := range columnsOf(s.Filter) {
			need[c] = true
		}
	}
	if s.Table.Watermark != nil {
		need[s.Table.RowTime] = true
		for _, c := range columnsOf(s.Table.Watermark) {
			need[c] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for i, c := range s.Table.Columns {
			if need[i] && c.Computed != nil {
				for _, d := range columnsOf(c.Computed) {
					if !need[d] {
						need[d], changed = true, true
					}
				}
			}
		}
	}
	var out []int
	for i, n := range need {
		if n {
			out = append(out, i)
		}
	}
	return out
}

// PhysCalc filters (Filter may be nil) and then projects (Exprs nil: pass through).
type PhysCalc struct {
	Input  PhysNode
	Filter expr.Expr
	Exprs  []expr.Expr
	Names  []string
	props  Props
}

// PhysWindowAssign is a bare TUMBLE/HOP/CUMULATE TVF.
type PhysWindowAssign struct {
	Input  PhysNode
	Window exec.WindowSpec
	props  Props
}

// PhysWindowAggregate is a window aggregation.
type PhysWindowAggregate struct {
	Input PhysNode
	Spec  exec.WindowAggSpec
	props Props
}

// PhysProcTimeWatermark replaces its input's watermarks by processing-time ones, taken from
// the PROCTIME() column TimeCol, for the processing-time window above it.
type PhysProcTimeWatermark struct {
	Input   PhysNode
	TimeCol int
	props   Props
}

func (n *PhysProcTimeWatermark) Props() Props       { return n.props }
func (n *PhysProcTimeWatermark) Inputs() []PhysNode { return []PhysNode{n.Input} }
func (n *PhysProcTimeWatermark) Describe() string {
	return fmt.Sprintf("ProcTimeWatermark(time=[%s])", n.Input.Props().Schema[n.TimeCol].Name)
}

// withProcTime puts a PhysProcTimeWatermark under a processing-time window, unless the
// watermarks of in are already processing time (a window TVF under a window aggregation).
func withProcTime(in PhysNode, w exec.WindowSpec) PhysNode {
	if !w.ProcTime {
		return in
	}
	n := in
	for c, ok := n.(*PhysCalc); ok; c, ok = n.(*PhysCalc) {
		n = c.Input
	}
	switch x := n.(type) {
	case *PhysProcTimeWatermark:
		return in
	case *PhysWindowAssign:
		if x.Window.ProcTime {
			return in
		}
	}
	p := in.Props()
	p.TimeAttr = ""
	return &PhysProcTimeWatermark{Input: in, TimeCol: w.TimeCol, props: p}
}

// PhysSink writes its input to a table, or to the client (Table nil).
type PhysSink struct {
	Input PhysNode
	Table *Table
	props Props
}

func (n *PhysScan) Props() Props            { return n.props }
func (n *PhysCalc) Props() Props            { return n.props }
func (n *PhysWindowAssign) Props() Props    { return n.props }
func (n *PhysWindowAggregate) Props() Props { return n.props }
func (n *PhysSink) Props() Props            { return n.props }

func (n *PhysScan) Inputs() []PhysNode            { return nil }
func (n *PhysCalc) Inputs() []PhysNode            { return []PhysNode{n.Input} }
func (n *PhysWindowAssign) Inputs() []PhysNode    { return []PhysNode{n.Input} }
func (n *PhysWindowAggregate) Inputs() []PhysNode { return []PhysNode{n.Input} }
func (n *PhysSink) Inputs() []PhysNode            { return []PhysNode{n.Input} }

func timeAttr(s Schema) string {
	if i := s.RowTimeIndex(); i >= 0 {
		return s[i].Name
	}
	return ""
}

func (n *PhysScan) Describe() string {
	var cols []string
	for _, c := range n.Cols {
		cols = append(cols, n.Table.Columns[c].Name)
	}
	s := fmt.Sprintf("TableSourceScan(table=[%s], connector=[%s], fields=[%s]", n.Table.Name, n.Table.Options["connector"], strings.Join(cols, ", "))
	if n.Filter != nil {
		s += fmt.Sprintf(", filter=[%s]", n.Filter.String())
	}
	if n.Table.Watermark != nil {
		s += fmt.Sprintf(", watermark=[%s: %s]", n.Table.Columns[n.Table.RowTime].Name, n.Table.WatermarkText)
	}
	return s + ")"
}

func (n *PhysCalc) Describe() string {
	var parts []string
	if n.Exprs != nil {
		var sel []string
		for i, e := range n.Exprs {
			t := e.String()
			if !strings.EqualFold(t, n.Names[i]) {
				t += " AS " + n.Names[i]
			}
			sel = append(sel, t)
		}
		parts = append(parts, "select=["+strings.Join(sel, ", ")+"]")
	}
	if n.Filter != nil {
		parts = append(parts, "where=["+n.Filter.String()+"]")
	}
	return "Calc(" + strings.Join(parts, ", ") + ")"
}

func (n *PhysWindowAssign) Describe() string {
	in := n.Input.Props().Schema
	return fmt.Sprintf("WindowTableFunction(window=[%s], time=[%s])", n.Window, in[n.Window.TimeCol].Name)
}

func (n *PhysWindowAggregate) Describe() string {
	in := n.Input.Props().Schema
	var keys, aggs []string
	for _, k := range n.Spec.Keys {
		keys = append(keys, in[k].Name)
	}
	for _, a := range n.Spec.Aggs {
		s := a.Kind.String()
		if a.Kind != exec.AggCountStar {
			arg := in[a.Arg].Name
			if a.Distinct {
				arg = "DISTINCT " + arg
			}
			s += "(" + arg + ")"
		}
		if a.Filter >= 0 {
			s += " FILTER " + in[a.Filter].Name
		}
		aggs = append(aggs, s)
	}
	return fmt.Sprintf("WindowAggregate(window=[%s], time=[%s], groupBy=[%s], select=[%s])",
		n.Spec.Window, in[n.Spec.Window.TimeCol].Name, strings.Join(keys, ", "), strings.Join(aggs, ", "))
}

func (n *PhysSink) Describe() string {
	if n.Table == nil {
		return fmt.Sprintf("Sink(table=[client], fields=[%s])", strings.Join(n.props.Schema.Names(), ", "))
	}
	return fmt.Sprintf("Sink(table=[%s], connector=[%s], fields=[%s])", n.Table.Name, n.Table.Options["connector"], strings.Join(n.props.Schema.Names(), ", "))
}

// Physical turns an optimized logical plan into the physical plan; sink is nil for a query
// whose rows go to the client.
func (p *Planner) Physical(n Node, sink *Table) (PhysNode, error) {
	in, err := p.physical(n)
	if err != nil {
		return nil, err
	}
	props := in.Props()
	if sink != nil && props.Mode == Updating && len(sink.PrimaryKey) == 0 {
		return nil, fmt.Errorf("INSERT INTO %s: the query gives an updating result (%s), but table '%s' takes only appends; "+
			"declare a primary key on it for an upsert sink: PRIMARY KEY (...) NOT ENFORCED, or aggregate per window (TUMBLE, HOP, ...) for an append-only result",
			sink.Name, updatingCause(in), sink.Name)
	}
	return &PhysSink{Input: in, Table: sink, props: props}, nil
}

func (p *Planner) physical(n Node) (PhysNode, error) {
	switch x := n.(type) {
	case *Scan:
		s := x.Schema()
		return &PhysScan{Table: x.Table, Cols: x.Cols, Filter: x.Filter, props: Props{Schema: s, Mode: Append, TimeAttr: timeAttr(s)}}, nil
	case *Filter:
		in, err := p.physical(x.Input)
		if err != nil {
			return nil, err
		}
		s := x.Schema()
		return &PhysCalc{Input: in, Filter: x.Pred, props: Props{Schema: s, Mode: in.Props().Mode, TimeAttr: timeAttr(s)}}, nil
	case *Project:
		var filter expr.Expr
		input := x.Input
		if f, ok := input.(*Filter); ok {
			filter, input = f.Pred, f.Input
		}
		in, err := p.physical(input)
		if err != nil {
			return nil, err
		}
		s := x.Schema()
		return &PhysCalc{Input: in, Filter: filter, Exprs: x.Exprs, Names: x.Names, props: Props{Schema: s, Mode: in.Props().Mode, TimeAttr: timeAttr(s)}}, nil
	case *WindowTVF:
		in, err := p.physical(x.Input)
		if err != nil {
			return nil, err
		}
		s := x.Schema()
		in = withProcTime(in, x.Window)
		return &PhysWindowAssign{Input: in, Window: x.Window, props: Props{Schema: s, Mode: Append, TimeAttr: timeAttr(s)}}, nil
	case *WindowAggregate:
		in, err := p.physical(x.Input)
		if err != nil {
			return nil, err
		}
		if in.Props().Mode != Append {
			return nil, fmt.Errorf("a window aggregation needs an append-only input, but its input is an updating result (a GROUP BY without a window, an outer join or a Top-N); aggregate the stream per window first")
		}
		s := x.Schema()
		in = withProcTime(in, x.Window)
		spec := exec.WindowAggSpec{Window: x.Window, Keys: x.Keys, Aggs: x.Aggs, WindowTimeType: s[len(x.Keys)].Type}
		return &PhysWindowAggregate{Input: in, Spec: spec, props: Props{Schema: s, Mode: Append, TimeAttr: timeAttr(s)}}, nil
	case *Aggregate:
		return p.physicalAggregate(x)
	case *Join:
		return p.physicalJoin(x)
	case *Over:
		return p.physicalOver(x)
	case *Rank:
		return p.physicalRank(x)
	}
	return nil, fmt.Errorf("internal error: no physical plan for %T", n)
}

// Explain renders the physical tree, one node a line, with its changelog mode and time
// attribute.
func Explain(n PhysNode) string {
	var b strings.Builder
	var walk func(PhysNode, string, bool)
	walk = func(n PhysNode, indent string, root bool) {
		pr := n.Props()
		props := "changelog=" + pr.Mode.String()
		if pr.TimeAttr != "" {
			props += ", rowtime=" + pr.TimeAttr
		}
		prefix := indent
		if !root {
			prefix += "+- "
		}
		fmt.Fprintf(&b, "%s%s [%s]\n", prefix, n.Describe(), props)
		for _, in := range n.Inputs() {
			if root {
				walk(in, indent, false)
			} else {
				walk(in, indent+"   ", false)
			}
		}
	}
	walk(n, "", true)
	return b.String()
}

// updatingCause names the node that makes a plan's result updating.
func updatingCause(n PhysNode) string {
	for _, in := range n.Inputs() {
		if in.Props().Mode == Updating {
			return updatingCause(in)
		}
	}
	switch x := n.(type) {
	case *PhysGroupAggregate:
		return "a GROUP BY without a window"
	case *PhysJoin:
		return "an outer join"
	case *PhysRank:
		if x.Mode == DedupLast {
			return "a deduplication keeping the last row"
		}
		return "a Top-N without a window"
	}
	return "an updating operator"
}
