#!/usr/bin/env bash
# Runs the jcstress negative controls (io.dataport.queue.NegativeControls: the real tests over the
# deliberately broken accessors of BrokenOrderingRings) and reports which ones jcstress flagged.
#
#   stress/run-negative-controls.sh                 # the bounded run's settings (about 25 s per control)
#   stress/run-negative-controls.sh -m quick        # every JVM and compilation configuration (~3 min each)
#   stress/run-negative-controls.sh -m quick -sc false -t 'NegativeControls\.Split'
#
# jcstress itself exits 1 here: a FORBIDDEN outcome is what a negative control is for. This script
# exits 0 when every control that MUST be flagged was flagged (the tests have teeth), 1 otherwise.
# Controls listed as "may pass" break a rule that x86 (TSO) keeps in hardware anyway; whether the
# JIT exposes them is a finding, reported but never a failure (docs/jcstress.md).
# Report: stress/target/jcstress-results/negative-controls/index.html; log: ...-results/negative-controls.log
set -uo pipefail
cd "$(dirname "$0")/.."

# Layout version 3 (commit in the record). The controls of the producer position as the commit
# (PublishBeforeWrite/Padding/Batch, PlainCommitStore, PlainCommitStoreAndLoad) went with it:
# the consumer no longer reads that word (docs/jcstress.md, "Negative controls").
MUST_FLAG="HeaderBeforePayload HeaderBeforeBatch EndMarkerAfterHeader EndMarkerAfterPadding NoEndMarker TornHeaderRead SplitHintStore SplitConsumerPositionStore ReleaseBeforeHandler NoWakeupFence NoWakeupFenceForRoom"
MAY_PASS="PlainHeaderStore PlainHeaderStoreAndLoad PlainConsumerPosition"

jar=stress/target/jcstress.jar
if [[ ! -f $jar ]]; then
    mvn -B -q -pl stress -am package -DskipTests || exit 2
fi
out=stress/target/jcstress-results/negative-controls
rm -rf "$out"
mkdir -p "$out"
log=stress/target/jcstress-results/negative-controls.log

# Default: the bounded run's settings (stress/pom.xml, jcstress.options), so a pass here means the
# tests have teeth as `mvn verify` runs them. Any arguments replace them (e.g. -m quick: all configs).
args=("$@")
[[ ${#args[@]} -eq 0 ]] && args=(-m quick -time 1000 -sc false
    -jvmArgs "-XX:+UnlockDiagnosticVMOptions -XX:+StressLCM -XX:+StressGCM -XX:+StressIGVN -XX:+StressCCP")
has_filter=0
for a in "${args[@]}"; do [[ $a == -t ]] && has_filter=1; done
[[ $has_filter -eq 0 ]] && args+=(-t '^io\.dataport\.queue\.NegativeControls\.')

start=$(date +%s)
(cd stress/target && java -jar jcstress.jar -r jcstress-results/negative-controls "${args[@]}") 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
echo
echo "jcstress exit code: $rc (1 = some FORBIDDEN outcome, as expected), $(( $(date +%s) - start )) s"

status() {  # FLAGGED / passed / not run, with the failed configurations, from jcstress's HTML report
    local html=$out/io.dataport.queue.NegativeControls.$1.html failed configs
    if [[ ! -f $html ]]; then
        echo "not run"
        return
    fi
    failed=$(grep -c ">FAILED<\|>ERROR<" "$html")
    configs=$(grep -c ">OK<\|>FAILED<\|>ERROR<" "$html")
    if [[ $failed -gt 0 ]]; then
        echo "FLAGGED in $failed of $configs configurations"
    else
        echo "passed in all $configs configurations"
    fi
}

missing=0
printf '\n%-28s %-10s %s\n' control expected observed
for c in $MUST_FLAG; do
    s=$(status "$c")
    printf '%-28s %-10s %s\n' "$c" flagged "$s"
    [[ $s != FLAGGED* ]] && missing=1
done
for c in $MAY_PASS; do
    printf '%-28s %-10s %s\n' "$c" "may pass" "$(status "$c")"
done
if [[ $missing -ne 0 ]]; then
    echo "A control that must be flagged passed: the suite lost its teeth (or the run was too short)."
    exit 1
fi
exit 0
