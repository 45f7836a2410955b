// Package awsmanaged holds the AWS managed IAM policies
// (arn:aws:iam::aws:policy/<path><name>) as read-only entities with their
// real policy documents, so that accounts can attach AdministratorAccess,
// ReadOnlyAccess and the rest exactly as on AWS.
//
// The policies are embedded as compressed data (policies.json.gz, about
// 420 KB, see NOTICE for where it comes from) and decoded on first use,
// once per process; a process that never looks at an AWS managed policy
// pays nothing. Regenerate the data from the moto Python package with
//
//	go generate ./internal/iam/awsmanaged/
package awsmanaged

//go:generate go run ./gen -out .

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	_ "embed"

	"github.com/gatehouse/gatehouse/internal/iam"
)

//go:embed policies.json.gz
var compressed []byte

// Set is the set of AWS managed policies. It implements
// iam.AWSManagedPolicies. The policies it returns are shared and must not
// be modified.
type Set struct {
	once  sync.Once
	byARN map[string]*iam.ManagedPolicy
	all   []*iam.ManagedPolicy // sorted by name
}

var _ iam.AWSManagedPolicies = (*Set)(nil)

var defaultSet Set

// Policies returns the AWS managed policies, a process-wide singleton:
// pass it to iam.NewDirectory. The data is decoded on the first Get or All.
func Policies() *Set { return &defaultSet }

// Get returns the AWS managed policy with the given ARN (path included,
// compared exactly as IAM compares ARNs), or nil.
func (s *Set) Get(arn string) *iam.ManagedPolicy {
	s.load()
	return s.byARN[arn]
}

// All returns every AWS managed policy, sorted by name. The slice is the
// caller's; the policies are shared.
func (s *Set) All() []*iam.ManagedPolicy {
	s.load()
	return slices.Clone(s.all)
}

// record is one policy in policies.json.gz (see gen).
type record struct {
	Name     string    `json:"name"`
	Path     string    `json:"path"`
	Version  string    `json:"version"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Document string    `json:"document"`
}

func (s *Set) load() {
	s.once.Do(func() {
		records, err := decode(compressed)
		if err != nil {
			// The data is generated and embedded at build time; the
			// tests decode it, so this cannot happen in a tested build.
			panic("awsmanaged: embedded policy data: " + err.Error())
		}
		s.byARN = make(map[string]*iam.ManagedPolicy, len(records))
		s.all = make([]*iam.ManagedPolicy, 0, len(records))
		for _, r := range records {
			p := policyOf(r)
			s.byARN[p.ARN()] = p
			s.all = append(s.all, p)
		}
		slices.SortFunc(s.all, func(a, b *iam.ManagedPolicy) int {
			if a.Name < b.Name {
				return -1
			}
			if a.Name > b.Name {
				return 1
			}
			return 0
		})
	})
}

func decode(data []byte) ([]record, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	var records []record
	if err := json.Unmarshal(plain, &records); err != nil {
		return nil, err
	}
	return records, nil
}

// policyOf builds the entity of one record. Only the default version is
// known; its creation date is the policy's last update.
func policyOf(r record) *iam.ManagedPolicy {
	var next int
	if _, err := fmt.Sscanf(r.Version, "v%d", &next); err == nil {
		next++
	}
	return &iam.ManagedPolicy{
		AccountID:      "aws",
		Name:           r.Name,
		Path:           r.Path,
		ID:             PolicyID(r.Name),
		CreateDate:     r.Created,
		UpdateDate:     r.Updated,
		DefaultVersion: r.Version,
		Versions:       []iam.PolicyVersion{{ID: r.Version, Document: r.Document, CreateDate: r.Updated}},
		NextVersion:    next,
	}
}

// PolicyID returns the unique id gatehouse gives the AWS managed policy
// of that name: "ANPA" and 17 characters derived from a hash of the name,
// so that it is the same on every node and across restarts.
func PolicyID(name string) string {
	sum := sha256.Sum256([]byte("gatehouse aws managed policy " + name))
	return iam.PrefixPolicy + base32.StdEncoding.EncodeToString(sum[:])[:17]
}
