#include "words.h"

#include <stddef.h>

/*
 * The words of the modules that are not step kinds, each group beside
 * the module whose text it says again (words.h). A kind's own words are
 * in its step-NAME.c.
 */

/* plan.c: plan_step_when(), plan_conn_target() */
const struct words words_plan[] = {
	{ NULL, "only if the {} phase started", "仅当 {} 阶段已开始" },
	{ NULL, "only if step {} ran", "仅当步骤 {} 已运行" },
	{ NULL, "only if step {} passed", "仅当步骤 {} 通过" },
	{ NULL, "only if step {} failed", "仅当步骤 {} 失败" },
	{ NULL, "connection {} (not defined)", "连接 {}（未定义）" },
	WORDS_END
};

/* preflight.c: the checks before step 1 */
const struct words words_preflight[] = {
	{ NULL, "program {}", "程序 {}" },
	{ NULL, "environment variable {}", "环境变量 {}" },
	{ NULL, "password file {}", "密码文件 {}" },
	{ NULL, "run_as user {}", "`run_as` 用户 {}" },
	{ NULL, "sudo -n true", "sudo -n true" },
	{ NULL, "output directory", "输出目录" },
	{ NULL, "not found", "未找到" },
	{ NULL, "readable, first line not empty", "可读，首行非空" },
	{ NULL, "readable", "可读" },
	{ NULL, "present, the current user", "存在，且为当前用户" },
	{ NULL, "no such user", "无此用户" },
	{ NULL, "another user", "其他用户" },
	{ NULL, "exit 0 (no password prompt)", "退出码 0（不询问密码）" },
	{ NULL, "writable, {n} MiB free", "可写，{n} MiB 可用" },
	{ NULL, "writable", "可写" },
	{ NULL, "not writable: {}", "不可写：{}" },
	/* runner.c: a scheduled backup's pick, checked before step 1 */
	{ NULL, "backup {}: newest of {}", "备份 {}：{} 中最新的一份" },
	{ NULL, "a file, readable", "可读的文件" },
	{ "backup {}: newest of {}", "{}", "{}" },
	/* A backup's own artifacts and directory must be new. */
	{ NULL, "backup artifact {}", "备份产物 {}" },
	{ NULL, "backup directory {}", "备份目录 {}" },
	{ NULL, "does not exist yet", "尚不存在" },
	{ NULL, "new, or overwrite: true", "新的，或 `overwrite: true`" },
	{ NULL, "does not exist", "不存在" },
	{ NULL, "exists; overwrite: true", "已存在；`overwrite: true`" },
	{ NULL, "exists", "已存在" },
	{ NULL, "backup artifact {} already exists: a backup is never "
	  "overwritten (move it away, or say overwrite: true on its "
	  "backup_set item)", "备份产物 {} 已存在：备份从不覆盖（请移走它，"
	  "或在其 `backup_set` 条目上写 `overwrite: true`）" },
	{ NULL, "backup directory {} already exists: a backup is never "
	  "overwritten (move it away, or say overwrite: true on its "
	  "backup_set item)", "备份目录 {} 已存在：备份从不覆盖（请移走它，"
	  "或在其 `backup_set` 条目上写 `overwrite: true`）" },
	/* What was found: a path, or the system's words for why not. */
	{ "program {}", "{}", "{}" },
	{ "password file {}", "{}", "{}" },
	WORDS_END
};

