package artifact

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Store is Artifact's state over a node's store.
type Store struct {
	st   store.Store
	kr   *keyring.Keyring
	orgs *organizations.Store
	now  func() time.Time

	// keyMu guards signingKey, the HMAC key of presigned URLs, loaded
	// (or created) on first use.
	keyMu      sync.Mutex
	signingKey []byte
}

// Options adjust a Store.
type Options struct {
	// Now is the clock term tokens and presigned URLs expire by; nil
	// means time.Now.
	Now func() time.Time
}

// New returns the Artifact state kept in the store of orgs' IAM directory,
// with secrets (the URL signing key, term tokens) under its keyring.
// Organization agreements read the organization of an account from orgs.
func New(orgs *organizations.Store, opts Options) *Store {
	dir := orgs.Directory()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{st: dir.Store(), kr: dir.Keyring(), orgs: orgs, now: opts.Now}
}

// Publication is a report to publish. Publishing under the name of an
// existing report adds a version to it.
type Publication struct {
	// Name identifies the report: letters, digits, spaces, "_" and "-",
	// up to 256 characters. Required.
	Name string
	// Description is up to 1024 characters without "<" or ">".
	Description string
	// Category, Series, CompanyName and ProductName classify the report
	// (same characters as Name); optional.
	Category, Series, CompanyName, ProductName string
	// Term is the text (or, starting with "%PDF-", the PDF) of the terms
	// a reader accepts before downloading; required for EXPLICIT.
	Term string
	// AcceptanceType is EXPLICIT or PASSTHROUGH; "" means EXPLICIT when
	// Term is set and PASSTHROUGH otherwise.
	AcceptanceType string
	// Document is the report's PDF, at most MaxDocumentSize bytes.
	Document []byte
	// Filename is the name the download is saved under; "" means the
	// report's name with ".pdf".
	Filename string
}

// PublishReport stores a new report, or a new version of the report with
// the same name, and returns its id and version.
func (s *Store) PublishReport(ctx context.Context, p Publication) (reportID string, version int64, err error) {
	if err := p.validate(); err != nil {
		return "", 0, err
	}
	filename := p.Filename
	if filename == "" {
		filename = strings.ReplaceAll(strings.TrimSpace(p.Name), " ", "_") + ".pdf"
	}
	filename, err = cleanFilename(filename)
	if err != nil {
		return "", 0, err
	}
	now := s.now().UTC()
	err = s.st.Update(ctx, func(tx store.Tx) error {
		head := &reportHead{Name: p.Name}
		raw, err := tx.Get(kindReportName, p.Name)
		switch {
		case err == nil:
			if err := store.GetJSON(tx, kindReport, string(raw), head); err != nil {
				return err
			}
		case errors.Is(err, store.ErrNotFound):
			head.ID = "report-" + randomAlnum(16)
			if err := tx.Insert(kindReportName, p.Name, []byte(head.ID)); err != nil {
				return err
			}
		default:
			return err
		}
		head.Latest++
		termID := ""
		if p.Term != "" {
			if termID, err = s.putTerm(tx, p.Name, []byte(p.Term), now); err != nil {
				return err
			}
		}
		doc, err := putDocument(tx, p.Document, filename, "application/pdf", now)
		if err != nil {
			return err
		}
		rv := &ReportVersion{
			ID: head.ID, Name: p.Name, Description: p.Description, Category: p.Category, Series: p.Series,
			CompanyName: p.CompanyName, ProductName: p.ProductName, Version: head.Latest, State: StatePublished,
			AcceptanceType: p.acceptanceType(), TermID: termID, DocumentID: doc.ID, CreatedAt: now, LastModifiedAt: now,
		}
		if err := store.PutJSON(tx, kindReportVersion, versionKey(head.ID, head.Latest), rv); err != nil {
			return err
		}
		reportID, version = head.ID, head.Latest
		return store.PutJSON(tx, kindReport, head.ID, head)
	})
	if err != nil {
		return "", 0, err
	}
	return reportID, version, nil
}

func (p *Publication) acceptanceType() string {
	if p.AcceptanceType != "" {
		return p.AcceptanceType
	}
	if p.Term != "" {
		return AcceptanceExplicit
	}
	return AcceptancePassthrough
}

