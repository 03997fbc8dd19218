#!/usr/bin/env bash
# Whole-space NB201 epsinas with 1 and then 2 local worker processes, each into a fresh store,
# in one run; writes whole_space_speedup.md beside this script (or $1).
#     bash experiments/scale/whole_space_speedup.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${1:-$ROOT/experiments/scale/whole_space_speedup.md}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
rows=""
for workers in 1 2; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    start=$(date +%s.%N)
    line=$("$ROOT/.venv/bin/nasearch" score --space nb201 --proxy epsinas --sample all --quiet \
           --workers "$workers" --store "$TMP/w$workers.sqlite")
    wall=$(python3 -c "print($(date +%s.%N) - $start)")
    echo "$line" >&2
    line="${line//$TMP\//<temporary folder>/}"
    rows="$rows| $workers | $(printf %.1f "$wall") | $line | $load |"$'\n'
    eval "wall$workers=$wall"
done
same=$("$ROOT/.venv/bin/python" - "$TMP/w1.sqlite" "$TMP/w2.sqlite" <<'PY'
import sqlite3, sys
one = sqlite3.connect(sys.argv[1])
one.execute("ATTACH ? AS two", (sys.argv[2],))
print(one.execute("SELECT COUNT(*) FROM scores a JOIN two.scores b USING (space, arch, proxy, config, data, seed) "
                  "WHERE a.value IS NOT b.value").fetchone()[0],
      "of", one.execute("SELECT COUNT(*) FROM scores").fetchone()[0])
PY
)
{
    echo "# Whole-space NB201 epsinas: 2 local worker processes against 1"
    echo
    echo "\`bash experiments/scale/whole_space_speedup.sh\` on $(hostname) ($(nproc) cores), $(date -u '+%Y-%m-%d %H:%M UTC');"
    echo "scheduling: nice $(nice), $(cat /proc/self/autogroup 2>/dev/null || echo 'no autogroup'). Every cell of the"
    echo "space (15,625; epsinas is isomorphism-invariant, so each network once), grey batch of 256, default options,"
    echo "fresh store each. Wall includes starting the workers. Scores that differ between the two runs: $same."
    echo
    echo "| workers | wall (s) | what nasearch printed | load avg at start |"
    echo "|---|---|---|---|"
    printf "%s" "$rows"
    echo
    echo "Speed-up of 2 workers over 1: $(python3 -c "print(f\"{$wall1 / $wall2:.2f}\")")x."
} > "$OUT"
cat "$OUT"
