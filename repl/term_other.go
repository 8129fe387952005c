//go:build !linux

package repl

// quietInput does nothing where the terminal is not Linux's: keys typed during a live view
// echo and reach the next prompt.
func quietInput(fd int) func() { return func() {} }
