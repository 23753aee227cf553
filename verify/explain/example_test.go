package explain_test

import (
	"fmt"

	"github.com/xlapp/xbuild/verify/explain"
)

func ExampleContent() {
	e := explain.Content("etc/issue", []byte("XLAPP on xbuild\n"), []byte("XLAPP on xbuild-vary-host\n"))
	fmt.Println(e.Format, "-", e.Summary)
	for _, d := range e.Details {
		fmt.Println(d)
	}
	for _, h := range e.Hints {
		fmt.Println("hint:", h.Cause, h.Evidence)
	}
	// Output:
	// text - 1 line removed, 1 added, in 1 hunk
	// --- a/etc/issue
	// +++ b/etc/issue
	// @@ -1 +1 @@
	// -XLAPP on xbuild
	// +XLAPP on xbuild-vary-host
	// hint: hostname b: "XLAPP on xbuild-vary-host"
}
