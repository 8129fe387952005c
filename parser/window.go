package parser

import "strings"

// windowTVFs maps Flink's window table-valued functions to their markers.
var windowTVFs = map[string]string{
	"TUMBLE":   "__window_tumble(",
	"HOP":      "__window_hop(",
	"CUMULATE": "__window_cumulate(",
	"SESSION":  "__window_session(",
}

// windowParams are the parameters after DESCRIPTOR(ts), in positional order, per
// window function; the trailing OFFSET is optional.
var windowParams = map[string][]string{
	"TUMBLE":   {"SIZE", "OFFSET"},
	"HOP":      {"SLIDE", "SIZE", "OFFSET"},
	"CUMULATE": {"STEP", "SIZE", "OFFSET"},
	"SESSION":  {"GAP"},
}

var windowSignature = map[string]string{
	"TUMBLE":   "TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' SECOND [, offset]))",
	"HOP":      "TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '5' SECOND /*slide*/, INTERVAL '10' SECOND /*size*/ [, offset]))",
	"CUMULATE": "TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE /*step*/, INTERVAL '1' HOUR /*size*/ [, offset]))",
	"SESSION":  "TABLE(SESSION(TABLE t PARTITION BY k, DESCRIPTOR(ts), INTERVAL '30' SECOND /*gap*/))",
}

// groupWindowFuncs are the legacy group-window functions of GROUP BY and the select
// list, with their markers.
var groupWindowFuncs = func() map[string]string {
	m := map[string]string{"TUMBLE": "__group_tumble", "HOP": "__group_hop", "SESSION": "__group_session"}
	for _, w := range []string{"TUMBLE", "HOP", "SESSION"} {
		for _, f := range []string{"START", "END", "ROWTIME", "PROCTIME"} {
			m[w+"_"+f] = "__" + strings.ToLower(w+"_"+f)
		}
	}
	return m
}()

// span is a range of tokens [i, j).
type span struct{ i, j int }

