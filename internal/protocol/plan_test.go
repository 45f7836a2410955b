package protocol

import (
	"reflect"
	"sync"
	"testing"
)

type recA struct {
	Next  *recA   `aws:"Next"`
	Items []recB  `aws:"Items"`
	Name  *string `aws:"Name"`
}

type recB struct {
	Back *recA `aws:"Back"`
}

type ptrEnum string

func (*ptrEnum) EnumValues() []string { return []string{"X"} }

type oddShape struct {
	skipped string
	Dash    *string `aws:"-"`
	Untaged *string
	E       ptrEnum `aws:"E"`
}

func TestPlanRecursiveShapesShareStructPlans(t *testing.T) {
	p := planOf(reflect.TypeOf(recA{}))
	next := p.str.fields[0].t
	if !next.ptr || next.str != p.str {
		t.Fatalf("*recA does not share recA's plan")
	}
	back := p.str.fields[1].t.elem.str.fields[0].t
	if back.str != p.str {
		t.Fatalf("recB.Back does not share recA's plan")
	}
	if planOf(reflect.TypeOf(&recA{})).str != p.str {
		t.Fatal("planOf(*recA) differs")
	}
}

func TestPlanConcurrentBuild(t *testing.T) {
	var wg sync.WaitGroup
	plans := make([]*typePlan, 8)
	for i := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			plans[i] = planOf(reflect.TypeOf(sinkShape{}))
		}()
	}
	wg.Wait()
	for _, p := range plans[1:] {
		if p != plans[0] {
			t.Fatal("concurrent builds produced different plans")
		}
	}
}

func TestPlanTags(t *testing.T) {
	p := planOf(reflect.TypeOf(oddShape{}))
	if len(p.str.fields) != 2 || p.str.fields[0].name != "Untaged" || p.str.fields[1].t.kind != kindEnum {
		t.Fatalf("fields %+v", p.str.fields)
	}
	u := planOf(reflect.TypeOf(iamCreateUserInput{})).str.fields[1]
	if u.name != "UserName" || u.camel != "userName" || !u.required || !u.hasMin || u.max != 64 || u.pattern == nil || u.patternText != `[\w+=,.@-]+` {
		t.Fatalf("UserName plan %+v", u)
	}
	r := planOf(reflect.TypeOf(sinkRestInput{})).str
	if r.fields[r.byName["Extra"]].loc != locQuery || r.queryMap != r.byName["Extra"] || r.bodyFields != 3 || r.payload != -1 {
		t.Fatalf("rest plan %+v", r)
	}
	for in, want := range map[string]string{"UserName": "userName", "SSEKMSKeyId": "sSEKMSKeyId", "already": "already", "": "", "É": "é"} {
		if got := lowerCamel(in); got != want {
			t.Errorf("lowerCamel(%q) = %q", in, got)
		}
	}
}

func TestPlanRejectsUnsupportedTypes(t *testing.T) {
	for _, v := range []any{struct{ C chan int }{}, struct{ M map[int]string }{}, struct{ P **string }{}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%T: no panic", v)
				}
			}()
			planOf(reflect.TypeOf(v))
		}()
	}
	if tryPlanOf(reflect.TypeOf(struct{ C chan int }{})) != nil {
		t.Error("tryPlanOf accepted a chan")
	}
}
