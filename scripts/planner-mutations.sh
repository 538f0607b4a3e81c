#!/bin/bash
# usage: scripts/planner-mutations.sh tiebreak|unknown0|runbeforerecord|blindreapply|freeontimeout|silentskip
# Exports the committed tree to /tmp/mut-<name>, breaks one rule there (never in the work tree), runs the
# simulation and prints where it first failed. Proof that the simulation can fail; see docs/recovery.md.
set -e
name=$1
ROOT=$(git rev-parse --show-toplevel)
dir=/tmp/mut-$name
rm -rf $dir
mkdir -p $dir && git -C "$ROOT" archive HEAD | tar -x -C $dir
R=$dir/src/main/java/org/clusterlabs/rss/recovery
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
                    if (!m.busy() && m.unknownSequenceRereadDue(sequence.get())) {
                        toCollect.add(m.pod());
                    }
                    missing.put(m, "the sequence of " + m.pod() + " is unknown: " + unknown.reason());"""
assert a in s
s=s.replace(a, """                } else if (sequence.get().value() instanceof SequenceResult.Unknown unknown) {
                    known.add(new Election.Candidate(m.pod(), m.ordinal(), 0));""")
open(p,'w').write(s)
PY
  ;;
  runbeforerecord) python3 - "$R/ControlPass.java" <<'PY'
import sys; p=sys.argv[1]; s=open(p).read()
a="        boolean startsOrStops = decision.actions().stream().anyMatch(Action::startsOrStops);"
assert a in s
s=s.replace(a, "        decision.actions().forEach(actuator::run);\n" + a)
b="""        decision.actions().forEach(actuator::run);
        return new Outcome.Acted(decision);"""
assert b in s
s=s.replace(b, "        return new Outcome.Acted(decision);")
open(p,'w').write(s)
PY
  ;;
  blindreapply) python3 - "$R/ControlPass.java" <<'PY'
import sys; p=sys.argv[1]; s=open(p).read()
a="""                return new Outcome.Conflict(decision);"""
assert a in s
s=s.replace(a, """                // re-applied over whatever is there now, as a retrying status update does""")
open(p,'w').write(s)
PY
  ;;
  freeontimeout) python3 - "$R/HookLedger.java" <<'PY'
import sys; p=sys.argv[1]; s=open(p).read()
a="""        e.lastHook = new LastHook(ticket.kind(), outcome, at, message);
        if (changesTheApp(ticket.kind())) {
            e.lastStartOrStopAt = at;
            if (mayRunUntil.isAfter(e.hooksMayRunUntil)) {
                e.hooksMayRunUntil = mayRunUntil;
            }
        }"""
assert a in s
s=s.replace(a, """        e.lastHook = new LastHook(ticket.kind(), outcome, at, message);
        if (changesTheApp(ticket.kind())) {
            e.lastStartOrStopAt = at;
        }""")
open(p,'w').write(s)
PY
  ;;
  silentskip) python3 - "$R/ControlPass.java" "$R/Member.java" <<'PY'
import sys
p=sys.argv[1]; s=open(p).read()
a="""        if (!refusals.isEmpty()) {
            return new Outcome.Refused(decision, refusals);
        }"""
assert a in s
s=s.replace(a, ""); open(p,'w').write(s)
p=sys.argv[2]; s=open(p).read()
a="""    boolean busy() {
        return view.hookInFlight().isPresent();"""
assert a in s
s=s.replace(a, """    boolean busy() {
        return view.hookInFlight().filter(k -> k != HookKind.STATUS).isPresent();""")
open(p,'w').write(s)
PY
  ;;
esac
cd $dir && nice -n 5 timeout 1500 mvn -o -B -q test -Dtest='org.clusterlabs.rss.recovery.SimulationTest' -Dsurefire.failIfNoSpecifiedTests=false -Dsimulation.schedules=${SCHEDULES:-10000} > $dir/sim.out 2>&1 || true
grep -v '^step' $dir/sim.out | grep -E "^simulation|first violation|by invariant" 
