package planner

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/exec/expr"
)

// RankMode is how a Rank runs.
type RankMode uint8

const (
	// RankWindow: a Top-N per window, emitted when the window's end passes the watermark
	// (append-only).
	RankWindow RankMode = iota
	// RankUnbounded: a Top-N over all rows so far (updating).
	RankUnbounded
	// DedupFirst keeps the first row per key by event time (append-only).
	DedupFirst
	// DedupLast keeps the last row per key by event time (updating).
	DedupLast
)

func (m RankMode) String() string {
	return [...]string{"WindowRank", "Rank", "Deduplicate(keep=first)", "Deduplicate(keep=last)"}[m]
}

// PhysRank is a Top-N or a deduplication.
type PhysRank struct {
	Input     PhysNode
	Rank      *Rank
	Mode      RankMode
	WindowEnd int // RankWindow: the window_end column
	TimeCol   int // DedupFirst/DedupLast: the event-time column ordered by
	props     Props
}

// PhysOver computes OVER functions per row in event-time order.
type PhysOver struct {
	Input PhysNode
	Over  *Over
	props Props
}

func (n *PhysRank) Props() Props       { return n.props }
func (n *PhysOver) Props() Props       { return n.props }
func (n *PhysRank) Inputs() []PhysNode { return []PhysNode{n.Input} }
func (n *PhysOver) Inputs() []PhysNode { return []PhysNode{n.Input} }

func orderText(s Schema, order []SortKey) string {
	var parts []string
	for _, k := range order {
		d := " ASC"
		if k.Desc {
			d = " DESC"
		}
		parts = append(parts, s[k.Col].Name+d)
	}
	return strings.Join(parts, ", ")
}

func colsText(s Schema, cols []int) string {
	var parts []string
	for _, c := range cols {
		parts = append(parts, s[c].Name)
	}
	return strings.Join(parts, ", ")
}

func (n *PhysRank) Describe() string {
	in := n.Input.Props().Schema
	r := n.Rank
	return fmt.Sprintf("%s(partitionBy=[%s], orderBy=[%s], rankRange=[%d..%d])", n.Mode, colsText(in, r.Partition), orderText(in, r.Order), r.Low, r.High)
}

func (n *PhysOver) Describe() string {
	in := n.Input.Props().Schema
	var fs []string
	for _, f := range n.Over.Funcs {
		name := map[OverFuncKind]string{OverRowNumber: "ROW_NUMBER()", OverLag: "LAG", OverLead: "LEAD"}[f.Kind]
		switch f.Kind {
		case OverAgg:
			name = f.Agg.Kind.String()
			if f.Agg.Arg >= 0 {
				name += "(" + in[f.Agg.Arg].Name + ")"
			}
		case OverLag, OverLead:
			name += fmt.Sprintf("(%s, %d)", in[f.Arg].Name, f.Offset)
		}
		frame := "RANGE UNBOUNDED PRECEDING"
		switch {
		case f.Rows && f.Preceding >= 0:
			frame = fmt.Sprintf("ROWS %d PRECEDING", f.Preceding)
		case f.Rows:
			frame = "ROWS UNBOUNDED PRECEDING"
		case f.Preceding >= 0:
			frame = fmt.Sprintf("RANGE %d ms PRECEDING", f.Preceding)
		}
		if f.Kind == OverAgg {
			name += " " + frame
		}
		fs = append(fs, name)
	}
	return fmt.Sprintf("OverAggregate(partitionBy=[%s], orderBy=[%s], select=[%s])", colsText(in, n.Over.Partition), orderText(in, n.Over.Order), strings.Join(fs, ", "))
}

