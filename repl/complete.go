package repl

import (
	"sort"
	"strings"
	"unicode"

	"github.com/eddysql/eddy/exec/expr"
	"github.com/eddysql/eddy/planner"
)

// keywords are the words Tab completes besides names: the statements and clauses of
// eddy's dialect, its types and the client's own statements.
var keywords = strings.Fields(`SELECT FROM WHERE GROUP BY HAVING ORDER LIMIT JOIN LEFT RIGHT FULL INNER OUTER ON AS
	AND OR NOT NULL IS IN BETWEEN LIKE CASE WHEN THEN ELSE END DISTINCT UNION ALL INSERT INTO VALUES
	CREATE TABLE VIEW TEMPORARY DROP IF EXISTS SHOW TABLES VIEWS FUNCTIONS JOBS DESCRIBE EXPLAIN SET RESET
	WITH WATERMARK FOR INTERVAL SECOND MINUTE HOUR DAY DESCRIPTOR PARTITION OVER ROWS RANGE PRECEDING
	FOLLOWING CURRENT ROW PRIMARY KEY ENFORCED METADATA VIRTUAL SYSTEM_TIME OF EXECUTE STATEMENT BEGIN
	BIGINT INT INTEGER SMALLINT TINYINT STRING VARCHAR CHAR DOUBLE FLOAT DECIMAL BOOLEAN DATE TIMESTAMP
	TIMESTAMP_LTZ ARRAY MAP TRUE FALSE SOURCE STOP JOB HELP QUIT EXIT`)

// aggregateNames are the functions that are not scalar (not in expr.Functions).
var aggregateNames = strings.Fields(`COUNT SUM MIN MAX AVG FIRST_VALUE LAST_VALUE ROW_NUMBER LAG LEAD
	TUMBLE HOP CUMULATE SESSION TUMBLE_START TUMBLE_END HOP_START HOP_END SESSION_START SESSION_END`)

// relationWords are the words after which a table or view name comes.
var relationWords = map[string]bool{"FROM": true, "JOIN": true, "TABLE": true, "INTO": true, "DESCRIBE": true, "DESC": true, "VIEW": true}

// followers are the only words that can follow some keywords.
var followers = map[string][]string{
	"GROUP": {"BY"}, "ORDER": {"BY"}, "PARTITION": {"BY"}, "PRIMARY": {"KEY"}, "INSERT": {"INTO"},
	"SHOW": {"TABLES", "VIEWS", "FUNCTIONS", "JOBS"}, "STOP": {"JOB"},
	"CREATE": {"TABLE", "VIEW", "TEMPORARY"}, "DROP": {"TABLE", "VIEW"},
}

// completer completes the word before the cursor (readline.AutoCompleter): a table or
// view name after FROM, JOIN, TABLE, INTO or DESCRIBE; a column after "name."; the word
// after GROUP, ORDER, SHOW, CREATE and a few others (followers); otherwise a
// keyword, function, table, view or column name. Keywords and functions follow the case
// the user started typing in. It reads the catalog, which the shell's goroutine changes
// only between reads of a line, never during one.
type completer struct {
	cat func() *planner.Catalog
}

// Do implements readline.AutoCompleter: the suffixes that complete line[:pos], and how
// many runes before pos they complete.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	pos = min(pos, len(line))
	start := pos
	for start > 0 && isNameRune(line[start-1]) {
		start--
	}
	word := string(line[start:pos])
	cat := c.cat()
	var cands []string
	prefix := word
	if dot := strings.LastIndexByte(word, '.'); dot >= 0 {
		prefix = word[dot+1:]
		cands = columnsOf(cat, word[:dot], string(line[:start]))
	} else {
		prev := strings.ToUpper(previousWord(line[:start]))
		switch {
		case followers[prev] != nil:
			cands = matchCase(word, followers[prev])
		case relationWords[prev]:
			cands = relations(cat)
		case word == "":
			return nil, 0 // everything would match: not helpful
		default:
			cands = append(cands, relations(cat)...)
			cands = append(cands, allColumns(cat)...)
			cands = append(cands, matchCase(word, keywords)...)
			cands = append(cands, matchCase(word, functionNames())...)
		}
	}
	seen := map[string]bool{}
	var out [][]rune
	p := []rune(prefix)
	for _, cand := range cands {
		r := []rune(cand)
		if len(r) < len(p) || !strings.EqualFold(string(r[:len(p)]), prefix) || seen[strings.ToUpper(cand)] {
			continue
		}
		seen[strings.ToUpper(cand)] = true
		out = append(out, r[len(p):])
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i]) < string(out[j]) })
	return out, len(p)
}

func isNameRune(r rune) bool {
	return r == '_' || r == '.' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// previousWord is the last word of text, skipping spaces.
func previousWord(text []rune) string {
	end := len(text)
	for end > 0 && unicode.IsSpace(text[end-1]) {
		end--
	}
	start := end
	for start > 0 && isNameRune(text[start-1]) {
		start--
	}
	return string(text[start:end])
}

// matchCase writes words in lower case when the user is typing in lower case.
func matchCase(typed string, words []string) []string {
	if typed == "" || strings.ToLower(typed) != typed {
		return words
	}
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = strings.ToLower(w)
	}
	return out
}

func relations(cat *planner.Catalog) []string {
	return append(cat.TableNames(), cat.ViewNames()...)
}

func allColumns(cat *planner.Catalog) []string {
	var out []string
	for _, n := range cat.TableNames() {
		for _, col := range cat.Table(n).Columns {
			out = append(out, col.Name)
		}
	}
	for _, n := range cat.ViewNames() {
		out = append(out, cat.View(n).Columns...)
	}
	return out
}

// columnsOf lists the columns of the table or view named q, or of the table q aliases in
// the text before it (FROM bid AS b, FROM bid b); every column when q names none.
func columnsOf(cat *planner.Catalog, q, before string) []string {
	name := q
	if cat.Table(name) == nil && cat.View(name) == nil {
		if t := aliased(before, q); t != "" {
			name = t
		}
	}
	if t := cat.Table(name); t != nil {
		var out []string
		for _, col := range t.Columns {
			out = append(out, col.Name)
		}
		return out
	}
	if v := cat.View(name); v != nil && len(v.Columns) > 0 {
		return v.Columns
	}
	return allColumns(cat)
}

// aliased finds the table that text gives the alias a ("bid AS a", "bid a"), or "".
func aliased(text, a string) string {
	f := strings.FieldsFunc(text, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == '(' || r == ')' })
	for i := len(f) - 1; i > 0; i-- {
		if !strings.EqualFold(f[i], a) {
			continue
		}
		if strings.EqualFold(f[i-1], "AS") && i > 1 {
			return f[i-2]
		}
		return f[i-1]
	}
	return ""
}

// functionNames lists scalar functions (with their aliases) and aggregates, upper case.
func functionNames() []string {
	out := append([]string(nil), aggregateNames...)
	for _, f := range expr.Functions {
		out = append(out, strings.ToUpper(f.Name))
		for _, a := range f.Aliases {
			out = append(out, strings.ToUpper(a))
		}
	}
	return out
}
