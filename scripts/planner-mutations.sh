#!/bin/bash
# usage: scripts/planner-mutations.sh tiebreak|unknown0|runbeforerecord
# Exports the committed tree to /tmp/mut-<name>, breaks one rule there (never in the work tree), runs the
# simulation and prints where it first failed. Proof that the simulation can fail; see docs/recovery.md.
set -e
name=$1
ROOT=$(git rev-parse --show-toplevel)
dir=/tmp/mut-$name
rm -rf $dir
mkdir -p $dir && git -C "$ROOT" archive HEAD | tar -x -C $dir
R=$dir/src/main/java/org/clusterlabs/rss/recovery
S=$dir/src/test/java/org/clusterlabs/rss/recovery
case $name in
  tiebreak) python3 - "$R/Election.java" <<'PY'
import sys; p=sys.argv[1]; s=open(p).read()
a=".thenComparingInt(Candidate::ordinal);"; assert a in s
s=s.replace(a, ".thenComparing(Comparator.comparingInt(Candidate::ordinal).reversed());"); open(p,'w').write(s)
PY
  ;;
  unknown0) python3 - "$R/LightsOutRecovery.java" <<'PY'
import sys; p=sys.argv[1]; s=open(p).read()
a="""                } else if (sequence.get().value() instanceof SequenceResult.Unknown unknown) {
                    if (m.olderThanPeriod(sequence.get())) {
                        toCollect.add(m.pod());
                    }
                    missing.put(m, "the sequence of " + m.pod() + " is unknown: " + unknown.reason());"""
assert a in s
s=s.replace(a, """                } else if (sequence.get().value() instanceof SequenceResult.Unknown unknown) {
                    known.add(new Election.Candidate(m.pod(), m.ordinal(), 0));""")
open(p,'w').write(s)
PY
  ;;
  runbeforerecord) sed -i 's/static boolean mutationRunActionsBeforePersisting = false;/static boolean mutationRunActionsBeforePersisting = true;/' $S/Simulation.java
    grep -q 'mutationRunActionsBeforePersisting = true' $S/Simulation.java
  ;;
esac
cd $dir && nice -n 5 timeout 1500 mvn -o -B -q test -Dtest='org.clusterlabs.rss.recovery.SimulationTest' -Dsurefire.failIfNoSpecifiedTests=false > $dir/sim.out 2>&1 || true
grep -v '^step' $dir/sim.out | grep -E "^simulation|first violation|by invariant" 
