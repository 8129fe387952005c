package parser

import (
	"strings"
)

// rewriter turns the tokens of one query or expression of the streaming dialect into
// SQL that TiDB parses, replacing streaming constructs by marker function calls (see
// the package documentation for the list). It works on tokens, not on an AST: each
// construct is recognised by its leading keyword and bracket structure, and its
// operands are rewritten recursively.
type rewriter struct {
	scr   *script
	toks  []token // tokens of the whole statement
	match []int   // matching bracket of each bracket token, -1 otherwise
	out   *emitter
	// mark[k] is the output length when token k started to be emitted by the loop of
	// level markLevel[k]; FILTER and IS DISTINCT FROM use it to wrap operands already emitted.
	mark      []int
	markLevel []int
	level     int
	err       *Error
}

func newRewriter(scr *script, toks []token, match []int) *rewriter {
	return &rewriter{
		scr:       scr,
		toks:      toks,
		match:     match,
		mark:      make([]int, len(toks)),
		markLevel: make([]int, len(toks)),
	}
}

// fail records the first front-end error; rewriting continues so that the caller gets
// a complete (if wrong) text, but the error wins.
func (r *rewriter) fail(off int, hint, format string, args ...any) {
	if r.err == nil {
		r.err = r.scr.errorf(off, hint, sprintf(format, args...))
	}
}

// source rewrites tokens [i, j) after an optional synthesised prefix (such as
// "SELECT " for an expression) and returns the Source for TiDB.
func (r *rewriter) source(prefix string, i, j int) (*Source, *Error) {
	at := 0
	if i < len(r.toks) {
		at = r.toks[i].start
	} else if len(r.toks) > 0 {
		at = r.toks[len(r.toks)-1].end
	}
	size := 16 + len(prefix)
	if i < j {
		size += 2 * (r.toks[j-1].end - r.toks[i].start)
	}
	r.out = newEmitter(r.scr.text, size)
	if prefix != "" {
		r.out.synth(prefix, at, at)
	}
	r.rw(i, j)
	if r.err != nil {
		return nil, r.err
	}
	stmtStart := at
	if len(r.toks) > 0 {
		stmtStart = r.toks[0].start
	}
	return &Source{scr: r.scr, sql: string(r.out.buf), from: r.out.from, to: r.out.to, toks: r.toks, stmtStart: stmtStart}, nil
}

func (r *rewriter) tok(k int) token {
	if k < 0 || k >= len(r.toks) {
		return token{}
	}
	return r.toks[k]
}

// closer returns the index of the bracket matching the opener at k, or -1.
func (r *rewriter) closer(k int) int {
	if k < 0 || k >= len(r.match) {
		return -1
	}
	if m := r.match[k]; m > k {
		return m
	}
	return -1
}

// rw rewrites tokens [i, j) into r.out.
func (r *rewriter) rw(i, j int) {
	r.level++
	lvl := r.level
	for k := i; k < j; {
		r.mark[k], r.markLevel[k] = r.out.len(), lvl
		if n := r.construct(k, i, j, lvl); n > k {
			k = n
			continue
		}
		t := r.toks[k]
		if t.kind == tkWord && tidbOnlyReserved[t.up] && !r.tok(k+1).is("(") {
			r.out.quotedTok(t)
		} else {
			r.out.copyTok(t)
		}
		k++
	}
}

