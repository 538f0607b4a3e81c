# The Makefile targets are the project's interface. Every target runs on a machine without Docker or a cluster,
# except `native` (needs GraalVM/Mandrel) and `run` (needs a kube context).
MVN ?= mvn -B

.PHONY: test test-fast test-control-plane cluster cluster-stop cluster-build demo bench manifests bundle helm run native clean

## test: every tier that can run here (planner, operator against the in-memory API server, real Galera)
test:
	$(MVN) verify

## test-fast: like test, without the slow real-application (tier 3) tests
test-fast:
	$(MVN) verify -Dtest.excludedGroups=real-app

## demo: the real operator against the embedded simulated cluster, with a lights-out and its recovery
demo:
	$(MVN) -q package -DskipTests
	$(MVN) -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=org.clusterlabs.rss.demo.Demo -Dexec.args="$(ARGS)"

## bench: the committed benchmark; results go to docs/benchmarks.md
bench:
	$(MVN) -q test-compile
	$(MVN) -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=org.clusterlabs.rss.bench.Bench

## manifests: generate the CRD, RBAC, Deployment and ServiceMonitor into target/kubernetes
manifests:
	$(MVN) -q package -DskipTests
	@echo "Generated manifests:"
	@ls -1 target/kubernetes/*.yml | sed 's/^/  /'
	@echo "Install the CRD with: kubectl apply --server-side -f target/kubernetes/replicatedstatefulsets.clusterlabs.org-v1.yml"

## bundle: the OLM bundle (generated at build time by the QOSDK bundle generator)
bundle: manifests
	@echo "OLM bundle:"; find target/bundle -type f | sed 's/^/  /'

## helm: the Helm chart (generated at build time by the QOSDK Helm generator)
helm: manifests
	@echo "Helm chart:"; find target/helm -type f | sed 's/^/  /'

## run: the operator against the current kube context (the CRD must be installed first)
run:
	$(MVN) quarkus:dev

## native: a native executable; needs GraalVM or Mandrel (not available on the CI machines)
native:
	@if ! command -v native-image >/dev/null 2>&1; then \
		echo "make native: native-image (GraalVM/Mandrel) is not installed here; a native build cannot run on this machine."; \
		echo "On a machine with GraalVM: mvn package -Dquarkus.native.enabled=true"; exit 2; fi
	$(MVN) package -DskipTests -Dquarkus.native.enabled=true

## cluster-build: build the real control plane's binaries from Go module sources (once; cached outside the repo)
cluster-build:
	scripts/control-plane.sh build

## cluster: start the real control plane (etcd, kube-apiserver, controller-manager, scheduler, KWOK) on loopback
cluster: cluster-build
	scripts/control-plane.sh start
	@scripts/control-plane.sh env

## cluster-stop: stop it
cluster-stop:
	scripts/control-plane.sh stop

## test-control-plane: only the real-control-plane tier (src/test/java/org/clusterlabs/rss/controlplane)
test-control-plane: cluster-build
	$(MVN) verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test='org/clusterlabs/rss/controlplane/**/*IT'

clean:
	$(MVN) -q clean
