package neyross_test

import (
	"strings"
	"testing"
	"time"

	emu "github.com/doorsync/doorsync/internal/emulator/neyross"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/neyross"
)

// renameKPP1 takes the "[И] " prefix off level КПП 1, as an administrator
// would: its holders leave the EIS subset.
func renameKPP1(b *bench) {
	levels := emu.DefaultLevels()
	levels[0].Name = "КПП 1"
	b.srv.SetLevels(levels)
}

func TestUpsertSingle(t *testing.T) {
	b := newBench(t, emu.Config{})
	b.seed(2)
	ctx := ctxT(t)
	p, err := b.client.Person(ctx, uuidOf(0))
	if err != nil {
		t.Fatal(err)
	}
	end := member.NewDate(2026, 6, 30).EndOfDay(b.zone)
	w, err := p.WithExpiration(end)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.client.Upsert(ctx, w); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.endOf(t, uuidOf(0)); !got.Equal(end) {
		t.Errorf("ends %v", got)
	}
	// The platform's own refusal, in its words: the person's only EIS
	// level stopped being one after the read.
	renameKPP1(b)
	err = b.client.Upsert(ctx, w)
	if te := classOf(t, err); te.Class != target.Permanent || !strings.Contains(err.Error(), "не содержит ни одного УД ВИС") {
		t.Errorf("error %v", err)
	}
	if err := b.client.Upsert(ctx, neyross.PersonWrite{UUID: uuidOf(5)}); classOf(t, err).Class != target.Permanent {
		t.Errorf("a write not made from a read person: %v", err)
	}
	if n := b.count(pathSingle); n != 2 {
		t.Errorf("%d single upserts sent, want 2", n)
	}
}

func TestUpsertMultipleErrorList(t *testing.T) {
	b := newBench(t, emu.Config{})
	b.seed(3)
	ctx := ctxT(t)
	ps, err := b.client.Persons(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ws []neyross.PersonWrite
	for _, p := range ps {
		w, err := p.WithExpiration(time.Date(2026, 1, 1, 23, 59, 59, 0, b.zone))
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	// Person 1 moves to another EIS level, person 2 out of the subset.
	all := b.srv.Persons()
	all[2].AccessLevels = []string{levelAdmin}
	b.srv.SetPersons(all)
	res, err := b.client.UpsertMultiple(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Success, ",") != uuidOf(0)+","+uuidOf(1) || len(res.Errors) != 1 || !strings.Contains(res.Errors[uuidOf(2)], "УД ВИС") {
		t.Errorf("result %+v", res)
	}
	if p, _ := b.srv.Person(uuidOf(2)); *p.Expiration == time.Date(2026, 1, 1, 23, 59, 59, 0, b.zone).Unix() {
		t.Error("the person outside the subset was changed")
	}
	if res, err := b.client.UpsertMultiple(ctx, nil); err != nil || len(res.Success) != 0 {
		t.Errorf("nothing to send: %+v, %v", res, err)
	}
	if n := b.count(pathMultiple); n != 1 {
		t.Errorf("%d upserts, want 1", n)
	}
}
