// Package pdf writes simple PDF documents: pages of text lines and rules in
// the standard Courier and Helvetica fonts, which every PDF reader has, so
// nothing is embedded. It is what gatehouse's reports need (the compliance
// audit's dated PDF, published in Artifact) and no more: no images, no
// compression, no forms.
//
// Text is laid out by a Flow, which wraps paragraphs to the page width and
// starts new pages as it goes. Wrapping measures text exactly because the
// body fonts are monospaced (Courier: every glyph is 600/1000 of the font
// size wide), which also lines up the columns of tables.
//
// Strings are encoded in WinAnsiEncoding: ASCII and Latin-1 characters print
// as themselves, other characters as '?'. Everything a caller passes is
// escaped, so arbitrary text (user names, policy names) cannot break the
// document's syntax.
package pdf

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Font is one of the standard fonts a Document can use.
type Font int

// The fonts. Courier and CourierBold are monospaced; Helvetica and
// HelveticaBold are proportional and meant for short titles (a Flow never
// wraps them by measurement; see Flow.Title).
const (
	Courier Font = iota
	CourierBold
	Helvetica
	HelveticaBold
	numFonts
)

var fontNames = [numFonts]string{"Courier", "Courier-Bold", "Helvetica", "Helvetica-Bold"}

// resourceName is the name the page resources give the font.
func (f Font) resourceName() string { return "F" + strconv.Itoa(int(f)+1) }

// CourierAdvance is the advance width of every Courier glyph, in thousandths
// of the font size.
const CourierAdvance = 600

// Page sizes in points (1/72 inch).
const (
	A4Width  = 595.28
	A4Height = 841.89
)

// Document is a PDF document being built. The zero value is not usable; call
// New.
type Document struct {
	width, height float64
	info          Info
	pages         []*bytes.Buffer
}

// Info is the document information dictionary: what readers show as the
// document's properties.
type Info struct {
	Title    string
	Author   string
	Subject  string
	Producer string
	// Created is the creation date; zero leaves it out.
	Created time.Time
}

// New returns an empty document whose pages are width × height points.
func New(width, height float64, info Info) *Document {
	return &Document{width: width, height: height, info: info}
}

// Size returns the page width and height in points.
func (d *Document) Size() (width, height float64) { return d.width, d.height }

// AddPage starts a new page; later drawing goes to it.
func (d *Document) AddPage() { d.pages = append(d.pages, new(bytes.Buffer)) }

// PageCount returns the number of pages.
func (d *Document) PageCount() int { return len(d.pages) }

func (d *Document) current() *bytes.Buffer {
	if len(d.pages) == 0 {
		d.AddPage()
	}
	return d.pages[len(d.pages)-1]
}

// Text draws s on the current page with its baseline starting at (x, y),
// measured in points from the page's bottom-left corner.
func (d *Document) Text(x, y float64, font Font, size float64, s string) {
	if font < 0 || font >= numFonts {
		font = Courier
	}
	b := d.current()
	fmt.Fprintf(b, "BT /%s %s Tf %s %s Td ", font.resourceName(), num(size), num(x), num(y))
	b.WriteString(literal(s))
	b.WriteString(" Tj ET\n")
}

// Line draws a straight line of the given width (points) and gray level
// (0 black, 1 white).
func (d *Document) Line(x1, y1, x2, y2, width, gray float64) {
	fmt.Fprintf(d.current(), "q %s G %s w %s %s m %s %s l S Q\n",
		num(clamp01(gray)), num(width), num(x1), num(y1), num(x2), num(y2))
}

// FillRect fills a rectangle whose bottom-left corner is (x, y) with a gray
// level (0 black, 1 white).
func (d *Document) FillRect(x, y, w, h, gray float64) {
	fmt.Fprintf(d.current(), "q %s g %s %s %s %s re f Q\n",
		num(clamp01(gray)), num(x), num(y), num(w), num(h))
}

func clamp01(v float64) float64 { return min(1, max(0, v)) }

// num formats a coordinate with at most two decimals, as PDF expects (no
// exponent).
func num(f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" || s == "-" || s == "-0" {
		return "0"
	}
	return s
}

