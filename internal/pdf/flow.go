package pdf

import "strings"

// Flow lays text out top to bottom on a Document's pages, between margins,
// starting a new page (with an optional running footer) when the current
// one is full.
type Flow struct {
	doc    *Document
	margin float64
	y      float64 // baseline of the next line
	// Footer, when set, is drawn at the bottom of every page the flow
	// starts, with the page number.
	Footer func(page int) string
}

// NewFlow returns a flow over doc with the given margin on every side, in
// points. Its first line goes on a new page.
func NewFlow(doc *Document, margin float64) *Flow {
	return &Flow{doc: doc, margin: margin, y: -1}
}

// leading is the distance between baselines for a font size.
func leading(size float64) float64 { return size * 1.25 }

// Columns returns how many Courier characters of the given size fit on a
// line.
func (f *Flow) Columns(size float64) int {
	w, _ := f.doc.Size()
	n := int((w - 2*f.margin) / (size * CourierAdvance / 1000))
	return max(n, 1)
}

// need makes sure h points are left on the current page, starting a new
// page if not.
func (f *Flow) need(h float64) {
	if f.y >= 0 && f.y-h >= f.margin {
		return
	}
	f.doc.AddPage()
	_, height := f.doc.Size()
	f.y = height - f.margin
	if f.Footer != nil {
		f.doc.Text(f.margin, f.margin/2, Courier, 8, f.Footer(f.doc.PageCount()))
	}
}

// NewPage starts a new page.
func (f *Flow) NewPage() {
	f.y = -1
	f.need(0)
}

// Title writes one line in Helvetica-Bold. Titles are not wrapped: keep
// them short (the caller's own text, not user input of unbounded length).
func (f *Flow) Title(size float64, s string) {
	f.need(leading(size))
	f.y -= size
	f.doc.Text(f.margin, f.y, HelveticaBold, size, s)
	f.y -= leading(size) - size
}

// Paragraph writes s in a Courier font, wrapped to the text width, with an
// indent (in characters) on every line.
func (f *Flow) Paragraph(font Font, size float64, indent int, s string) {
	if font != Courier && font != CourierBold {
		font = Courier
	}
	cols := max(f.Columns(size)-indent, 1)
	pad := strings.Repeat(" ", indent)
	for _, line := range Wrap(s, cols) {
		f.need(leading(size))
		f.y -= size
		f.doc.Text(f.margin, f.y, font, size, pad+line)
		f.y -= leading(size) - size
	}
}

// Rule draws a horizontal line across the text width and leaves a little
// space around it.
func (f *Flow) Rule() {
	f.need(8)
	w, _ := f.doc.Size()
	f.y -= 4
	f.doc.Line(f.margin, f.y, w-f.margin, f.y, 0.5, 0.5)
	f.y -= 4
}

// Space leaves h points of vertical space (never across a page break).
func (f *Flow) Space(h float64) {
	if f.y < 0 {
		return
	}
	f.y = max(f.y-h, f.margin)
}
