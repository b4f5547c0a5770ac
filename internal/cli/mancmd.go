package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/doorsync/doorsync/internal/build"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/exitcode"
)

// The manual pages are made from the command definitions (cobra/doc and
// go-md2man), so they say what --help says; the package build writes them
// with `doorsync man --dir` (packaging/assets.sh). doorsync(1) gets the
// sections --help has no place for: exit status, environment, files.

type manOptions struct{ dir string }

func (a *App) manCommand(*globalOptions) *cobra.Command {
	o := manOptions{}
	cmd := &cobra.Command{
		Use:   "man [COMMAND...]",
		Short: "Print the manual page of doorsync or of a command (roff), or write every page with --dir",
		Long: `man prints the manual page of doorsync, or of the command named by its arguments, in roff:
read it with "doorsync man | man -l -" or "doorsync man links add | man -l -". The packages
install every page (doorsync(1), doorsync-sync(1), doorsync-links-add(1), …); --dir writes them
all into a directory, as the package build does.

The page's date is $SOURCE_DATE_EPOCH when set (reproducible builds), else the binary's build
date, else today.`,
		Args: cobra.ArbitraryArgs,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			c, err := findCommand(cmd.Root(), args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []string
			for _, sub := range c.Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name()+"\t"+sub.Short)
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			prepareManTree(root)
			header, err := a.manHeader()
			if err != nil {
				return usageError(err)
			}
			if o.dir != "" {
				if len(args) > 0 {
					return usageError(fmt.Errorf("man: give either --dir or a command, not both"))
				}
				return a.writeManPages(root, header, o.dir)
			}
			page, err := findCommand(root, args)
			if err != nil {
				return usageError(fmt.Errorf("man: %w", err))
			}
			return writeManPage(page, header, a.Stdout)
		},
	}
	cmd.Flags().StringVar(&o.dir, "dir", "", "write every page into this `directory` (doorsync.1, doorsync-sync.1, …)")
	return cmd
}

// manHeader dates the pages reproducibly: a package built twice from one
// commit has the same pages.
func (a *App) manHeader() (*doc.GenManHeader, error) {
	date := a.Clock.Now()
	if v, ok := a.LookupEnv("SOURCE_DATE_EPOCH"); ok && v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds", v)
		}
		date = time.Unix(sec, 0).UTC()
	} else if t, err := time.Parse(time.RFC3339, build.Read().Date); err == nil {
		date = t
	}
	return &doc.GenManHeader{
		Section: "1",
		Date:    &date,
		Source:  "doorsync " + build.Read().Version,
		Manual:  "doorsync manual",
	}, nil
}

// prepareManTree drops cobra's "Auto generated" history section from every
// page: it says nothing an operator needs.
func prepareManTree(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// findCommand resolves "links add" to its command, and the page's own
// name too ("links-add", "doorsync-links-add"); anything that is not a
// whole command path is an error naming it.
func findCommand(root *cobra.Command, args []string) (*cobra.Command, error) {
	if len(args) == 1 && strings.Contains(args[0], "-") {
		page := strings.TrimSuffix(strings.TrimPrefix(args[0], root.Name()+"-"), ".1")
		args = strings.Split(page, "-")
	}
	c := root
	for _, name := range args {
		var next *cobra.Command
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && (sub.Name() == name || sub.HasAlias(name)) {
				next = sub
				break
			}
		}
		if next == nil {
			return nil, fmt.Errorf("no command %q in %q (doorsync help lists them)", name, c.CommandPath())
		}
		c = next
	}
	return c, nil
}

// writeManPages writes one page per available command into dir. Not
// doc.GenManTree: it writes each page itself, and doorsync(1) needs its
// extra sections spliced in (writeManPage).
func (a *App) writeManPages(root *cobra.Command, header *doc.GenManHeader, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return failedError(fmt.Errorf("man: %w", err))
	}
	var walk func(*cobra.Command) error
	walk = func(c *cobra.Command) error {
		name := strings.ReplaceAll(c.CommandPath(), " ", "-") + "." + header.Section
		var buf bytes.Buffer
		if err := writeManPage(c, header, &buf); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			return failedError(fmt.Errorf("man: %w", err))
		}
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
				if err := walk(sub); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return err
	}
	fmt.Fprintf(a.Stderr, "man: pages written to %s\n", dir)
	return nil
}

// writeManPage renders c's page; the root's gets its extra sections before
// SEE ALSO, where man-pages(7) puts them.
func writeManPage(c *cobra.Command, header *doc.GenManHeader, w io.Writer) error {
	h := *header // GenMan fills the title in
	var buf bytes.Buffer
	if err := doc.GenMan(c, &h, &buf); err != nil {
		return fmt.Errorf("man page of %s: %w", c.CommandPath(), err)
	}
	page := buf.Bytes()
	if !c.HasParent() {
		const seeAlso = ".SH SEE ALSO\n"
		extra := rootManSections()
		if i := bytes.Index(page, []byte(seeAlso)); i >= 0 {
			page = append(page[:i:i], append([]byte(extra), page[i:]...)...)
		} else {
			page = append(page, extra...)
		}
	}
	_, err := w.Write(page)
	return err
}

// rootManSections is doorsync(1)'s EXIT STATUS, ENVIRONMENT and FILES, in
// roff.
func rootManSections() string {
	var b strings.Builder
	b.WriteString(".SH EXIT STATUS\n")
	for _, d := range exitcode.Descriptions() {
		fmt.Fprintf(&b, ".TP\n.B %d\n%s \\(em %s\n", d.Code, roffText(d.Meaning), roffText(d.Action))
	}
	b.WriteString(".PP\n" + roffText("When several hold, the first in the order 2, 1, 3, 4, 0 wins.") + "\n")

	b.WriteString(".SH ENVIRONMENT\n")
	for _, e := range [][2]string{
		{"DOORSYNC_CONFIG", "the configuration file, when --config is not given"},
		{"SOURCE_DATE_EPOCH", "the date of the pages doorsync man writes"},
		{"NO_COLOR", "the console draws without colour"},
		{"TMPDIR", "where the console's --debug log is written (else /tmp)"},
		{"any NAME", "\"${NAME}\" in the configuration is replaced by its value; env_file names a file of NAME=value lines read for the same purpose"},
	} {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roffText(e[0]), roffText(e[1]))
	}

	b.WriteString(".SH FILES\n")
	for _, f := range [][2]string{
		{filepath.Join(config.SystemDir, config.FileName), "the configuration, after --config, $DOORSYNC_CONFIG, ./" + config.FileName + " and ~/.config/doorsync/" + config.FileName},
		{filepath.Join(config.SystemDir, "env"), "the secrets the packaged units and env_file load (mode 0600)"},
		{"/var/lib/doorsync/doorsync.db", "the database: history, journal, links (the database key; --db)"},
		{"/usr/lib/systemd/system/doorsync.timer", "runs doorsync.service (doorsync --auto) every 10 minutes once enabled"},
		{"/usr/lib/systemd/system/doorsync-watch.service", "doorsync watch as a service; conflicts with the timer"},
	} {
		fmt.Fprintf(&b, ".TP\n.I %s\n%s\n", roffText(f[0]), roffText(f[1]))
	}
	return b.String()
}

// roffText escapes plain text for a roff line: backslashes, hyphens that are
// minus signs in options, and a leading control character.
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
