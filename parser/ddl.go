package parser

const (
	createTableHint = "write CREATE TABLE name (col TYPE, ..., WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = '...')"
	watermarkHint   = "write WATERMARK FOR ts AS ts - INTERVAL '5' SECOND"
	viewHint        = "write CREATE VIEW name AS SELECT ..."
)

// create reads the CREATE statements: TABLE, VIEW, and KDA's STREAM and PUMP.
func (p *stmtParser) create(pos Pos) (Statement, *Error) {
	p.k++
	orReplace := false
	if p.peek("OR") && p.tok(1).is("REPLACE") {
		p.k += 2
		orReplace = true
	}
	temporary := p.accept("TEMPORARY") || p.accept("TEMP")
	switch {
	case p.accept("TABLE"):
		return p.createTable(pos, temporary, orReplace, true)
	case p.accept("STREAM"):
		return p.createTable(pos, temporary, orReplace, false)
	case p.accept("VIEW"):
		return p.createView(pos, temporary, orReplace)
	case p.accept("PUMP"):
		name, _, err := p.name("a pump name", "write CREATE PUMP p AS INSERT INTO stream SELECT STREAM ...")
		if err != nil {
			return nil, err
		}
		if err := p.expect("AS", "write CREATE PUMP p AS INSERT INTO stream SELECT STREAM ..."); err != nil {
			return nil, err
		}
		if !p.peek("INSERT") {
			return nil, p.errorf("write CREATE PUMP p AS INSERT INTO stream SELECT STREAM ...", "expected INSERT INTO, found %s", p.found())
		}
		ins, err := p.insert(pos)
		if err != nil {
			return nil, err
		}
		ins.Pump = name
		return ins, nil
	}
	return nil, p.errorf("CREATE makes a TABLE, VIEW, STREAM or PUMP", "cannot create %s", p.found())
}

// createTable reads the rest of CREATE TABLE (withOptions) or CREATE STREAM.
func (p *stmtParser) createTable(pos Pos, temporary, orReplace, table bool) (*CreateTable, *Error) {
	ct := &CreateTable{Pos: pos, Temporary: temporary, OrReplace: orReplace}
	if p.peek("IF") && p.tok(1).is("NOT") && p.tok(2).is("EXISTS") {
		p.k += 3
		ct.IfNotExists = true
	}
	name, _, err := p.name("a table name", createTableHint)
	if err != nil {
		return nil, err
	}
	ct.Name = name
	if !p.peek("(") {
		if p.peek("WITH") || p.peek("AS") || p.peek("LIKE") {
			return nil, p.errorf("declare the columns: "+createTableHint, "CREATE TABLE without a column list is not supported")
		}
		return nil, p.errorf(createTableHint, "expected ( and the columns, found %s", p.found())
	}
	c := p.closer(p.k)
	if c < 0 {
		return nil, p.errorf(createTableHint, "unbalanced parentheses in the column list")
	}
	for _, el := range splitTop(p.toks, p.match, p.k+1, c) {
		if el.i >= el.j {
			return nil, p.scr.errorf(p.offAt(el.i), createTableHint, "empty column definition")
		}
		if err := p.tableElement(ct, el.i, el.j); err != nil {
			return nil, err
		}
	}
	if len(ct.Columns) == 0 {
		return nil, p.scr.errorf(p.offAt(c), createTableHint, "a table needs at least one column")
	}
	p.k = c + 1
	for !p.atEnd() {
		switch {
		case p.peek("COMMENT") && p.tok(1).kind == tkString:
			ct.Comment = unquote(p.scr.text, p.tok(1))
			p.k += 2
		case p.peek("PARTITIONED") && p.tok(1).is("BY"):
			p.k += 2
			cols, err := p.nameList("write PARTITIONED BY (col, ...)")
			if err != nil {
				return nil, err
			}
			ct.PartitionedBy = cols
		case p.peek("WITH"):
			p.k++
			opts, err := p.options()
			if err != nil {
				return nil, err
			}
			ct.Options = append(ct.Options, opts...)
		default:
			return nil, p.errorf(createTableHint, "unexpected %s after the column list", p.found())
		}
	}
	return ct, nil
}

