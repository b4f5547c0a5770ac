package exitcode

// Description is one exit code as the operator guide and the manual page
// explain it.
type Description struct {
	Code    int
	Meaning string
	Action  string // what the operator does about it
}

// Descriptions lists every exit code in numeric order. The manual page's
// EXIT STATUS is made from it, so it says what docs/operator-guide.md's
// table says.
func Descriptions() []Description {
	return []Description{
		{OK, "done, or nothing to do", "nothing"},
		{Failed, "failed: the source export failed, every target was unreachable, every item failed, the run was interrupted, the database is locked or broken", "read the message; doorsync doctor"},
		{Usage, "usage or configuration error", "the message names the file, line and key"},
		{Partial, "partial: some items or some targets failed", "doorsync history --run ID; the next run retries"},
		{Held, "held: items await approval, or the guard tripped", "open the console (doorsync) and approve the items marked H, or doorsync plan --out F and doorsync apply F"},
	}
}
