package planner

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/parser"
)

// Planner plans the statements of one session against its catalog.
type Planner struct {
	Cat   *Catalog
	texts map[string]string
	// DisabledRules names rewrite rules switched off (tests, `SET 'eddy.planner.disabled-rules'`).
	DisabledRules map[string]bool
	// RulesFired records, per planned query, the names of the rules that changed the plan.
	RulesFired []string
}

// New returns a planner with an empty catalog.
func New() *Planner {
	return &Planner{Cat: NewCatalog(), texts: map[string]string{}, DisabledRules: map[string]bool{}}
}

// AddText registers the text of a script so that errors can quote its lines.
func (p *Planner) AddText(file, text string) {
	if file == "" {
		file = "<sql>"
	}
	p.texts[file] = text
}

// errAt builds a user error at pos.
func (p *Planner) errAt(pos parser.Pos, hint, format string, args ...any) *parser.Error {
	e := &parser.Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint}
	file := pos.File
	if file == "" {
		file = "<sql>"
	}
	if t, ok := p.texts[file]; ok && pos.Line > 0 {
		lines := strings.Split(t, "\n")
		if pos.Line <= len(lines) {
			e.LineText = strings.TrimRight(lines[pos.Line-1], "\r")
		}
	}
	return e
}

// Execute applies a catalog statement (CREATE/DROP TABLE/VIEW, SET, RESET). It returns
// false when stmt is not one of those.
func (p *Planner) Execute(stmt parser.Statement) (bool, error) {
	switch s := stmt.(type) {
	case *parser.CreateTable:
		return true, p.createTable(s)
	case *parser.CreateView:
		return true, p.createView(s)
	case *parser.DropTable:
		if p.Cat.Table(s.Name) == nil {
			if s.IfExists {
				return true, nil
			}
			return true, p.errAt(s.Pos, p.relationHint(), "table '%s' does not exist", s.Name)
		}
		delete(p.Cat.tables, strings.ToLower(s.Name))
		return true, nil
	case *parser.DropView:
		if p.Cat.View(s.Name) == nil {
			if s.IfExists {
				return true, nil
			}
			return true, p.errAt(s.Pos, p.relationHint(), "view '%s' does not exist", s.Name)
		}
		delete(p.Cat.views, strings.ToLower(s.Name))
		return true, nil
	case *parser.Set:
		p.Cat.Settings[strings.ToLower(s.Key)] = s.Value
		return true, nil
	case *parser.Reset:
		if s.Key == "" {
			p.Cat.Settings = map[string]string{}
		} else {
			delete(p.Cat.Settings, strings.ToLower(s.Key))
		}
		return true, nil
	}
	return false, nil
}

func (p *Planner) relationHint() string {
	names := p.Cat.relationNames()
	if len(names) == 0 {
		return "no tables or views exist yet; declare one with CREATE TABLE"
	}
	return "tables and views: " + strings.Join(names, ", ")
}

// ErrAt builds a user error at pos, quoting the line of the registered script text.
func (p *Planner) ErrAt(pos parser.Pos, hint, format string, args ...any) *parser.Error {
	return p.errAt(pos, hint, format, args...)
}

// RelationHint lists the tables and views, for "unknown table" hints.
func (p *Planner) RelationHint() string { return p.relationHint() }
