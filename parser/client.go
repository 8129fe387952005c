package parser

// The statements of the interactive SQL client (eddy repl), as in Flink's SQL client:
// they control the client and its jobs rather than the catalog. `eddy run` refuses them.

// Help is `HELP`: list the statements and keys of the client.
type Help struct{ Pos Pos }

// Quit is `QUIT` or `EXIT`: leave the client.
type Quit struct{ Pos Pos }

// SourceFile is `SOURCE 'file.sql'`: run the statements of a file.
type SourceFile struct {
	Pos  Pos
	Path string
}

// StopJob is `STOP JOB 'id'`: cancel a job started by an INSERT INTO.
type StopJob struct {
	Pos Pos
	ID  string
}

func (s *Help) Position() Pos       { return s.Pos }
func (s *Quit) Position() Pos       { return s.Pos }
func (s *SourceFile) Position() Pos { return s.Pos }
func (s *StopJob) Position() Pos    { return s.Pos }

// clientWords start the client's statements.
var clientWords = map[string]bool{"HELP": true, "QUIT": true, "EXIT": true, "SOURCE": true, "STOP": true}

// clientStatement reads HELP, QUIT, EXIT, SOURCE 'file' or STOP JOB 'id' at p.k.
func (p *stmtParser) clientStatement(pos Pos) (Statement, *Error) {
	t := p.tok(0)
	p.k++
	switch t.up {
	case "HELP":
		return &Help{Pos: pos}, p.done("write HELP;")
	case "QUIT", "EXIT":
		return &Quit{Pos: pos}, p.done("write QUIT; (or press Ctrl-D)")
	case "SOURCE":
		const hint = "write SOURCE 'file.sql'"
		path, err := p.stringArg("a file name in quotes", hint)
		if err != nil {
			return nil, err
		}
		return &SourceFile{Pos: pos, Path: path}, p.done(hint)
	}
	const hint = "write STOP JOB 'id' (SHOW JOBS lists the ids)"
	if err := p.expect("JOB", hint); err != nil {
		return nil, err
	}
	id, err := p.stringArg("a job id in quotes", hint)
	if err != nil {
		return nil, err
	}
	return &StopJob{Pos: pos, ID: id}, p.done(hint)
}

// stringArg reads a string literal; a bare word or quoted name is accepted too.
func (p *stmtParser) stringArg(what, hint string) (string, *Error) {
	t := p.tok(0)
	if p.atEnd() || !(t.kind == tkString || t.isName() || t.kind == tkNumber) {
		return "", p.errorf(hint, "expected %s, found %s", what, p.found())
	}
	p.k++
	return unquote(p.scr.text, t), nil
}

// CompleteStatements finds the statements of text that are complete: ended by a `;`
// outside strings, comments and statement sets (`EXECUTE STATEMENT SET BEGIN ... END;`,
// and `BEGIN STATEMENT SET; ... END;` as a whole). It returns the byte offset just after
// the `;` of each, in order; text after the last one is an unfinished statement. An
// unterminated string or comment makes everything from its start unfinished. Empty
// statements (a lone `;`) end nothing. An interactive client reads lines until this finds
// a statement, then runs text[previous end:end].
func CompleteStatements(text string) []int {
	// On an unterminated string or comment, lex returns the tokens before it: the
	// statements they complete are still complete.
	toks, _ := lex(text)
	var ends []int
	inClientSet := false
	for _, sp := range splitStatements(toks) {
		if sp.j >= len(toks) || !toks[sp.j].is(";") {
			break // the last statement has no `;` yet
		}
		st := toks[sp.i:sp.j]
		switch {
		case len(st) == 3 && st[0].is("BEGIN") && st[1].is("STATEMENT") && st[2].is("SET"):
			inClientSet = true
			continue
		case inClientSet && len(st) == 1 && st[0].is("END"):
			inClientSet = false
		case inClientSet:
			continue
		}
		ends = append(ends, toks[sp.j].end)
	}
	return ends
}
