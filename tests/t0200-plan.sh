#!/bin/sh
# rdrill plan: the dry-run prints every step, writes plan.json and a
# PLANNED report naming every command and path of the seed's drill, with
# a plan hash that is stable for the same inputs.
. "$(dirname "$0")/lib.sh"
cd "$TOP"
export TZ=UTC SOURCE_DATE_EPOCH=1768982400 # 2026-01-21T08:00:00Z
D=drills/mattermost-prod.yaml

expect_exit 0 "$RDRILL" plan "$D" -o "$TRASH/p1"
cp "$OUT" "$TRASH/terminal.txt"
for f in plan.json report.md report.html; do expect_file "$TRASH/p1/$f"; done
expect_grep '^ 19\. command  wipe-db   !! DESTRUCTIVE' "$TRASH/terminal.txt"
expect_grep_F '$ sudo rm -rf /home/ratio/mattermost/environments/prod/data/db/*' "$TRASH/terminal.txt"
expect_grep '31 steps, 4 destructive (run needs --confirm prod)' "$TRASH/terminal.txt"

# Every command and path of the seed is in the report, exactly.
R=$TRASH/p1/report.md
for s in \
	'sudo docker exec mm-db pg_dump -U mmuser -F c -f /tmp/mattermost-20260121.dump mattermost' \
	'sudo docker cp mm-db:/tmp/mattermost-20260121.dump /data/backups/20260121/' \
	'sudo docker exec mm-db pg_restore -l /tmp/mattermost-20260121.dump' \
	'tar -czf /data/backups/20260121/mm-data-20260121.tar.gz data/mm' \
	'tar -czf /data/backups/20260121/mm-config-20260121.tar.gz environments/prod/docker-compose.yml nginx/conf.d nginx/ssl' \
	'sha256sum -c SHA256SUMS' \
	'sudo docker compose down' \
	'sudo rm -rf /home/ratio/mattermost/environments/prod/data/db/*' \
	'sudo docker compose up -d db' \
	'sudo docker cp /data/backups/20260121/mattermost-20260121.dump mm-db:/tmp/restore.dump' \
	'sudo docker exec mm-db pg_restore -U mmuser -d mattermost --clean --if-exists /tmp/restore.dump' \
	'sudo docker compose up -d' \
	'sudo docker exec mattermost ls /mattermost/data' \
	'chown -R 2000:2000 /home/ratio/mattermost/environments/prod/data/mm' \
	'/home/ratio/mattermost/environments/prod/data/mm' \
	'/home/ratio/mattermost/environments/prod/docker-compose.yml' \
	'/home/ratio/mattermost/nginx/conf.d' \
	'/home/ratio/mattermost/nginx/ssl' \
	'/data/backups/20260121' \
	'cd /home/ratio/mattermost/environments/prod'; do
	expect_grep_F "$s" "$R"
done
for s in '前置声明' '一、备份对象定义' '二、备份目录与命名规范' '三、备份执行过程' \
	'四、破坏与恢复演练' '五、恢复验证' '`PLANNED`' '一级核心' '二级保护' \
	'2000:2000' '`mm-db`' 'mmuser' 'Dump 非 0 字节' '等待数据库可连接' \
	'被删除消息成功恢复，内容一致' '无权限错误' 'A.8.13'; do
	expect_grep_F "$s" "$R"
done

# The golden report (operator and host vary by machine, and so does the
# journal's chain head).
# The journal's chain head covers the operator too.
sed -e 's/^- \*\*执行人\*\*：[^·]*·/- **执行人**：OPERATOR ·/' \
	-e 's/日志链头 `[0-9a-f]\{64\}`/日志链头 `HEAD`/' "$R" >"$TRASH/report.norm.md"
expect_same tests/golden/plan/mattermost-prod.zh-CN.md "$TRASH/report.norm.md"