// construct rewrites the streaming construct starting at token k, if there is one, and
// returns the index after it; it returns k when there is nothing to rewrite. lo and hi
// bound the current range, lvl is the current loop level.
func (r *rewriter) construct(k, lo, hi, lvl int) int {
	t := r.toks[k]
	next := r.tok(k + 1)
	if t.is("[") && k > lo {
		return r.subscript(k, lo, lvl)
	}
	if t.kind != tkWord {
		return k
	}
	switch t.up {
	case "INTERVAL":
		return r.interval(k, hi)
	case "TABLE":
		if next.is("(") && windowTVFs[r.tok(k+2).up] != "" && r.tok(k+3).is("(") {
			return r.windowTVF(k, hi)
		}
	case "CAST", "TRY_CAST":
		if next.is("(") {
			return r.cast(k)
		}
	case "FLOOR", "CEIL", "CEILING":
		if next.is("(") {
			return r.floorTo(k)
		}
	case "JSON_VALUE":
		if next.is("(") {
			return r.jsonValue(k)
		}
	case "STEP":
		if next.is("(") {
			return r.step(k)
		}
	case "FILTER":
		if next.is("(") && r.tok(k+2).is("WHERE") {
			return r.filter(k, lo, lvl)
		}
	case "IS":
		if next.is("DISTINCT") && r.tok(k+2).is("FROM") {
			return r.isDistinct(k, k+3, lo, hi, lvl, "__is_distinct_from(")
		}
		if next.is("NOT") && r.tok(k+2).is("DISTINCT") && r.tok(k+3).is("FROM") {
			return r.isDistinct(k, k+4, lo, hi, lvl, "__is_not_distinct_from(")
		}
	case "FOR":
		if next.is("SYSTEM_TIME") && r.tok(k+2).is("AS") && r.tok(k+3).is("OF") {
			return r.systemTime(k, hi)
		}
	case "STREAM":
		// KDA's `SELECT STREAM a, b FROM s`: the word only says the result is a stream.
		if r.tok(k-1).is("SELECT") && k-1 >= lo && startsOperand(next) {
			return k + 1
		}
	case "VALUES":
		if next.is("(") {
			return r.values(k, hi)
		}
	case "FIRST_VALUE", "LAST_VALUE":
		// As aggregates (no OVER) Flink allows them; TiDB only knows the window functions.
		if c := r.closer(k + 1); c > 0 && !r.tok(c+1).is("OVER") {
			return r.renameCall(k, "__"+strings.ToLower(t.up))
		}
	case "CARDINALITY":
		// A keyword in TiDB; a function in Flink.
		if next.is("(") {
			return r.renameCall(k, "__cardinality")
		}
	case "ARRAY", "MAP":
		if next.is("[") {
			c := r.closer(k + 1)
			if c < 0 {
				return k
			}
			r.out.synth("__"+strings.ToLower(t.up)+"(", t.start, r.toks[c].end)
			r.rw(k+2, c)
			r.out.synthGlued(")", r.toks[c].start, r.toks[c].end)
			return c + 1
		}
	case "FULL":
		if next.is("JOIN") || next.is("OUTER") && r.tok(k+2).is("JOIN") {
			return r.fullJoin(k, hi)
		}
	}
	if next.is("(") {
		if g := groupWindowFuncs[t.up]; g != "" {
			return r.renameCall(k, g)
		}
	}
	return k
}

// startsOperand reports whether t can start a select item (so the STREAM before it is a keyword).
func startsOperand(t token) bool {
	switch t.kind {
	case tkQuoted, tkString, tkNumber:
		return true
	case tkWord:
		return !t.is("FROM") && !t.is("AS")
	case tkOp:
		return t.up == "*" || t.up == "(" || t.up == "-"
	}
	return false
}

// renameCall emits name in place of the function name at k and rewrites its arguments.
func (r *rewriter) renameCall(k int, name string) int {
	c := r.closer(k + 1)
	if c < 0 {
		return k
	}
	t := r.toks[k]
	r.out.synth(name+"(", t.start, r.toks[c].end)
	r.rw(k+2, c)
	r.out.copyTok(r.toks[c])
	return c + 1
}

// intervalUnits maps every accepted spelling of an interval unit to its marker name.
var intervalUnits = map[string]string{
	"MILLISECOND": "MILLISECOND", "MILLISECONDS": "MILLISECOND",
	"MICROSECOND": "MICROSECOND", "MICROSECONDS": "MICROSECOND",
	"SECOND": "SECOND", "SECONDS": "SECOND",
	"MINUTE": "MINUTE", "MINUTES": "MINUTE",
	"HOUR": "HOUR", "HOURS": "HOUR",
	"DAY": "DAY", "DAYS": "DAY",
	"WEEK": "WEEK", "WEEKS": "WEEK",
	"MONTH": "MONTH", "MONTHS": "MONTH",
	"QUARTER": "QUARTER", "QUARTERS": "QUARTER",
	"YEAR": "YEAR", "YEARS": "YEAR",
}

const intervalHint = "write an interval as INTERVAL '10' SECOND (units: MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, YEAR; plurals accepted; also INTERVAL '1:30' MINUTE TO SECOND)"

