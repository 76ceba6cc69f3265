#!/usr/bin/env bash
# Ship the current snapshot of a knowledge base to replicas, one at a time (deploy/README.md).
#   deploy/rollout.sh kb.db replica1 replica2 …     (replicas reachable by ssh, folder /srv/kb)
set -euo pipefail
db="$1"; shift
snapshots="$db.snapshots"
current="$(readlink "$snapshots/current")"
for replica in "$@"; do
  echo "$replica: shipping snapshot $current"
  rsync -a --delete-after "$snapshots/$current/" "$replica:/srv/kb/kb.db.snapshots/$current/"
  ssh "$replica" "cd /srv/kb/kb.db.snapshots && ln -sfn '$current' current.new && mv -T current.new current"
  for _ in $(seq 1 30); do  # the replica follows within a second; wait until it answers
    if ssh "$replica" "curl -fsS -o /dev/null http://127.0.0.1:8001/-/versions.json"; then break; fi
    sleep 1
  done
  # keep the current snapshot and the one before it (open files of older ones stay readable
  # to the requests that still use them)
  ssh "$replica" "cd /srv/kb/kb.db.snapshots && ls -d [0-9]* | sort | head -n -2 | xargs -r rm -rf"
  echo "$replica: serving $current"
done
