package parser

// stmtSpan is the tokens [i, j) of one statement of a script, without its `;`.
type stmtSpan struct{ i, j int }

// splitStatements splits a script's tokens at top-level `;`. A statement set
// `EXECUTE STATEMENT SET BEGIN ...; ...; END` stays whole: inside it, `;` ends
// the inner INSERTs, and only the END that closes BEGIN (CASE ... END pairs inside
// are counted) ends the set. Empty statements are dropped.
func splitStatements(toks []token) []stmtSpan {
	var out []stmtSpan
	start := 0
	depth := 0  // brackets
	blocks := 0 // open BEGIN / CASE blocks of a statement set
	inSet := false
	for k := 0; k < len(toks); k++ {
		t := toks[k]
		switch {
		case t.is("(") || t.is("["):
			depth++
		case t.is(")") || t.is("]"):
			depth = max(0, depth-1)
		case t.is("BEGIN") && k == start+3 && toks[start].is("EXECUTE"):
			inSet = true
			blocks = 1
		case inSet && t.is("CASE"):
			blocks++
		case inSet && t.is("END") && blocks > 0:
			blocks--
		case t.is(";") && (!inSet || blocks == 0):
			if k > start {
				out = append(out, stmtSpan{start, k})
			}
			start = k + 1
			depth, blocks, inSet = 0, 0, false
		}
	}
	if start < len(toks) {
		out = append(out, stmtSpan{start, len(toks)})
	}
	return out
}
