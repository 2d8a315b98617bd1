# tap.sh: TAP output for the shell tests (sourced): numbered results, a plan at the end, and
# the exit status a failed check gives.
#   check WHAT COMMAND...   ok when COMMAND succeeds, else not ok with the command shown
#   skip WHAT WHY           ok, marked SKIP with the reason
#   has FILE TEXT           (a command for check) FILE contains TEXT; shows FILE when not
#   tap_done                prints the plan; exits non-zero when a check failed
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for line in "$@"; do echo "# $line"; done; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what" "command: $*"; fi; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
has() { grep -q -- "$2" "$1" || { echo "# '$2' not in $1:"; sed 's/^/#   /' "$1" | head -20; return 1; }; }
tap_done() { echo "1..$n"; [ "$failed" = 0 ]; }
