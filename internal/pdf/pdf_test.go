package pdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkStructure verifies what a reader relies on to open the file: the
// header, that every xref entry points at its object, that startxref
// points at the xref table, and that every stream's /Length is exact.
// It returns the decoded text of every Tj string, page by page.
func checkStructure(t testing.TB, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		t.Fatalf("missing header or trailer:\n%.200q", b)
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(b[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	lines := strings.Split(string(b[xref:]), "\n")
	var count int
	fmt.Sscanf(lines[1], "0 %d", &count)
	if count < 2 {
		t.Fatalf("xref has %d entries", count)
	}
	for i := 1; i < count; i++ {
		entry := lines[2+i]
		if len(entry)+1 != 20 {
			t.Fatalf("xref entry %d is %d bytes, want 20: %q", i, len(entry)+1, entry)
		}
		off, _ := strconv.Atoi(entry[:10])
		want := fmt.Sprintf("%d 0 obj\n", i)
		if !bytes.HasPrefix(b[off:], []byte(want)) {
			t.Fatalf("xref entry %d (offset %d) points at %.20q, want %q", i, off, b[off:], want)
		}
	}
	if !bytes.Contains(b, []byte(fmt.Sprintf("/Size %d", count))) {
		t.Fatalf("trailer /Size is not %d", count)
	}
	// Streams: /Length N then exactly N bytes before endstream.
	var pages [][]string
	streamRE := regexp.MustCompile(`<< /Length (\d+) >>\nstream\n`)
	for _, loc := range streamRE.FindAllSubmatchIndex(b, -1) {
		n, _ := strconv.Atoi(string(b[loc[2]:loc[3]]))
		body := b[loc[1]:]
		if len(body) < n || !bytes.HasPrefix(body[n:], []byte("endstream")) {
			t.Fatalf("stream /Length %d is wrong", n)
		}
		pages = append(pages, decodeTj(t, body[:n]))
	}
	return pages
}

// decodeTj returns the strings shown by the Tj operators of a content
// stream, decoding literal string escapes as a PDF reader does.
func decodeTj(t testing.TB, content []byte) []string {
	t.Helper()
	var out []string
	for i := 0; i < len(content); i++ {
		if content[i] != '(' {
			continue
		}
		var s []byte
		depth := 1
		j := i + 1
		for ; j < len(content) && depth > 0; j++ {
			c := content[j]
			switch c {
			case '\\':
				j++
				if j < len(content) && content[j] >= '0' && content[j] <= '7' {
					v, _ := strconv.ParseUint(string(content[j:j+3]), 8, 8)
					s = append(s, byte(v))
					j += 2
				} else if j < len(content) {
					s = append(s, content[j])
				}
			case '(':
				depth++
				s = append(s, c)
			case ')':
				depth--
				if depth > 0 {
					s = append(s, c)
				}
			default:
				s = append(s, c)
			}
		}
		if depth != 0 {
			t.Fatalf("unbalanced string in content stream: %q", content[i:])
		}
		if !bytes.HasPrefix(content[j:], []byte(" Tj")) {
			t.Fatalf("string not followed by Tj: %q", content[j:])
		}
		// WinAnsi bytes back to runes (Latin-1 range only).
		r := make([]rune, len(s))
		for k, c := range s {
			r[k] = rune(c)
		}
		out = append(out, string(r))
		i = j
	}
	return out
}

func TestDocumentStructure(t *testing.T) {
	doc := New(A4Width, A4Height, Info{Title: "t (1)", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	doc.Text(50, 800, HelveticaBold, 20, "Title")
	doc.Line(50, 790, 500, 790, 1, 0.5)
	doc.AddPage()
	doc.FillRect(10, 10, 20, 20, 0.9)
	doc.Text(50, 700, Courier, 10, `back\slash (paren) café ☃`)
	b := doc.Bytes()
	pages := checkStructure(t, b)
	if len(pages) != 2 {
		t.Fatalf("%d content streams, want 2", len(pages))
	}
	if got := pages[0]; len(got) != 1 || got[0] != "Title" {
		t.Fatalf("page 1 text = %q", got)
	}
	if got := pages[1]; len(got) != 1 || got[0] != `back\slash (paren) café ?` {
		t.Fatalf("page 2 text = %q", got)
	}
	for _, want := range []string{"/Count 2", "/BaseFont /Courier-Bold", "/Encoding /WinAnsiEncoding", `/Title (t \(1\))`, "/CreationDate (D:20260102030405Z)"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("document lacks %q", want)
		}
	}
}

func TestEmptyDocumentHasOnePage(t *testing.T) {
	b := New(A4Width, A4Height, Info{}).Bytes()
	checkStructure(t, b)
	if !bytes.Contains(b, []byte("/Count 1")) || !bytes.Contains(b, []byte("/Producer (gatehouse)")) {
		t.Fatalf("empty document:\n%s", b)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"the quick brown fox", 9, []string{"the quick", "brown fox"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"a\n\nb", 10, []string{"a", "", "b"}},
		{"  spaced   out  ", 20, []string{"spaced out"}},
		{"x abcdefgh", 4, []string{"x", "abcd", "efgh"}},
		{"ééééé", 2, []string{"éé", "éé", "é"}},
	}
	for _, tt := range tests {
		if got := Wrap(tt.in, tt.width); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

func TestFlowBreaksPagesAndWraps(t *testing.T) {
	doc := New(A4Width, A4Height, Info{})
	f := NewFlow(doc, 50)
	f.Footer = func(p int) string { return fmt.Sprintf("page %d", p) }
	f.Title(18, "Report")
	long := strings.Repeat("word ", 60)
	for range 80 {
		f.Paragraph(Courier, 10, 2, long)
	}
	if doc.PageCount() < 3 {
		t.Fatalf("%d pages, want several", doc.PageCount())
	}
	cols := f.Columns(10)
	pages := checkStructure(t, doc.Bytes())
	for i, texts := range pages {
		if texts[0] != fmt.Sprintf("page %d", i+1) {
			t.Fatalf("page %d starts with %q, want its footer", i+1, texts[0])
		}
		for _, s := range texts[1:] {
			if len([]rune(s)) > cols {
				t.Fatalf("line of %d characters exceeds %d columns: %q", len([]rune(s)), cols, s)
			}
		}
	}
}

// FuzzDocumentText: any text (user names and policy names end up in
// reports) gives a well-formed document whose strings decode back to the
// text, in WinAnsi terms.
func FuzzDocumentText(f *testing.F) {
	for _, s := range []string{"", "plain", `a(b)c\d`, "((((", "))))", "\\", "tab\there\nnewline", "café", "日本語", "\x00\x7f\xff", ")Tj ET BT (", "%%EOF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc := New(A4Width, A4Height, Info{Title: s, Author: s})
		doc.Text(10, 10, Courier, 10, s)
		fl := NewFlow(doc, 40)
		fl.Paragraph(Courier, 9, 0, s)
		pages := checkStructure(t, doc.Bytes())
		want := winAnsi(s)
		if len(pages) == 0 || len(pages[0]) == 0 || pages[0][0] != want {
			t.Fatalf("text %q came back as %q, want %q", s, pages, want)
		}
	})
}

// winAnsi is what literal should make of s, as runes: Latin-1 kept,
// control characters as spaces, the rest as '?'.
func winAnsi(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f:
			b.WriteRune(' ')
		case r < 0x80 || (r >= 0xa0 && r <= 0xff):
			b.WriteRune(r)
		default:
			b.WriteRune('?')
		}
	}
	return b.String()
}