# plan.json: the hash is the SHA-256 of the canonical body and is stable.
H1=$(jq -r .plan_hash "$TRASH/p1/plan.json")
expect_true "plan hash is 64 hex" sh -c "echo $H1 | grep -Eq '^[0-9a-f]{64}$'"
expect_grep "plan hash *$H1" "$TRASH/terminal.txt"
expect_exit 0 "$RDRILL" plan "$D" -o "$TRASH/p2" --lang en
H2=$(jq -r .plan_hash "$TRASH/p2/plan.json")
expect_true "same inputs, same plan hash" test "$H1" = "$H2"
expect_exit 0 "$RDRILL" plan "$D" -o "$TRASH/p3" --var canary_post=other
H3=$(jq -r .plan_hash "$TRASH/p3/plan.json")
expect_true "another variable, another plan hash" test "$H1" != "$H3"
SOURCE_DATE_EPOCH=1769068800 expect_exit 0 "$RDRILL" plan "$D" -o "$TRASH/p4"
expect_grep_F '/data/backups/20260122' "$TRASH/p4/report.md"
H4=$(jq -r .plan_hash "$TRASH/p4/plan.json")
expect_true "another date, another plan hash" test "$H1" != "$H4"
expect_true "plan.json drill sha256 is the file's" test \
	"$(jq -r .drill_file.sha256 "$TRASH/p1/plan.json")" = "$(sha256sum "$D" | cut -c1-64)"
expect_true "a comment-only edit keeps the plan hash" sh -c \
	"{ echo '# reviewed'; cat $D; } >'$TRASH/commented.yaml' &&
	 '$RDRILL' plan '$TRASH/commented.yaml' -o '$TRASH/p5' >/dev/null &&
	 test \"\$(jq -r .plan_hash '$TRASH/p5/plan.json')\" = '$H1'"

# English report, same content.
E=$TRASH/p2/report.md
for s in 'Pre-declaration' '1. Backup set' '2. Backup directory' '3. Backup' \
	'4. Destroy and restore' '5. Restore verification' '`PLANNED`' \
	'sudo docker compose down'; do
	expect_grep_F "$s" "$E"
done

# HTML: tables are tables, status badges, one self-contained page.
H=$TRASH/p1/report.html
expect_grep '<table>' "$H"
expect_grep 'class="st st-planned"' "$H"
expect_grep '<meta charset="utf-8">' "$H"
expect_no_grep '<script' "$H"
expect_no_grep '<link ' "$H"

# Evidence is never overwritten; default bundles are dated and numbered.
expect_exit 3 "$RDRILL" plan "$D" -o "$TRASH/p1"
expect_grep 'already exists and is not an empty directory' "$ERR"
mkdir "$TRASH/cwd"
(cd "$TRASH/cwd" && "$RDRILL" plan "$TOP/$D" >/dev/null 2>&1 &&
	"$RDRILL" plan "$TOP/$D" >/dev/null 2>&1)
expect_file "$TRASH/cwd/reports/2026-01-21-mattermost-prod-plan/report.html"
expect_file "$TRASH/cwd/reports/2026-01-21-mattermost-prod-plan-2/report.html"

# Text from the drill file is inert in HTML.
sed 's/^title: .*/title: "<script>alert(1)<\/script> <img src=x onerror=alert(2)>"/' \
	tests/drills/minimal.yaml >"$TRASH/evil.yaml"
expect_exit 0 "$RDRILL" plan "$TRASH/evil.yaml" -o "$TRASH/evil"
expect_no_grep '<script' "$TRASH/evil/report.html"
expect_no_grep '<img' "$TRASH/evil/report.html"
expect_grep '&lt;script&gt;alert(1)&lt;/script&gt;' "$TRASH/evil/report.html"

# Drill errors are exit 2, before any bundle.
expect_exit 2 "$RDRILL" plan tests/drills/bad/unknown-key.yaml -o "$TRASH/bad"
expect_no_file "$TRASH/bad"
expect_exit 2 "$RDRILL" plan "$D" --var nosuch=1 -o "$TRASH/bad"
expect_grep "no variable 'nosuch'" "$ERR"
expect_exit 2 "$RDRILL" plan "$D" --lang fr
expect_exit 2 "$RDRILL" plan "$D" --bogus
test_done
