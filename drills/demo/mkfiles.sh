#!/bin/sh
# Attachments on disk for the demo (the seed's data/mm file store) and a
# config folder shaped like the seed's (compose file, nginx conf.d, ssl).
# Paths match the fileinfo rows of seed.sql.
set -eu
root=$1
i=1
while [ "$i" -le 30 ]; do
	d="$root/data/teams/team1/channels/chan$((1 + i % 6))/file$i"
	mkdir -p "$d"
	head -c 2048 /dev/urandom >"$d/attachment-$i.bin"
	i=$((i + 1))
done
mkdir -p "$root/config/nginx/conf.d" "$root/config/nginx/ssl"
cat >"$root/config/docker-compose.yml" <<'YML'
services:
  db:
    image: postgres:15
  app:
    image: mattermost/mattermost-team-edition
YML
printf 'server { listen 443 ssl; server_name chat.example.com; }\n' \
	>"$root/config/nginx/conf.d/mattermost.conf"
printf -- '-----BEGIN CERTIFICATE-----\n(demo)\n-----END CERTIFICATE-----\n' \
	>"$root/config/nginx/ssl/chat.example.com.pem"