// literal encodes s as a PDF literal string in WinAnsiEncoding.
func literal(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('(')
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		case r < 0x80:
			b.WriteByte(byte(r))
		case r >= 0xa0 && r <= 0xff:
			// WinAnsiEncoding agrees with Latin-1 here; write the byte
			// as an octal escape so the file stays ASCII.
			fmt.Fprintf(&b, "\\%03o", r)
		default:
			b.WriteByte('?')
		}
	}
	b.WriteByte(')')
	return b.String()
}

// date formats t as a PDF date string.
func date(t time.Time) string {
	return "D:" + t.UTC().Format("20060102150405") + "Z"
}

// WriteTo writes the document as a PDF 1.4 file. A document without pages
// gets one blank page, since a PDF needs at least one.
func (d *Document) WriteTo(w io.Writer) (int64, error) {
	if len(d.pages) == 0 {
		d.AddPage()
	}
	var out bytes.Buffer
	var offsets []int // offsets[i] is the offset of object i+1
	obj := func(body string) int {
		offsets = append(offsets, out.Len())
		n := len(offsets)
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", n, body)
		return n
	}
	// Object numbers are fixed up front: 1 catalog, 2 page tree, 3.. fonts,
	// then a page and its content stream per page, then the info dictionary.
	const catalog, pageTree, firstFont = 1, 2, 3
	firstPage := firstFont + int(numFonts)
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pageTree))
	kids := make([]string, len(d.pages))
	for i := range d.pages {
		kids[i] = fmt.Sprintf("%d 0 R", firstPage+2*i)
	}
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(d.pages)))
	var fonts strings.Builder
	for f := Font(0); f < numFonts; f++ {
		obj(fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>", fontNames[f]))
		fmt.Fprintf(&fonts, "/%s %d 0 R ", f.resourceName(), firstFont+int(f))
	}
	for i, content := range d.pages {
		obj(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << /Font << %s>> >> /Contents %d 0 R >>",
			pageTree, num(d.width), num(d.height), fonts.String(), firstPage+2*i+1))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.Bytes()))
	}
	info := []string{"/Producer " + literal(orDefault(d.info.Producer, "gatehouse"))}
	if d.info.Title != "" {
		info = append(info, "/Title "+literal(d.info.Title))
	}
	if d.info.Author != "" {
		info = append(info, "/Author "+literal(d.info.Author))
	}
	if d.info.Subject != "" {
		info = append(info, "/Subject "+literal(d.info.Subject))
	}
	if !d.info.Created.IsZero() {
		info = append(info, "/CreationDate "+literal(date(d.info.Created)))
	}
	infoObj := obj("<< " + strings.Join(info, " ") + " >>")
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		len(offsets)+1, catalog, infoObj, xref)
	n, err := w.Write(out.Bytes())
	return int64(n), err
}

// Bytes returns the document as a PDF file.
func (d *Document) Bytes() []byte {
	var b bytes.Buffer
	_, _ = d.WriteTo(&b) // writing to a bytes.Buffer does not fail
	return b.Bytes()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Wrap splits s into lines of at most width characters, breaking at spaces
// where it can and inside words longer than a line. Newlines in s end lines.
// It counts characters (runes), which is exact for the monospaced fonts.
func Wrap(s string, width int) []string {
	if width < 1 {
		width = 1
	}
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			lines = append(lines, "")
			continue
		}
		var cur strings.Builder
		curLen := 0
		flush := func() {
			lines = append(lines, cur.String())
			cur.Reset()
			curLen = 0
		}
		for _, w := range words {
			wl := utf8.RuneCountInString(w)
			if curLen > 0 && curLen+1+wl > width {
				flush()
			}
			for wl > width { // a word longer than a line is cut
				if curLen > 0 {
					flush()
				}
				cut := byteIndexOfRune(w, width)
				lines = append(lines, w[:cut])
				w = w[cut:]
				wl -= width
			}
			if wl == 0 {
				continue
			}
			if curLen > 0 {
				cur.WriteByte(' ')
				curLen++
			}
			cur.WriteString(w)
			curLen += wl
		}
		if curLen > 0 {
			flush()
		}
	}
	return lines
}

// byteIndexOfRune returns the byte offset of the n-th rune of s.
func byteIndexOfRune(s string, n int) int {
	i := 0
	for off := range s {
		if i == n {
			return off
		}
		i++
	}
	return len(s)
}