// splitTop splits tokens [i, j) at commas outside brackets, including the angle
// brackets of ARRAY<...>, MAP<...>, ROW<...> and MULTISET<...> types.
func splitTop(toks []token, match []int, i, j int) []span {
	var out []span
	s := i
	angles := 0 // open < of ARRAY<, MAP<, ROW<, MULTISET< types
	for k := i; k < j; k++ {
		if m := match[k]; m > k {
			k = m
			continue
		}
		switch t := toks[k]; {
		case t.is("<") && k > i && (toks[k-1].is("ARRAY") || toks[k-1].is("MAP") || toks[k-1].is("ROW") || toks[k-1].is("MULTISET")):
			angles++
		case t.is(">") && angles > 0:
			angles--
		case t.is("<>") && angles > 0: // ARRAY<> is not a type; keep counting sane
		}
		if toks[k].is(",") && angles == 0 {
			out = append(out, span{s, k})
			s = k + 1
		}
	}
	return append(out, span{s, j})
}

// tableElement reads one element of a column list: a column, a computed column, a
// METADATA column, a WATERMARK or a PRIMARY KEY.
func (p *stmtParser) tableElement(ct *CreateTable, i, j int) *Error {
	sub := &stmtParser{scr: p.scr, toks: p.toks, match: p.match, k: i, end: j}
	switch {
	case sub.peek("WATERMARK") && sub.tok(1).is("FOR"):
		return sub.watermark(ct)
	case sub.peek("PRIMARY") && sub.tok(1).is("KEY"), sub.peek("CONSTRAINT"):
		return sub.primaryKey(ct)
	}
	return sub.column(ct)
}

func (p *stmtParser) watermark(ct *CreateTable) *Error {
	pos := p.scr.pos(p.tok(0).start)
	p.k += 2
	if ct.Watermark != nil {
		return p.scr.errorf(pos.Offset, "declare one WATERMARK per table", "second WATERMARK")
	}
	col, _, err := p.name("the time column", watermarkHint)
	if err != nil {
		return err
	}
	if err := p.expect("AS", watermarkHint); err != nil {
		return err
	}
	if p.atEnd() {
		return p.scr.errorf(p.offAt(p.end), watermarkHint, "WATERMARK needs an expression after AS")
	}
	e, xerr := p.expr(p.k, p.end, "an expression", watermarkHint)
	if xerr != nil {
		return xerr
	}
	ct.Watermark = &WatermarkDef{Pos: pos, Column: col, Expr: e}
	return nil
}

func (p *stmtParser) primaryKey(ct *CreateTable) *Error {
	const hint = "write PRIMARY KEY (col, ...) NOT ENFORCED"
	if p.accept("CONSTRAINT") {
		if _, _, err := p.name("a constraint name", hint); err != nil {
			return err
		}
	}
	if err := p.expect("PRIMARY", hint); err != nil {
		return err
	}
	if err := p.expect("KEY", hint); err != nil {
		return err
	}
	if ct.PrimaryKey != nil {
		return p.errorf("declare one PRIMARY KEY per table", "second PRIMARY KEY")
	}
	cols, err := p.nameList(hint)
	if err != nil {
		return err
	}
	ct.PrimaryKey = cols
	if p.peek("NOT") && p.tok(1).is("ENFORCED") {
		p.k += 2
	}
	return p.done(hint)
}

