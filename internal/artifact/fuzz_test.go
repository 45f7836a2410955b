package artifact

import (
	"strings"
	"testing"
)

// FuzzParsePresignedURL checks that the parser of download requests never
// panics, and that whatever it accepts is well formed and survives a
// round trip through String.
func FuzzParsePresignedURL(f *testing.F) {
	doc := "doc-" + strings.Repeat("a", 20)
	sig := strings.Repeat("A", 43)
	for _, seed := range [][2]string{
		{DownloadPathPrefix + doc, "Expires=1767225600&Signature=" + sig},
		{DownloadPathPrefix + doc, "Signature=" + sig + "&Expires=1"},
		{DownloadPathPrefix + doc, "Expires=1767225600&Expires=1&Signature=" + sig},
		{DownloadPathPrefix + doc, "Expires=-5&Signature=" + sig},
		{DownloadPathPrefix + doc, "Expires=+5&Signature=" + sig},
		{DownloadPathPrefix + doc, "Expires=99999999999999999999&Signature=" + sig},
		{DownloadPathPrefix + doc, "Expires=5&Signature=" + sig + "%3D"},
		{DownloadPathPrefix + doc, "Expires=5&Signature=%zz"},
		{DownloadPathPrefix + doc + "/x", "Expires=5&Signature=" + sig},
		{DownloadPathPrefix + "../" + doc, "Expires=5&Signature=" + sig},
		{"/_gatehouse/other/" + doc, "Expires=5&Signature=" + sig},
		{"", ""},
		{DownloadPathPrefix, ";"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, path, query string) {
		p, err := ParsePresignedURL(path, query)
		if err != nil {
			if p.DocumentID != "" || p.Signature != nil {
				t.Fatalf("error %v with a partial result %+v", err, p)
			}
			return
		}
		if !documentIDPattern.MatchString(p.DocumentID) || p.Expires <= 0 || len(p.Signature) != signatureSize {
			t.Fatalf("accepted a malformed URL: %+v", p)
		}
		path2, query2, _ := strings.Cut(p.String(), "?")
		again, err := ParsePresignedURL(path2, query2)
		if err != nil || again.DocumentID != p.DocumentID || again.Expires != p.Expires || string(again.Signature) != string(p.Signature) {
			t.Fatalf("round trip of %+v: %+v, %v", p, again, err)
		}
	})
}

// FuzzCheckTermToken checks that arbitrary tokens never panic the checker
// and are never accepted.
func FuzzCheckTermToken(f *testing.F) {
	s, _, _ := newTestStore(f)
	tok, err := s.IssueTermToken("111122223333", "report-abcdefghijklmnop", 1)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok[:len(tok)-1] + "A")
	f.Add("")
	f.Add("AAAA")
	f.Add(strings.Repeat("A", 300))
	f.Add("not base64!")
	f.Fuzz(func(t *testing.T, token string) {
		if token == tok {
			return
		}
		if err := s.CheckTermToken(token, "111122223333", "report-abcdefghijklmnop", 1); err == nil {
			t.Fatalf("forged token %q accepted", token)
		}
	})
}
