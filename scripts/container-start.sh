#!/bin/sh
# The function container's command. The base image's start script runs the Functions host as its child and
# does not pass SIGTERM on, so `docker compose stop` used to wait 10 s and kill the host (exit 137). This starts
# that script in a process group of its own, passes SIGTERM/SIGINT to the whole group (the host gets it and
# shuts down gracefully: in-flight requests end, an ingest in progress is cancelled and its staging rows are
# dropped, nothing half-written is ever published), and returns only when every process of the group is gone.
# Under compose `init: true` Docker's init is PID 1 and reaps the host once the script has ended before it.
# setsid: a new session and process group whose id is the script's pid (a background job of a shell without
# job control is not a group leader, so setsid needs no fork and $! is that pid).
setsid "${FUNCTIONS_START_SCRIPT:-/opt/startup/start_nonappservice.sh}" "$@" &
group=$!
trap 'kill -s TERM -- "-$group" 2>/dev/null' TERM
trap 'kill -s INT -- "-$group" 2>/dev/null' INT
status=0
# `wait` returns early when a trapped signal arrives, and the group outlives its leader while the host shuts
# down: wait for the leader, then poll until the last process of the group has exited.
wait "$group" || status=$?
while kill -0 "-$group" 2>/dev/null; do
  wait "$group" 2>/dev/null || true
  sleep 0.1
done
exit "$status"