// column reads `name TYPE [NOT NULL] [METADATA [FROM 'key'] [VIRTUAL]] [PRIMARY KEY
// [NOT ENFORCED]] [COMMENT '...']` or the computed `name AS expr [COMMENT '...']`.
func (p *stmtParser) column(ct *CreateTable) *Error {
	name, pos, err := p.name("a column name", createTableHint)
	if err != nil {
		return err
	}
	if p.peek(".") {
		return p.errorf(createTableHint, "a column name cannot be qualified")
	}
	col := ColumnDef{Pos: pos, Name: name}
	if p.accept("AS") {
		end := p.end
		if end-p.k >= 2 && p.toks[end-2].is("COMMENT") && p.toks[end-1].kind == tkString {
			col.Comment = unquote(p.scr.text, p.toks[end-1])
			end -= 2
		}
		if p.k >= end {
			return p.scr.errorf(p.offAt(p.end), "write name AS expression, e.g. ts AS TO_TIMESTAMP_LTZ(ts_ms, 3)", sprintf("computed column %s needs an expression after AS", name))
		}
		e, xerr := p.expr(p.k, end, "an expression", "write name AS expression")
		if xerr != nil {
			return xerr
		}
		col.Computed = &e
		ct.Columns = append(ct.Columns, col)
		return nil
	}
	if p.atEnd() {
		return p.errorf(typeHint, "column %s needs a type", name)
	}
	col.TypePos = p.scr.pos(p.tok(0).start)
	tp := &typeParser{scr: p.scr, toks: p.toks, k: p.k, end: p.end}
	typ, terr := tp.parse()
	if terr != nil {
		return terr
	}
	p.k = tp.k
	col.Type = typ
	for !p.atEnd() {
		switch {
		case p.peek("NOT") && p.tok(1).is("NULL"):
			p.k += 2
			col.NotNull = true
		case p.peek("NULL"):
			p.k++
		case p.peek("METADATA"):
			p.k++
			md := &MetadataDef{Key: name}
			if p.peek("FROM") && p.tok(1).kind == tkString {
				md.Key = unquote(p.scr.text, p.tok(1))
				p.k += 2
			}
			md.Virtual = p.accept("VIRTUAL")
			col.Metadata = md
		case p.peek("PRIMARY") && p.tok(1).is("KEY"):
			p.k += 2
			if p.peek("NOT") && p.tok(1).is("ENFORCED") {
				p.k += 2
			}
			if ct.PrimaryKey != nil {
				return p.errorf("declare one PRIMARY KEY per table", "second PRIMARY KEY")
			}
			ct.PrimaryKey = []string{name}
		case p.peek("COMMENT") && p.tok(1).kind == tkString:
			col.Comment = unquote(p.scr.text, p.tok(1))
			p.k += 2
		default:
			return p.errorf("after a column's type: NOT NULL, METADATA [FROM 'key'] [VIRTUAL], PRIMARY KEY NOT ENFORCED or COMMENT '...'",
				"unexpected %s in the definition of column %s", p.found(), name)
		}
	}
	ct.Columns = append(ct.Columns, col)
	return nil
}

// options reads `( 'key' = 'value', ... )`.
func (p *stmtParser) options() ([]Option, *Error) {
	const hint = "write WITH ('connector' = 'kafka', 'topic' = 'bids')"
	if err := p.expect("(", hint); err != nil {
		return nil, err
	}
	var out []Option
	if p.accept(")") {
		return out, nil
	}
	for {
		kt := p.tok(0)
		if p.atEnd() {
			return nil, p.errorf(hint, "unclosed WITH (...)")
		}
		key, err := p.optionWord(hint, "a quoted option key")
		if err != nil {
			return nil, err
		}
		if err := p.expect("=", hint); err != nil {
			return nil, err
		}
		val, err := p.optionWord(hint, "a quoted option value")
		if err != nil {
			return nil, err
		}
		out = append(out, Option{Pos: p.scr.pos(kt.start), Key: key, Value: val})
		if p.accept(",") {
			continue
		}
		if err := p.expect(")", hint); err != nil {
			return nil, err
		}
		return out, nil
	}
}

// optionWord reads an option key or value: a string, or leniently a dotted name,
// number or TRUE/FALSE as written.
func (p *stmtParser) optionWord(hint, what string) (string, *Error) {
	t := p.tok(0)
	switch t.kind {
	case tkString:
		p.k++
		return unquote(p.scr.text, t), nil
	case tkNumber:
		p.k++
		return p.scr.text[t.start:t.end], nil
	case tkWord, tkQuoted:
		n, _, err := p.name(what, hint)
		return n, err
	}
	if t.is("-") && p.tok(1).kind == tkNumber {
		p.k += 2
		return "-" + p.scr.text[p.tok(-1).start:p.tok(-1).end], nil
	}
	return "", p.errorf(hint, "expected %s, found %s", what, p.found())
}

// createView reads `VIEW [IF NOT EXISTS] name [(cols)] [COMMENT '...'] AS query`.
func (p *stmtParser) createView(pos Pos, temporary, orReplace bool) (*CreateView, *Error) {
	v := &CreateView{Pos: pos, Temporary: temporary, OrReplace: orReplace}
	if p.peek("IF") && p.tok(1).is("NOT") && p.tok(2).is("EXISTS") {
		p.k += 3
		v.IfNotExists = true
	}
	name, _, err := p.name("a view name", viewHint)
	if err != nil {
		return nil, err
	}
	v.Name = name
	if p.peek("(") {
		cols, err := p.nameList(viewHint)
		if err != nil {
			return nil, err
		}
		v.Columns = cols
	}
	if p.peek("COMMENT") && p.tok(1).kind == tkString {
		v.Comment = unquote(p.scr.text, p.tok(1))
		p.k += 2
	}
	if err := p.expect("AS", viewHint); err != nil {
		return nil, err
	}
	q, qerr := p.query(p.k, p.end)
	if qerr != nil {
		return nil, qerr
	}
	v.Query = q
	return v, nil
}
