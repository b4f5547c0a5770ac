package cardskipper

// Caps on one reply's XML, so that a hostile or broken reply costs bounded
// memory and time (see the package doc for what it costs). A real export
// needs a small fraction of each: names and values of tens of bytes,
// 7 levels of elements, a dozen attributes per element, indentation for
// text.
const (
	maxDepth = 256       // elements open at once (a real export nests 7 deep)
	maxValue = 64 << 10  // bytes of one attribute value, one text or CDATA section, one XML declaration
	maxName  = 1 << 10   // bytes of one element or attribute name
	maxAttrs = 256       // attributes of one start tag
	maxTag   = 256 << 10 // bytes of one start tag: its name, attribute names and values
)

// Caps on what one export holds, so that millions of tiny elements within
// the body cap cannot build a member list many times the reply's size (a
// real export: tens of thousands of members, a few roles and tags each).
const (
	maxMembers        = 250_000 // members in one export (5× the largest gym designed for)
	maxMemberRoles    = 1024    // roles of one member
	maxMemberTags     = 1024    // tags of one member
	maxRolesAndTags   = 1 << 20 // roles and tags of all members together
	smallTagSetLookup = 16      // tags compared one by one below this many; a set above
)