func (p *Publication) validate() error {
	if err := checkText("name", p.Name, reportTextPattern, 256, true); err != nil {
		return err
	}
	if err := checkText("description", p.Description, descriptionPattern, 1024, false); err != nil {
		return err
	}
	for _, f := range []struct{ name, value string }{
		{"category", p.Category}, {"series", p.Series}, {"company name", p.CompanyName}, {"product name", p.ProductName},
	} {
		if err := checkText(f.name, f.value, reportTextPattern, 256, false); err != nil {
			return err
		}
	}
	switch p.acceptanceType() {
	case AcceptancePassthrough:
	case AcceptanceExplicit:
		if p.Term == "" {
			return &InvalidPublicationError{"term", "a report with acceptance type EXPLICIT needs a term for its readers to accept"}
		}
	default:
		return &InvalidPublicationError{"acceptance type", fmt.Sprintf("%q is neither EXPLICIT nor PASSTHROUGH", p.AcceptanceType)}
	}
	if len(p.Term) > MaxDocumentSize {
		return &InvalidPublicationError{"term", fmt.Sprintf("%d bytes is more than the %d a document may have", len(p.Term), MaxDocumentSize)}
	}
	switch {
	case len(p.Document) == 0:
		return &InvalidPublicationError{"document", "the report has no document"}
	case len(p.Document) > MaxDocumentSize:
		return &InvalidPublicationError{"document", fmt.Sprintf("%d bytes is more than the %d a document may have", len(p.Document), MaxDocumentSize)}
	case !isPDF(p.Document):
		return &InvalidPublicationError{"document", "a report document must be a PDF file (it does not start with %PDF-)"}
	}
	return nil
}

// checkText checks one published string against its model shape.
func checkText(field, v string, pattern interface{ MatchString(string) bool }, max int, required bool) error {
	switch {
	case v == "" && required:
		return &InvalidPublicationError{field, "it is required"}
	case v == "":
		return nil
	case !utf8.ValidString(v):
		return &InvalidPublicationError{field, "it is not valid UTF-8"}
	case utf8.RuneCountInString(v) > max:
		return &InvalidPublicationError{field, fmt.Sprintf("it is longer than %d characters", max)}
	case !pattern.MatchString(v):
		return &InvalidPublicationError{field, fmt.Sprintf("%q has characters that are not allowed", v)}
	}
	return nil
}

func isPDF(b []byte) bool { return len(b) >= 5 && string(b[:5]) == "%PDF-" }

// cleanFilename keeps the last element of a path and refuses names with
// control characters, which a Content-Disposition header cannot carry.
func cleanFilename(name string) (string, error) {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" || name == "" || len(name) > 255 || !utf8.ValidString(name) {
		return "", &InvalidPublicationError{"filename", fmt.Sprintf("%q is not a usable file name", name)}
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "", &InvalidPublicationError{"filename", "it contains control characters"}
		}
	}
	return name, nil
}

// putTerm stores a term's content once, by its hash, and returns its id.
func (s *Store) putTerm(tx store.Tx, reportName string, content []byte, now time.Time) (string, error) {
	sum := sha256.Sum256(content)
	hash := hex.EncodeToString(sum[:])
	raw, err := tx.Get(kindTermByHash, hash)
	if err == nil {
		return string(raw), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	ctype, ext := "text/plain; charset=utf-8", ".txt"
	if isPDF(content) {
		ctype, ext = "application/pdf", ".pdf"
	}
	name, err := cleanFilename(strings.ReplaceAll(reportName, " ", "_") + "-terms" + ext)
	if err != nil {
		return "", err
	}
	doc, err := putDocument(tx, content, name, ctype, now)
	if err != nil {
		return "", err
	}
	t := &Term{ID: "term-" + randomAlnum(16), DocumentID: doc.ID, CreatedAt: now}
	if err := store.PutJSON(tx, kindTerm, t.ID, t); err != nil {
		return "", err
	}
	return t.ID, tx.Insert(kindTermByHash, hash, []byte(t.ID))
}

// putDocument stores content in chunks and returns its record.
func putDocument(tx store.Tx, content []byte, filename, ctype string, now time.Time) (*Document, error) {
	sum := sha256.Sum256(content)
	d := &Document{
		ID: "doc-" + randomAlnum(20), Filename: filename, ContentType: ctype, Size: int64(len(content)),
		SHA256: hex.EncodeToString(sum[:]), CreatedAt: now,
	}
	for off := 0; off < len(content); off += chunkSize {
		end := min(off+chunkSize, len(content))
		if err := tx.Put(kindDocumentChunk, chunkKey(d.ID, d.Chunks), content[off:end]); err != nil {
			return nil, err
		}
		d.Chunks++
	}
	return d, store.PutJSON(tx, kindDocument, d.ID, d)
}

func chunkKey(docID string, i int) string { return fmt.Sprintf("%s/%06d", docID, i) }

func versionKey(reportID string, version int64) string {
	return fmt.Sprintf("%s/%019d", reportID, version)
}

// Report returns a version of a report; version 0 means the latest.
func (s *Store) Report(ctx context.Context, reportID string, version int64) (*ReportVersion, error) {
	var rv *ReportVersion
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		rv, err = reportVersion(tx, reportID, version)
		return err
	})
	return rv, err
}