/* runner.c and backup.c: why a run ended so, the RPO's findings */
const struct words words_run[] = {
	{ NULL, "step {n} ({}) failed: {}", "第 {n} 步（{}）失败：{}" },
	{ NULL, "step {n} ({}) interrupted: {}", "第 {n} 步（{}）被中断：{}" },
	{ NULL, "interrupted by a signal", "被信号中断" },
	{ NULL, "preflight: {n} problem: {}", "运行前检查：{n} 个问题：{}" },
	{ NULL, "preflight: {n} problems: {}", "运行前检查：{n} 个问题：{}" },
	{ NULL, "the plan hash {} is not the approved plan {}: the drill file, "
	  "its variables or the date changed since the review",
	  "计划哈希 {} 不是已批准的计划 {}：审阅之后演练文件、变量或日期已改变" },
	{ NULL, "--confirm {} does not match the drill's environment '{}'; {n} "
	  "destructive steps not run",
	  "--confirm {} 与演练环境 {} 不符；{n} 个破坏性步骤未执行" },
	{ NULL, "the drill has {n} destructive steps: run it with --confirm {}",
	  "演练有 {n} 个破坏性步骤：请用 --confirm {} 运行" },
	{ NULL, "RTO {n}s exceeds the target {n}s",
	  "RTO {n} 秒超过目标 {n} 秒" },
	{ NULL, "destroy refused: no verify_backup step proved the backup",
	  "拒绝破坏：没有 verify_backup 步骤证明备份可用" },
	{ NULL, "destroy refused: {n} of {n} verify_backup steps passed",
	  "拒绝破坏：{2} 个 verify_backup 步骤中只有 {1} 个通过" },
	{ NULL, "{w}; {w}", "{w}；{w}" },
	/* the RPO */
	{ NULL, "RPO not met: backup {}, {}, was {d} old when the disaster "
	  "began (made {} by its {w}; target {d})",
	  "RPO 未达标：备份 {}（{}）在灾难开始时已有 {d}（依据 {5}，生成于 {4}；目标 {6}）" },
	{ NULL, "pg_dump archive header", "pg_dump 归档头" },
	{ NULL, "newest tar member time", "tar 最新成员时间" },
	{ NULL, "file mtime", "文件 `mtime`" },
	{ NULL, "no scheduled database or file backup was picked",
	  "未选中任何定时数据库或文件备份" },
	{ NULL, "the drill did not reach its first destructive step",
	  "演练未到达首个破坏步骤" },
	{ NULL, "the backup's creation time is after the disaster: its clock "
	  "is no evidence", "备份的生成时间晚于灾难：其时钟不能作为证据" },
	/* backup.c: what the pick noticed */
	{ NULL, "{}: its {w} says it was made at {}, {d} in the future of this "
	  "host's clock: one of the two clocks is wrong, so its age is no "
	  "evidence",
	  "{1}：其{2}显示生成于 {3}，比本机时钟晚 {4}：两个时钟必有一个有误，其时间不能作为证据" },
	{ NULL, "{}: the file's mtime ({}) is {d} after the archive's creation "
	  "time ({}): copied, touched or a long dump; the archive's own time "
	  "is the one used",
	  "{1}：文件 mtime（{2}）比归档生成时间（{4}）晚 {3}：被复制、touch 过或转储耗时较长；以归档自身的时间为准" },
	{ NULL, "{}: the file's mtime ({}) is {d} before the archive's creation "
	  "time ({}): copied, touched or a long dump; the archive's own time "
	  "is the one used",
	  "{1}：文件 mtime（{2}）比归档生成时间（{4}）早 {3}：被复制、touch 过或转储耗时较长；以归档自身的时间为准" },
	{ NULL, "{}: the header's DST flag does not fit the zone {} on that "
	  "date: the dump was probably made on a host in another zone (set "
	  "timezone: on item {}); its time may be off by the zones' difference",
	  "{1}：归档头的夏令时标志与时区 {2} 在该日期不符：转储很可能在另一时区的主机上生成（请在备份项 {3} 上设置 timezone:）；其时间可能相差两个时区之差" },
	WORDS_END
};

/*
 * runner.c: picked_unchanged(), the check it adds to any step that reads
 * a picked file (so every kind's checks are said through this table too).
 */
const struct words words_pick[] = {
	{ NULL, "backup {}: before the step, {} is the file picked",
	  "备份 {}：步骤开始前，{} 仍是所选文件" },
	{ NULL, "backup {}: after the step, {} is the file picked",
	  "备份 {}：步骤结束后，{} 仍是所选文件" },
	{ NULL, "the {}: before the step, {} is the file verified",
	  "{}：步骤开始前，{} 仍是已核验的文件" },
	{ NULL, "the {}: after the step, {} is the file verified",
	  "{}：步骤结束后，{} 仍是已核验的文件" },
	{ NULL, "inode {n}, {n} bytes, ctime {n} ns, unchanged since its "
	  "SHA-256 {} was taken",
	  "索引节点 {n}，{n} 字节，`ctime` {n} 纳秒，自计算其 SHA-256 {} 以来未变" },
	{ NULL, "the same: inode {n}, SHA-256 {}", "相同：索引节点 {n}，SHA-256 {}" },
	{ NULL, "another file: inode {n}, {n} bytes, ctime {n} ns; SHA-256 {}",
	  "另一个文件：索引节点 {n}，{n} 字节，`ctime` {n} 纳秒；SHA-256 {}" },
	{ NULL, "gone: {}", "已不存在：{}" },
	WORDS_END
};

/*
 * signoff.c: the roles people sign as (--role). The usual ones are said
 * as the paper table names them; any other is the signer's own word.
 */
const struct words words_signoff[] = {
	{ NULL, "operator", "执行人" },
	{ NULL, "reviewer", "复核人" },
	{ NULL, "auditor", "审计" },
	{ NULL, "approver", "审批人" },
	{ NULL, "owner", "负责人" },
	{ NULL, "{}", "{}" },
	WORDS_END
};
