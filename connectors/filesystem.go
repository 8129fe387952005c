package connectors

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func init() {
	Register(&Factory{
		Name:    "filesystem",
		Aliases: []string{"file"},
		Options: append([]OptionSpec{
			{Key: "path", Required: true, Doc: "source: a file, a folder (all its regular files, sorted by name) or a glob; sink: a file, or a folder (existing, or ending with '/') to write part-0.<format> in"},
		}, formatOptions...),
		NewSource: newFilesystemSource,
		NewSink:   newFilesystemSink,
	})
}

// resolvePaths expands a source path: a regular file, a folder (its regular files, not
// hidden ones, sorted) or a glob (matching regular files, sorted).
func resolvePaths(path string) ([]string, error) {
	if st, err := os.Stat(path); err == nil {
		if !st.IsDir() {
			return []string{path}, nil
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		var files []string
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
				continue
			}
			if info, err := os.Stat(filepath.Join(path, e.Name())); err == nil && info.Mode().IsRegular() {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		return files, nil
	}
	matches, err := filepath.Glob(path)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, m := range matches {
		if info, err := os.Stat(m); err == nil && info.Mode().IsRegular() {
			files = append(files, m)
		}
	}
	sort.Strings(files)
	return files, nil
}

func requireOption(spec TableSpec, kind, key string) (string, error) {
	v, ok := spec.Options[key]
	if !ok || strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("filesystem %s '%s' needs option '%s'", kind, spec.Name, key)
	}
	return v, nil
}
