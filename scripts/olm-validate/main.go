// olm-validate: validates an OLM bundle directory with the operator framework's own validators
// (github.com/operator-framework/api/pkg/validation): the default bundle validators plus the optional
// "operatorframework" suite that `operator-sdk bundle validate --select-optional suite=operatorframework` runs.
//
// Built by scripts/olm-validate.sh into $HOME/.cache/rss-operator/ (never committed).
// Usage: olm-validate [-k8s-version 1.28] <bundle-dir>
// Prints one line per finding ("ERROR ..." / "WARN ..."); exits 1 if there is any error, 2 on a load failure.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/validation"
	"github.com/operator-framework/api/pkg/validation/errors"
	interfaces "github.com/operator-framework/api/pkg/validation/interfaces"
)

func main() {
	k8sVersion := flag.String("k8s-version", "", "the Kubernetes version to check removed APIs against")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: olm-validate [-k8s-version X.Y] <bundle-dir>")
		os.Exit(2)
	}
	bundle, err := manifests.GetBundleFromDir(flag.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "ERROR cannot load the bundle: %v\n", err)
		os.Exit(2)
	}
	validators := interfaces.Validators{}
	validators = append(validators, validation.DefaultBundleValidators...)
	// the operatorframework optional suite
	validators = append(validators,
		validation.OperatorHubV2Validator,
		validation.StandardCapabilitiesValidator,
		validation.StandardCategoriesValidator,
		validation.GoodPracticesValidator,
		validation.AlphaDeprecatedAPIsValidator,
	)
	objs := bundle.ObjectsToValidate()
	if *k8sVersion != "" {
		objs = append(objs, map[string]string{"k8s-version": *k8sVersion})
	}
	failed := false
	for _, result := range validators.Validate(objs...) {
		for _, e := range result.Errors {
			print(e)
			failed = true
		}
		for _, w := range result.Warnings {
			print(w)
		}
	}
	if failed {
		os.Exit(1)
	}
	fmt.Println("OK")
}

func print(e errors.Error) {
	level := "ERROR"
	if e.Level == errors.LevelWarn {
		level = "WARN"
	}
	fmt.Printf("%s %s\n", level, e.Error())
}
