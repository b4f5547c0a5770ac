package backend

import "github.com/doorsync/doorsync/internal/plan"

// Linking is what can tie a member to an account on a target by hand, by
// the target's system (target.Info.System): the console offers only that on
// a row of the target, and says why not otherwise.
type Linking struct {
	// Accounts: the target keeps accounts of its own that a member can be
	// linked to (a name-match suggestion confirmed, one picked by hand).
	Accounts bool
	// IVMS: an iVMS-4200 person export lists the target's persons, so
	// importing one links them (Backend.ImportLinks).
	IVMS bool
	// NoAccounts says why Accounts is false, NoIVMS why IVMS is.
	NoAccounts string
	NoIVMS     string
}

// LinkingOf is the Linking of a target of system ("hikvision", "neyross",
// "ntk"). An iVMS-4200 export holds only the persons of Hikvision terminals
// (their employee numbers are its person ids); NTK takes the whole list
// doorsync uploads and keeps no accounts to link.
func LinkingOf(system string) Linking {
	const onlyHikvision = "an iVMS-4200 export lists only the persons of Hikvision terminals"
	switch system {
	case "hikvision":
		return Linking{Accounts: true, IVMS: true}
	case "ntk":
		return Linking{
			NoAccounts: "NTK keeps no accounts to link: it takes the whole list doorsync uploads, " +
				"on which members stand by their card and a role mapped to an NTK zone",
			NoIVMS: onlyHikvision,
		}
	}
	return Linking{Accounts: true, NoIVMS: onlyHikvision}
}

// LinkingOfTarget is LinkingOf the system of the target named name in a
// plan's targets; a target not among them is taken as one keeping accounts
// (LinkingOf an unknown system).
func LinkingOfTarget(targets []plan.TargetSummary, name string) Linking {
	for _, t := range targets {
		if t.Name == name {
			return LinkingOf(t.System)
		}
	}
	return LinkingOf("")
}
