package tui

import "testing"

// On the result of an apply that has ended, H and c act as anywhere (the
// review of issue 13 found them doing nothing there); q still goes back to
// the table rather than quitting.
func TestKeysOfAnywhereWorkOnAnApplysResult(t *testing.T) {
	for _, tc := range []struct{ key, screen string }{{"H", "history"}, {"c", "changes"}, {"?", "help"}, {"q", "table"}} {
		d := fixtureData(t, 12)
		m := newTestModel(t, &fakeBackend{stored: d, fresh: d}, 80, 24)
		press(t, m, "2", "A", "a", "y")
		if st := m.State(); st.Screen != "apply" || st.Applying {
			t.Fatalf("after y: screen %s, applying %v", st.Screen, st.Applying)
		}
		press(t, m, tc.key)
		if st := m.State(); st.Screen != tc.screen {
			t.Errorf("%s on the apply's result: screen %s, want %s", tc.key, st.Screen, tc.screen)
		}
	}
}
