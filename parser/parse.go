package parser

import "strings"

// Parse splits a script into statements and parses each one. file names the script in
// positions ("" means "<sql>"). The error, if any, is an *Error with the position of
// the problem in the whole script.
func Parse(file, text string) ([]Statement, error) {
	stmts, err := parse(file, text)
	if err != nil {
		return nil, err
	}
	return stmts, nil
}

// ParseOne parses a text holding exactly one statement.
func ParseOne(file, text string) (Statement, error) {
	stmts, err := parse(file, text)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		scr := newScript(file, text)
		if len(stmts) == 0 {
			return nil, scr.errorf(0, "write a statement, e.g. SELECT * FROM t", "no statement")
		}
		return nil, scr.errorf(stmts[1].Position().Offset, "pass one statement at a time, or use Parse", sprintf("expected one statement, found %d", len(stmts)))
	}
	return stmts[0], nil
}

func parse(file, text string) ([]Statement, *Error) {
	scr := newScript(file, text)
	toks, lerr := lex(text)
	if lerr != nil {
		return nil, scr.errorf(lerr.off, lerr.hint, lerr.msg)
	}
	var out []Statement
	spans := splitStatements(toks)
	for n := 0; n < len(spans); n++ {
		sp := spans[n]
		st := toks[sp.i:sp.j]
		// The SQL client's form of a statement set: `BEGIN STATEMENT SET;` INSERT...; `END;`.
		if len(st) == 3 && st[0].is("BEGIN") && st[1].is("STATEMENT") && st[2].is("SET") {
			set := &StatementSet{Pos: scr.pos(st[0].start)}
			closed := false
			for n++; n < len(spans); n++ {
				inner := toks[spans[n].i:spans[n].j]
				if len(inner) == 1 && inner[0].is("END") {
					closed = true
					break
				}
				s, err := newStmtParser(scr, inner).statement()
				if err != nil {
					return nil, err
				}
				ins, ok := s.(*Insert)
				if !ok {
					return nil, scr.errorf(inner[0].start, "a statement set holds only INSERT INTO statements", "expected INSERT INTO in a statement set")
				}
				set.Inserts = append(set.Inserts, ins)
			}
			if !closed {
				return nil, scr.errorf(st[0].start, "close the statement set with END;", "BEGIN STATEMENT SET without END")
			}
			out = append(out, set)
			continue
		}
		s, err := newStmtParser(scr, st).statement()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// stmtParser is the front parser of one statement: it reads the statements TiDB cannot
// and hands queries and expressions to TiDB through the rewriter.
type stmtParser struct {
	scr   *script
	toks  []token
	match []int
	k     int
	end   int
}

func newStmtParser(scr *script, toks []token) *stmtParser {
	return &stmtParser{scr: scr, toks: toks, match: matchParens(toks), end: len(toks)}
}

func (p *stmtParser) tok(off int) token {
	if i := p.k + off; i >= 0 && i < p.end {
		return p.toks[i]
	}
	return token{}
}

func (p *stmtParser) peek(w string) bool { return p.tok(0).is(w) }

func (p *stmtParser) accept(w string) bool {
	if p.peek(w) {
		p.k++
		return true
	}
	return false
}

func (p *stmtParser) atEnd() bool { return p.k >= p.end }

// offAt is the user offset of token k of the statement, or the end of the last token.
func (p *stmtParser) offAt(k int) int {
	if k >= 0 && k < len(p.toks) {
		return p.toks[k].start
	}
	if len(p.toks) > 0 {
		return p.toks[len(p.toks)-1].end
	}
	return 0
}

func (p *stmtParser) errorf(hint, format string, args ...any) *Error {
	off := p.offAt(p.k)
	if p.k >= p.end && p.end > 0 && p.end <= len(p.toks) {
		off = p.toks[p.end-1].end
	}
	return p.scr.errorf(off, hint, sprintf(format, args...))
}

// found describes the current token for messages.
func (p *stmtParser) found() string {
	if p.atEnd() {
		return "end of statement"
	}
	t := p.tok(0)
	return sprintf("%q", p.scr.text[t.start:t.end])
}

func (p *stmtParser) expect(w, hint string) *Error {
	if p.accept(w) {
		return nil
	}
	return p.errorf(hint, "expected %s, found %s", w, p.found())
}

// name reads a possibly qualified name (cat.db.t); quoted parts are unquoted.
func (p *stmtParser) name(what, hint string) (string, Pos, *Error) {
	t := p.tok(0)
	if !t.isName() {
		return "", Pos{}, p.errorf(hint, "expected %s, found %s", what, p.found())
	}
	pos := p.scr.pos(t.start)
	parts := []string{unquote(p.scr.text, t)}
	p.k++
	for p.peek(".") && p.tok(1).isName() {
		parts = append(parts, unquote(p.scr.text, p.tok(1)))
		p.k += 2
	}
	return strings.Join(parts, "."), pos, nil
}

// nameList reads `(a, b, c)`.
func (p *stmtParser) nameList(hint string) ([]string, *Error) {
	if err := p.expect("(", hint); err != nil {
		return nil, err
	}
	var out []string
	for {
		n, _, err := p.name("a column name", hint)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		if p.accept(",") {
			continue
		}
		if err := p.expect(")", hint); err != nil {
			return nil, err
		}
		return out, nil
	}
}

// closer is the index of the bracket matching the opener at k, or -1.
func (p *stmtParser) closer(k int) int {
	if k >= 0 && k < len(p.match) && p.match[k] > k {
		return p.match[k]
	}
	return -1
}

// query hands tokens [i, j) to TiDB as a query.
func (p *stmtParser) query(i, j int) (SQLQuery, *Error) {
	if i >= j {
		return SQLQuery{}, p.scr.errorf(p.offAt(i), "write a query, e.g. SELECT * FROM t", "expected a query, found end of statement")
	}
	if t := p.toks[i]; !(t.is("SELECT") || t.is("WITH") || t.is("VALUES") || t.is("(")) {
		return SQLQuery{}, p.scr.errorf(t.start, "write a query, e.g. SELECT * FROM t", sprintf("expected a query, found %q", p.scr.text[t.start:t.end]))
	}
	src, err := newRewriter(p.scr, p.toks, p.match).source("", i, j)
	if err != nil {
		return SQLQuery{}, err
	}
	return parseQuery(src)
}

// expr hands tokens [i, j) to TiDB as one expression.
func (p *stmtParser) expr(i, j int, what, hint string) (SQLExpr, *Error) {
	if i >= j {
		return SQLExpr{}, p.scr.errorf(p.offAt(i), hint, sprintf("expected %s", what))
	}
	src, err := newRewriter(p.scr, p.toks, p.match).source("SELECT ", i, j)
	if err != nil {
		return SQLExpr{}, err
	}
	return parseExpr(src)
}

const statementsHint = "statements are: CREATE TABLE, CREATE VIEW, CREATE STREAM, CREATE PUMP, DROP TABLE, DROP VIEW, " +
	"INSERT INTO, SELECT, EXECUTE STATEMENT SET, SET, RESET, SHOW TABLES|VIEWS|FUNCTIONS|JOBS, DESCRIBE, EXPLAIN"

var statementWords = strings.Fields("CREATE DROP INSERT SELECT WITH VALUES EXECUTE SET RESET SHOW DESCRIBE DESC EXPLAIN BEGIN HELP QUIT EXIT SOURCE STOP")

// statement parses the statement at p.k up to p.end.
func (p *stmtParser) statement() (Statement, *Error) {
	t := p.tok(0)
	pos := p.scr.pos(t.start)
	switch {
	case t.is("SELECT"), t.is("WITH"), t.is("VALUES"), t.is("("):
		q, err := p.query(p.k, p.end)
		if err != nil {
			return nil, err
		}
		return &Query{Pos: pos, Query: q}, nil
	case t.is("INSERT"):
		return p.insert(pos)
	case t.is("CREATE"):
		return p.create(pos)
	case t.is("DROP"):
		return p.drop(pos)
	case t.is("EXECUTE"):
		return p.statementSet(pos)
	case t.is("SET"):
		return p.set(pos)
	case t.is("RESET"):
		return p.reset(pos)
	case t.is("SHOW"):
		return p.show(pos)
	case t.is("DESCRIBE"), t.is("DESC"):
		p.k++
		n, _, err := p.name("a table name", "write DESCRIBE table_name")
		if err != nil {
			return nil, err
		}
		return &Describe{Pos: pos, Name: n}, p.done("DESCRIBE takes one table name")
	case t.is("EXPLAIN"):
		return p.explain(pos)
	case t.kind == tkWord && clientWords[t.up]:
		return p.clientStatement(pos)
	}
	hint := statementsHint
	if t.kind == tkWord {
		for _, w := range statementWords {
			if d := editDistance(t.up, w); d > 0 && d <= 2 && len(t.up) >= 3 {
				hint = sprintf("did you mean %s? ", w) + statementsHint
				break
			}
		}
	}
	return nil, p.errorf(hint, "unknown statement %s", p.found())
}

// done checks that the statement has no tokens left.
func (p *stmtParser) done(hint string) *Error {
	if p.atEnd() {
		return nil
	}
	return p.errorf(hint, "unexpected %s", p.found())
}

// insert reads `INSERT INTO|OVERWRITE [TABLE] name [PARTITION (...)] [(cols)] query`.
func (p *stmtParser) insert(pos Pos) (*Insert, *Error) {
	const hint = "write INSERT INTO table [(columns)] SELECT ..."
	p.k++
	ins := &Insert{Pos: pos}
	switch {
	case p.accept("INTO"):
	case p.accept("OVERWRITE"):
		ins.Overwrite = true
	default:
		return nil, p.errorf(hint, "expected INTO after INSERT, found %s", p.found())
	}
	p.accept("TABLE")
	n, _, err := p.name("a table name", hint)
	if err != nil {
		return nil, err
	}
	ins.Table = n
	if p.peek("PARTITION") && p.tok(1).is("(") {
		// Static partition values of a filesystem sink; the connector derives them from rows.
		if c := p.closer(p.k + 1); c > 0 {
			p.k = c + 1
		}
	}
	if p.peek("(") && !p.tok(1).is("SELECT") && !p.tok(1).is("WITH") && !p.tok(1).is("VALUES") && !p.tok(1).is("(") {
		cols, err := p.nameList(hint)
		if err != nil {
			return nil, err
		}
		ins.Columns = cols
	}
	q, qerr := p.query(p.k, p.end)
	if qerr != nil {
		return nil, qerr
	}
	ins.Query = q
	return ins, nil
}

// statementSet reads `EXECUTE STATEMENT SET BEGIN insert; ...; END`.
func (p *stmtParser) statementSet(pos Pos) (*StatementSet, *Error) {
	const hint = "write EXECUTE STATEMENT SET BEGIN INSERT INTO ...; INSERT INTO ...; END"
	p.k++
	for _, w := range []string{"STATEMENT", "SET", "BEGIN"} {
		if err := p.expect(w, hint); err != nil {
			return nil, err
		}
	}
	if p.end <= p.k || !p.toks[p.end-1].is("END") {
		return nil, p.scr.errorf(p.offAt(p.end), hint, "statement set without END")
	}
	set := &StatementSet{Pos: pos}
	body := p.end - 1
	start := p.k
	for k := p.k; k <= body; k++ {
		if k < body {
			if c := p.closer(k); c > 0 {
				k = c
				continue
			}
			if !p.toks[k].is(";") {
				continue
			}
		}
		if k > start {
			sub := &stmtParser{scr: p.scr, toks: p.toks, match: p.match, k: start, end: k}
			if !sub.peek("INSERT") {
				return nil, sub.errorf("a statement set holds only INSERT INTO statements", "expected INSERT INTO in a statement set, found %s", sub.found())
			}
			ins, err := sub.insert(p.scr.pos(p.toks[start].start))
			if err != nil {
				return nil, err
			}
			set.Inserts = append(set.Inserts, ins)
		}
		start = k + 1
	}
	if len(set.Inserts) == 0 {
		return nil, p.scr.errorf(p.offAt(body), hint, "empty statement set")
	}
	return set, nil
}

// set reads `SET`, `SET 'key' = 'value'` or `SET key = value`.
func (p *stmtParser) set(pos Pos) (*Set, *Error) {
	const hint = "write SET 'key' = 'value'"
	p.k++
	if p.atEnd() {
		return &Set{Pos: pos}, nil
	}
	key, err := p.optionText("=", hint, "a key")
	if err != nil {
		return nil, err
	}
	if err := p.expect("=", hint); err != nil {
		return nil, err
	}
	val, err := p.optionText("", hint, "a value")
	if err != nil {
		return nil, err
	}
	return &Set{Pos: pos, Key: key, Value: val}, p.done(hint)
}

// optionText reads a key or value: a string literal, or the user's text up to the
// token stop (or the end) for unquoted keys such as table.exec.state.ttl.
func (p *stmtParser) optionText(stop, hint, what string) (string, *Error) {
	t := p.tok(0)
	if p.atEnd() || t.is(stop) {
		return "", p.errorf(hint, "expected %s, found %s", what, p.found())
	}
	if t.kind == tkString {
		p.k++
		return unquote(p.scr.text, t), nil
	}
	first := p.k
	for !p.atEnd() && (stop == "" || !p.peek(stop)) {
		p.k++
	}
	return p.scr.text[p.toks[first].start:p.toks[p.k-1].end], nil
}

// reset reads `RESET` or `RESET 'key'`.
func (p *stmtParser) reset(pos Pos) (*Reset, *Error) {
	p.k++
	if p.atEnd() {
		return &Reset{Pos: pos}, nil
	}
	key, err := p.optionText("", "write RESET 'key' or RESET", "a key")
	if err != nil {
		return nil, err
	}
	return &Reset{Pos: pos, Key: key}, nil
}

var showWhat = map[string]bool{"TABLES": true, "VIEWS": true, "FUNCTIONS": true, "JOBS": true}

func (p *stmtParser) show(pos Pos) (*Show, *Error) {
	const hint = "write SHOW TABLES, SHOW VIEWS, SHOW FUNCTIONS or SHOW JOBS"
	p.k++
	t := p.tok(0)
	if !showWhat[t.up] || t.kind != tkWord {
		return nil, p.errorf(hint, "cannot show %s", p.found())
	}
	p.k++
	return &Show{Pos: pos, What: t.up}, p.done(hint)
}

// explainDetails are Flink's EXPLAIN options; the planner decides what to print.
var explainDetails = map[string]bool{"ESTIMATED_COST": true, "CHANGELOG_MODE": true, "JSON_EXECUTION_PLAN": true, "PLAN_ADVICE": true}

// explain reads `EXPLAIN [PLAN FOR | detail, ...] query-or-insert`.
func (p *stmtParser) explain(pos Pos) (*Explain, *Error) {
	const hint = "write EXPLAIN SELECT ... or EXPLAIN INSERT INTO ..."
	p.k++
	if p.peek("PLAN") && p.tok(1).is("FOR") {
		p.k += 2
	}
	for explainDetails[p.tok(0).up] && p.tok(0).kind == tkWord {
		p.k++
		if !p.accept(",") {
			break
		}
	}
	if p.atEnd() {
		return nil, p.errorf(hint, "EXPLAIN needs a statement")
	}
	inner, err := p.statement()
	if err != nil {
		return nil, err
	}
	switch inner.(type) {
	case *Query, *Insert, *StatementSet:
	default:
		return nil, p.scr.errorf(inner.Position().Offset, hint, "EXPLAIN explains a query, an INSERT or a statement set")
	}
	return &Explain{Pos: pos, Stmt: inner}, nil
}

// drop reads `DROP [TEMPORARY] TABLE|VIEW|STREAM [IF EXISTS] name`.
func (p *stmtParser) drop(pos Pos) (Statement, *Error) {
	const hint = "write DROP TABLE [IF EXISTS] name or DROP VIEW [IF EXISTS] name"
	p.k++
	p.accept("TEMPORARY")
	view := false
	switch {
	case p.accept("TABLE"), p.accept("STREAM"):
	case p.accept("VIEW"):
		view = true
	default:
		return nil, p.errorf(hint, "expected TABLE or VIEW after DROP, found %s", p.found())
	}
	ifExists := false
	if p.peek("IF") && p.tok(1).is("EXISTS") {
		p.k += 2
		ifExists = true
	}
	n, _, err := p.name("a name", hint)
	if err != nil {
		return nil, err
	}
	if err := p.done(hint); err != nil {
		return nil, err
	}
	if view {
		return &DropView{Pos: pos, Name: n, IfExists: ifExists}, nil
	}
	return &DropTable{Pos: pos, Name: n, IfExists: ifExists}, nil
}
