package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
)

// CheckJobScript checks a script submitted as a long-running job without running it: it
// parses every statement, runs the catalog statements (CREATE, SET, ...) into the session
// and plans every INSERT, so that a mistake is reported with its line, column and caret
// before any job exists. A job must write somewhere: a SELECT is refused. The returned
// error is a *parser.Error when the script is the user's to fix.
func (s *Session) CheckJobScript(file, text string) error {
	s.Planner.AddText(file, text)
	stmts, err := parser.Parse(file, text)
	if err != nil {
		return err
	}
	inserts := 0
	for _, st := range stmts {
		if handled, err := s.Planner.Execute(st); handled {
			if err != nil {
				return err
			}
			if set, ok := st.(*parser.Set); ok {
				if err := s.applySetting(set); err != nil {
					return err
				}
			}
			continue
		}
		switch x := st.(type) {
		case *parser.Insert:
			if err := s.checkInsert(x); err != nil {
				return err
			}
			inserts++
		case *parser.StatementSet:
			for _, ins := range x.Inserts {
				if err := s.checkInsert(ins); err != nil {
					return err
				}
				inserts++
			}
		case *parser.Query:
			return s.Planner.ErrAt(x.Pos, "write the rows with INSERT INTO a table (Kafka, files, ...); or run the SELECT with `eddy run` or in `eddy repl`",
				"a submitted job cannot SELECT: its rows would have nowhere to go")
		case *parser.Explain, *parser.Show, *parser.Describe:
			// harmless; they print nothing in a job
		default:
			return s.Planner.ErrAt(st.Position(), "", "this statement cannot be part of a submitted job")
		}
	}
	if inserts == 0 {
		return fmt.Errorf("%s: the script has no INSERT INTO: a job must write its result to a table", file)
	}
	return nil
}

func (s *Session) checkInsert(ins *parser.Insert) error {
	plan, err := s.Planner.PlanInsert(ins)
	if err != nil {
		return err
	}
	var walk func(n planner.PhysNode) error
	walk = func(n planner.PhysNode) error {
		if sc, ok := n.(*planner.PhysScan); ok {
			if err := s.checkPath(sc.Table); err != nil {
				return s.Planner.ErrAt(ins.Pos, "", "%v", err)
			}
		}
		for _, in := range n.Inputs() {
			if err := walk(in); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(plan.Root); err != nil {
		return err
	}
	if err := s.checkPath(plan.Root.Table); err != nil {
		return s.Planner.ErrAt(ins.Pos, "", "%v", err)
	}
	return nil
}

// checkPath refuses a table whose 'path' lies outside the session's AllowedPaths (when
// they are set: the job server's --allow-path folders).
func (s *Session) checkPath(t *planner.Table) error {
	if s.AllowedPaths == nil {
		return nil
	}
	p, ok := t.Options["path"]
	if !ok {
		return nil
	}
	p = strings.TrimPrefix(p, "file://")
	ok = pathAllowed(p, s.AllowedPaths)
	if matches, _ := filepath.Glob(p); ok && len(matches) > 0 {
		for _, m := range matches { // a match may be a link leading elsewhere
			ok = ok && pathAllowed(m, s.AllowedPaths)
		}
	}
	if !ok {
		if len(s.AllowedPaths) == 0 {
			return fmt.Errorf("table '%s' uses the local path '%s', but this server allows no local files: start it with --allow-path DIR", t.Name, p)
		}
		return fmt.Errorf("table '%s' uses the local path '%s', outside the folders this server allows (%s); start it with --allow-path for that folder", t.Name, p, strings.Join(s.AllowedPaths, ", "))
	}
	return nil
}

// pathAllowed reports whether p (a file or glob pattern) lies inside one of dirs, after
// making it absolute and resolving symbolic links of its existing part.
func pathAllowed(p string, dirs []string) bool {
	abs, err := filepath.Abs(p)
	if err != nil {
		return false
	}
	real := resolveExisting(abs)
	for _, d := range dirs {
		da, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		da = resolveExisting(da)
		if real == da || strings.HasPrefix(real, da+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// resolveExisting resolves the symbolic links of the longest existing prefix of p.
func resolveExisting(p string) string {
	rest := ""
	for cur := p; ; {
		if _, err := os.Lstat(cur); err == nil {
			if r, err := filepath.EvalSymlinks(cur); err == nil {
				return filepath.Join(r, rest)
			}
			return p
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}