func reportVersion(tx store.Tx, reportID string, version int64) (*ReportVersion, error) {
	if version == 0 {
		head := new(reportHead)
		if err := store.GetJSON(tx, kindReport, reportID, head); err != nil {
			return nil, notFound(err, ErrReportNotFound)
		}
		version = head.Latest
	}
	rv := new(ReportVersion)
	if err := store.GetJSON(tx, kindReportVersion, versionKey(reportID, version), rv); err != nil {
		return nil, notFound(err, ErrReportNotFound)
	}
	return rv, nil
}

// Reports returns the latest versions of up to limit reports whose ids
// sort after the given one ("" starts at the first), in id order, and
// whether more follow.
func (s *Store) Reports(ctx context.Context, after string, limit int) (reports []*ReportVersion, more bool, err error) {
	err = s.st.View(ctx, func(tx store.Tx) error {
		items, err := tx.List(kindReport, "", after, limit+1)
		if err != nil {
			return err
		}
		if len(items) > limit {
			items, more = items[:limit], true
		}
		for _, it := range items {
			head := new(reportHead)
			if err := json.Unmarshal(it.Value, head); err != nil {
				return fmt.Errorf("artifact: decode report %s: %w", it.Key, err)
			}
			rv, err := reportVersion(tx, head.ID, head.Latest)
			if err != nil {
				return err
			}
			reports = append(reports, rv)
		}
		return nil
	})
	return reports, more, err
}

// ReportVersions returns up to limit versions of a report after the given
// version (0 starts at the first), oldest first, and whether more follow.
func (s *Store) ReportVersions(ctx context.Context, reportID string, after int64, limit int) (versions []*ReportVersion, more bool, err error) {
	err = s.st.View(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(kindReport, reportID); err != nil {
			return notFound(err, ErrReportNotFound)
		}
		start := ""
		if after > 0 {
			start = versionKey(reportID, after)
		}
		items, err := tx.List(kindReportVersion, reportID+"/", start, limit+1)
		if err != nil {
			return err
		}
		if len(items) > limit {
			items, more = items[:limit], true
		}
		for _, it := range items {
			rv := new(ReportVersion)
			if err := json.Unmarshal(it.Value, rv); err != nil {
				return fmt.Errorf("artifact: decode report version %s: %w", it.Key, err)
			}
			versions = append(versions, rv)
		}
		return nil
	})
	return versions, more, err
}

// Term returns a term.
func (s *Store) Term(ctx context.Context, termID string) (*Term, error) {
	t := new(Term)
	err := s.st.View(ctx, func(tx store.Tx) error {
		return notFound(store.GetJSON(tx, kindTerm, termID, t), ErrTermNotFound)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Document returns a document's metadata.
func (s *Store) Document(ctx context.Context, docID string) (*Document, error) {
	d := new(Document)
	err := s.st.View(ctx, func(tx store.Tx) error {
		return notFound(store.GetJSON(tx, kindDocument, docID, d), ErrDocumentNotFound)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// DocumentChunk returns the i-th piece of a document. Documents never
// change, so a reader may fetch the pieces in separate transactions.
func (s *Store) DocumentChunk(ctx context.Context, docID string, i int) ([]byte, error) {
	var b []byte
	err := s.st.View(ctx, func(tx store.Tx) error {
		raw, err := tx.Get(kindDocumentChunk, chunkKey(docID, i))
		b = raw
		return notFound(err, ErrDocumentNotFound)
	})
	return b, err
}

// ReadDocument returns a whole document's content.
func (s *Store) ReadDocument(ctx context.Context, docID string) (*Document, []byte, error) {
	d, err := s.Document(ctx, docID)
	if err != nil {
		return nil, nil, err
	}
	content := make([]byte, 0, d.Size)
	for i := 0; i < d.Chunks; i++ {
		b, err := s.DocumentChunk(ctx, docID, i)
		if err != nil {
			return nil, nil, err
		}
		content = append(content, b...)
	}
	return d, content, nil
}

// notFound maps the store's ErrNotFound to the given error.
func notFound(err, as error) error {
	if errors.Is(err, store.ErrNotFound) {
		return as
	}
	return err
}

// randomAlnum returns n random characters of [0-9A-Za-z], the alphabet
// of Artifact's resource ids.
func randomAlnum(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[randIndex(len(alphabet))]
	}
	return string(b)
}

// randIndex returns a uniformly random index below n (n <= 256), by
// rejecting bytes that would bias the result.
func randIndex(n int) int {
	limit := 256 - 256%n
	var buf [1]byte
	for {
		if _, err := rand.Read(buf[:]); err != nil {
			panic("artifact: no randomness: " + err.Error())
		}
		if int(buf[0]) < limit {
			return int(buf[0]) % n
		}
	}
}
