package repl

import (
	"os"
	"path/filepath"

	"github.com/chzyer/readline"
)

// DefaultHistoryFile is where the statements typed are kept: $XDG_STATE_HOME/eddy/history
// when XDG_STATE_HOME is set (the folder is created), else ~/.eddy_history; "" when
// neither can be found.
func DefaultHistoryFile() string {
	if dir := os.Getenv("XDG_STATE_HOME"); dir != "" {
		dir = filepath.Join(dir, "eddy")
		if err := os.MkdirAll(dir, 0o700); err == nil {
			return filepath.Join(dir, "history")
		}
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	return filepath.Join(home, ".eddy_history")
}

// IsTerminal reports whether fd is a terminal.
func IsTerminal(fd int) bool { return readline.IsTerminal(fd) }
