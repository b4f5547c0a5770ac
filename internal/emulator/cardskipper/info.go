package cardskipper

import (
	"bufio"
	"net/http"
	"strconv"
)

// info answers GET /Organisation/Info/: every organisation of the tree at
// the top level with its roles and units, and under Children the direct
// children by id and name. [Inference: the documentation shows children
// only as references; listing them at the top level too is how their roles
// become visible to a client.]
func (s *Server) info(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriter(w)
	x := &xmlWriter{w: bw}
	x.raw(`<?xml version="1.0" encoding="utf-8"?>` + "\n<Cardskipper>\n  <Organisations>\n")
	seen := map[int]bool{}
	var walk func([]Organisation)
	walk = func(list []Organisation) {
		for _, o := range list {
			if seen[o.ID] {
				continue
			}
			seen[o.ID] = true
			s.writeOrganisation(x, o)
			walk(o.Children)
		}
	}
	walk(s.cfg.Organisations)
	x.raw("  </Organisations>\n</Cardskipper>\n")
	_ = bw.Flush()
}

func (s *Server) writeOrganisation(x *xmlWriter, o Organisation) {
	x.raw("    <Organisation")
	x.attr("Id", strconv.Itoa(o.ID))
	x.attr("Name", o.Name)
	x.raw(">\n      <Roles>\n")
	for _, r := range o.Roles {
		x.raw("        <Role")
		x.attr("Id", strconv.Itoa(r.ID))
		x.attr("Name", r.Name)
		if r.Description != "" {
			x.attr("Description", r.Description)
		}
		x.raw("/>\n")
	}
	x.raw("      </Roles>\n")
	if len(o.Children) > 0 {
		x.raw("      <Children>")
		for _, c := range o.Children {
			x.raw("<CardskipperOrganisationChildren")
			x.attr("Id", strconv.Itoa(c.ID))
			x.attr("Name", c.Name)
			x.raw("/>")
		}
		x.raw("</Children>\n")
	}
	if len(o.Units) > 0 {
		x.raw("      <OrganisationUnits>")
		for _, u := range o.Units {
			x.raw("<OrganisationUnit")
			x.attr("Id", strconv.Itoa(u.ID))
			x.attr("Value", u.Value)
			x.attr("OrganisationId", strconv.Itoa(o.ID))
			x.raw("/>")
		}
		x.raw("</OrganisationUnits>\n")
	}
	x.raw("    </Organisation>\n")
}