// windowTVF rewrites, at token k = TABLE,
//
//	TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), size [, offset])) [[AS] alias]
//
// into
//
//	(SELECT * FROM t WHERE __window_tumble(__descriptor(ts), size [, offset])) AS alias
//
// and HOP, CUMULATE and SESSION (with PARTITION BY keys as a trailing
// __partition_by(k1, ...)) likewise. Flink's named arguments (DATA =>, TIMECOL =>,
// SIZE =>, SLIDE =>, STEP =>, GAP =>, OFFSET =>) map to the same positions. The alias
// defaults to the table's name, so `bid.price` keeps working.
func (r *rewriter) windowTVF(k, hi int) int {
	fn := r.toks[k+2].up
	outer, inner := r.closer(k+1), r.closer(k+3)
	if outer < 0 || inner < 0 {
		r.fail(r.toks[k].start, windowSignature[fn], "unbalanced parentheses in TABLE(%s(...))", fn)
		return k
	}
	if inner+1 != outer {
		r.fail(r.toks[inner+1].start, windowSignature[fn], "expected ) after %s(...)", fn)
		return k
	}
	args := r.splitArgs(k+4, inner)
	var (
		data, timecol span
		keys          []span
		params        = map[string]span{}
		positional    []span
		inKeys        bool
	)
	for n, a := range args {
		name := ""
		if a.j-a.i >= 2 && r.toks[a.i].kind == tkWord && r.toks[a.i+1].is("=>") {
			name = r.toks[a.i].up
			a.i += 2
		}
		if a.i >= a.j {
			r.fail(r.tok(a.i).start, windowSignature[fn], "missing argument of %s", fn)
			return k
		}
		if n == 0 || name == "DATA" {
			if !r.toks[a.i].is("TABLE") {
				r.fail(r.toks[a.i].start, windowSignature[fn], "the first argument of %s must be TABLE name", fn)
				return k
			}
			data = span{a.i + 1, a.j}
			if pb := r.topLevel(a.i+1, a.j, "PARTITION"); pb >= 0 && r.tok(pb+1).is("BY") {
				data.j = pb
				if pb+2 >= a.j {
					r.fail(r.toks[pb].start, windowSignature["SESSION"], "PARTITION BY needs at least one column")
					return k
				}
				keys = append(keys, span{pb + 2, a.j})
				inKeys = true
			}
			continue
		}
		if name == "" && inKeys && !r.toks[a.i].is("DESCRIPTOR") {
			keys = append(keys, a)
			continue
		}
		inKeys = false
		switch {
		case name == "TIMECOL" || name == "" && r.toks[a.i].is("DESCRIPTOR"):
			timecol = a
		case name == "":
			positional = append(positional, a)
		default:
			if _, dup := params[name]; dup || !contains(windowParams[fn], name) {
				r.fail(r.toks[a.i-2].start, windowSignature[fn], "%s has no parameter %s here", fn, name)
				return k
			}
			params[name] = a
		}
	}
	if data.i >= data.j {
		r.fail(r.toks[k+2].start, windowSignature[fn], "%s needs TABLE name as its first argument", fn)
		return k
	}
	if timecol.i >= timecol.j || !r.toks[timecol.i].is("DESCRIPTOR") || !r.tok(timecol.i+1).is("(") ||
		r.closer(timecol.i+1) != timecol.j-1 || timecol.i+2 >= timecol.j-1 {
		at := r.toks[k+2].start
		switch {
		case timecol.i < timecol.j:
			at = r.toks[timecol.i].start
		case len(positional) > 0:
			// Most often the column itself, written without DESCRIPTOR(...).
			at = r.toks[positional[0].i].start
		}
		r.fail(at, windowSignature[fn], "%s needs the time attribute as DESCRIPTOR(column)", fn)
		return k
	}
	names := windowParams[fn]
	for n, p := range positional {
		if n >= len(names) {
			r.fail(r.toks[p.i].start, windowSignature[fn], "too many arguments for %s", fn)
			return k
		}
		if _, dup := params[names[n]]; dup {
			r.fail(r.toks[p.i].start, windowSignature[fn], "%s given twice", names[n])
			return k
		}
		params[names[n]] = p
	}
	var ordered []span
	for n, name := range names {
		p, ok := params[name]
		if !ok {
			if name == "OFFSET" {
				break
			}
			r.fail(r.toks[inner].start, windowSignature[fn], "%s needs %d interval argument(s) after DESCRIPTOR(...); %s is missing", fn, n+1, strings.ToLower(name))
			return k
		}
		ordered = append(ordered, p)
	}

	start, stop := r.toks[k].start, r.toks[outer].end
	r.out.synth("(SELECT * FROM", start, stop)
	r.rw(data.i, data.j)
	if r.toks[data.i].is("(") {
		r.out.synth("AS __data", start, stop)
	}
	r.out.synth("WHERE "+windowTVFs[fn]+"__descriptor(", r.toks[timecol.i].start, r.toks[timecol.j-1].end)
	r.rw(timecol.i+2, timecol.j-1)
	r.out.synthGlued(")", r.toks[timecol.j-1].start, r.toks[timecol.j-1].end)
	for _, p := range ordered {
		r.out.synthGlued(",", r.toks[p.i].start, r.toks[p.i].start)
		r.rw(p.i, p.j)
	}
	if len(keys) > 0 {
		r.out.synthGlued(", __partition_by(", r.toks[keys[0].i].start, r.toks[keys[len(keys)-1].j-1].end)
		for n, key := range keys {
			if n > 0 {
				r.out.synthGlued(",", r.toks[key.i].start, r.toks[key.i].start)
			}
			// PARTITION BY (k1, k2) lists keys in brackets.
			if r.toks[key.i].is("(") && r.closer(key.i) == key.j-1 {
				key = span{key.i + 1, key.j - 1}
			}
			r.rw(key.i, key.j)
		}
		r.out.synthGlued(")", r.toks[keys[len(keys)-1].j-1].start, r.toks[keys[len(keys)-1].j-1].end)
	}
	r.out.synthGlued("))", r.toks[outer].start, r.toks[outer].end)

	// The alias: the user's (`AS w` or a bare name), else the table's own name.
	end := outer + 1
	switch {
	case r.tok(end).is("AS") && end+1 < hi && r.tok(end+1).isName():
		r.out.copyTok(r.toks[end])
		r.out.copyTok(r.toks[end+1])
		return end + 2
	case end < hi && r.tok(end).isName() && !clauseWords[r.tok(end).up]:
		r.out.synth("AS", r.toks[end].start, r.toks[end].end)
		r.out.copyTok(r.toks[end])
		return end + 1
	}
	r.out.synth("AS", start, stop)
	if last := r.toks[data.j-1]; last.isName() {
		r.out.copyTok(last)
		if last.kind == tkWord && tidbOnlyReserved[last.up] {
			r.out.truncate(r.out.len() - (last.end - last.start))
			r.out.quotedTok(last)
		}
	} else {
		r.out.synth("__window", start, stop)
	}
	return end
}

// splitArgs splits tokens [i, j) at top-level commas.
func (r *rewriter) splitArgs(i, j int) []span {
	var out []span
	s := i
	for k := i; k < j; k++ {
		if c := r.closer(k); c > 0 {
			k = c
			continue
		}
		if r.toks[k].is(",") {
			out = append(out, span{s, k})
			s = k + 1
		}
	}
	if s < j || len(out) > 0 {
		out = append(out, span{s, j})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
