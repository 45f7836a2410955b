package organizations

import (
	"strings"
	"testing"

	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// FuzzCheckResourcePolicyContent feeds arbitrary documents to the
// resource policy validation: it must never panic, must answer only
// AWS-shaped errors, and must never accept a document naming an action
// of another service.
func FuzzCheckResourcePolicyContent(f *testing.F) {
	for _, seed := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"organizations:List*","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","NotAction":"organizations:Describe*","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`,
		`{"Statement":[]}`,
		`{`,
		``,
		strings.Repeat(" ", maxResourcePolicySize+1),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		err := checkResourcePolicyContent(doc)
		if err != nil {
			if _, ok := protocol.AsError(err); !ok {
				t.Fatalf("not an AWS error: %v", err)
			}
			return
		}
		if strings.Contains(strings.ToLower(doc), `"s3:`) && !strings.Contains(strings.ToLower(doc), "organizations:") {
			t.Fatalf("accepted a policy of another service: %s", doc)
		}
	})
}

// FuzzTaggingFromAPI checks the tag validation: reserved and duplicate
// keys are refused, everything else is kept as given.
func FuzzTaggingFromAPI(f *testing.F) {
	f.Add("team", "a", "env", "b")
	f.Add("aws:x", "a", "k", "v")
	f.Add("same", "1", "same", "2")
	f.Add("", "", "AWS:y", "z")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		in := []api.Tag{{Key: &k1, Value: &v1}, {Key: &k2, Value: &v2}}
		out, err := taggingFromAPI(in)
		reserved := strings.HasPrefix(strings.ToLower(k1), "aws:") || strings.HasPrefix(strings.ToLower(k2), "aws:")
		switch {
		case reserved || k1 == k2:
			if err == nil {
				t.Fatalf("accepted %q and %q", k1, k2)
			}
		case err != nil:
			t.Fatalf("refused %q and %q: %v", k1, k2, err)
		case len(out) != 2 || out[0].Key != k1 || out[1].Value != v2:
			t.Fatalf("tags = %+v", out)
		}
	})
}
