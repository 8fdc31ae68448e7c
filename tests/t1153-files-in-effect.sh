#!/bin/sh
# The seed's warning, provable (issue 21): a `files` step's in_effect:
# proves, before the backup and as evidence, that the path a drill backs
# up is the one the service uses: named by the service's own JSON
# configuration (config: + key:), or mounted into its running container
# (container:, from `docker inspect`). Without it a drill that archives
# a stale directory beside the real one passes every check. Docker is
# not run here: the container form reads a recorded `docker inspect`
# answer (tests/data/docker-inspect-mattermost.json, the shape Docker
# 24 prints) through the inspect: command; the config form is real.
. "$(dirname "$0")/lib.sh"
S=$TRASH/srv
mkdir -p "$S/data/mm/users" "$S/data/mm-old/users" "$S/config"
echo attachment >"$S/data/mm/users/a.png"
echo stale >"$S/data/mm-old/users/b.png"
# The service's configuration names the directory it really uses.
cat >"$S/config/config.json" <<EOF
{"ServiceSettings": {"SiteURL": "https://chat.example"},
 "FileSettings": {"DriverName": "local", "Directory": "$S/data/mm/"}}
EOF
drill() { # NAME PATH IN_EFFECT-LINES
	cat >"$TRASH/$1.yaml" <<EOF
rdrill: 1
id: in-effect
title: file store in effect
system: test
environment: test
objective: back up the file store the service really uses
backup_set:
  - {id: files, title: files, tier: 1, kind: directory, source: ["$2"],
     artifact: "$TRASH/$1.tar.gz"}
phases:
  preflight:
    - id: path-in-effect
      files:
        path: "$2"
        non_empty: true
        in_effect:
$3
  backup:
    - {id: tar, run: [tar, -czf, "$TRASH/$1.tar.gz", -C, "$2", .]}
EOF
}

# 1. The config form: the path the configuration names passes...
drill good "$S/data/mm" "          config: $S/config/config.json
          key: FileSettings.Directory"
expect_exit 0 "$RDRILL" validate "$TRASH/good.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/good.yaml" -o "$TRASH/b1"
J=$TRASH/b1/journal.jsonl
expect_grep '"what":"in effect: named by FileSettings.Directory in '"$S"'/config/config.json","expected":"'"$S"'/data/mm","actual":"FileSettings.Directory names '"$S"'/data/mm/","ok":true' "$J"
expect_grep '"in_effect":{"config":"'"$S"'/config/config.json","key":"FileSettings.Directory","value":"'"$S"'/data/mm/"}' "$J"
expect_exit 0 "$RDRILL" verify "$TRASH/b1"
# ... and the stale directory beside it fails before the backup runs.
drill stale "$S/data/mm-old" "          config: $S/config/config.json
          key: FileSettings.Directory"
expect_exit 1 "$RDRILL" run "$TRASH/stale.yaml" -o "$TRASH/b2"
expect_grep '"what":"in effect: named by FileSettings.Directory[^}]*"expected":"'"$S"'/data/mm-old"[^}]*"ok":false' "$TRASH/b2/journal.jsonl"
expect_no_file "$TRASH/stale.tar.gz"
expect_grep 'in effect: named by FileSettings.Directory' "$TRASH/b2/report.md"
# A relative value, as Mattermost's own "./data/", from relative_to.
sed -i 's|"Directory": "[^"]*"|"Directory": "./data/mm/"|' "$S/config/config.json"
drill rel "$S/data/mm" "          config: $S/config/config.json
          key: FileSettings.Directory
          relative_to: $S"
expect_exit 0 "$RDRILL" run "$TRASH/rel.yaml" -o "$TRASH/b3"
expect_grep '"actual":"FileSettings.Directory names ./data/mm/ ('"$S"'/./data/mm/)","ok":true' "$TRASH/b3/journal.jsonl"
# No such key: FAILED, saying so.
drill nokey "$S/data/mm" "          config: $S/config/config.json
          key: FileSettings.Nope"
expect_exit 1 "$RDRILL" run "$TRASH/nokey.yaml" -o "$TRASH/b4"
expect_grep 'config.json has no text at FileSettings.Nope' "$TRASH/b4/journal.jsonl"

# 2. The container form, from a recorded `docker inspect` answer: the
# container mounts $S/data/mm at /mattermost/data.
sed "s|@SRV@|$S|g" "$TOP/tests/data/docker-inspect-mattermost.json" \
	>"$TRASH/inspect.json"
drill mount "$S/data/mm" "          container: mm-app
          inspect: [cat, $TRASH/inspect.json]
          destination: /mattermost/data"
expect_exit 0 "$RDRILL" run "$TRASH/mount.yaml" -o "$TRASH/b5"
J=$TRASH/b5/journal.jsonl
expect_grep '"what":"in effect: mounted into the container","expected":"a mount of '"$S"'/data/mm at /mattermost/data into running container mm-app","actual":"mounted: '"$S"'/data/mm -> /mattermost/data","ok":true' "$J"
expect_grep '"inspect_log":{"path":"steps/01-path-in-effect.inspect.json"' "$J"
expect_exit 0 "$RDRILL" verify "$TRASH/b5"
drill mount-stale "$S/data/mm-old" "          container: mm-app
          inspect: [cat, $TRASH/inspect.json]"
expect_exit 1 "$RDRILL" run "$TRASH/mount-stale.yaml" -o "$TRASH/b6"
expect_grep '"actual":"no mount of it; the container mounts '"$S"'/config -> /mattermost/config, '"$S"'/data/mm -> /mattermost/data' "$TRASH/b6/journal.jsonl"
# Both: the config (inside the container) names the mount's destination.
printf '{"FileSettings": {"Directory": "./data/"}}\n' >"$S/config/in-container.json"
drill both "$S/data/mm" "          container: mm-app
          inspect: [cat, $TRASH/inspect.json]
          config: $S/config/in-container.json
          key: FileSettings.Directory
          relative_to: /mattermost"
expect_exit 0 "$RDRILL" run "$TRASH/both.yaml" -o "$TRASH/b7"
expect_grep '"expected":"/mattermost/data (the mount.s path in the container)","actual":"FileSettings.Directory names ./data/ (/mattermost/./data/)","ok":true' "$TRASH/b7/journal.jsonl"
# A container that is not running proves nothing.
sed 's|"Running": true|"Running": false|' "$TRASH/inspect.json" >"$TRASH/stopped.json"
drill stopped "$S/data/mm" "          container: mm-app
          inspect: [cat, $TRASH/stopped.json]"
expect_exit 1 "$RDRILL" run "$TRASH/stopped.yaml" -o "$TRASH/b8"
expect_grep '"actual":"the container is not running' "$TRASH/b8/journal.jsonl"

# 3. Drill-file errors, at their place.
drill bad "$S/data/mm" "          key: FileSettings.Directory"
expect_exit 2 "$RDRILL" validate "$TRASH/bad.yaml"
expect_grep 'bad.yaml:[0-9]*:[0-9]*: in_effect needs container: .* or config: with key:' "$ERR"
# The seed-like drills say it.
expect_exit 0 "$RDRILL" validate "$TOP/drills/mattermost-prod.yaml" \
	"$TOP/drills/mattermost-prod-scheduled.yaml"
expect_grep 'in_effect:' "$TOP/drills/mattermost-prod.yaml"
expect_grep 'in_effect:' "$TOP/drills/mattermost-prod-scheduled.yaml"
test_done