func (p *Planner) physicalOver(x *Over) (PhysNode, error) {
	in, err := p.physical(x.Input)
	if err != nil {
		return nil, err
	}
	s := in.Props().Schema
	if len(x.Order) != 1 || !s[x.Order[0].Col].RowTime || x.Order[0].Desc {
		for _, f := range x.Funcs {
			if f.Kind == OverRowNumber {
				return nil, fmt.Errorf("ROW_NUMBER() OVER (... ORDER BY %s) needs a filter on the row number in an outer query, e.g. SELECT * FROM (...) WHERE rn <= 3 (a Top-N)", orderText(s, x.Order))
			}
		}
		return nil, fmt.Errorf("an OVER window on a stream must ORDER BY one time attribute ascending (a column with a WATERMARK), e.g. ORDER BY ts")
	}
	if in.Props().Mode != Append {
		return nil, fmt.Errorf("an OVER window needs an append-only input")
	}
	out := x.Schema()
	for i := range out {
		out[i].RowTime = i < len(s) && s[i].RowTime
	}
	return &PhysOver{Input: in, Over: x, props: Props{Schema: out, Mode: Append, TimeAttr: timeAttr(out)}}, nil
}

func (p *Planner) physicalRank(x *Rank) (PhysNode, error) {
	in, err := p.physical(x.Input)
	if err != nil {
		return nil, err
	}
	s := in.Props().Schema
	out := x.Schema()
	n := &PhysRank{Input: in, Rank: x, Mode: RankUnbounded, WindowEnd: -1, TimeCol: -1}
	append := in.Props().Mode == Append
	ws, we := -1, -1
	for _, c := range x.Partition {
		switch strings.ToLower(s[c].Name) {
		case "window_start":
			ws = c
		case "window_end":
			we = c
		}
	}
	switch {
	case append && ws >= 0 && we >= 0:
		n.Mode, n.WindowEnd = RankWindow, we
	case append && len(x.Order) == 1 && s[x.Order[0].Col].RowTime && x.Low == 1 && x.High == 1:
		n.TimeCol = x.Order[0].Col
		n.Mode = DedupFirst
		if x.Order[0].Desc {
			n.Mode = DedupLast
		}
	}
	mode := Updating
	if n.Mode == RankWindow || n.Mode == DedupFirst {
		mode = Append
	}
	for i := range out {
		out[i].RowTime = mode == Append && i < len(s) && s[i].RowTime
	}
	n.props = Props{Schema: out, Mode: mode, TimeAttr: timeAttr(out)}
	return n, nil
}

// rowNumberToRank turns a filter on ROW_NUMBER() into a Rank: Top-N or deduplication.
func rowNumberToRank(n Node) (Node, bool) {
	f, ok := n.(*Filter)
	if !ok {
		return n, false
	}
	o, ok := f.Input.(*Over)
	if !ok || len(o.Funcs) != 1 || o.Funcs[0].Kind != OverRowNumber {
		return n, false
	}
	rn := len(o.Input.Schema())
	low, high := int64(1), int64(maxInt64)
	var rest []expr.Expr
	found := false
	for _, c := range conjuncts(f.Pred) {
		lo, hi, ok := rowNumberBound(c, rn)
		if !ok {
			rest = append(rest, c)
			continue
		}
		found = true
		low, high = max(low, lo), min(high, hi)
	}
	if !found || high == maxInt64 {
		return n, false
	}
	r := &Rank{Input: o.Input, Partition: o.Partition, Order: o.Order, Low: low, High: high, RowNumberName: o.Funcs[0].Name}
	if len(rest) == 0 {
		return r, true
	}
	return &Filter{Input: r, Pred: andAll(rest)}, true
}

// rowNumberBound reads `rn <= 3`, `rn < 4`, `rn = 1`, `3 >= rn` as a range of row numbers.
func rowNumberBound(c expr.Expr, rn int) (lo, hi int64, ok bool) {
	call, isCall := c.(*expr.Call)
	if !isCall || len(call.Args) != 2 {
		return 0, 0, false
	}
	op := call.Func
	col, lit := call.Args[0], call.Args[1]
	if _, isCol := col.(*expr.Column); !isCol {
		col, lit = lit, col
		op = flipComparison(op)
	}
	cc, isCol := col.(*expr.Column)
	l, isLit := lit.(*expr.Literal)
	if !isCol || !isLit || cc.Index != rn {
		return 0, 0, false
	}
	v, isInt := l.Value.(int64)
	if !isInt {
		return 0, 0, false
	}
	return rangeOf(op, v, 1)
}
