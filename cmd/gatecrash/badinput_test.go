package main_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// The bad-input corpus: each file in scenarios/testdata/bad starts with a
// "# want: ..." line, the message it must produce; "# only: run" marks a
// problem only a run can find. Every one exits 2, names the place and what
// was expected, and starts nothing.
var _ = Describe("the bad-input corpus", func() {
	files, _ := filepath.Glob("../../scenarios/testdata/bad/*.yaml")

	It("has at least 30 bad suites", func() {
		Expect(len(files)).To(BeNumerically(">=", 30))
	})

	place := regexp.MustCompile(`\.yaml:\d+:\d+: `)
	for _, file := range files {
		It(filepath.Base(file), func() {
			data, err := os.ReadFile(file)
			Expect(err).NotTo(HaveOccurred())
			want := regexp.MustCompile(`(?m)^# want: (.*)$`).FindStringSubmatch(string(data))
			Expect(want).To(HaveLen(2), "the file says what it must produce")
			runOnly := strings.Contains(string(data), "\n# only: run\n")
			tmp := GinkgoT().TempDir()

			if !runOnly {
				s := gatecrash(tmp, "validate", file)
				Eventually(s, time.Minute).Should(gexec.Exit(2))
				Expect(string(s.Err.Contents())).To(ContainSubstring(want[1]))
				Expect(place.MatchString(string(s.Err.Contents()))).To(BeTrue(), "names file:line:column: %s", s.Err.Contents())
			}
			s := gatecrash(tmp, "run", file)
			Eventually(s, time.Minute).Should(gexec.Exit(2))
			Expect(string(s.Out.Contents()) + string(s.Err.Contents())).To(ContainSubstring(want[1]))
			if !runOnly {
				Expect(string(s.Out.Contents())).To(BeEmpty(), "nothing ran")
			}
			leftovers, _ := filepath.Glob(filepath.Join(tmp, "gatecrash-*"))
			Expect(leftovers).To(BeEmpty(), "no work dir left behind")
		})
	}

	It("a gateway command not installed here is a warning of validate, not an error", func() {
		file := "../../scenarios/testdata/bad/missing-gateway-binary.yaml"
		s := gatecrash(GinkgoT().TempDir(), "validate", file)
		Eventually(s, time.Minute).Should(gexec.Exit(0))
		Expect(string(s.Err.Contents())).To(ContainSubstring(file + ": warning: gateway.command[0]: gatecrash-no-such-gateway is not installed here (executable file not found in $PATH); a run will fail until it is"))
	})

	It("a port already in use", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		defer ln.Close()
		tmp := GinkgoT().TempDir()
		suite := filepath.Join(tmp, "suite.yaml")
		Expect(os.WriteFile(suite, []byte(fmt.Sprintf(`suite: busy
origin: {listen: "%s"}
scenarios:
  - {name: a, fault: refused, expect: {status: 502}}
`, ln.Addr())), 0o644)).To(Succeed())
		s := gatecrash(tmp, "run", suite)
		Eventually(s, time.Minute).Should(gexec.Exit(2))
		Expect(string(s.Out.Contents())).To(ContainSubstring(fmt.Sprintf("proxy: listen on %s: listen tcp %s: bind: address already in use", ln.Addr(), ln.Addr())))
	})
})

// stubbornSuite writes a suite whose managed gateway never gets ready and
// ignores SIGTERM and SIGINT, with a stop grace of a minute.
func stubbornSuite(tmp string) string {
	suite := filepath.Join(tmp, "suite.yaml")
	Expect(os.WriteFile(suite, []byte(`suite: stubborn
gateway:
  command: [sh, -c, "trap '' TERM INT; exec sleep 120"]
  ready: {http: /, within: 1s}
  stop_grace: 60s
scenarios:
  - {name: a, fault: refused, expect: {status: 502}}
`), 0o644)).To(Succeed())
	return suite
}

var _ = Describe("a gateway that ignores SIGTERM", func() {
	It("is killed soon after gatecrash gives up waiting for it, not after its whole stop grace", func() {
		tmp := GinkgoT().TempDir()
		suite := stubbornSuite(tmp)
		s := gatecrash(tmp, "run", suite)
		groups := gatewayGroups(s)
		// The readiness probe fails after 1s; gatecrash then waits for the
		// gateway to stop. Interrupt that wait.
		time.Sleep(2500 * time.Millisecond)
		s.Interrupt()
		Eventually(s, 30*time.Second).Should(gexec.Exit())
		for _, g := range groups {
			Eventually(func() []int { return processesInGroup(g) }, 15*time.Second, 100*time.Millisecond).Should(BeEmpty(), "well before the 60s grace")
		}
		left, _ := filepath.Glob(filepath.Join(tmp, "gatecrash-*"))
		Expect(left).To(BeEmpty(), "its work dir is removed")
	})
})

var _ = Describe("bad input that is no file", func() {
	for _, kind := range []string{"a named pipe", "/dev/zero"} {
		It("refuses "+kind+" as a suite at once, exit 2", func() {
			tmp := GinkgoT().TempDir()
			path := "/dev/zero"
			if kind == "a named pipe" {
				path = filepath.Join(tmp, "suite.yaml")
				Expect(syscall.Mkfifo(path, 0o644)).To(Succeed())
			}
			for _, cmd := range []string{"validate", "run"} {
				s := gatecrash(tmp, cmd, path)
				Eventually(s, 5*time.Second).Should(gexec.Exit(2))
				Expect(string(s.Err.Contents()) + string(s.Out.Contents())).To(ContainSubstring(path + ": cannot read the suite file: not a regular file"))
			}
		})
	}
})