// interval rewrites `INTERVAL '10' SECOND[S]`, `INTERVAL 10 SECOND` and
// `INTERVAL '1:30' MINUTE TO SECOND` into __interval('10','SECOND'). Window frame
// bounds (`INTERVAL '1' MINUTE PRECEDING`) are left to TiDB, which reads them.
func (r *rewriter) interval(k, hi int) int {
	v := k + 1
	neg := false
	if r.tok(v).is("-") && v+1 < hi {
		neg = true
		v++
	}
	val := r.tok(v)
	if v >= hi || (val.kind != tkString && val.kind != tkNumber) {
		r.fail(r.tok(k).start, intervalHint, "INTERVAL needs a quoted value and a unit")
		return k
	}
	u := v + 1
	unitTok := r.tok(u)
	unit := intervalUnits[unitTok.up]
	if u >= hi || unitTok.kind != tkWord || unit == "" {
		at := unitTok.start
		if u >= hi {
			at = val.end
		}
		r.fail(at, intervalHint, "INTERVAL needs a unit after %s", r.scr.text[val.start:val.end])
		return k
	}
	end := u + 1
	if r.tok(end).is("TO") && end+1 < hi {
		unit2 := intervalUnits[r.tok(end+1).up]
		if unit2 == "" {
			r.fail(r.tok(end+1).start, intervalHint, "INTERVAL ... TO needs a unit")
			return k
		}
		unit += " TO " + unit2
		end += 2
	}
	if r.tok(end).is("PRECEDING") || r.tok(end).is("FOLLOWING") {
		return k
	}
	start, stop := r.toks[k].start, r.toks[end-1].end
	r.out.synth("__interval(", start, stop)
	switch {
	case val.kind == tkString && !neg:
		r.out.copyTok(val)
	default:
		s := unquote(r.scr.text, val)
		if neg {
			s = "-" + s
		}
		r.out.synth(sqlString(s), val.start, val.end)
	}
	r.out.synthGlued(","+sqlString(unit)+")", unitTok.start, stop)
	return end
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// topLevel returns the index of the first token in [i, j) that is the keyword w outside
// any brackets, or -1.
func (r *rewriter) topLevel(i, j int, w string) int {
	for k := i; k < j; k++ {
		if c := r.closer(k); c > 0 {
			k = c
			continue
		}
		if r.toks[k].is(w) {
			return k
		}
	}
	return -1
}

// lastTopLevel is topLevel's last match.
func (r *rewriter) lastTopLevel(i, j int, w string) int {
	found := -1
	for k := i; k < j; k++ {
		if c := r.closer(k); c > 0 {
			k = c
			continue
		}
		if r.toks[k].is(w) {
			found = k
		}
	}
	return found
}

// cast rewrites CAST(e AS type) into __cast(e,'TYPE') and TRY_CAST likewise, with the
// normalised type name, so that every Flink and MySQL type name reaches the planner.
func (r *rewriter) cast(k int) int {
	c := r.closer(k + 1)
	if c < 0 {
		return k
	}
	name := r.toks[k].up
	as := r.lastTopLevel(k+2, c, "AS")
	if as < 0 || as == k+2 {
		r.fail(r.toks[c].start, "write "+name+"(expression AS type), e.g. "+name+"(price AS BIGINT)", "%s needs an expression, AS and a type", name)
		return k
	}
	typ, terr := parseTypeTokens(r.scr, r.toks, as+1, c)
	if terr != nil {
		r.fail(terr.Pos.Offset, terr.Hint, "%s", terr.Msg)
		return k
	}
	r.out.synth("__"+strings.ToLower(name)+"(", r.toks[k].start, r.toks[c].end)
	r.rw(k+2, as)
	r.out.synthGlued(","+sqlString(typ), r.toks[as+1].start, r.toks[c-1].end)
	r.out.copyTok(r.toks[c])
	return c + 1
}

var timeUnits = map[string]bool{
	"MILLISECOND": true, "MICROSECOND": true, "SECOND": true, "MINUTE": true, "HOUR": true, "DAY": true,
	"WEEK": true, "MONTH": true, "QUARTER": true, "YEAR": true, "DECADE": true, "CENTURY": true, "MILLENNIUM": true,
}

// floorTo rewrites FLOOR(e TO unit) into __floor_to(e,'UNIT') (CEIL likewise); a
// numeric FLOOR(x) is left alone.
func (r *rewriter) floorTo(k int) int {
	c := r.closer(k + 1)
	if c < 0 {
		return k
	}
	to := r.topLevel(k+2, c, "TO")
	if to < 0 {
		return k
	}
	name := "__floor_to("
	if r.toks[k].up != "FLOOR" {
		name = "__ceil_to("
	}
	u := r.tok(to + 1)
	unit := intervalUnits[u.up]
	if timeUnits[u.up] {
		unit = u.up
	}
	if to+2 != c || unit == "" {
		r.fail(u.start, "write "+r.toks[k].up+"(ts TO MINUTE); units: SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR", "expected a time unit after TO")
		return k
	}
	r.out.synth(name, r.toks[k].start, r.toks[c].end)
	r.rw(k+2, to)
	r.out.synthGlued(","+sqlString(unit), u.start, u.end)
	r.out.copyTok(r.toks[c])
	return c + 1
}

// jsonValue rewrites JSON_VALUE(j, path RETURNING type [ON EMPTY/ERROR clauses]) into
// __json_value(j, path, 'TYPE'). Without RETURNING TiDB reads it as is.
func (r *rewriter) jsonValue(k int) int {
	c := r.closer(k + 1)
	if c < 0 {
		return k
	}
	ret := r.topLevel(k+2, c, "RETURNING")
	if ret < 0 {
		return k
	}
	end := ret + 1
	for end < c && !r.toks[end].is("DEFAULT") && !r.toks[end].is("NULL") && !r.toks[end].is("ERROR") && !r.toks[end].is("ON") {
		if cl := r.closer(end); cl > 0 {
			end = cl
		}
		end++
	}
	typ, terr := parseTypeTokens(r.scr, r.toks, ret+1, end)
	if terr != nil {
		r.fail(terr.Pos.Offset, terr.Hint, "%s", terr.Msg)
		return k
	}
	r.out.synth("__json_value(", r.toks[k].start, r.toks[c].end)
	r.rw(k+2, ret)
	r.out.synthGlued(","+sqlString(typ), r.toks[ret].start, r.toks[end-1].end)
	r.out.copyTok(r.toks[c])
	return c + 1
}

// step rewrites KDA's STEP(ts BY INTERVAL '1' MINUTE) into __step(ts, __interval(...)).
func (r *rewriter) step(k int) int {
	c := r.closer(k + 1)
	if c < 0 {
		return k
	}
	by := r.topLevel(k+2, c, "BY")
	if by < 0 {
		return k
	}
	r.out.synth("__step(", r.toks[k].start, r.toks[c].end)
	r.rw(k+2, by)
	r.out.synthGlued(",", r.toks[by].start, r.toks[by].end)
	r.rw(by+1, c)
	r.out.copyTok(r.toks[c])
	return c + 1
}

// filter rewrites `agg(...) FILTER (WHERE cond)` into __filter(agg(...), cond). The
// aggregate call has already been emitted, so it is taken back and emitted again inside.
func (r *rewriter) filter(k, lo, lvl int) int {
	c := r.closer(k + 1)
	open := -1
	if k-1 >= lo && r.tok(k-1).is(")") {
		open = r.match[k-1]
	}
	s := open - 1
	if c < 0 || open < 0 || s < lo || r.toks[s].kind != tkWord || r.markLevel[s] != lvl {
		r.fail(r.toks[k].start, "write FILTER right after an aggregate call: COUNT(*) FILTER (WHERE price > 10)", "FILTER must follow an aggregate function call")
		return k
	}
	r.out.truncate(r.mark[s])
	r.out.synth("__filter(", r.toks[s].start, r.toks[c].end)
	r.rw(s, k)
	r.out.synthGlued(",", r.toks[k].start, r.toks[k+2].end)
	r.rw(k+3, c)
	r.out.copyTok(r.toks[c])
	return c + 1
}

// subscript rewrites `x[i]` (array element, map value) into __item(x, i); x has
// already been emitted and is wrapped.
func (r *rewriter) subscript(k, lo, lvl int) int {
	c := r.closer(k)
	prev := r.toks[k-1]
	if c < 0 || !(prev.isName() || prev.is(")") || prev.is("]")) {
		return k
	}
	s := r.atomStart(k-1, lo)
	if s >= k || r.markLevel[s] != lvl {
		return k
	}
	mark := r.mark[s]
	r.out.truncate(mark)
	r.out.synth("__item(", r.toks[s].start, r.toks[c].end)
	r.rw(s, k)
	r.out.synthGlued(",", r.toks[k].start, r.toks[k].end)
	r.rw(k+1, c)
	r.out.synthGlued(")", r.toks[c].start, r.toks[c].end)
	// x[1][2]: the next subscript wraps this one, from the same start.
	r.mark[s], r.markLevel[s] = mark, lvl
	return c + 1
}

// isDistinct rewrites `x IS [NOT] DISTINCT FROM y` into __is_[not_]distinct_from(x, y).
// The operands are found on tokens: x extends back over names, calls, literals,
// brackets and arithmetic operators, y forward likewise; comparison and logical
// operators bind looser than IS and end them.
func (r *rewriter) isDistinct(k, rhs, lo, hi, lvl int, marker string) int {
	s := r.operandStart(k-1, lo)
	e := r.operandEnd(rhs, hi)
	if s >= k || e <= rhs || r.markLevel[s] != lvl {
		r.fail(r.toks[k].start, "write a IS DISTINCT FROM b (or IS NOT DISTINCT FROM)", "IS DISTINCT FROM needs an operand on each side")
		return k
	}
	r.out.truncate(r.mark[s])
	r.out.synth(marker, r.toks[s].start, r.toks[e-1].end)
	r.rw(s, k)
	r.out.synthGlued(",", r.toks[k].start, r.toks[rhs-1].end)
	r.rw(rhs, e)
	r.out.synthGlued(")", r.toks[e-1].start, r.toks[e-1].end)
	return e
}

// systemTime rewrites `FOR SYSTEM_TIME AS OF x [AS alias]` into TiDB's
// `[AS alias] AS OF TIMESTAMP x` (TiDB wants the alias first).
func (r *rewriter) systemTime(k, hi int) int {
	x := k + 4
	e := r.operandEnd(x, hi)
	if e <= x {
		r.fail(r.tok(x).start, "write FOR SYSTEM_TIME AS OF o.proc_time", "FOR SYSTEM_TIME AS OF needs a time attribute")
		return k
	}
	end := e
	if r.tok(e).is("AS") && e+1 < hi && r.tok(e+1).isName() {
		r.out.copyTok(r.toks[e])
		r.out.copyTok(r.toks[e+1])
		end = e + 2
	} else if e < hi && r.tok(e).isName() && !clauseWords[r.tok(e).up] {
		r.out.copyTok(r.toks[e])
		end = e + 1
	}
	r.out.synth("AS OF TIMESTAMP", r.toks[k].start, r.toks[k+3].end)
	r.rw(x, e)
	return end
}

// values rewrites Flink's `VALUES (1, 'a'), (2, 'b')` into TiDB's `VALUES ROW(1, 'a'), ROW(2, 'b')`.
func (r *rewriter) values(k, hi int) int {
	r.out.copyTok(r.toks[k])
	q := k + 1
	for q < hi && r.toks[q].is("(") {
		c := r.closer(q)
		if c < 0 || c >= hi {
			break
		}
		r.out.synth("ROW", r.toks[q].start, r.toks[c].end)
		r.out.glue = true
		r.rw(q, c+1)
		q = c + 1
		if q+1 < hi && r.toks[q].is(",") && r.toks[q+1].is("(") {
			r.out.copyTok(r.toks[q])
			q++
			continue
		}
		break
	}
	return q
}

// clauseWords end a table reference: a word after one that is not an alias.
var clauseWords = map[string]bool{
	"WHERE": true, "GROUP": true, "ORDER": true, "HAVING": true, "LIMIT": true, "JOIN": true, "LEFT": true,
	"RIGHT": true, "INNER": true, "CROSS": true, "FULL": true, "NATURAL": true, "ON": true, "USING": true,
	"UNION": true, "EXCEPT": true, "INTERSECT": true, "MINUS": true, "WINDOW": true, "FETCH": true,
	"OFFSET": true, "LATERAL": true, "FOR": true, "AS": true, "SELECT": true, "FROM": true, "OUTER": true,
	"WITH": true, "VALUES": true, "MATCH_RECOGNIZE": true, "TABLESAMPLE": true, "SET": true,
}

// fullJoin rewrites `FULL [OUTER] JOIN t ON cond` into `LEFT JOIN t ON __full_join(cond)`:
// TiDB has no full outer join, so the join type travels as a marker around the condition.
func (r *rewriter) fullJoin(k, hi int) int {
	join := k + 1
	if r.toks[join].is("OUTER") {
		join++
	}
	on := -1
	end := hi
	for q := join + 1; q < hi; q++ {
		if c := r.closer(q); c > 0 {
			q = c
			continue
		}
		t := r.toks[q]
		if on < 0 && t.is("ON") {
			on = q
			continue
		}
		if on >= 0 && t.kind == tkWord && (clauseWords[t.up] && !t.is("AS") && !t.is("SELECT") && !t.is("FROM") && !t.is("FOR") && !t.is("ON")) {
			end = q
			break
		}
	}
	if on < 0 || on+1 >= end {
		r.fail(r.toks[k].start, "write FULL OUTER JOIN t ON condition", "FULL JOIN needs an ON condition")
		return k
	}
	r.out.synth("LEFT JOIN", r.toks[k].start, r.toks[join].end)
	r.rw(join+1, on)
	r.out.copyTok(r.toks[on])
	r.out.synth("__full_join(", r.toks[k].start, r.toks[join].end)
	r.rw(on+1, end)
	r.out.synthGlued(")", r.toks[end-1].start, r.toks[end-1].end)
	return end
}

// tidbOnlyReserved are words TiDB reserves but Flink lets users take as names
// (`lead`, `lag`, `index`, `keys`, `div`, ...). In name position (not followed by `(`)
// the rewriter backquotes them. Words that both dialects use as syntax (SELECT, ORDER,
// DESC, ...) are not here.
var tidbOnlyReserved = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`ADD ALTER ANALYZE BLOB CALL CASCADE CHANGE CHECK COLLATE COLUMN
		CONSTRAINT CONTINUE CONVERT CREATE CUME_DIST CURRENT_ROLE CURSOR DATABASE DATABASES DAY_HOUR
		DAY_MICROSECOND DAY_MINUTE DAY_SECOND DELAYED DELETE DENSE_RANK DESCRIBE DISTINCTROW DIV DROP DUAL
		ELSEIF ENCLOSED ESCAPED EXIT EXPLAIN FIRST_VALUE FLOAT4 FLOAT8 FORCE FOREIGN FULLTEXT GENERATED GRANT
		GROUPS HIGH_PRIORITY HOUR_MICROSECOND HOUR_MINUTE HOUR_SECOND IF IGNORE INDEX INFILE INOUT INSERT
		INT1 INT2 INT3 INT4 INT8 ITERATE KEY KEYS KILL LAG LAST_VALUE LEAD LEAVE LINEAR LINES LOAD LOCK
		LONG LONGBLOB LONGTEXT LOW_PRIORITY MAXVALUE MEDIUMBLOB MEDIUMINT MEDIUMTEXT MIDDLEINT
		MINUTE_MICROSECOND MINUTE_SECOND MOD NO_WRITE_TO_BINLOG NTH_VALUE NTILE OPTIMIZE OPTION OPTIONALLY
		OUT OUTFILE PERCENT_RANK PRIMARY PROCEDURE RANK READ REFERENCES REGEXP RELEASE RENAME REPEAT
		REPLACE REQUIRE RESTRICT REVOKE RLIKE ROW_NUMBER SECOND_MICROSECOND SHOW SPATIAL SQL SQLEXCEPTION
		SQLSTATE SQLWARNING SQL_BIG_RESULT SQL_CALC_FOUND_ROWS SQL_SMALL_RESULT SSL STARTING STORED
		STRAIGHT_JOIN TABLESAMPLE TERMINATED TIDB_CURRENT_TSO TINYBLOB TINYTEXT TRIGGER UNIQUE UNLOCK
		UNSIGNED UNTIL UPDATE USAGE USE UTC_DATE UTC_TIME UTC_TIMESTAMP VARCHARACTER VARYING VIRTUAL WHILE
		WRITE XOR YEAR_MONTH ZEROFILL`) {
		m[w] = true
	}
	return m
}()
