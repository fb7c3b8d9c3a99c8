#!/bin/sh
# The loop of `make test`: every stage runs even when an earlier one failed, the
# summary at the end gives each one's outcome, and the run fails if any stage failed.
#
#   tests/stages.sh MAKE GROUP...
#
# A group is a Makefile target, or several joined by "+" to run at once (the two fuzzing
# stages each keep about one core busy, so together they take little longer than one);
# their output is shown, stage by stage, when all of them have ended. A stage that
# decides to skip itself writes "<stage> SKIPPED: why" into $TEST_SUMMARY and exits 0.
make_command=$1
shift
summary=$(mktemp)
logs=$(mktemp -d)
failed=0

run() {
	$make_command --no-print-directory "$1" TEST_SUMMARY="$summary"
}

record() {
	if [ "$2" = 0 ]; then
		grep -q "^$1 " "$summary" || echo "$1 passed" >> "$summary"
	else
		echo "$1 FAILED" >> "$summary"
		failed=1
	fi
}

for group in "$@"; do
	case $group in
	*+*)
		stages=$(echo "$group" | tr '+' ' ')
		echo "== make test: $stages, at once (each one's output follows when all have ended) =="
		for stage in $stages; do
			(run "$stage" > "$logs/$stage.log" 2>&1; echo $? > "$logs/$stage.status") &
		done
		wait
		for stage in $stages; do
			echo "== make test: $stage =="
			cat "$logs/$stage.log"
			record "$stage" "$(cat "$logs/$stage.status")"
		done
		;;
	*)
		echo "== make test: $group =="
		run "$group"
		record "$group" $?
		;;
	esac
done

echo "== make test: summary =="
sed 's/^/   /' "$summary"
rm -rf "$summary" "$logs"
if [ $failed = 0 ]; then
	echo "== make test: all stages passed or skipped =="
else
	echo "!! make test: a stage FAILED (see the summary above)"
	exit 1
fi
