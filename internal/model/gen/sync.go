package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// syncSpecs refreshes specs/<id>.json.gz from the botocore installation at
// botocoreDir (located through python3 when empty): for each service it takes
// the newest model version, drops its documentation strings and stores it
// re-gzipped. Key order is preserved, since member order is the order of the
// generated struct fields.
func syncSpecs(botocoreDir, specsDir string) error {
	if botocoreDir == "" {
		out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
		if err != nil {
			return fmt.Errorf("locating botocore (use -botocore): %w", err)
		}
		botocoreDir = strings.TrimSpace(string(out))
	}
	if err := os.MkdirAll(specsDir, 0o755); err != nil {
		return err
	}
	for _, svc := range services {
		src, err := newestModel(filepath.Join(botocoreDir, "data", svc.id))
		if err != nil {
			return err
		}
		data, err := readGzip(src)
		if err != nil {
			return err
		}
		stripped, err := stripDocs(data)
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		if err := writeGzip(filepath.Join(specsDir, svc.id+".json.gz"), stripped); err != nil {
			return err
		}
	}
	return nil
}

// newestModel returns the service-2.json.gz of the newest API version under
// a botocore data/<id> directory (versions are dates, so they sort as text).
func newestModel(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var versions []string
	for _, e := range entries {
		if e.IsDir() {
			versions = append(versions, e.Name())
		}
	}
	if len(versions) == 0 {
		return "", fmt.Errorf("%s: no model versions", dir)
	}
	sort.Strings(versions)
	return filepath.Join(dir, versions[len(versions)-1], "service-2.json.gz"), nil
}

// readGzip returns the decompressed content of a gzip file.
func readGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(zr); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return buf.Bytes(), nil
}

// writeGzip stores data gzipped with an empty header, so the same data
// always gives the same file.
func writeGzip(path string, data []byte) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// docKeys are the keys whose string values stripDocs removes.
var docKeys = map[string]bool{"documentation": true, "documentationUrl": true}

// stripDocs re-encodes a JSON document compactly, in its original key order,
// without the string values of documentation keys.
func stripDocs(data []byte) ([]byte, error) {
	var out bytes.Buffer
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := copyValue(dec, &out); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// copyValue copies the next JSON value from dec to out, dropping
// documentation strings inside it.
func copyValue(dec *json.Decoder, out *bytes.Buffer) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	switch t {
	case json.Delim('{'):
		out.WriteByte('{')
		n := 0
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key := kt.(string)
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return err
			}
			if docKeys[key] && len(raw) > 0 && raw[0] == '"' {
				continue
			}
			if n > 0 {
				out.WriteByte(',')
			}
			n++
			writeScalar(out, key)
			out.WriteByte(':')
			sub := json.NewDecoder(bytes.NewReader(raw))
			sub.UseNumber()
			if err := copyValue(sub, out); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		out.WriteByte('}')
		return err
	case json.Delim('['):
		out.WriteByte('[')
		for n := 0; dec.More(); n++ {
			if n > 0 {
				out.WriteByte(',')
			}
			if err := copyValue(dec, out); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		out.WriteByte(']')
		return err
	}
	writeScalar(out, t)
	return nil
}

// writeScalar writes a JSON string, number, boolean or null without HTML
// escaping.
func writeScalar(out *bytes.Buffer, v any) {
	if n, ok := v.(json.Number); ok {
		out.WriteString(n.String())
		return
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.Encode(v)               // strings, bools and nil always encode
	out.Truncate(out.Len() - 1) // the Encoder's newline
}
