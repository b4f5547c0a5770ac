package tui

import "charm.land/bubbles/v2/key"

// KeyMap declares every key of the console once; Update matches with
// key.Matches, and the footer and help are generated from it. A key may
// mean different things on different screens (esc goes back, clears the
// search, stops an apply): each meaning is a binding of its own, so the
// help lists them all.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	// TabKeys: its first nine keys jump to the first nine tabs, the tenth
	// to "all".
	NextTab, PrevTab, TabKeys            key.Binding
	Search, Sort                         key.Binding
	Toggle, SelectAll, Clear, Approve    key.Binding
	Inspect, Back                        key.Binding
	Confirm, Cancel                      key.Binding
	Refresh, History, Export, Help, Quit key.Binding
	ForceQuit                            key.Binding
	// The search being typed: EndSearch keeps the filter and gives the keys
	// back to the table; ClearSearch drops it (also from the table).
	EndSearch, ClearSearch key.Binding
	// Stop ends an apply after the requests in flight.
	Stop key.Binding
	// The detail moves to the next or previous row without closing.
	NextRow, PrevRow key.Binding
	// OpenRun shows the items of the run under the history's cursor;
	// NextTarget narrows its items to the next target (NextTab, PrevTab:
	// to a kind).
	OpenRun, NextTarget key.Binding
	// The export prompt: what the report holds, and write it.
	ExportScope, Write key.Binding
	// The identity view (Links opens it from the table).
	Links, Link, Reject, NextSuggestion, PrevSuggestion, Import, Undo key.Binding
	// Submit ends a text input (the export's path in the identity view).
	Submit key.Binding
	// Pick links a row's member to an account chosen by hand (ambiguous,
	// missing); Choose takes the member or account under the cursor.
	Pick, Choose key.Binding
	// ReadOn pages a dialog down (space: the approval dialog).
	ReadOn key.Binding
	// Changes opens what changed since the last run.
	Changes key.Binding
}

// DefaultKeyMap is the console's keymap (a constructor, not a global: each
// console owns its own). The help label (WithHelp's key) is what the footer
// shows; the help screen lists every key of a binding.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Up:        b([]string{"up", "k"}, "↑/k", "up"),
		Down:      b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:    b([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDown:  b([]string{"pgdown", "ctrl+f"}, "pgdn", "page down"),
		Top:       b([]string{"home", "g"}, "g", "top"),
		Bottom:    b([]string{"end", "G"}, "G", "bottom"),
		NextTab:   b([]string{"tab", "right", "l"}, "tab", "next kind"),
		PrevTab:   b([]string{"shift+tab", "left", "h"}, "S-tab", "prev kind"),
		TabKeys:   b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}, "1-0", "jump to kind"),
		Search:    b([]string{"/"}, "/", "search"),
		Sort:      b([]string{"s"}, "s", "sort"),
		Toggle:    b([]string{"space", "x"}, "space", "select"),
		SelectAll: b([]string{"A", "ctrl+a"}, "A", "select all"),
		Clear:     b([]string{"C"}, "C", "clear"),
		Approve:   b([]string{"a"}, "a", "approve"),
		Inspect:   b([]string{"enter"}, "enter", "inspect"),
		Back:      b([]string{"esc", "alt+esc"}, "esc", "back"),
		Confirm:   b([]string{"y", "enter"}, "y", "confirm"),
		Cancel:    b([]string{"n", "esc", "alt+esc"}, "n/esc", "cancel"),
		Refresh:   b([]string{"r"}, "r", "refresh"),
		History:   b([]string{"H"}, "H", "history"),
		Export:    b([]string{"e"}, "e", "export"),
		Help:      b([]string{"?"}, "?", "help"),
		Quit:      b([]string{"q"}, "q", "quit"),
		ForceQuit: b([]string{"ctrl+c"}, "ctrl+c", "quit from any screen"),

		// Letters bound to table moves (j, k) are typed in the search:
		// names like Novak or Jože must be searchable.
		EndSearch:   b([]string{"enter", "up", "down"}, "enter", "keep the filter"),
		ClearSearch: b([]string{"esc", "alt+esc"}, "esc", "clear the search"),
		Stop:        b([]string{"esc", "alt+esc"}, "esc", "stop the apply"),
		NextRow:     b([]string{"tab", "right", "l"}, "tab", "next row"),
		PrevRow:     b([]string{"shift+tab", "left", "h"}, "S-tab", "prev row"),
		OpenRun:     b([]string{"enter"}, "enter", "items of the run"),
		NextTarget:  b([]string{"t"}, "t", "next target"),
		ExportScope: b([]string{"tab", "ctrl+a"}, "tab", "rows shown / all"),
		Write:       b([]string{"enter"}, "enter", "write"),

		Links:          b([]string{"L"}, "L", "fix links"),
		Link:           b([]string{"y", "enter"}, "y", "link"),
		Reject:         b([]string{"x", "delete"}, "x", "reject"),
		NextSuggestion: b([]string{"tab", "right", "l"}, "tab", "next suggestion"),
		PrevSuggestion: b([]string{"shift+tab", "left", "h"}, "S-tab", "prev suggestion"),
		Import:         b([]string{"i"}, "i", "import iVMS"),
		Undo:           b([]string{"u"}, "u", "undo link"),
		Submit:         b([]string{"enter"}, "enter", "import"),
		Pick:           b([]string{"p"}, "p", "link by hand"),
		Choose:         b([]string{"enter"}, "enter", "choose"),
		ReadOn:         b([]string{"space"}, "space", "read on"),
		Changes:        b([]string{"c"}, "c", "what changed"),
	}
}
