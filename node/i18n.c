// SPDX-License-Identifier: MIT
/*
 * i18n.c - every string a person reads, in Chinese (zh_CN, the default)
 * and English, by message id.
 *
 * Messages are printf formats; the arguments each takes are fixed by its
 * call sites (node_say, node_fail) and must agree in both languages, in
 * the same order. A message that reports a problem says what to do next.
 * The first line of a M_HELP_* message is the command's synopsis.
 */
#include <errno.h>
#include <stddef.h>

#include "base/err.h"
#include "node/i18n.h"

struct node_msg_pair {
	const char *zh;
	const char *en;
};

static const struct node_msg_pair node_msgs[M_COUNT] = {
	[M_NONE] = { "", "" },
	[M_ERROR_PREFIX] = { "错误：", "error: " },
	[M_FAILED] = { "操作失败（%s）：运行 cunlian doctor 检查本机\n",
		       "the command failed (%s): run cunlian doctor to check this node\n" },

	/* ---- home, configuration, identity, database ---- */
	[M_NO_HOME] = { "目录 %s 里还没有节点：先执行 cunlian init --station 站点编号 --name 站点名称（或用 --home 指定节点目录）\n",
			"no node in %s: run cunlian init --station ID --name NAME first (or point --home at the node's folder)\n" },
	[M_CONF_NOT_STATEMENT] = { "%s 第 %s 行写的是 %s = %s，但县里签发给本节点的登记证书（node.cert）写的是 %s = %s。"
				   "节点的身份以证书为准：把这一行改回 %s = %s；什么都没有做\n",
				   "%s line %s says %s = %s, but the county's statement for this node (node.cert) says"
				   " %s = %s. Who a node is comes from the statement: change that line back to %s = %s;"
				   " nothing was done\n" },
	[M_CONF_BAD] = { "配置文件 %s 有错：每行应为“键 = 值”，并含 station 和 role（station 或 hub）；请改正或重新 init\n",
			 "%s is not a valid configuration: lines are `key = value` and need station and role (station or hub); fix it or run init again\n" },
	[M_CONF_WRITE] = { "无法写入配置文件 %s（%s）：检查目录权限和磁盘空间\n",
			   "cannot write %s (%s): check the folder's permissions and free space\n" },
	[M_KEY_MISSING] = { "找不到节点密钥 %s：从备份恢复该文件，或请技术员重新安装节点\n",
			    "the node key %s is missing: restore it from the backup, or ask the technician to reinstall the node\n" },
	[M_KEY_BAD] = { "节点密钥 %s 已损坏：从备份恢复该文件\n",
			"the node key %s is damaged: restore it from the backup\n" },
	[M_KEY_WRITE] = { "无法生成节点密钥 %s（%s）：检查目录权限和磁盘空间\n",
			  "cannot create the node key %s (%s): check the folder's permissions and free space\n" },
	[M_DB_OPEN] = { "无法打开数据库 %s（%s）：运行 cunlian doctor 检查\n",
			"cannot open the database %s (%s): run cunlian doctor\n" },
	[M_DB_ERROR] = { "数据库出错（%s），没有写入任何内容：运行 cunlian doctor 检查\n",
			 "database error (%s); nothing was written: run cunlian doctor\n" },
	[M_DB_BUSY] = { "数据库正被另一个 cunlian 进程写入，等了 10 秒仍未轮到；没有写入任何内容：稍后再试\n",
			"the database is being written by another cunlian process and stayed busy for 10 s;"
			" nothing was written: try again in a moment\n" },
	[M_DISK_FULL] = { "磁盘已满，没有写入任何内容：清理 %s 所在磁盘的空间后再试\n",
			  "the disk is full; nothing was written: free space on the disk holding %s and try again\n" },
	[M_MKDIR_FAILED] = { "无法创建目录 %s（%s）\n", "cannot create the folder %s (%s)\n" },

	/* ---- options ---- */
	[M_BAD_OPTION] = { "不认识的选项 %s\n", "unknown option %s\n" },
	[M_EXTRA_ARG] = { "多余的参数 %s\n", "unexpected argument %s\n" },
	[M_OPT_NEEDS_VALUE] = { "选项 %s 需要一个值\n", "option %s needs a value\n" },
	[M_OPT_NO_VALUE] = { "选项 %s 不带值\n", "option %s takes no value\n" },
	[M_SEE_HELP] = { "运行 cunlian %s%s%s --help 查看用法\n", "run cunlian %s%s%s --help for usage\n" },
	[M_UNKNOWN_COMMAND] = { "没有这个命令：%s\n", "no such command: %s\n" },
	[M_BAD_VALUE] = { "输入的值不符合要求（%s），没有写入任何内容\n",
			  "a value is not acceptable (%s); nothing was written\n" },
	[M_BAD_NUMBER] = { "%s 的值 %s 不是有效的数字\n", "%s: %s is not a valid number\n" },
	[M_NEED_ID] = { "缺少编号：用法 cunlian %s 编号\n", "missing id: usage is cunlian %s ID\n" },
	[M_NEED_VID] = { "缺少志愿者：用法 cunlian %s 志愿者（编号、手机号或姓名；用 cunlian volunteer list 查找）\n",
			 "missing volunteer: usage is cunlian %s WHO (an id, phone number or name; see cunlian volunteer list)\n" },
	[M_NEED_FILE] = { "缺少文件：用法 cunlian volunteer import 文件.csv\n",
			  "missing file: usage is cunlian volunteer import FILE.csv\n" },
	[M_SET_NOTHING] = { "没有要修改的内容：至少给出一个选项（见 --help）\n",
			    "nothing to change: give at least one option (see --help)\n" },

	/* ---- init, stations ---- */
	[M_INIT_NEEDS] = { "init 需要 --station 站点编号 和 --name 站点名称，例如：cunlian init --station s0001 --name 东村服务站\n",
			   "init needs --station ID and --name NAME, e.g. cunlian init --station s0001 --name \"East Village\"\n" },
	[M_BAD_STATION_ID] = { "站点编号 %s 无效：只能用字母、数字、- 和 _，最多 32 个字符（hub 为保留字）\n",
			       "station id %s is not valid: use letters, digits, - and _, at most 32 characters (hub is reserved)\n" },
	[M_BAD_NAME] = { "名字 %s 无效：不能为空，最多 128 字节，不能含控制字符\n",
			 "the name %s is not valid: it must not be empty, at most 128 bytes, no control characters\n" },
	[M_BAD_ROLE] = { "角色 %s 无效：用 station（站点）或 hub（县级中心）\n",
			 "role %s is not valid: use station or hub\n" },
	[M_BAD_LEVEL] = { "级别 %s 无效：用 village（村）、town（镇）或 county（县）\n",
			  "level %s is not valid: use village, town or county\n" },
	[M_INIT_EXISTS] = { "%s 已经是一个节点，没有改动：查看用 cunlian status；要重新安装，请先把该目录移走\n",
			    "%s already holds a node; nothing changed: see cunlian status; to reinstall, move that folder away first\n" },
	[M_INIT_DONE] = { "已创建节点：%s（%s）\n目录：%s\n角色：%s\n节点公钥：%s\n下一步：cunlian volunteer add --name 姓名 --phone 手机号\n",
			  "node created: %s (%s)\nfolder: %s\nrole: %s\nnode public key: %s\nnext: cunlian volunteer add --name NAME --phone PHONE\n" },
	[M_ROLE_HUB] = { "县级中心", "county hub" },
	[M_ROLE_STATION] = { "站点", "station" },
	[M_STATION_NEEDS] = { "station add 需要 --id 编号 和 --name 名称\n", "station add needs --id ID and --name NAME\n" },
	[M_STATION_ADDED] = { "已登记站点 %s（%s）\n", "station %s (%s) recorded\n" },
	[M_HUB_ONLY] = { "%s 只能在县级中心执行（这是全县共用的数据）\n",
			 "%s can only be run at the county hub (it is county-wide data)\n" },
	[M_NOT_OUR_STATION] = { "站点 %s 的数据只能由该站点或县级中心修改，本机是 %s：请到该站点办理\n",
				"data of station %s can only be changed there or at the county hub, and this node is %s: do it at that station\n" },

	/* ---- status ---- */
	[M_STATUS] = { "节点      %s（%s）\n角色      %s\n上级      %s\n目录      %s\n节点公钥  %s\n本机时间  %s\n最新时钟  %s\n本机提交  %llu\n收到提交  %llu\n冲突记录  %llu\n志愿者    %lld\n订单      %lld（进行中 %lld）\n",
		       "node         %s (%s)\nrole         %s\nparent       %s\nfolder       %s\npublic key   %s\nwall clock   %s\nnewest clock %s\nown commits  %llu\nreceived     %llu\nconflicts    %llu\nvolunteers   %lld\norders       %lld (%lld under way)\n" },

	/* ---- log ---- */
	[M_LOG_EMPTY] = { "没有记录\n", "no changes recorded\n" },
	[M_SELF_MARK] = { "(本机)", " (this node)" },
	[M_DELETED] = { "删除", "deleted" },

	/* ---- doctor ---- */
	[M_CHECK_OK] = { "[正常]", "[ok]  " },
	[M_CHECK_WARN] = { "[注意]", "[warn]" },
	[M_CHECK_FAIL] = { "[问题]", "[FAIL]" },
	[M_DOC_NO_CONF] = { "配置：%s 里没有 node.conf：用 cunlian init 创建节点，或用 --home 指向节点目录",
			    "config: no node.conf in %s: create the node with cunlian init, or point --home at it" },
	[M_DOC_BAD_CONF] = { "配置：%s 格式有错：每行“键 = 值”，需要 station 和 role",
			     "config: %s is malformed: `key = value` lines with station and role" },
	[M_DOC_CONF_OK] = { "配置：站点 %s，角色 %s", "config: station %s, role %s" },
	[M_DOC_NO_KEY] = { "密钥：找不到 %s：从备份恢复，或重新安装节点",
			   "identity: %s is missing: restore it from the backup or reinstall the node" },
	[M_DOC_KEY_MODE] = { "密钥：%s 的权限是 %o，别人可以读取：执行 chmod 600 %s",
			     "identity: %s has mode %o and others can read it: run chmod 600 %s" },
	[M_DOC_KEY_BAD] = { "密钥：%s 已损坏：从备份恢复", "identity: %s is damaged: restore it from the backup" },
	[M_DOC_KEY_OK] = { "密钥：完好，权限 600，公钥 %.16s…", "identity: intact, mode 600, public key %.16s..." },
	[M_DOC_NO_DB] = { "数据库：找不到 %s：用 cunlian init 创建节点，或从县级中心恢复",
			  "database: %s is missing: create the node with cunlian init or restore it from the hub" },
	[M_DOC_DB_SKIPPED] = { "数据库：密钥有问题，未检查", "database: not checked (the identity has a problem)" },
	[M_DOC_DB_OPEN] = { "数据库：无法打开 %s（%s）：把该文件复制一份保存，再请技术员从县级中心恢复",
			    "database: cannot open %s (%s): keep a copy of the file and ask the technician to restore from the hub" },
	[M_DOC_DB_OK] = { "数据库：完整性检查通过", "database: integrity check passed" },
	[M_DOC_DB_BAD] = { "数据库：完整性检查失败（%s）：停止使用本机，把 replica.db 复制一份保存，再请技术员从县级中心恢复",
			   "database: integrity check failed (%s): stop using this node, keep a copy of replica.db and ask the technician to restore from the hub" },
	[M_DOC_STATION_OK] = { "站点记录：%s 已在数据库中", "station record: %s is in the database" },
	[M_DOC_STATION_MISSING] = { "站点记录：数据库中没有站点 %s：与县级中心同步一次",
				    "station record: station %s is not in the database: sync with the hub once" },
	[M_DOC_DISK_LOW] = { "磁盘：只剩 %llu MB：清理 %s 所在磁盘（旧日志、下载文件）",
			     "disk: only %llu MB free: free space on the disk holding %s (old logs, downloads)" },
	[M_DOC_DISK_OK] = { "磁盘：剩余 %llu MB", "disk: %llu MB free" },
	[M_DOC_DISK_UNKNOWN] = { "磁盘：无法查看 %s 的剩余空间", "disk: cannot tell the free space of %s" },
	[M_DOC_CLOCK_UNSET] = { "时钟：系统时间是 %s，显然没有设置：执行 sudo date -s '2025-03-01 08:00'（填当前时间）或连网自动校时",
				"clock: the system time is %s, clearly not set: run sudo date -s '2025-03-01 08:00' (the real time) or connect to the network to set it" },
	[M_DOC_CLOCK_BEHIND] = { "时钟：系统时间 %s 比已记录的最新修改慢 %llu 分钟（%s）：请校正系统时间（数据不受影响）",
				 "clock: the system time %s is %llu minutes behind the newest change recorded (%s): set the clock (the data is safe)" },
	[M_DOC_CLOCK_OK] = { "时钟：系统时间 %s，与数据一致", "clock: system time %s agrees with the data" },
	[M_DOC_NO_ENROL] = { "入网：本节点尚未登记，县级中心会拒收它的数据：运行 cunlian enroll request 申请.req，带到县级中心签发（enroll sign）后运行 cunlian enroll accept 证书.cert",
			     "enrolment: this node is not enrolled, so the hub refuses its data: run cunlian enroll request REQ.req, have the county hub sign it (enroll sign), then cunlian enroll accept CERT.cert" },
	[M_DOC_ENROL_OK] = { "入网：已登记（县级根密钥与本节点证书都在）", "enrolment: enrolled (the county key and this node's certificate are here)" },
	[M_DOC_SUMMARY_OK] = { "检查完成：%d 个问题，%d 个注意事项\n", "check finished: %d problems, %d warnings\n" },
	[M_DOC_SUMMARY_BAD] = { "检查完成：%d 个问题，%d 个注意事项。请按上面的提示处理\n",
				"check finished: %d problems, %d warnings. Follow the advice above\n" },

	/* ---- volunteers ---- */
	[M_VOLUNTEER_NEEDS] = { "volunteer add 需要 --name 姓名 和 --phone 手机号\n",
				"volunteer add needs --name NAME and --phone PHONE\n" },
	[M_VOLUNTEER_VISITING] = { "%s 是站点 %s 的志愿者（外站志愿者），资料只在其所属站点和县级中心：请到站点 %s 查看\n",
				   "%s is a volunteer of station %s (a visiting volunteer); their record is kept only at that station and at the hub: look it up at station %s\n" },
	[M_VISITING_NOTE] = { "（%s 是站点 %s 的外站志愿者：完成后的时长和积分记到其所属站点）\n",
			      "(%s is a visiting volunteer of station %s: the hours and points of this order go to their home station)\n" },
	[M_VOLUNTEER_NOT_FOUND] = { "没有志愿者 %s：用 cunlian volunteer list 查找编号\n",
				    "no volunteer %s: find the id with cunlian volunteer list\n" },
	[M_BAD_PHONE] = { "电话 %s 无效：应为 5 到 20 位数字（可含空格或 -）\n",
			  "phone %s is not valid: use 5 to 20 digits (spaces and - are allowed)\n" },
	[M_BAD_TEAM] = { "队伍名 %s 无效：最多 128 字节，不能含控制字符\n",
			 "team %s is not valid: at most 128 bytes, no control characters\n" },
	[M_BAD_SKILLS] = { "技能 %s 无效：用逗号分隔，总长最多 1000 字节\n",
			   "skills %s are not valid: separate them with commas, at most 1000 bytes\n" },
	[M_BAD_VSTATUS] = { "状态 %s 无效：用 active（在岗）、paused（暂停）或 left（退出）\n",
			    "status %s is not valid: use active, paused or left\n" },
	[M_PHONE_TAKEN] = { "电话 %s 已登记给 %s（%s），没有重复登记：查看用 cunlian volunteer show %s\n",
			    "phone %s is already registered to %s (%s); not registered twice: see cunlian volunteer show %s\n" },
	[M_BAD_IDNUM_LENGTH] = { "身份证号应为 18 位（17 位数字，最后一位是数字或 X），输入的是 %s 位：请对照证件重新输入（表格里请把这一列设为“文本”格式）\n",
				 "an ID number has 18 characters (17 digits, then a digit or X), and this one has %s: type it again from the card (in a spreadsheet, format that column as text)\n" },
	[M_BAD_IDNUM_CHAR] = { "身份证号的第 %s 位不是数字（只有最后一位可以是 X）：请对照证件重新输入\n",
			       "character %s of the ID number is not a digit (only the last one may be X): type it again from the card\n" },
	[M_BAD_IDNUM_CHECK] = { "身份证号的最后一位（校验位）与前 17 位对不上，多半是有一位输错或两位颠倒了：请对照证件重新输入\n",
				"the last character of the ID number (its check character) does not match the first 17 digits, so a digit is probably mistyped or two are swapped: type it again from the card\n" },
	[M_IDNUM_TAKEN] = { "尾号 %s 的身份证号已登记给 %s（%s），没有重复登记：查看用 cunlian volunteer show %s\n",
			    "the ID number ending in %s is already registered to %s (%s); not registered twice: see cunlian volunteer show %s\n" },
	[M_IDKEY_BAD] = { "无法使用身份证号密钥 %s（%s），没有写入任何内容：它是本机生成的 32 字节文件，权限必须是 600；请技术员检查（不要删除：没有它，已登记的身份证号无法查重）\n",
			  "cannot use the ID number key %s (%s); nothing was written: it is a 32-byte file this node made, and must have mode 600; ask the technician to check it (do not delete it: without it, registered ID numbers cannot be checked for duplicates)\n" },
	[M_VOLUNTEER_ADDED] = { "已登记志愿者 %s（%s）\n", "volunteer %s (%s) registered\n" },
	[M_VOLUNTEER_UPDATED] = { "已更新志愿者 %s（%s）\n", "volunteer %s (%s) updated\n" },
	[M_VOLUNTEER_INACTIVE] = { "志愿者 %s（%s）的状态是 %s，不能接受派单：先执行 cunlian volunteer set %s --status active\n",
				   "volunteer %s (%s) is %s and cannot take orders: first run cunlian volunteer set %s --status active\n" },
	[M_VST_ACTIVE] = { "在岗", "active" },
	[M_VST_PAUSED] = { "暂停", "paused" },
	[M_VST_LEFT] = { "退出", "left" },
	[M_NO_VOLUNTEERS] = { "没有符合条件的志愿者\n", "no volunteers match\n" },
	[M_VOLUNTEER_SHOW] = { "编号      %s\n姓名      %s\n电话      %s\n身份证号  %s\n所属站点  %s\n队伍      %s\n技能      %s\n状态      %s\n登记时间  %s\n服务时长  %s 小时\n星级      %s（%d 星）\n积分余额  %lld\n",
			       "id          %s\nname        %s\nphone       %s\nid number   %s\nstation     %s\nteam        %s\nskills      %s\nstatus      %s\nregistered  %s\nhours       %s\nstars       %s (%d)\nbalance     %lld\n" },

	/* ---- import ---- */
	[M_IMPORT_LINE] = { "第 %u 行：", "line %u: " },
	[M_IMPORT_DUP_DB] = { "电话 %s 已登记给 %s（%s）\n", "phone %s is already registered to %s (%s)\n" },
	[M_IMPORT_DUP_FILE] = { "电话 %s 与第 %s 行重复\n", "phone %s repeats line %s\n" },
	[M_IMPORT_IDNUM_DUP_DB] = { "尾号 %s 的身份证号已登记给 %s（%s）\n",
				    "the ID number ending in %s is already registered to %s (%s)\n" },
	[M_IMPORT_IDNUM_DUP_FILE] = { "尾号 %s 的身份证号与第 %s 行重复\n", "the ID number ending in %s repeats line %s\n" },
	[M_IMPORT_FIELDS] = { "列数不对（有 %s 列，应与标题行相同）\n",
			      "wrong number of fields (%s; the header line decides)\n" },
	[M_IMPORT_NOTHING] = { "%s 行有问题，文件 %s 中的内容全部没有导入：改正上面列出的行后重新导入\n",
			       "%s rows have problems, so nothing from %s was imported: fix the lines listed above and import again\n" },
	[M_IMPORT_MORE] = { "……还有 %u 个问题未列出\n", "... and %u more problems not listed\n" },
	[M_IMPORT_TOO_BIG] = { "文件 %s 太大（最多 8 MB、20000 行）：分成几个文件分别导入\n",
			       "%s is too big (at most 8 MB and 20000 rows): split it and import the parts\n" },
	[M_IMPORT_NOT_UTF8] = { "文件 %s 不是 UTF-8 编码（第 %s 行）：在 Excel 中选择“另存为 → CSV UTF-8”后再导入，没有导入任何内容\n",
				"%s is not UTF-8 (line %s): in Excel use Save As, CSV UTF-8, then import again; nothing was imported\n" },
	[M_IMPORT_NO_HEADER] = { "文件 %s 的第一行应为标题行，至少含 姓名(name) 和 电话(phone) 两列，可加 队伍(team)、技能(skills)；没有导入任何内容\n",
				 "the first line of %s must be a header with at least name and phone (team and skills are optional); nothing was imported\n" },
	[M_IMPORT_BAD_HEADER] = { "第 %s 行：不认识的列名 %s（可用：姓名/name、电话/phone、队伍/team、技能/skills）；没有导入任何内容\n",
				  "line %s: unknown column %s (use name, phone, team, skills); nothing was imported\n" },
	[M_IMPORT_QUOTE] = { "第 %s 行：引号没有配对；没有导入任何内容\n", "line %s: a quote is not closed; nothing was imported\n" },
	[M_IMPORT_FIELD_BIG] = { "第 %s 行：某一列太长；没有导入任何内容\n", "line %s: a field is too long; nothing was imported\n" },
	[M_IMPORT_EMPTY] = { "文件 %s 只有标题行，没有志愿者\n", "%s holds a header but no volunteers\n" },
	[M_IMPORT_DONE] = { "已导入 %zu 名志愿者：%s 至 %s\n", "imported %zu volunteers: %s to %s\n" },
	[M_FILE_OPEN] = { "无法读取文件 %s（%s）\n", "cannot read %s (%s)\n" },

	/* ---- orders ---- */
	[M_ORDER_NEEDS] = { "order add 需要 --category 类别 和 --detail 内容，例如：cunlian order add --category 助老 --detail 陪老人去卫生院\n",
			    "order add needs --category C and --detail D, e.g. cunlian order add --category elderly --detail \"take Mr Li to the clinic\"\n" },
	[M_BAD_CATEGORY] = { "类别 %s 无效：最多 128 字节，不能含控制字符\n",
			     "category %s is not valid: at most 128 bytes, no control characters\n" },
	[M_BAD_DETAIL] = { "内容无效：不能为空，最多 %s 字节，不能含控制字符\n",
			   "the detail is not valid: not empty, at most %s bytes, no control characters\n" },
	[M_BAD_COMMENT] = { "评语无效：最多 %s 字节，不能含控制字符\n",
			    "the comment is not valid: at most %s bytes, no control characters\n" },
	[M_BAD_KIND] = { "订单种类 %s 无效：用 service（服务）或 wish（心愿）\n", "kind %s is not valid: use service or wish\n" },
	[M_BAD_OSTATUS] = { "状态 %s 无效：用 open、dispatched、accepted、done、rated 或 cancelled\n",
			    "status %s is not valid: use open, dispatched, accepted, done, rated or cancelled\n" },
	[M_ORDER_NOT_FOUND] = { "没有订单 %s：用 cunlian order list 查找编号\n", "no order %s: find the id with cunlian order list\n" },
	[M_ORDER_NOT_OURS] = { "订单 %s 属于站点 %s，本机是 %s：只有该站点或县级中心可以处理\n",
			       "order %s belongs to station %s and this node is %s: only that station or the hub can change it\n" },
	[M_ORDER_ADDED] = { "已登记订单 %s（%s）\n下一步：cunlian order dispatch %s --volunteer 志愿者编号\n",
			    "order %s (%s) recorded\nnext: cunlian order dispatch %s --volunteer VID\n" },
	[M_DISPATCH_NEEDS] = { "派单需要志愿者：cunlian order dispatch %s --volunteer 志愿者编号\n",
			       "dispatch needs a volunteer: cunlian order dispatch %s --volunteer VID\n" },
	[M_ORDER_DISPATCHED] = { "订单 %s 已派给 %s\n", "order %s dispatched to %s\n" },
	[M_ORDER_ACCEPTED] = { "订单 %s 已由 %s 接单\n", "order %s accepted by %s\n" },
	[M_DONE_NEEDS] = { "完成订单需要服务时长：cunlian order done %s --hours 小时数\n",
			   "done needs the hours served: cunlian order done %s --hours H\n" },
	[M_BAD_HOURS] = { "时长 %s 无效：填 0.1 到 24 之间的小时数\n", "hours %s is not valid: give 0.1 to 24\n" },
	[M_ORDER_DONE] = { "订单 %s 已完成：%s 服务 %s 小时，记入 %lld 积分\n",
			   "order %s done: %s served %s hours, %lld points credited\n" },
	[M_BAD_RATING] = { "评分 %s 无效：--rating 填 1 到 5\n", "rating %s is not valid: --rating takes 1 to 5\n" },
	[M_ORDER_RATED] = { "订单 %s 已评价：%lld 星\n", "order %s rated %lld\n" },
	[M_CANCEL_NEEDS] = { "取消订单需要原因：cunlian order cancel %s --reason 原因\n",
			     "cancel needs a reason: cunlian order cancel %s --reason R\n" },
	[M_ORDER_CANCELLED] = { "订单 %s 已取消（%s）\n", "order %s cancelled (%s)\n" },
	[M_NO_ORDERS] = { "没有符合条件的订单\n", "no orders match\n" },
	[M_ORDER_SHOW] = { "订单      %s\n状态      %s\n站点      %s\n类别      %s\n内容      %s\n求助人    %s\n电话      %s\n志愿者    %s\n时长      %s\n评分      %s\n评语      %s\n记入积分  %lld\n登记时间  %s\n更新时间  %s\n",
			   "order       %s\nstatus      %s\nstation     %s\ncategory    %s\ndetail      %s\nrequester   %s\nphone       %s\nvolunteer   %s\nhours       %s\nrating      %s\ncomment     %s\npoints      %lld\ncreated     %s\nupdated     %s\n" },
	[M_ORDER_HISTORY] = { "\n历史记录：\n", "\nhistory:\n" },

	[M_ST_OPEN] = { "待派单", "open" },
	[M_ST_DISPATCHED] = { "已派单", "dispatched" },
	[M_ST_ACCEPTED] = { "已接单", "accepted" },
	[M_ST_DONE] = { "已完成", "done" },
	[M_ST_RATED] = { "已评价", "rated" },
	[M_ST_CANCELLED] = { "已取消", "cancelled" },
	[M_ST_UNKNOWN] = { "未知", "unknown" },
	[M_VERB_ADD] = { "登记", "record" },
	[M_VERB_DISPATCH] = { "派单", "dispatch" },
	[M_VERB_ACCEPT] = { "接单", "accept" },
	[M_VERB_DONE] = { "完成", "finish" },
	[M_VERB_RATE] = { "评价", "rate" },
	[M_VERB_CANCEL] = { "取消", "cancel" },

	[M_REFUSE_CANCELLED] = { "订单 %s 已取消，不能%s：如仍需服务，请新登记一个订单（cunlian order add）\n",
				 "order %s is cancelled and cannot %s: if the service is still needed, record a new order (cunlian order add)\n" },
	[M_REFUSE_FINISHED] = { "订单 %s %s，服务已结束，不能%s\n", "order %s is %s: the service is over and it cannot %s\n" },
	[M_REFUSE_ALREADY_ACCEPTED] = { "订单 %s 已由 %s 接单，无需重复接单；要换人请用 --volunteer 志愿者编号\n",
					"order %s is already accepted by %s; to hand it to someone else give --volunteer VID\n" },
	[M_REFUSE_NO_VOLUNTEER] = { "订单 %s 还没有派给志愿者，不能%s：先执行 cunlian order dispatch %s --volunteer 志愿者编号（或 cunlian order accept %s --volunteer 志愿者编号）\n",
				    "order %s has no volunteer yet and cannot %s: first run cunlian order dispatch %s --volunteer VID (or cunlian order accept %s --volunteer VID)\n" },
	[M_REFUSE_DONE_AGAIN] = { "订单 %s 已经完成（%s 小时），积分已记入，不会重复记入\n",
				  "order %s is already done (%s hours) and its points are credited; they are never credited twice\n" },
	[M_REFUSE_RATED] = { "订单 %s 已评价（%s 星），不能重复评价\n", "order %s is already rated (%s); it cannot be rated again\n" },
	[M_REFUSE_NOT_DONE] = { "订单 %s 尚未完成，不能评价：先执行 cunlian order done %s --hours 小时数\n",
				"order %s is not done yet and cannot be rated: first run cunlian order done %s --hours H\n" },

	/* ---- points, settings ---- */
	[M_BALANCE] = { "%s（%s）的积分余额：%lld\n", "points balance of %s (%s): %lld\n" },
	[M_REASON_SERVICE] = { "服务", "service" },
	[M_REASON_REDEEM] = { "兑换", "redeem" },
	[M_REASON_ADJUST] = { "调整", "adjust" },
	[M_REASON_REVERSAL] = { "冲正", "reversal" },
	[M_BAD_POINTS] = { "积分 %s 无效：--points 填 1 到 1000000 的整数\n",
			   "points %s is not valid: --points takes a whole number from 1 to 1000000\n" },
	[M_REDEEM_NEEDS_ITEM] = { "兑换需要写明物品：--item 物品（最多 128 字节）\n",
				  "redeem needs the item: --item ITEM (at most 128 bytes)\n" },
	[M_REDEEM_VISITING] = { "%s 是站点 %s 的志愿者，本机 %s 没有其积分兑换权：请到站点 %s 或县级中心兑换\n",
				"%s is a volunteer of station %s and this node (%s) does not hold the right to spend their points: redeem at station %s or at the hub\n" },
	[M_REDEEM_NO_RIGHT] = { "%s（%s）属于站点 %s，本机 %s 没有该志愿者的积分兑换权（余额 %s）：请到站点 %s 或县级中心兑换\n",
				"%s (%s) belongs to station %s and this node (%s) does not hold the right to spend their points (balance %s): redeem at station %s or at the hub\n" },
	[M_REDEEM_OVERDRAW] = { "%s（%s）的积分余额只有 %s，不够兑换 %s 积分：没有兑换\n",
				"%s (%s) has a balance of %s, not enough to redeem %s: nothing redeemed\n" },
	[M_REDEEMED] = { "已兑换：%s（%s）用 %lld 积分兑换 %s，余额 %lld（记录 %s）\n",
			 "redeemed: %s (%s) spent %lld points on %s, balance %lld (record %s)\n" },
	[M_SETTINGS_SHOW] = { "每小时积分      %s\n星级时长门槛    %s（小时，1 至 5 星）\n",
			      "points per hour    %s\nstar-level hours   %s (hours for 1 to 5 stars)\n" },
	[M_BAD_STARS] = { "星级门槛 %s 无效：填 5 个递增的小时数，用逗号分隔，例如 100,300,600,1000,1500\n",
			  "star hours %s are not valid: give 5 increasing numbers of hours, e.g. 100,300,600,1000,1500\n" },

	/* ---- report ---- */
	[M_BAD_BY] = { "分组方式 %s 无效：--by 用 station、town、category、month 或 team\n",
		       "--by %s is not valid: use station, town, category, month or team\n" },
	[M_BAD_FORMAT] = { "格式 %s 无效：--format 用 table、json 或 csv\n",
			   "--format %s is not valid: use table, json or csv\n" },
	[M_RCOL_GROUP] = { "分组", "group" },
	[M_RCOL_ORDERS] = { "订单", "orders" },
	[M_RCOL_RATE] = { "完成率", "completion" },
	[M_RCOL_AVG] = { "平均评分", "avg rating" },
	[M_RCOL_SATISFIED] = { "满意率", "satisfied" },
	[M_RCOL_ACTIVE] = { "活跃志愿者", "active vols" },
	[M_RCOL_HOURS] = { "服务时长", "hours" },
	[M_RCOL_ISSUED] = { "发放积分", "pts issued" },
	[M_RCOL_REDEEMED] = { "兑换积分", "pts redeemed" },
	[M_RCOL_LAST_SYNC] = { "上次同步", "last sync" },
	[M_RCOL_TOTAL] = { "合计", "total" },

	/* ---- table headings ---- */
	[M_COL_ID] = { "编号", "id" },
	[M_COL_NAME] = { "名称", "name" },
	[M_COL_PHONE] = { "电话", "phone" },
	[M_COL_TEAM] = { "队伍", "team" },
	[M_COL_SKILLS] = { "技能", "skills" },
	[M_COL_STATUS] = { "状态", "status" },
	[M_COL_STATION] = { "站点", "station" },
	[M_COL_CATEGORY] = { "类别", "category" },
	[M_COL_DETAIL] = { "内容", "detail" },
	[M_COL_VOLUNTEER] = { "志愿者", "volunteer" },
	[M_COL_CREATED] = { "登记时间", "created" },
	[M_COL_TIME] = { "时间", "time" },
	[M_COL_NODE] = { "节点", "node" },
	[M_COL_SCOPE] = { "范围", "scope" },
	[M_COL_TABLE] = { "表", "table" },
	[M_COL_CHANGE] = { "变更", "change" },
	[M_COL_NOTE] = { "备注", "note" },
	[M_COL_POINTS] = { "积分", "points" },
	[M_COL_REASON] = { "原因", "reason" },
	[M_COL_FOR] = { "订单/物品", "order/item" },
	[M_COL_LEVEL] = { "级别", "level" },
	[M_COL_PARENT] = { "上级", "parent" },

	/* ---- help ---- */
	[M_HELP_MAIN] = { "cunlian（村联）—— 村级志愿服务站的离线同步系统\n\n用法：cunlian [--home 目录] [--json] 命令 [选项]\n\n"
			  "--home 目录   节点目录（默认 $CUNLIAN_HOME，否则 ./cunlian-home）\n"
			  "--json        以 JSON 输出（格式见 docs/cli.md）\n"
			  "每个命令都可加 --help 查看用法。\n\n命令：\n",
			  "cunlian - offline-first sync for village volunteer stations\n\nusage: cunlian [--home DIR] [--json] COMMAND [options]\n\n"
			  "--home DIR   the node's folder (default $CUNLIAN_HOME, else ./cunlian-home)\n"
			  "--json       print JSON (documented in docs/cli.md)\n"
			  "Every command takes --help.\n\ncommands:\n" },
	[M_HELP_GROUP] = { "cunlian %s 的子命令：\n", "subcommands of cunlian %s:\n" },
	[M_HELP_EXIT] = { "\n退出码：0 成功；1 其他错误（doctor 发现问题）；2 用法错误；3 被规则拒绝；4 找不到；5 存储错误\n"
			  "语言：默认中文；LANG（或 LC_ALL、LC_MESSAGES）以 en 开头或为 C/POSIX 时用英文。\n",
			  "\nexit status: 0 ok; 1 other error (doctor found a problem); 2 usage error; 3 refused by a rule; 4 not found; 5 storage error\n"
			  "language: Chinese by default; English when LANG (or LC_ALL, LC_MESSAGES) starts with en or is C/POSIX.\n" },
	[M_HELP_COMMON] = { "\n通用选项：--home 目录  --json  --help\n", "\ncommon options: --home DIR  --json  --help\n" },
	[M_HELP_INIT] = { "init --station 编号 --name 名称 [--role station|hub] [--level village|town|county] [--parent 编号]\n"
			  "  创建节点：生成节点密钥（identity.key，权限 600）、数据库和 node.conf，并登记本站点。\n",
			  "init --station ID --name NAME [--role station|hub] [--level village|town|county] [--parent ID]\n"
			  "  Create the node: its key (identity.key, mode 600), database and node.conf, and record the station.\n" },
	[M_HELP_STATUS] = { "status\n  显示本节点：站点、角色、时钟、提交数、冲突数、数据量。\n",
			    "status\n  Show this node: station, role, clock, commits, conflicts, amount of data.\n" },
	[M_HELP_DIGEST] = { "digest [--scope 编号]\n  数据摘要（SHA-256）：两个节点数据相同则摘要相同。--scope \"\" 为全县数据，--scope 站点编号 为该站数据。\n",
			    "digest [--scope ID]\n  The replica digest (SHA-256): equal data gives equal digests. --scope \"\" for county-wide data, --scope ID for one station's.\n" },
	[M_HELP_LOG] = { "log [编号] [--limit N]\n  谁在何时从哪个节点改了什么（最近 N 条，默认 50）；给出编号时只列与它有关的修改。\n",
			 "log [ID] [--limit N]\n  Who changed what, when, from which node (the latest N, default 50); with an ID only changes that touch it.\n" },
	[M_HELP_DOCTOR] = { "doctor [--config 文件]\n  技术员健康检查：配置、密钥及权限、数据库完整性、磁盘空间、时钟、服务是否在运行、服务配置（--config，默认为服务上次读取的文件，或 /etc/cunlian/cunlian.conf，或 node.conf）、最近一次同步、拒收次数、同步对端；每个问题都给出处理办法。发现问题时退出码为 1。\n",
			    "doctor [--config FILE]\n  Health check for technicians: configuration, key and its mode, database integrity, disk space, clock, whether the service runs, the service's config (--config; by default the file the service last read, else /etc/cunlian/cunlian.conf, else node.conf), the last sync, refused commits, peers; each problem with what to do. Exits 1 when it finds a problem.\n" },
	[M_HELP_STATION_ADD] = { "station add --id 编号 --name 名称 [--level village|town|county] [--parent 编号]\n  （县级中心）登记一个站点或乡镇。\n",
				 "station add --id ID --name NAME [--level village|town|county] [--parent ID]\n  (hub) Record a station or town.\n" },
	[M_HELP_STATION_LIST] = { "station list\n  列出所有站点和乡镇。\n", "station list\n  List stations and towns.\n" },
	[M_HELP_VOLUNTEER_ADD] = { "volunteer add --name 姓名 --phone 电话 [--id-number 身份证号] [--team 队伍] [--skills 技能1,技能2] [--station 编号]\n"
				   "  登记志愿者，输出新编号。同一电话、同一身份证号不能重复登记；身份证号只保存加密摘要和后四位。--station 仅限县级中心。\n",
				   "volunteer add --name NAME --phone PHONE [--id-number N] [--team T] [--skills a,b] [--station ID]\n"
				   "  Register a volunteer; prints the new id. A phone number or ID number is registered once; of an ID number only a keyed hash and the last four are kept. --station: hub only.\n" },
	[M_HELP_VOLUNTEER_SET] = { "volunteer set 志愿者 [--name 姓名] [--phone 电话] [--id-number 身份证号] [--team 队伍] [--skills 技能] [--status active|paused|left]\n"
				   "  修改志愿者信息（--team \"\" 清空队伍，--id-number \"\" 清除身份证号）。志愿者可写编号、手机号或姓名（同名时列出各位，请改用编号）。\n",
				   "volunteer set WHO [--name N] [--phone P] [--id-number N] [--team T] [--skills a,b] [--status active|paused|left]\n"
				   "  Change a volunteer's details (--team \"\" clears the team, --id-number \"\" the ID number). WHO: a volunteer's id, phone number or name (when several match, they are listed: use the id).\n" },
	[M_HELP_VOLUNTEER_LIST] = { "volunteer list [--team 队伍] [--skill 技能] [--status active|paused|left] [--station 编号]\n"
				    "  列出志愿者（电话部分隐藏，不显示身份证号）。\n",
				    "volunteer list [--team T] [--skill S] [--status active|paused|left] [--station ID]\n"
				    "  List volunteers (phone numbers masked, ID numbers never shown).\n" },
	[M_HELP_VOLUNTEER_SHOW] = { "volunteer show 志愿者\n  志愿者详情：服务时长、星级、积分余额。志愿者可写编号、手机号或姓名（同名时列出各位，请改用编号）。\n",
				    "volunteer show WHO\n  A volunteer's details with hours served, star level and points balance. WHO: a volunteer's id, phone number or name (when several match, they are listed: use the id).\n" },
	[M_HELP_VOLUNTEER_IMPORT] = { "volunteer import 文件.csv [--station 编号]\n"
				      "  批量登记：第一行为标题（姓名,电话[,队伍][,技能][,身份证号]），UTF-8 编码。任何一行有错则全部不导入，并列出行号。\n",
				      "volunteer import FILE.csv [--station ID]\n"
				      "  Bulk registration: a header line (name,phone[,team][,skills][,id_number]), UTF-8. One bad row and nothing is imported; errors give line numbers.\n" },
	[M_HELP_ORDER_ADD] = { "order add --category 类别 --detail 内容 [--requester 求助人] [--phone 电话] [--kind service|wish] [--station 编号]\n"
			       "  群众点单：登记一个订单，输出新编号。\n",
			       "order add --category C --detail D [--requester R] [--phone P] [--kind service|wish] [--station ID]\n"
			       "  Record a resident's order; prints the new id.\n" },
	[M_HELP_ORDER_DISPATCH] = { "order dispatch 编号 --volunteer 志愿者\n  派单（也可改派给别人）。志愿者可写编号、手机号或姓名（同名时列出各位，请改用编号）。\n",
				    "order dispatch ID --volunteer WHO\n  Dispatch an order to a volunteer (or reassign it). WHO: a volunteer's id, phone number or name (when several match, they are listed: use the id).\n" },
	[M_HELP_ORDER_ACCEPT] = { "order accept 编号 [--volunteer 志愿者]\n  志愿者接单；待派单的订单需用 --volunteer 指明接单人。志愿者可写编号、手机号或姓名（同名时列出各位，请改用编号）。\n",
				  "order accept ID [--volunteer WHO]\n  Record that the volunteer accepted; an open order needs --volunteer. WHO: a volunteer's id, phone number or name (when several match, they are listed: use the id).\n" },
	[M_HELP_ORDER_DONE] = { "order done 编号 --hours 小时数\n  做单完成：记录服务时长，并按县里的设置给志愿者记入积分（每个订单只记一次）。\n",
				"order done ID --hours H\n  Record the order as done with the hours served; credits points by the county setting (once per order).\n" },
	[M_HELP_ORDER_RATE] = { "order rate 编号 --rating 1-5 [--comment 评语]\n  评单：记录群众的评价（订单须已完成）。\n",
				"order rate ID --rating 1-5 [--comment C]\n  Record the resident's rating (the order must be done).\n" },
	[M_HELP_ORDER_CANCEL] = { "order cancel 编号 --reason 原因\n  取消未完成的订单。\n",
				  "order cancel ID --reason R\n  Cancel an order that is not finished.\n" },
	[M_HELP_ORDER_LIST] = { "order list [--status 状态] [--station 编号] [--volunteer 志愿者]\n  列出订单。状态：open dispatched accepted done rated cancelled。\n",
				"order list [--status S] [--station ID] [--volunteer WHO]\n  List orders. Status: open dispatched accepted done rated cancelled.\n" },
	[M_HELP_ORDER_SHOW] = { "order show 编号\n  订单详情和完整的历史记录。\n", "order show ID\n  An order with its full history.\n" },
	[M_HELP_POINTS_BALANCE] = { "points balance 志愿者\n  积分余额。志愿者可写编号、手机号或姓名（同名时列出各位，请改用编号）。\n", "points balance WHO\n  A volunteer's points balance. WHO: a volunteer's id, phone number or name (when several match, they are listed: use the id).\n" },
	[M_HELP_POINTS_HISTORY] = { "points history 志愿者\n  积分明细。志愿者可写编号、手机号或姓名（同名时列出各位，请改用编号）。\n", "points history WHO\n  A volunteer's points ledger. WHO: a volunteer's id, phone number or name (when several match, they are listed: use the id).\n" },
	[M_HELP_POINTS_REDEEM] = { "points redeem 志愿者 --points N --item 物品\n"
				   "points redeem 志愿者 --gift 礼品 [--count 件数]\n"
				   "  积分兑换：只能在志愿者所属站点或县级中心办理，余额不足时拒绝。志愿者可写编号、手机号或姓名（同名时列出各位，请改用编号）。"
				   "--gift 按爱心超市的礼品兑换（编号或名称）：一次扣积分（价格×件数）和库存，只能在礼品所在站点办理，库存不足时拒绝。\n",
				   "points redeem WHO --points N --item ITEM\n"
				   "points redeem WHO --gift ITEM [--count N]\n"
				   "  Redeem points for goods: only at the volunteer's home station or the hub; refused if it would overdraw. WHO: a volunteer's id, phone number or name (when several match, they are listed: use the id). "
				   "--gift redeems an item of the gift shelf (its id or name): price x N points and N from the stock at once, only at the item's station; refused when the stock is short.\n" },
	[M_HELP_SETTINGS_SHOW] = { "settings show\n  县级设置：每小时积分（默认 10）、星级时长门槛（默认 100,300,600,1000,1500）。\n",
				   "settings show\n  County settings: points per hour (default 10), star-level hours (default 100,300,600,1000,1500).\n" },
	[M_HELP_SETTINGS_SET] = { "settings set [--points-per-hour N] [--star-hours a,b,c,d,e]\n  （县级中心）修改县级设置。\n",
				  "settings set [--points-per-hour N] [--star-hours a,b,c,d,e]\n  (hub) Change the county settings.\n" },
	[M_HELP_REPORT] = { "report [--by station|town|category|month|team] [--format table|json|csv]\n"
			    "  统计报表：各状态订单数、完成率、平均评分与满意率（4-5 星）、活跃志愿者、服务时长、发放与兑换积分。按 team 分组时，订单和积分计入志愿者现在所在的队伍。\n"
			    "report --top [--period month|quarter] [--by county|station|town] [--json]\n"
			    "  优秀志愿者：每月（或每季度）服务时长最多的前 10 名，可按站点或乡镇分别排名。\n"
			    "report --duplicates [--json]\n"
			    "  （仅县级中心）在两个以上站点登记的同一身份证号：每组列出志愿者编号、站点、姓名和尾号，不显示号码。\n",
			    "report [--by station|town|category|month|team] [--format table|json|csv]\n"
			    "  County report: orders by status, completion rate, average rating and share of 4-5 ratings, active volunteers, hours, points issued and redeemed. By team, orders and points count in the team their volunteer is in now.\n"
			    "report --top [--period month|quarter] [--by county|station|town] [--json]\n"
			    "  Outstanding volunteers: the 10 with the most hours of service in each month (or quarter), county-wide or ranked per station or town.\n"
			    "report --duplicates [--json]\n"
			    "  (hub only) ID numbers registered at more than one station: each group lists the volunteers' ids, stations, names and last four characters, never the number.\n" },

	/* ---- backup, restore (cmd_backup.c) ---- */
	[M_HELP_BACKUP] = { "backup 文件 [--passphrase-file 口令文件]\n"
			    "  把本节点（数据库、配置、密钥）备份成一个用口令加密的文件；cunlian serve 运行时也可以备份。\n"
			    "  口令取自 --passphrase-file、环境变量 CUNLIAN_PASSPHRASE，或在终端输入（两次），至少 8 个字节；不能写在命令行上。\n",
			    "backup FILE [--passphrase-file PFILE]\n"
			    "  Back up this node (database, configuration, key) into one file encrypted with a passphrase; works while cunlian serve runs.\n"
			    "  The passphrase comes from --passphrase-file, $CUNLIAN_PASSPHRASE, or the terminal (asked twice); at least 8 bytes; never on the command line.\n" },
	[M_HELP_RESTORE] = { "restore 文件 --old-board-dead [--passphrase-file 口令文件]\n"
			     "  在新板子上把备份恢复到空的节点目录（--home）。只在旧板子确实坏了时使用：会生成新的节点身份（旧密钥不再使用），\n"
			     "  并列出县里把新板子登记为替换节点、撤销旧密钥的步骤。口令错误或文件损坏时不写入任何内容。\n",
			     "restore FILE --old-board-dead [--passphrase-file PFILE]\n"
			     "  Restore a backup onto a new board, into an empty home (--home). Only when the old board is dead: a new node identity is made\n"
			     "  (the old key is never reused) and the steps for the county to enrol the new board and revoke the old key are printed.\n"
			     "  A wrong passphrase or a damaged file writes nothing.\n" },
	[M_BK_NEED_FILE] = { "缺少文件：用法 cunlian %s 文件（见 --help）\n", "missing file: usage is cunlian %s FILE (see --help)\n" },
	[M_BK_PASS_FILE] = { "无法读取口令文件 %s（%s）\n", "cannot read the passphrase file %s (%s)\n" },
	[M_BK_PASS_LEN] = { "口令长度须在 %s 到 %s 个字节之间，没有写入任何内容\n",
			    "the passphrase must be %s to %s bytes long; nothing was written\n" },
	[M_BK_PASS_MISMATCH] = { "两次输入的口令不一致，没有写入任何内容\n",
				 "the two passphrases differ; nothing was written\n" },
	[M_BK_NO_PASS] = { "没有口令：用 --passphrase-file 口令文件 或环境变量 CUNLIAN_PASSPHRASE 给出，或在终端上运行以输入口令（口令不能写在命令行上）\n",
			   "no passphrase: give --passphrase-file PFILE or set CUNLIAN_PASSPHRASE, or run on a terminal to type it (never on the command line)\n" },
	[M_BK_PROMPT] = { "备份口令：", "backup passphrase: " },
	[M_BK_PROMPT_AGAIN] = { "再输入一次：", "again: " },
	[M_BK_AS_OWNER] = { "节点目录 %s 属于用户 %s：请以该用户身份运行 cunlian %s（在命令前加 sudo -u 用户名），以免服务以后打不开数据库\n",
			    "the home %s belongs to the user %s: run cunlian %s as that user (sudo -u USER ...), so the service can still open the database\n" },
	[M_BK_SNAPSHOT] = { "无法复制数据库 %s（%s），没有写出备份：运行 cunlian doctor 检查\n",
			    "cannot copy the database %s (%s); no backup was written: run cunlian doctor\n" },
	[M_BK_WRITE] = { "无法写入备份文件 %s（%s）：检查目标目录（U 盘）是否存在、可写\n",
			 "cannot write the backup %s (%s): check that the folder (USB stick) exists and is writable\n" },
	[M_BK_DONE] = { "备份完成：%s（%s 字节）\n站点：%s（%s）\n数据摘要：%s\n备份已用口令加密，口令请另外妥善保管：没有口令无法恢复。\n"
			"在新板子上恢复：cunlian --home 新目录 restore %s --old-board-dead\n",
			"backup written: %s (%s bytes)\nstation: %s (%s)\ndigest: %s\nThe backup is encrypted with the passphrase; keep the passphrase apart: without it nothing can be restored.\n"
			"to restore on a new board: cunlian --home NEWDIR restore %s --old-board-dead\n" },
	[M_RS_NEED_DEAD] = { "没有恢复：恢复会在新板子上使用这个站点的数据和一个新的节点身份。只有确认旧板子已经坏了、不会再开机时才可以恢复，"
			     "否则两块板子会同时代表同一个站点。确认后运行：cunlian --home 新目录 restore %s --old-board-dead\n",
			     "nothing restored: a restore puts this station's data on a new board with a new node identity. Do it only when the old board "
			     "is dead and will not be switched on again; then run: cunlian --home NEWDIR restore %s --old-board-dead\n" },
	[M_RS_HOME_BUSY] = { "%s 不是空目录，没有写入任何内容：恢复只能写入一个空目录或不存在的目录（用 --home 指定）\n",
			     "%s is not empty; nothing was written: restore into an empty or new folder (--home)\n" },
	[M_RS_NOT_BACKUP] = { "%s 不是 cunlian 备份文件（或文件头已损坏），没有写入任何内容\n",
			      "%s is not a cunlian backup (or its header is damaged); nothing was written\n" },
	[M_RS_BAD_PASS] = { "口令不对（或备份文件 %s 的开头已损坏），没有写入任何内容：检查口令后再试\n",
			    "wrong passphrase (or the start of %s is damaged); nothing was written: check the passphrase and try again\n" },
	[M_RS_CORRUPT] = { "备份文件 %s 已损坏或不完整（第 %s 字节附近），没有写入任何内容：换一份备份再试\n",
			   "the backup %s is damaged or truncated (near byte %s); nothing was written: try another copy\n" },
	[M_RS_WRITE] = { "无法写入 %s（%s），没有保留任何内容：检查目录权限和磁盘空间\n",
			 "cannot write into %s (%s); nothing was kept: check the folder's permissions and free space\n" },
	[M_RS_DIGEST] = { "恢复出的数据与备份 %s 记录的摘要不一致（应为 %s，实际 %s），没有保留任何内容：换一份备份再试\n",
			  "the restored data does not match the digest recorded in %s (want %s, got %s); nothing was kept: try another copy\n" },
	[M_RS_DONE] = { "已恢复：%s（%s）\n目录：%s\n备份时间：%s\n数据摘要：%s\n旧节点公钥（要撤销）：%s\n新节点公钥：%s\n",
			"restored: %s (%s)\nfolder: %s\nbackup taken: %s\ndigest: %s\nold node key (to revoke): %s\nnew node key: %s\n" },
	[M_RS_STEPS] = { "\n接下来：把新板子登记为站点 %s 的替换节点，并撤销旧密钥（详见 docs/field-guide.md“更换坏掉的板子”）：\n"
			 "  1. 新板子：写登记申请，用 U 盘带到县级中心：cunlian enroll request 申请.req\n"
			 "  2. 县级中心：撤销旧密钥，此后旧密钥的提交一律拒收：cunlian enroll revoke %s --now\n"
			 "  3. 县级中心：为新板子签发证书（同一站点）：cunlian enroll sign 申请.req --station %s --out 证书.cert\n"
			 "  4. 新板子：安装证书：cunlian enroll accept 证书.cert\n"
			 "  5. 新板子：启动服务并检查：sudo systemctl enable --now cunlian；cunlian doctor；cunlian status\n"
			 "旧板子在备份之后同步出去的数据，新板子同步时会自动取回。\n",
			 "\nnext: enrol the new board as the replacement node of station %s and revoke the old key (docs/field-guide.md, \"Replacing a dead board\"):\n"
			 "  1. new board: write an enrolment request and carry it to the county hub: cunlian enroll request REQ.req\n"
			 "  2. county hub: revoke the old key, so nothing it signs from now on is accepted: cunlian enroll revoke %s --now\n"
			 "  3. county hub: sign the new board's certificate (same station): cunlian enroll sign REQ.req --station %s --out CERT.cert\n"
			 "  4. new board: install it: cunlian enroll accept CERT.cert\n"
			 "  5. new board: start the service and check: sudo systemctl enable --now cunlian; cunlian doctor; cunlian status\n"
			 "What the old board synced after this backup comes back by itself at the next sync.\n" },
	[M_HELP_BUNDLE_EXPORT] = { "bundle export 文件 [--for 站点编号|hub]\n"
				   "  把对方可能缺少的变更写成同步包（U 盘、手机带走）；默认给县级中心（hub）。\n"
				   "  明确写 --for 时包更小，但只有该节点能导入，别的站点不能代为转交。\n"
				   "  本站入网前录入、未加密的数据只写进 --for hub（或 --for 本站）的包里。\n"
				   "bundle export 文件 --snapshot 范围\n"
				   "  （县级中心）把一个范围（站点编号，或 - 表示全县）的签名快照写成文件，给还没有网络的新板子导入。\n",
				   "bundle export FILE [--for STATION|hub]\n"
				   "  Write what that node may lack into a bundle file (carried on a USB stick or phone); for the hub by default.\n"
				   "  With --for given, the bundle is smaller but only that node can import it: no other station can carry it on.\n"
				   "  This station's data entered before it was enrolled (not encrypted) goes only into a bundle --for hub (or --for this station).\n"
				   "bundle export FILE --snapshot SCOPE\n"
				   "  (At the hub) write the signed snapshot of one scope (a station id, or - for the county) for a new board without a link to import.\n" },
	[M_HELP_BUNDLE_IMPORT] = { "bundle import 文件\n"
				   "  导入同步包：可重复导入；包损坏时导入其中完整有效的部分，并逐一说明跳过了什么。\n"
				   "  也导入县级中心写出的快照文件（--snapshot）：校验签名，不通过则什么都不改。\n",
				   "bundle import FILE\n"
				   "  Import a bundle: importing twice changes nothing; a damaged bundle imports every complete, valid part and says exactly what it skipped.\n"
				   "  Also takes a hub's snapshot file (--snapshot): its signature checked; refused, it changes nothing.\n" },
	[M_BUNDLE_EXPORTED] = { "已写出同步包 %s（%lld 字节，给 %s）：带到对方节点后运行 cunlian bundle import %s\n",
				"bundle %s written (%lld bytes, for %s): on that node run cunlian bundle import %s\n" },
	[M_BUNDLE_WRITE] = { "无法写出同步包 %s：%s；检查 U 盘是否插好、是否已满，然后重试\n",
			     "could not write the bundle %s: %s; check the stick is in and not full, then try again\n" },
	[M_BUNDLE_BAD_FOR] = { "--for 的值 \"%s\" 不是站点编号，也不是 hub\n",
			       "--for \"%s\" is neither a station id nor hub\n" },
	[M_BUNDLE_IMPORTED] = { "已导入 %s：新合并 %llu 条变更，已有 %llu 条，代为转交 %llu 条\n",
				"imported %s: %llu new changes merged, %llu already here, %llu kept to pass on\n" },
	[M_BUNDLE_REFUSED] = { "  拒收 %llu 条变更：%s（已记录，未合并）\n",
			       "  refused %llu changes: %s (recorded, not merged)\n" },
	[M_BUNDLE_SKIPPED] = { "  跳过 %llu 字节（从第 %llu 字节起）：%s\n",
			       "  skipped %llu bytes at byte %llu: %s\n" },
	[M_BUNDLE_NOT_BUNDLE] = { "%s 不是村联同步包：请确认拿的是 cunlian bundle export 写出的文件\n",
				  "%s is not a cunlian bundle: check it is the file cunlian bundle export wrote\n" },
	[M_BUNDLE_READ] = { "无法读取同步包 %s：%s\n", "could not read the bundle %s: %s\n" },
	[M_BUNDLE_CUT] = { "同步包 %s 看起来被截断了（结尾的校验块不在）：其中验证通过的数据已导入。请从原处重新拷贝一次再导入\n",
			   "the bundle %s looks cut short (its closing check is missing): what verified was imported. Copy it again from where it came and import it again\n" },
	[M_BUNDLE_ALTERED] = { "同步包 %s 与导出时不一致（校验块记的块数、长度或摘要不符：有字节被改动或丢失）：其中验证通过的数据已导入。请从原处重新拷贝一次再导入\n",
			       "the bundle %s is not as it was exported (its closing check disagrees on the chunks, the length or the hash: bytes were changed or lost): what verified was imported. Copy it again from where it came and import it again\n" },
	[M_BUNDLE_HEADER] = { "同步包 %s 的文件头已损坏（格式字节或导出节点的密钥不对）：其中验证通过的数据已导入。请从原处重新拷贝一次再导入\n",
			      "the header of the bundle %s is damaged (its format byte or the exporter's key is wrong): what verified was imported. Copy it again from where it came and import it again\n" },
	[M_BUNDLE_PARTIAL] = { "同步包有损坏或被拒收的部分，其余已导入：请从对方节点重新导出一份再导入\n",
			       "parts of the bundle were damaged or refused; the rest was imported: export a fresh bundle on the other node and import it\n" },

	/* ---- enrolment and trust (cmd_enroll.c) ---- */
	[M_HELP_ENROLL_REQUEST] = { "enroll request 文件\n"
		"  写出本站的入网申请（公钥、站点编号、名称，由本机密钥签名），交给县中心管理员\n",
		"enroll request FILE\n"
		"  write this station's enrolment request (public key, station id, name; signed by this node's key) for the county administrator\n" },
	[M_HELP_ENROLL_SIGN] = { "enroll sign 申请文件 --station 站点编号 --out 证书文件 [--role station|hub] [--days 天数] [--county-key 文件]（中心）\n"
		"  用县根密钥签发入网证书（默认有效 1095 天），并记入全县数据\n",
		"enroll sign REQUEST --station ID --out CERT [--role station|hub] [--days N] [--county-key FILE] (hub)\n"
		"  sign an enrolment certificate with the county root key (valid 1095 days by default) and record it in the county-wide data\n" },
	[M_HELP_ENROLL_ACCEPT] = { "enroll accept 证书文件\n"
		"  安装中心签发的证书：检查县根签名，记下县根公钥和本机证书\n",
		"enroll accept CERT\n"
		"  install the certificate from the hub: checks the county root's signature, stores the root's public key and this node's statement\n" },
	[M_HELP_ENROLL_REVOKE] = { "enroll revoke 节点公钥|站点编号 --from 序号|--now [--scope 范围] [--county-key 文件]（中心）\n"
		"  吊销节点：从该序号起（或从现在起）它的提交在各处都被拒收；\n"
		"  同时为它所在站点换用新一代数据密钥（只密封给该站点其他有效节点），它读不到此后写入的数据\n",
		"enroll revoke NODE|STATION --from SEQ|--now [--scope ID] [--county-key FILE] (hub)\n"
		"  revoke a node: its commits from that seq (or from now) are refused everywhere;\n"
		"  its station gets a new key generation (sealed to the station's other nodes only), so it cannot read what is written afterwards\n" },
	[M_HELP_ENROLL_CODE] = { "enroll code --station 站点编号（中心）\n"
		"  生成一次性入网码（24 小时内有效，只能用一次）\n",
		"enroll code --station ID (hub)\n"
		"  make a one-time enrolment code (valid 24 hours, works once)\n" },
	[M_HELP_JOIN] = { "join coap://中心地址 --code 入网码 [--timeout 秒]\n"
		"  用县中心发的一次性入网码在线入网（码只能用一次，24 小时内有效）\n",
		"join coap://HUB --code CODE [--timeout S]\n"
		"  enrol online with the one-time code the hub issued (works once, for 24 hours)\n" },
	[M_ENROLL_NEED_FILE] = { "缺少文件：用法 cunlian %s 文件\n", "missing file: usage is cunlian %s FILE\n" },
	[M_ENROLL_REQUESTED] = { "已写出入网申请 %s（站点 %s）：交给县中心管理员，运行 cunlian enroll sign\n",
		"wrote the enrolment request %s (station %s): give it to the county administrator to run cunlian enroll sign\n" },
	[M_ENROLL_SIGN_NEEDS] = { "用法：cunlian enroll sign 申请文件 --station 站点编号 --out 证书文件\n",
		"usage: cunlian enroll sign REQUEST --station ID --out CERT\n" },
	[M_ENROLL_BAD_REQUEST] = { "%s 不是有效的入网申请（格式或签名不对）：请站点重新运行 cunlian enroll request\n",
		"%s is not a valid enrolment request (format or signature): ask the station to run cunlian enroll request again\n" },
	[M_ENROLL_STATION_DIFFERS] = { "%s 写的站点是 %s，而这里是 %s：核对站点编号，没有签发或安装任何东西\n",
		"%s names station %s, not %s: check the station id; nothing was signed or installed\n" },
	[M_ENROLL_SIGNED] = { "已为 %s（站点 %s）签发证书，有效至 %s：把 %s 带到站点运行 cunlian enroll accept\n",
		"signed the certificate of %s (station %s), valid until %s: take %s to the station and run cunlian enroll accept\n" },
	[M_ENROLL_BAD_CERT] = { "%s 不是有效的入网证书（格式或县根签名不对），没有安装：请向县中心重新索取\n",
		"%s is not a valid certificate (format or county root signature); nothing installed: ask the hub for a new one\n" },
	[M_ENROLL_NOT_OURS] = { "证书 %s 是发给另一台设备的，没有安装：用本机的入网申请重新签发\n",
		"the certificate %s was issued to another device; nothing installed: have it signed for this node's request\n" },
	[M_ENROLL_OTHER_COUNTY] = { "%s 属于另一个县根密钥，不是本节点信任的那个：没有使用\n",
		"%s belongs to another county root key than the one this node trusts: not used\n" },
	[M_ENROLL_ACCEPTED] = { "已入网：站点 %s，证书有效至 %s；现在可以同步了\n",
		"enrolled: station %s, certificate valid until %s; this node can sync now\n" },
	[M_ENROLL_NO_COUNTY_KEY] = { "找不到县根密钥 %s：插入保存它的 U 盘，用 --county-key 指出位置\n",
		"the county root key %s is not here: plug in the stick that holds it and name it with --county-key\n" },
	[M_ENROLL_REVOKE_NEEDS] = { "用法：cunlian enroll revoke 节点公钥|站点编号 --from 序号 或 --now（二选一）\n",
		"usage: cunlian enroll revoke NODE|STATION with one of --from SEQ or --now\n" },
	[M_ENROLL_NO_NODE] = { "没有找到 %s 的入网记录：用 64 位十六进制公钥或站点编号\n",
		"no enrolment found for %s: give the 64-digit hex public key or the station id\n" },
	[M_ENROLL_REVOKED] = { "已吊销 %s（自序号 %s 起；- 表示从现在起）：同步后各节点都会拒收它之后的提交\n",
		"revoked %s (from seq %s; - means from now): every node refuses its later commits once it syncs\n" },
	[M_ENROLL_CODE_NEEDS] = { "用法：cunlian enroll code --station 站点编号\n", "usage: cunlian enroll code --station ID\n" },
	[M_ENROLL_CODE] = { "站点 %s 的一次性入网码：%s（%s 前有效，只能用一次）\n",
		"one-time code for station %s: %s (valid until %s, works once)\n" },
	[M_JOIN_REFUSED] = { "中心拒绝了入网码：码不对、已用过或已过期。请管理员重新发一个（enroll code --station 站点）\n",
		"the hub refused the code: it is wrong, used or expired. Ask the administrator for a new one (enroll code --station ID)\n" },
	[M_JOIN_NO_KEY] = { "%s 上没有县级根密钥，不能在线入网：请用 enroll request / sign / accept 通过文件入网\n",
		"%s does not hold the county key, so it cannot enrol online: enrol with files (enroll request / sign / accept)\n" },
	[M_JOIN_NEEDS] = { "用法：cunlian join coap://中心地址 --code 入网码\n",
		"usage: cunlian join coap://HUB --code CODE\n" },
	[M_TRUST_REVOKED] = { "本节点已被县中心吊销，停止同步：请联系县中心管理员，重新入网后才能同步\n",
		"this node was revoked by the county: it stops syncing; contact the county administrator to enrol again\n" },
	[M_STATUS_TRUST] = { "入网      站点 %s（%s）\n拒收提交  %llu（记录在 %s/refused.log）\n",
		"enrolment    station %s (%s)\nrefused      %llu commits (listed in %s/refused.log)\n" },
	[M_STATUS_NOT_ENROLLED] = { "入网      未入网：运行 cunlian enroll request，请县中心签发证书\n",
		"enrolment    not enrolled: run cunlian enroll request and have the hub sign it\n" },
	[M_STATUS_PEER] = { "同步对端  %s  上次同步 %s  待发送 %llu 条本机提交\n",
			    "peer         %s  last sync %s  %llu own commits to send\n" },
	[M_STATUS_NO_PEERS] = { "同步对端  无（在服务配置 /etc/cunlian/cunlian.conf 中用 peer = coap://地址 配置，或运行 cunlian sync）\n",
				"peers        none (set peer = coap://HOST in the service's config, /etc/cunlian/cunlian.conf, or run cunlian sync)\n" },
	[M_NEVER] = { "从未", "never" },
	[M_DOC_NO_PEERS] = { "同步对端：未配置（本机只等别人来同步，或用 U 盘包交换数据）",
			     "peers: none configured (this node only waits for others to sync, or moves data by bundle)" },
	[M_DOC_PEER_OK] = { "同步对端 %s 有应答", "peer %s answers" },
	[M_DOC_PEER_DOWN] = { "同步对端 %s 在 %u 秒内没有应答：检查网线或无线连接，确认对方已运行 cunlian serve 且地址端口正确，然后运行 cunlian sync %s",
			      "peer %s did not answer within %u s: check the cable or radio link, that cunlian serve runs there and that the address and port are right, then run cunlian sync %s" },

	/* ---- links: serve, sync, linksim (cmd_serve.c, cmd_sync.c, cmd_linksim.c, netconf.c) ---- */
	[M_HELP_SERVE] = { "serve [--listen 地址:端口|none] [--http 地址:端口|none] [--peer coap://主机[:端口]] [--interval 秒] [--config 文件] [--log 级别] [--once]\n  作为守护进程运行：在 --listen（默认 0.0.0.0:5683）上提供 CoAP 同步服务，并按间隔与配置的对端同步（站点发起，县级中心服务）。\n  --http（或配置里的 http = 地址:端口）同时提供网页：居民点单 /kiosk、志愿者和站点工作人员 /、县级中心 /hub、大屏 /display（docs/web.md）；不给就不开网页端口。\n  对端不可达时指数退避；对端恢复或网络接口变化时立即重试。SIGTERM 干净停止，SIGHUP 重新读取配置。配置见 docs/config.md。\n",
		"serve [--listen ADDR:PORT|none] [--http ADDR:PORT|none] [--peer coap://HOST[:PORT]] [--interval S] [--config FILE] [--log LEVEL] [--once]\n  Run as a daemon: serve CoAP sync on --listen (default 0.0.0.0:5683) and sync with the configured peers every interval (stations start, the hub serves).\n  --http (or http = ADDR:PORT in the config) also serves the web pages: residents' ordering at /kiosk, volunteers and staff at /, the county at /hub, the big screen at /display (docs/web.md); without it no web port is opened.\n  Backs off while a peer is unreachable; retries at once when it answers again or a network interface changes. SIGTERM stops cleanly, SIGHUP rereads the configuration. See docs/config.md.\n" },
	[M_HELP_SYNC] = { "sync coap://主机[:端口] [--timeout 秒] [--profile wifi|gprs|lora] [--ack-timeout 毫秒] [--retransmit 次数] [--window 数量] [--block 字节] [--chunk 字节]\n  与一个对端双向同步一次，显示发送和接收了什么；双方版本向量一致（已收敛）时退出码为 0，否则为 1。\n",
		"sync coap://HOST[:PORT] [--timeout S] [--profile wifi|gprs|lora] [--ack-timeout MS] [--retransmit N] [--window N] [--block BYTES] [--chunk BYTES]\n  Sync once, both ways, with one peer and print what was sent and received; exit 0 only when both hold the same version vector (converged), else 1.\n" },
	[M_HELP_LINKSIM] = { "linksim --listen 地址:端口 --to 地址:端口 [--profile gprs|lora|wifi] [--loss 比例] [--dup 比例] [--reorder 比例] [--delay-ms 毫秒] [--jitter-ms 毫秒] [--rate 比特每秒] [--mtu 字节] [--seed N] [--duration 秒]\n  （测试和技术员工具）UDP 中继：把 --listen 收到的数据报经模拟链路（丢包、重复、乱序、延迟、带宽、MTU）转发到 --to，并把回复送回。只用于回环地址上的测试。\n  linksim --pty [--profile lora] [--loss 比例] [--seed N]：不用电台测试 LoRa，打开两个伪终端，把一个写入的帧经模拟的 LoRa 空中链路送到另一个（供两个 lora-bridge --serial 使用）。\n",
		"linksim --listen ADDR:PORT --to ADDR:PORT [--profile gprs|lora|wifi] [--loss P] [--dup P] [--reorder P] [--delay-ms MS] [--jitter-ms MS] [--rate BPS] [--mtu BYTES] [--seed N] [--duration S]\n  (test and technician tool) UDP relay: datagrams arriving at --listen go to --to through a simulated link (loss, duplication, reordering, delay, bandwidth, MTU), and the answers come back. For tests on loopback.\n  linksim --pty [--profile lora] [--loss P] [--seed N]: LoRa without radios: two pseudo-terminals; frames written to one cross a simulated LoRa air to the other (for the --serial of two lora-bridges).\n" },
	[M_NCR_SYNTAX] = { "每行应为“键 = 值”",
		"lines are `key = value`" },
	[M_BAD_LANG] = { "%s 的值 %s 不是可用的语言：用 zh（中文）或 en（英文）\n",
		"%s is %s, not a language: use zh (Chinese) or en (English)\n" },
	[M_BAD_LANG_OPT] = { "%s 需要 zh（中文）或 en（英文）\n",
		"%s takes zh (Chinese) or en (English)\n" },
	[M_CONF_LINE] = { "%s 第 %s 行有错：每行应为“键 = 值”，lang 只能是 zh 或 en；改正这一行后再试，什么都没有做\n",
		"%s line %s is wrong: lines are `key = value`, and lang is zh or en; fix that line and try again; nothing was done\n" },
	[M_DOC_SERVICE_ON] = { "服务：cunlian serve 正在运行", "service: cunlian serve is running" },
	[M_DOC_SERVICE_OFF] = { "服务：cunlian serve 没有在运行，本站不会自动同步：sudo systemctl start cunlian（或运行 cunlian serve）",
		"service: cunlian serve is not running, so this node does not sync by itself: sudo systemctl start cunlian (or run cunlian serve)" },
	[M_DOC_NETCONF_OK] = { "服务配置：%s 没有问题（%u 个同步对端）", "service config: %s is fine (%u peers)" },
	[M_DOC_NETCONF_BAD] = { "服务配置：%s 第 %d 行：%s", "service config: %s line %d: %s" },
	[M_DOC_NETCONF_OPEN] = { "服务配置：无法读取 %s（%s）", "service config: cannot read %s (%s)" },
	[M_DOC_NEVER_SYNCED] = { "同步：还从未同步过：运行 cunlian sync coap://县中心地址，或导入县中心的数据包",
		"sync: never synced yet: run cunlian sync coap://HUB, or import a bundle from the hub" },
	[M_DOC_LAST_SYNC] = { "同步：最近一次在 %s（%llu 小时前）", "sync: last at %s (%llu hours ago)" },
	[M_DOC_REFUSED] = { "拒收：%llu 次（明细在 %s/refused.log）", "refused: %llu runs of commits (listed in %s/refused.log)" },
	[M_KEY_MODE] = { "节点密钥 %s 别人也能读取，为安全起见拒绝使用：执行 chmod 600 %s 后再试；什么都没有做\n",
		"the node key %s can be read by others, so it is not used: run chmod 600 %s and try again; nothing was done\n" },
	[M_LOG_HIDDEN] = { "另有 %llu 次提交是其他站点加密的数据，本节点没有它们的密钥，只代为转交，无法显示\n",
		"%llu more commits are other stations' encrypted data: this node only relays them and has not their key, so they are not shown\n" },
	[M_NCR_HTTP] = { "网页地址无效：用 IPv4地址:端口，例如 0.0.0.0:8080，或 none",
		"not a web address: use IPv4ADDRESS:PORT, e.g. 0.0.0.0:8080, or none" },
	[M_NET_BAD_HTTP] = { "网页地址 %s 无效：用 IPv4地址:端口，例如 0.0.0.0:8080，或 none\n",
		"the web address %s is not valid: use IPv4ADDRESS:PORT, e.g. 0.0.0.0:8080, or none\n" },
	[M_NET_HTTP_FAIL] = { "无法在 %s 上提供网页（%s）：端口可能已被另一个进程占用，或地址不属于本机\n",
		"cannot serve the web pages on %s (%s): the port may be in use by another process, or the address is not this machine's\n" },
	[M_LOG_HTTP] = { "网页已开启：http://%s/kiosk", "web pages on: http://%s/kiosk" },
	[M_DOC_HOME_RO] = { "目录：%s 所在的文件系统是只读的（存储卡出错后常会这样），不能记录：先备份（cunlian backup 文件）到 U 盘，再重启板子；重启后仍是只读的话，请技术员更换存储卡。数据本身没有坏，不要从县中心恢复",
		"home: the file system holding %s is read-only (a storage card often goes read-only after errors), so nothing can be recorded: back up first (cunlian backup FILE) to a stick, then reboot the board; if it is still read-only, have the technician replace the card. The data itself is not damaged: do not restore from the hub" },
	[M_DOC_HOME_FULL] = { "目录：%s 所在的磁盘满了，不能记录：清理这块磁盘（旧日志、下载文件）后再试。数据本身没有坏，不要从县中心恢复",
		"home: the disk holding %s is full, so nothing can be recorded: free space on it (old logs, downloads) and try again. The data itself is not damaged: do not restore from the hub" },
	[M_NCR_UNKNOWN] = { "没有这个设置项（拼写错误？可用的设置项见 docs/config.md）",
		"no such setting (misspelt? docs/config.md lists them)" },
	[M_NCR_NUMBER] = { "数值无效或超出允许范围（见 docs/config.md）",
		"not a number, or out of the allowed range (see docs/config.md)" },
	[M_NCR_ADDRESS] = { "地址无效：用 主机:端口，例如 0.0.0.0:5683 或 [::]:5683，或 none",
		"not an address: use HOST:PORT, e.g. 0.0.0.0:5683 or [::]:5683, or none" },
	[M_NCR_PEER] = { "对端无效：用 coap://主机[:端口] [profile=wifi|gprs|lora] [ack_timeout=毫秒] [retransmit=次数] [window=数量] [block=16..1024]",
		"not a peer: use coap://HOST[:PORT] [profile=wifi|gprs|lora] [ack_timeout=MS] [retransmit=N] [window=N] [block=16..1024]" },
	[M_NCR_TOO_MANY] = { "对端太多（最多 32 个）",
		"too many peers (at most 32)" },
	[M_NCR_LEVEL] = { "日志级别用 err、warning、notice、info 或 debug",
		"log levels are err, warning, notice, info or debug" },
	[M_NET_CONF_BAD] = { "%s:%d：%s。配置有错，没有启动：改正这一行后再试\n",
		"%s:%d: %s. Bad configuration, nothing started: fix that line and try again\n" },
	[M_NET_BAD_LINK] = { "链路选项 --%s %s 无效（见 --help）\n",
		"the link option --%s %s is not valid (see --help)\n" },
	[M_NET_BAD_URI] = { "%s 不是对端地址：用 coap://主机[:端口]，例如 coap://192.168.1.10:5683\n",
		"%s is not a peer address: use coap://HOST[:PORT], e.g. coap://192.168.1.10:5683\n" },
	[M_NET_NEED_URI] = { "缺少对端：用法 cunlian sync coap://主机[:端口]\n",
		"missing peer: usage is cunlian sync coap://HOST[:PORT]\n" },
	[M_NET_BAD_LISTEN] = { "监听地址 %s 无效：用 数字地址:端口，例如 0.0.0.0:5683 或 [::]:5683（不带 coap://），或 none\n",
		"the listen address %s is not valid: use ADDRESS:PORT with a numeric address, e.g. 0.0.0.0:5683"
		" or [::]:5683 (no coap://), or none\n" },
	[M_NET_BAD_LEVEL] = { "日志级别 %s 无效：用 err、warning、notice、info 或 debug\n",
		"log level %s is not valid: use err, warning, notice, info or debug\n" },
	[M_NET_LISTEN_FAIL] = { "无法在 %s 上提供服务（%s）：端口可能已被另一个进程占用，或地址不属于本机\n",
		"cannot serve on %s (%s): the port may be in use by another process, or the address is not this machine's\n" },
	[M_NET_UNREACHABLE] = { "与 %s 同步失败（%s）：检查网络连接，以及对方是否在运行 cunlian serve；已收到的数据都已保存\n",
		"syncing with %s failed (%s): check the link and that cunlian serve runs there; everything received is kept\n" },
	[M_NET_SYNC_SENT] = { "发送：%llu 条消息，%llu 字节\n",
		"sent: %llu messages, %llu bytes\n" },
	[M_NET_SYNC_RECEIVED] = { "接收：%llu 条消息，%llu 字节；合并 %llu 条变更，转存 %llu 条，重复 %llu 条，拒收 %llu 条\n",
		"received: %llu messages, %llu bytes; %llu changes merged, %llu carried, %llu duplicates, %llu refused\n" },
	[M_NET_CONVERGED] = { "已与 %s 收敛（用时 %.1f 秒）\n",
		"converged with %s (%.1f s)\n" },
	[M_NET_STATE_DIFFERS] = { "尚未与 %s 收敛：双方持有的变更相同，但“%s”的数据不同（有一方拒收了另一方的部分变更）。"
				  "在双方运行 cunlian status 查看拒收记录（refused.log），并联系县管理员；再同步不会改变结果\n",
				  "not converged with %s: both hold the same commits, but the data of %s differs (one side"
				  " refused some of the other's commits). Run cunlian status on both to see the refusals"
				  " (refused.log) and call the county administrator; syncing again will not change it\n" },
	[M_SCOPE_COUNTY] = { "全县范围", "the county-wide scope" },
	[M_NET_NOT_CONVERGED] = { "尚未与 %s 收敛：%zu 个数据源不一致，请再同步一次\n",
		"not converged with %s: %zu feeds differ; sync again\n" },
	[M_LOG_START] = { "开始服务：监听 %s，对端 %zu 个，同步间隔 %u 秒\n",
		"serving on %s, %zu peers, sync every %u s\n" },
	[M_LOG_STOP] = { "已停止：所有已确认的数据都已写入磁盘\n",
		"stopped: everything acknowledged is on disk\n" },
	[M_LOG_JOIN] = { "对端 %s 请求入网：%s\n", "join from %s: %s\n" },
	[M_LOG_PEER_OWN_LOST] = { "%s（站点 %s，节点 %.16s…）的数据库缺少它自己的数据：范围 %s 它只到第 %llu 条，本节点有到第 %llu 条。"
				  "它的数据库丢了或换成了旧的；那个站点要运行 cunlian recover（技术员手册 3a 节）\n",
				  "%s (station %s, node %.16s…) lacks its own commits: in scope %s it holds up to %llu, this"
				  " node up to %llu. Its database was lost or replaced by an older copy; that station must run"
				  " cunlian recover (field guide 3a)\n" },
	[M_LOG_SERVED] = { "对端 %s 的会话结束（%s）：收到 %llu 条消息 %llu 字节，发出 %llu 条消息 %llu 字节，合并 %llu，拒收 %llu，历时 %.1f 秒\n",
		"session from %s ended (%s): in %llu messages %llu bytes, out %llu messages %llu bytes, merged %llu, refused %llu, %.1f s\n" },
	[M_LOG_PEER_OK] = { "与 %s 同步完成并收敛：发出 %llu 条 %llu 字节，收到 %llu 条 %llu 字节，合并 %llu，拒收 %llu，用时 %.1f 秒（不一致 %zu）\n",
		"synced with %s, converged: out %llu messages %llu bytes, in %llu messages %llu bytes, merged %llu, refused %llu, %.1f s (%zu feeds differ)\n" },
	[M_LOG_PEER_DIFFER] = { "与 %s 同步完成但未收敛：发出 %llu 条 %llu 字节，收到 %llu 条 %llu 字节，合并 %llu，拒收 %llu，用时 %.1f 秒，%zu 个数据源不一致\n",
		"synced with %s, not converged: out %llu messages %llu bytes, in %llu messages %llu bytes, merged %llu, refused %llu, %.1f s, %zu feeds differ\n" },
	[M_LOG_PEER_FAIL] = { "与 %s 同步失败（%s）：发出 %llu 字节，收到 %llu 字节，用时 %.1f 秒；%.0f 秒后重试\n",
		"sync with %s failed (%s): out %llu bytes, in %llu bytes, %.1f s; next try in %.0f s\n" },
	[M_LOG_PEER_BACK] = { "对端 %s 恢复可达\n",
		"peer %s is reachable again\n" },
	[M_LOG_IFCHANGE] = { "网络接口有变化：立即重试不可达的对端\n",
		"network interfaces changed: trying unreachable peers now\n" },
	[M_LOG_RELOADED] = { "已重新读取配置：对端 %zu 个，同步间隔 %u 秒\n",
		"configuration reloaded: %zu peers, sync every %u s\n" },
	[M_LOG_RELOAD_BAD] = { "配置未重新读取，%s:%d：%s；继续使用原配置\n",
		"configuration not reloaded, %s:%d: %s; the old one stays\n" },
	[M_LOG_LISTEN_RESTART] = { "监听地址改为 %s 需要重启 cunlian serve 才生效\n",
		"the new listen address %s takes effect after cunlian serve restarts\n" },
	[M_LINKSIM_START] = { "中继 %s -> %s：丢包 %.2f，重复 %.2f，乱序 %.2f，单程延迟 %u 毫秒 + 抖动 %u 毫秒，%llu 比特每秒，MTU %zu，种子 %llu\n",
		"relay %s -> %s: loss %.2f, dup %.2f, reorder %.2f, one-way delay %u ms + jitter %u ms, %llu bit/s, MTU %zu, seed %llu\n" },
	[M_LINKSIM_STOP] = { "中继结束：发送 %llu，送达 %llu，丢失 %llu，重复 %llu，乱序 %llu，超过 MTU %llu\n",
		"relay stopped: sent %llu, delivered %llu, lost %llu, duplicated %llu, reordered %llu, over the MTU %llu\n" },
	[M_LINKSIM_BAD] = { "选项 --%s %s 无效（见 cunlian linksim --help）\n",
		"the option --%s %s is not valid (see cunlian linksim --help)\n" },
	[M_LINKSIM_NEEDS] = { "linksim 需要 --listen 地址:端口 和 --to 地址:端口\n",
		"linksim needs --listen ADDR:PORT and --to ADDR:PORT\n" },
	[M_LINKSIM_AIR] = { "模拟空中链路：%s <-> %s（把两个 lora-bridge 的 --serial 分别指向它们）：丢包 %.2f，%llu 比特每秒，每帧最多 %zu 字节，半双工，种子 %llu\n",
		"simulated air: %s <-> %s (point the --serial of two lora-bridges at them): loss %.2f, %llu bit/s, frames of at most %zu bytes, half duplex, seed %llu\n" },
	[M_LINKSIM_AIR_STOP] = { "空中链路结束：发出 %llu 帧，送达 %llu，丢失 %llu，占用空中时间 %.1f 秒\n",
		"air stopped: %llu frames sent, %llu delivered, %llu lost, %.1f s of airtime\n" },
	[M_HELP_LORA_BRIDGE] = { "lora-bridge --serial 设备 [--baud 波特率] [--udp 地址:端口] [--to 地址:端口] [--log 级别] [--stats 秒]\n  把本机节点的 CoAP 数据报经串口 LoRa 电台收发（每个数据报一帧，最多 197 字节，半双工）。串口设为原始模式 8N1，默认 9600 波特。\n  站点：cunlian lora-bridge --serial /dev/ttyUSB0，node.conf 里写 peer = coap://127.0.0.1:5684 profile=lora（--udp 默认 127.0.0.1:5684）。\n  县级中心：cunlian lora-bridge --serial /dev/ttyUSB0 --udp 127.0.0.1:5685 --to 127.0.0.1:5683（--to 为本机 cunlian serve 的地址）。\n  SIGTERM 干净停止。电台设置见 hw/lora.md。\n",
		"lora-bridge --serial DEVICE [--baud N] [--udp ADDR:PORT] [--to ADDR:PORT] [--log LEVEL] [--stats S]\n  Carry this node's CoAP datagrams over a serial LoRa modem (one datagram per frame, at most 197 bytes, half duplex). The line is set raw, 8N1, 9600 baud unless --baud.\n  Station: cunlian lora-bridge --serial /dev/ttyUSB0, and in node.conf peer = coap://127.0.0.1:5684 profile=lora (--udp defaults to 127.0.0.1:5684).\n  Hub: cunlian lora-bridge --serial /dev/ttyUSB0 --udp 127.0.0.1:5685 --to 127.0.0.1:5683 (--to is where this machine's cunlian serve listens).\n  SIGTERM stops it cleanly. Modem settings: hw/lora.md.\n" },
	[M_LORA_NEEDS] = { "lora-bridge 需要 --serial 设备，例如 --serial /dev/ttyUSB0（见 cunlian lora-bridge --help）\n",
		"lora-bridge needs --serial DEVICE, e.g. --serial /dev/ttyUSB0 (see cunlian lora-bridge --help)\n" },
	[M_LORA_BAD_BAUD] = { "波特率 %s 无效：用 1200、2400、4800、9600、19200、38400、57600、115200 或 230400，并与电台的串口设置一致\n",
		"the baud rate %s is not valid: use 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200 or 230400, as the modem's serial line is set\n" },
	[M_LORA_BAD_ADDR] = { "%s %s 不是地址：用 主机:端口，例如 127.0.0.1:5684\n",
		"%s %s is not an address: use HOST:PORT, e.g. 127.0.0.1:5684\n" },
	[M_LORA_NO_DEVICE] = { "没有串口设备 %s：检查电台的 USB 线是否插好，用 ls /dev/ttyUSB* /dev/ttyACM* 找到它的名字\n",
		"there is no serial device %s: check that the modem's USB cable is plugged in, and find its name with ls /dev/ttyUSB* /dev/ttyACM*\n" },
	[M_LORA_NOT_SERIAL] = { "%s 不是串口设备：--serial 要指向电台的串口，例如 /dev/ttyUSB0\n",
		"%s is not a serial device: --serial names the modem's serial line, e.g. /dev/ttyUSB0\n" },
	[M_LORA_OPEN_FAIL] = { "无法打开串口 %s（%s）：没有权限时把运行的用户加入 dialout 组；设备被占用时先停掉占用它的程序\n",
		"cannot open the serial line %s (%s): without permission add the user to the dialout group; if it is busy stop the program that holds it\n" },
	[M_LORA_START] = { "LoRa 桥开始：串口 %s（%u 波特，8N1），UDP %s（端口 %u），空中收到的数据报发往 %s；每帧最多 %u 字节\n",
		"LoRa bridge started: serial %s (%u baud, 8N1), UDP %s (port %u), datagrams from the air go to %s; frames of at most %u bytes\n" },
	[M_LORA_TO_LAST] = { "最近向本桥发送数据的本机程序",
		"the local program that last sent to this bridge" },
	[M_LORA_LINE_LOST] = { "串口 %s 断开（%s）：检查电台的电源和 USB 线，然后重新启动 lora-bridge\n",
		"the serial line %s went away (%s): check the modem's power and USB cable, then start lora-bridge again\n" },
	[M_LORA_TOO_BIG] = { "丢弃了一个 %zu 字节的数据报：LoRa 一帧最多 %u 字节。把这条链路的对端设为 profile=lora（块大小 128）\n",
		"dropped a datagram of %zu bytes: a LoRa frame holds at most %u. Give this link's peer profile=lora (block 128)\n" },
	[M_LORA_COUNTS] = { "LoRa 桥：发出 %llu 帧，收到 %llu 帧；过大丢弃 %llu，队列满丢弃 %llu，坏帧 %llu，非本机节点 %llu，无去处 %llu\n",
		"LoRa bridge: %llu frames out, %llu in; dropped %llu too big, %llu on a full queue, %llu bad frames, %llu foreign, %llu with nowhere to go\n" },
	[M_LORA_STOP] = { "LoRa 桥已停止\n", "LoRa bridge stopped\n" },
	[M_NCR_LORA_BLOCK] = { "LoRa 一帧最多 197 字节：profile=lora 的 block 只能是 128 或更小",
		"a LoRa frame holds 197 bytes: with profile=lora, block must be 128 or less" },
	[M_NET_BAD_LINK_WHY] = { "链路选项 --%s %s 无效：%s\n",
		"the link option --%s %s is not valid: %s\n" },
	/* issue 12: a lost replica, feed.mark and recover (feedmark.c, cmd_recover.c) */
	[M_MARK_COUNTY] = { "全县", "county-wide" },
	[M_MARK_REFUSED] = { "数据库与本节点的身份不符（数据库丢失、被重建或换成了旧的）：%s 的数据里本节点的提交只存到第 %s 号，而本节点至少写到过第 %s 号（最多第 %s 号）。为了不把已经发出的编号再用一次，本命令什么也没有写。\n",
		"the database does not match this node's identity (lost, re-created or replaced by an older copy): of %s data it holds this node's commits only up to seq %s, but this node wrote at least up to seq %s (at most %s). So as not to hand out numbers already given away, this command wrote nothing.\n" },
	[M_MARK_WAYS_OUT] = { "解决办法（任选其一）：\n"
			      "  cunlian recover --from coap://县中心地址   从县中心取回本站自己的数据，再接着写\n"
			      "  cunlian recover --bundle 文件            从数据包取回（在县中心运行 cunlian bundle export 文件 --for %s）\n"
			      "  在空目录中恢复一份更新的备份（cunlian restore，见 docs/field-guide.md）\n"
			      "查看、同步、备份等只读命令仍可使用。\n",
			      "ways out (any one):\n"
			      "  cunlian recover --from coap://HUB        fetch this station's own data back from the hub, then go on\n"
			      "  cunlian recover --bundle FILE            the same from a bundle (at the hub: cunlian bundle export FILE --for %s)\n"
			      "  restore a newer backup into an empty folder (cunlian restore, see docs/field-guide.md)\n"
			      "Read-only commands (show, sync, backup) still work.\n" },
	[M_MARK_WARN] = { "警告：数据库与本节点的身份不符（%s 的数据里本节点的提交只存到第 %s 号，有提交丢失）：可以查看，但不能写入。\n",
		"warning: the database does not match this node's identity (of %s data it holds this node's commits only up to seq %s; commits were lost): you can look, not write.\n" },
	[M_MARK_DAMAGED] = { "%s/feed.mark（本节点用过的编号记录）已损坏，无法确认新编号不会重复；本命令什么也没有写。\n",
		"%s/feed.mark (the numbers this node has used) is damaged, so new numbers cannot be known to be unused; this command wrote nothing.\n" },
	[M_MARK_IO] = { "无法读写 %s/feed.mark（%s）：本命令什么也没有写。检查存储卡是否写满或损坏、目录权限是否正确。\n",
		"cannot read or write %s/feed.mark (%s): this command wrote nothing. Check that the card is not full or failing and the folder's permissions.\n" },
	[M_HELP_RECOVER] = { "recover --from coap://主机[:端口] [--timeout 秒] | --bundle 文件  [--accept-loss]\n"
			     "  数据库丢失、重建或换成旧的之后：从县中心（或县中心用 cunlian bundle export 文件 --for 本站 导出的数据包）取回本站自己的数据和全县数据，从县中心存有的最后一个编号接着写，并列出从未同步、因而丢失的提交。之后新记录的编号跳过可能用过的号。曾经发出却没有取回的提交（还在数据包或别的站点上）会让它停下，除非加 --accept-loss 放弃它们。\n"
			     "  退出码：0 完成；1 取不回（县中心连不上，或没有收敛）；2 用法错误；3 发出过的提交没有取回；4 数据包不存在；5 存储错误。\n",
			     "recover --from coap://HOST[:PORT] [--timeout S] | --bundle FILE  [--accept-loss]\n"
			     "  After the database was lost, re-created or replaced by an older copy: fetch this station's own data and the county's back from the hub (or from a bundle the hub made with cunlian bundle export FILE --for STATION), go on numbering after the last commit the hub holds, and list the commits that were never synced and are therefore lost. New record ids then skip the numbers that may have been used. Commits that were sent but did not come back (a bundle or another station still holds them) stop it, unless --accept-loss gives them up.\n"
			     "  Exit codes: 0 done; 1 could not fetch (hub unreachable or not converged); 2 usage; 3 commits that were sent did not come back; 4 no such bundle; 5 storage error.\n" },
	[M_RECOVER_NEED_SOURCE] = { "用法：cunlian recover --from coap://主机[:端口]，或 cunlian recover --bundle 文件（二者选一）\n",
		"usage: cunlian recover --from coap://HOST[:PORT], or cunlian recover --bundle FILE (one of them)\n" },
	[M_RECOVER_FETCHED] = { "从 %s 取回 %llu 条提交。\n", "fetched from %s: %llu commits.\n" },
	[M_RECOVER_FEED] = { "%s 的数据：本节点的提交现在存到第 %llu 号，新的提交从第 %llu 号接着编。\n",
		"%s data: this node's commits are now held up to seq %llu; new commits go on from seq %llu.\n" },
	[M_RECOVER_SENT_LOST] = { "  第 %llu–%llu 号提交曾经发出（同步或数据包），但没有取回；已按 --accept-loss 放弃：以后即使出现也不会再被合并。\n",
		"  commits %llu-%llu were sent (a sync or a bundle) but did not come back; given up (--accept-loss): should they turn up, they are not merged.\n" },
	[M_RECOVER_LOST] = { "  第 %llu 号提交从未同步，已丢失（涉及记录 %s）：请核对纸质记录并重新录入。\n",
		"  commit %llu was never synced and is lost (records %s): check the paper records and enter it again.\n" },
	[M_RECOVER_NOLOSS] = { "  没有丢失的提交。\n", "  no commit was lost.\n" },
	[M_RECOVER_IDS] = { "新记录的编号跳过可能用过的号，接下来是：%s\n",
		"new record ids skip the numbers that may have been used; next: %s\n" },
	[M_RECOVER_DONE] = { "恢复完成：可以接着写了。\n", "recovered: writing works again.\n" },
	[M_RECOVER_NOT_NEEDED] = { "数据库与本节点的身份相符，不需要恢复（想取回数据请用 cunlian sync）；没有改动任何东西。\n",
		"the database matches this node's identity: nothing to recover (to fetch data use cunlian sync); nothing was changed.\n" },
	[M_DOC_MARK_OK] = { "编号：数据库与本节点用过的编号记录（feed.mark）一致", "numbering: the database matches the numbers this node has used (feed.mark)" },
	[M_DOC_MARK_NONE] = { "编号：本节点还没有写过数据", "numbering: this node has not written anything yet" },
	[M_DOC_MARK_BAD] = { "编号：数据库与本节点的身份不符（%s 的数据里本节点的提交只存到第 %llu 号，本节点至少写到过第 %llu 号），写入被拒绝。运行 cunlian recover --from coap://县中心地址 或 cunlian recover --bundle 文件（docs/field-guide.md）",
		"numbering: the database does not match this node's identity (of %s data it holds this node's commits only up to seq %llu; this node wrote at least up to %llu): writing is refused. Run cunlian recover --from coap://HUB or cunlian recover --bundle FILE (docs/field-guide.md)" },
	[M_DOC_MARK_DAMAGED] = { "编号：%s/feed.mark 已损坏，写入被拒绝。运行 cunlian recover --from coap://县中心地址 或 cunlian recover --bundle 文件",
		"numbering: %s/feed.mark is damaged: writing is refused. Run cunlian recover --from coap://HUB or cunlian recover --bundle FILE" },
	[M_DOC_MARK_IO] = { "编号：无法读写 %s/feed.mark（%s）：写入会失败。检查存储卡和目录权限",
		"numbering: cannot read or write %s/feed.mark (%s): writes will fail. Check the card and the folder's permissions" },
	[M_RECOVER_SENT_MISSING] = { "%s 的数据：第 %s–%s 号提交曾经发出（同步或数据包），但这次没有取回：它们还在别处（数据包、别的站点，或在去县中心的路上），接着编号会和它们重复。请导入那个数据包（cunlian recover --bundle 文件），或等它们到了县中心再运行 cunlian recover --from；确定它们已经不存在时，加 --accept-loss 放弃。编号记录没有改变，写入仍被拒绝。\n",
		"%s data: commits %s-%s were sent (a sync or a bundle) but did not come back: something else holds them (a bundle, another station, or they are on their way to the hub), and numbering on would reuse their numbers. Import that bundle (cunlian recover --bundle FILE), or run cunlian recover --from again once they reached the hub; if they are surely gone, add --accept-loss to give them up. The numbering record is unchanged and writing is still refused.\n" },
	[M_MARK_LOST_SEEN] = { "这个数据库丢失过本节点的提交（%s/feed.mark 记着），同步取回了一部分，但还没有运行 cunlian recover 列出丢了什么、让编号接着走；本命令什么也没有写。\n",
		"this database lost commits of this node once (%s/feed.mark says so); a sync brought some back, but cunlian recover has not yet listed what is gone and set the numbering on; this command wrote nothing.\n" },
	/* issue 12, parts 4 and 6: a full stick, output that did not fit */
	[M_FULL_BUNDLE] = { "U 盘（或磁盘）已满，同步包 %s 没有写成：它需要 %s，那里只剩 %s。原来的同名文件（如有）没有改动，也没有留下写了一半的文件。删掉那里不要的文件或换一个空间足够的 U 盘，再运行一次\n",
			    "the stick (or disk) is full: the bundle %s was not written; it needs %s and only %s is free there. The file of that name (if any) is unchanged and no partial file was left. Delete files you do not need there, or use a stick with enough room, and run the export again\n" },
	[M_FULL_BACKUP] = { "U 盘（或磁盘）已满，备份 %s 没有写成：它大约需要 %s，那里只剩 %s。原来的同名文件（如有）没有改动，也没有留下写了一半的文件。删掉那里不要的文件或换一个空间足够的 U 盘，再运行一次\n",
			    "the stick (or disk) is full: the backup %s was not written; it needs about %s and only %s is free there. The file of that name (if any) is unchanged and no partial file was left. Delete files you do not need there, or use a stick with enough room, and run the backup again\n" },
	[M_FULL_FREE_UNKNOWN] = { "未知大小", "an unknown amount" },
	[M_OUT_WRITE] = { "输出没有写完（%s）：它写到的文件不完整，不要使用；腾出空间或换个位置后再运行一次\n",
			  "the output was not written completely (%s): the file it went to is incomplete, do not use it; make room or write it elsewhere and run the command again\n" },
	/* re-keying on revocation (issue 13, part 3) */
	[M_ENROLL_REKEYED] = { "站点 %s 换用第 %u 代数据密钥，已密封给 %zu 个仍有效的节点（以及县中心）；被吊销的节点读不到此后写入的数据\n",
		"station %s now uses key generation %u, sealed to %zu remaining node(s) (and the hubs); the revoked node cannot read what is written from now on\n" },
	[M_ENROLL_REKEY_FULL] = { "站点 %s 的数据密钥已换过 %s 代，不能再换：请为该站点换一个站点编号\n",
		"station %s has used %s key generations, the most there can be: give the station a new id\n" },
	[M_ENROLL_HUB_NO_REKEY] = { "注意：%s 是县中心节点，它持有全县的主密钥；吊销它不会更换数据密钥（需要更换县根密钥，尚未支持）\n",
		"note: %s is a hub and holds the county's master key; revoking it does not re-key anything (that needs a new county root, not built yet)\n" },
	[M_BUNDLE_WITHHELD] = { "另有 %llu 条本站入网前录入、未加密的数据没有写进 %s，也不会交给其他站点转带：入网后运行 cunlian bundle export 文件 --for hub 交给县中心（加密写入），或直接与县中心同步\n",
		"%llu change(s) of this station entered before it was enrolled (not encrypted) were left out of %s and are never handed to other stations to carry: once enrolled, run cunlian bundle export FILE --for hub for the hub (written encrypted), or sync with the hub directly\n" },
	/* ---- clock: bounds, cunlian clock, rescue (issue 12 part 2) ---- */
	[M_HELP_CLOCK] = { "clock [--set-from-hub] | clock rescue [--replay]\n  显示本机对真实时间的依据：系统时间、本机最后一次提交、最近听到的县中心时间、上下界和结论。--set-from-hub：用县中心时间（加上此后经过的时间）设置系统时钟（需要 root）。rescue：本站以前用错误时钟记录过数据时的现场救援（见现场手册）；--replay：重新登记后，把救出的数据按现在的时间重新记录。\n",
		"clock [--set-from-hub] | clock rescue [--replay]\n  Show what this node knows of the true time: the system clock, its own last commit, the hub's time last heard, the bounds and the verdict. --set-from-hub: set the system clock from the hub's time (plus the time elapsed since; needs root). rescue: the field rescue of a station that committed with a wrong clock (see the field guide); --replay: once enrolled again, record the rescued data anew at the present time.\n" },
	[M_CLOCK_REFUSE_UNSET] = { "本机时钟没有设置（现在显示 %s）：不能记录，什么都没有写入。请把时间调对：sudo cunlian clock --set-from-hub（用最近一次听到的县中心时间），或 sudo date -s '年-月-日 时:分'；运行 cunlian clock 查看依据。\n",
		"this board's clock is not set (it says %s): nothing was written. set the clock right: sudo cunlian clock --set-from-hub (from the hub's time last heard), or sudo date -s 'YYYY-MM-DD HH:MM'; cunlian clock shows the evidence.\n" },
	[M_CLOCK_REFUSE_BEHIND] = { "本机时钟慢了：现在显示 %s，但已确知时间至少到了 %s（%s）。不能记录，什么都没有写入。请把时间调对：sudo cunlian clock --set-from-hub（用最近一次听到的县中心时间），或 sudo date -s '年-月-日 时:分'；运行 cunlian clock 查看依据。\n",
		"this board's clock is slow: it says %s, but the time is known to be at least %s (%s). Nothing was written. set the clock right: sudo cunlian clock --set-from-hub (from the hub's time last heard), or sudo date -s 'YYYY-MM-DD HH:MM'; cunlian clock shows the evidence.\n" },
	[M_CLOCK_REFUSE_AHEAD] = { "本机时钟快了：现在显示 %s，但现在最晚是 %s（%s）。用这个时间记录会让县中心拒收本站以后的所有数据，所以不能记录，什么都没有写入。请把时间调对：sudo cunlian clock --set-from-hub（用最近一次听到的县中心时间），或 sudo date -s '年-月-日 时:分'；运行 cunlian clock 查看依据。如果时间其实是对的，同步一次县中心（cunlian sync 或导入县中心的数据包）即可。\n",
		"this board's clock is fast: it says %s, but it is at most %s now (%s). Writing with it would make the hub refuse all of this station's later data, so nothing was written. set the clock right: sudo cunlian clock --set-from-hub (from the hub's time last heard), or sudo date -s 'YYYY-MM-DD HH:MM'; cunlian clock shows the evidence. If the clock is in fact right, sync once with the hub (cunlian sync, or import a bundle from the hub).\n" },
	[M_CLOCK_REFUSE_FEED] = { "本站以前用错误的时钟记录过数据（时间 %s，远在现在 %s 之后），县中心不会接收，之后的记录也会被拒收。什么都没有写入。请技术员按《现场手册》“时钟救援”处理：cunlian clock rescue。\n",
		"this station recorded data with a wrong clock before (at %s, far after now, %s): the hub will not take it, nor anything recorded after it. Nothing was written. A technician follows the field guide, \"Clock rescue\": cunlian clock rescue.\n" },
	[M_CLOCK_RESCUE_PENDING] = { "时钟救援还没完成，暂不能记录，什么都没有写入：先重新登记本机（cunlian enroll request，或 cunlian join），再运行 cunlian clock rescue --replay。\n",
		"the clock rescue is not finished, so nothing can be recorded yet (nothing was written): enrol this node again (cunlian enroll request, or cunlian join), then run cunlian clock rescue --replay.\n" },
	[M_CLOCK_SRC_HUB] = { "依据：县中心的时间", "from the hub's time" },
	[M_CLOCK_SRC_WRITE] = { "依据：本机上一次记录的时间", "from this node's last write" },
	[M_CLOCK_SRC_CERT] = { "依据：本机登记证书的签发时间", "from the date this node's enrolment was signed" },
	[M_CLOCK_SRC_ELAPSED] = { "依据：县中心的时间加上此后经过的时间", "from the hub's time plus the time elapsed since" },
	[M_CLOCK_SRC_REBOOT] = { "依据：最近核实过的时间加一天；重启后经过的时间无法得知", "from the last verified time plus a day: the time elapsed across a reboot is unknown" },
	[M_CLOCK_NONE] = { "无", "none" },
	[M_CLOCK_SHOW] = { "系统时间：          %s\n本机最后一次提交：  %s\n最近听到县中心：    %s\n已知县中心时间：    %s\n下界：              %s\n上界：              %s（%s）\n",
		"system clock:         %s\nown last commit:      %s\nhub last heard:       %s\nhub time known:       %s\nlower bound:          %s\nupper bound:          %s (%s)\n" },
	[M_CLOCK_VERDICT_OK] = { "结论：时钟可信，可以记录\n", "verdict: the clock can be trusted; writes are accepted\n" },
	[M_CLOCK_VERDICT_BAD] = { "结论：%s\n", "verdict: %s\n" },
	[M_CLOCK_WHY_UNSET] = { "时钟没有设置，记录会被拒绝：sudo cunlian clock --set-from-hub 或 sudo date -s", "the clock is not set; writes are refused: sudo cunlian clock --set-from-hub or sudo date -s" },
	[M_CLOCK_WHY_BEHIND] = { "时钟慢于下界，记录会被拒绝：sudo cunlian clock --set-from-hub 或 sudo date -s", "the clock is before the lower bound; writes are refused: sudo cunlian clock --set-from-hub or sudo date -s" },
	[M_CLOCK_WHY_AHEAD] = { "时钟快于上界，记录会被拒绝：sudo cunlian clock --set-from-hub 或 sudo date -s，时间其实对时同步一次县中心", "the clock is past the upper bound; writes are refused: sudo cunlian clock --set-from-hub or sudo date -s, or sync with the hub if it is in fact right" },
	[M_CLOCK_WHY_FEED] = { "本站以前用错误时钟记录过远在未来的数据，县中心会拒收本站以后的数据：按现场手册做时钟救援（cunlian clock rescue）", "this station committed far-future data with a wrong clock; the hub refuses its later data: do the clock rescue of the field guide (cunlian clock rescue)" },
	[M_CLOCK_SET_NO_HUB] = { "还没有听到过县中心的时间，无法据此设置时钟：先同步一次县中心（cunlian sync 或导入县中心导出的数据包），或用 sudo date -s 手工设置。\n",
		"no hub time has been heard yet, so there is nothing to set the clock from: sync once with the hub (cunlian sync, or import a bundle the hub exported), or set it by hand with sudo date -s.\n" },
	[M_CLOCK_SET_DRY] = { "（模拟时钟 CUNLIAN_NOW_MS，不改系统时间）会把系统时间设为 %s\n", "(simulated clock CUNLIAN_NOW_MS: the system clock is left alone) would set the system clock to %s\n" },
	[M_CLOCK_SET_ROOT] = { "设置系统时钟需要 root 权限：sudo cunlian clock --set-from-hub\n", "setting the system clock needs root: sudo cunlian clock --set-from-hub\n" },
	[M_CLOCK_SET_FAILED] = { "无法设置系统时钟（%s）：用 sudo date -s '年-月-日 时:分' 手工设置\n", "could not set the system clock (%s): set it by hand with sudo date -s 'YYYY-MM-DD HH:MM'\n" },
	[M_CLOCK_SET_DONE] = { "系统时间已设为 %s（县中心时间加上此后经过的时间）\n", "the system clock is set to %s (the hub's time plus the time elapsed since)\n" },
	[M_CLOCK_SET_LOWER] = { "系统时间已设为 %s：这是已知的最近时间，本机重启过，真实时间可能更晚；同步一次县中心后再运行一次本命令可得到准确时间\n",
		"the system clock is set to %s: the latest time known; this board rebooted since, so the true time may be later. Sync once with the hub and run this again for the exact time.\n" },
	[M_CLOCK_RESCUE_NOTHING] = { "本机没有远在未来的提交，不需要时钟救援。\n", "this node has no far-future commits: no clock rescue is needed.\n" },
	[M_CLOCK_RESCUE_HUB] = { "县中心不做时钟救援：县中心的时钟必须准确（联网校时或硬件时钟），见现场手册。\n", "the hub is not rescued this way: its clock must be right (NTP or a hardware clock); see the field guide.\n" },
	[M_CLOCK_RESCUE_CLOCK] = { "先把时钟调对，再做救援（现在的结论：%s）。什么都没有改动。\n", "set the clock right before the rescue (now: %s). Nothing was changed.\n" },
	[M_CLOCK_RESCUE_DONE] = { "救援第一步完成：%llu 个远在未来的提交（最早一个时间 %s）已取出，等待重新记录；原来的数据库和密钥保存在 %s。\n本机已换新密钥，旧密钥是 %s。接下来：\n  1. 县中心吊销旧密钥的未来数据：cunlian enroll revoke %s --now\n  2. 重新登记本机：cunlian enroll request 请求文件（县中心 enroll sign，本机 enroll accept），或 cunlian join\n  3. 本机运行：cunlian clock rescue --replay\n",
		"rescue, step one done: %llu far-future commits (the first at %s) were taken out to be recorded anew; the old database and key are kept in %s.\nThis node has a new key; the old one is %s. Next:\n  1. at the hub, revoke the old key's future data: cunlian enroll revoke %s --now\n  2. enrol this node again: cunlian enroll request FILE (the hub runs enroll sign, this node enroll accept), or cunlian join\n  3. here: cunlian clock rescue --replay\n" },
	[M_CLOCK_RESCUE_NO_PENDING] = { "没有等待重新记录的救援数据（rescue.pending 不存在）：先运行 cunlian clock rescue。\n", "no rescued data waits to be recorded (no rescue.pending): run cunlian clock rescue first.\n" },
	[M_CLOCK_RESCUE_NOT_ENROLLED] = { "本机的新密钥还没有登记：先 cunlian enroll request / enroll accept（或 cunlian join），再运行 cunlian clock rescue --replay。什么都没有写入。\n", "this node's new key is not enrolled yet: run cunlian enroll request / enroll accept (or cunlian join) first, then cunlian clock rescue --replay. Nothing was written.\n" },
	[M_CLOCK_RESCUE_REPLAYED] = { "救援完成：%llu 个提交已按现在的时间 %s 重新记录，下次同步时送往县中心。\n", "rescue done: %llu commits were recorded anew at the present time, %s; they go to the hub at the next sync.\n" },
	[M_DOC_CLOCK_BAD] = { "时钟：%s（系统时间 %s）", "clock: %s (system time %s)" },
	[M_DOC_CLOCK_GOOD] = { "时钟：系统时间 %s 在已知范围内（%s 至 %s）", "clock: system time %s is within the bounds (%s to %s)" },
	[M_DOC_CLOCK_UNVERIFIED] = { "时钟：系统时间 %s 不早于已知时间，但还没有上界可以核对：同步一次县中心后 cunlian clock 可以核实", "clock: system time %s is not before what is known, but there is no upper bound to check it against yet: sync once with the hub" },
	[M_DOC_CLOCK_RESCUE] = { "时钟：本站有远在未来的提交（%s），县中心会拒收本站以后的所有数据：按现场手册做时钟救援（cunlian clock rescue）", "clock: this station has far-future commits (%s); the hub refuses all of its later data: do the field guide's clock rescue (cunlian clock rescue)" },
	[M_DOC_CLOCK_PENDING] = { "时钟：救援还没完成，录入暂不可用：重新登记本机后运行 cunlian clock rescue --replay", "clock: the clock rescue is not finished and writes wait: enrol this node again, then run cunlian clock rescue --replay" },
	/* ---- end of clock ---- */
	/* fuzz (issue 13): restore refuses a replica that is not as cunlian writes it */
	[M_RS_NOT_REPLICA] = { "备份 %s 里的数据库含有 cunlian 从不写入的触发器、视图或虚拟表（它们会在节点里运行），没有保留任何内容：这份备份不可信，换一份备份再试\n",
		"the database in the backup %s holds triggers, views or virtual tables, which cunlian never writes (they would run inside the node); nothing was kept: do not trust this backup, try another copy\n" },
	/* dupes (issue 13 part 7): one person registered at two stations */
	[M_DUP_HUB_ONLY] = { "重复登记报告只能在县级中心执行：只有中心能看到各站点的志愿者，本站看不到别的站点\n",
			     "the duplicates report can only be run at the county hub: only the hub sees every station's volunteers; a station sees none of the others'\n" },
	[M_DUP_NONE] = { "没有发现在两个以上站点登记的同一身份证号\n",
			 "no ID number is registered at more than one station\n" },
	[M_DUP_FOUND] = { "%zu 个身份证号在两个以上站点登记（每组是同一个号码）：请与相关站点核对，保留一处登记\n",
			  "%zu ID numbers are registered at more than one station (each group is one number): check with those stations and keep one registration\n" },
	[M_DUP_UNCOVERED] = { "另有 %lld 名志愿者的身份证号是在站点取得全县密钥之前录入的，无法比对：请在中心运行 cunlian enroll keys，站点同步后用 volunteer set --id-number 重新录入\n",
			      "%lld more volunteers' ID numbers were entered before their station held the county ID key and cannot be compared: run cunlian enroll keys at the hub, and once the station has synced, enter them again with volunteer set --id-number\n" },
	[M_DCOL_GROUP] = { "组", "group" },
	[M_DCOL_IDNUM] = { "身份证号", "ID number" },
	[M_IDNUM_ELSEWHERE] = { "注意：尾号 %s 的身份证号也登记在站点 %s 的志愿者 %s（%s）名下；已照样登记，如是同一人请与该站点核对（cunlian report --duplicates）\n",
				"note: the ID number ending in %s is also registered at station %s, to %s (%s); registered anyway: if this is the same person, check with that station (cunlian report --duplicates)\n" },
	[M_DUP_BAD_WITH] = { "--duplicates 不能与 --by 或 --format csv 同用\n",
			     "--duplicates cannot be used with --by or --format csv\n" },
	[M_HELP_ENROLL_KEYS] = { "enroll keys [--county-key 文件]（中心）\n"
				 "  把全县身份证号密钥发给还没有它的每台在册站点设备（新入网的设备会自动得到），中心才能查出在两个站点重复登记的人（report --duplicates）\n",
				 "enroll keys [--county-key FILE] (hub)\n"
				 "  give the county ID key to every enrolled station board that lacks it (boards enrolled from now on get it anyway), so the hub finds people registered at two stations (report --duplicates)\n" },
	[M_ENROLL_KEYS_DONE] = { "已把全县身份证号密钥发给 %zu 台站点设备（%zu 台原来已有）：站点同步后生效\n",
				 "the county ID key was given to %zu station boards (%zu had it already); it takes effect once they sync\n" },
	/* ---- end of dupes ---- */
	/* ---- volunteers on app/ (issue 14): blank names, folders, notes ---- */
	[M_BLANK_NAME] = { "名字 %s 只有空格：请填写真实姓名\n",
			   "the name %s is only spaces: give the person's real name\n" },
	[M_IMPORT_DIR] = { "%s 是一个文件夹，不是 CSV 文件：请给出其中的 CSV 文件，例如 %s/志愿者.csv\n",
			   "%s is a folder, not a CSV file: give the CSV file in it, e.g. %s/volunteers.csv\n" },
	[M_IMPORT_MORE_NOTES] = { "……还有 %zu 条注意未列出\n", "... and %zu more notes not listed\n" },
	/* ---- end of volunteers ---- */
	/* orders and points (issue 14): naming a volunteer by name or phone */
	[M_VOLUNTEER_AMBIGUOUS] = { "“%s”对应 %s 位志愿者：请改用下面的编号指明是哪一位\n",
				    "\"%s\" matches %s volunteers: name one of them by the id below\n" },
	[M_VOLUNTEER_MORE] = { "……另有 %zu 位未列出：用 cunlian volunteer list 查看\n",
			       "... and %zu more: see cunlian volunteer list\n" },
	/* ---- end of orders and points ---- */
	/* ---- web accounts (issue 16, staff pages): account set, PINs ---- */
	[M_HELP_ACCOUNT_SET] = { "account set (--volunteer 志愿者 | --phone 手机号 --name 姓名) --role admin|volunteer [--pin-file 文件]\n"
				 "  给人设置网页登录的 PIN（4–8 位数字）：从标准输入读第一行，或从 --pin-file 读；不要写在命令行上。\n"
				 "  志愿者可写编号、手机号或姓名；不是志愿者的工作人员用 --phone 和 --name。admin：站点管理员（县级中心：看板）；volunteer：志愿者。\n"
				 "  PIN 只以 Argon2id 散列存在本机 web.accounts（不同步）；重设 PIN 也解除锁定。\n",
				 "account set (--volunteer WHO | --phone PHONE --name NAME) --role admin|volunteer [--pin-file FILE]\n"
				 "  Give someone a PIN (4-8 digits) for the web pages: read from the first line of standard input, or from --pin-file; never on the command line.\n"
				 "  WHO: a volunteer's id, phone number or name; staff who are not volunteers use --phone and --name. admin: station admin (at the hub: the dashboard); volunteer: a volunteer.\n"
				 "  The PIN is kept only as an Argon2id hash in this node's web.accounts (never synced); setting it again also lifts a lockout.\n" },
	[M_HELP_ACCOUNT_REMOVE] = { "account remove 手机号\n  删除一个网页登录账号。\n",
				    "account remove PHONE\n  Remove a web login account.\n" },
	[M_HELP_ACCOUNT_LIST] = { "account list\n  列出本机的网页登录账号（手机号部分隐藏）和是否被锁定。\n",
				  "account list\n  List this node's web login accounts (phones masked) and whether they are locked.\n" },
	[M_ACCOUNT_BAD_ROLE] = { "角色“%s”不对：写 admin（管理员）或 volunteer（志愿者）\n",
				 "role \"%s\" is not one: write admin or volunteer\n" },
	[M_ACCOUNT_BAD_PIN] = { "PIN 要 4 到 8 位数字，不能有其他字符：请重新输入\n",
				"the PIN must be 4 to 8 digits and nothing else: type it again\n" },
	[M_ACCOUNT_BAD_PHONE] = { "手机号“%s”不对：请写 5–20 位数字\n",
				  "phone \"%s\" is not a phone number: write 5-20 digits\n" },
	[M_ACCOUNT_WRONG] = { "手机号或 PIN 不对。再错 %s 次将锁定 15 分钟；忘了 PIN 请找站点管理员重设\n",
			      "wrong phone number or PIN. %s more wrong tries lock it for 15 minutes; forgot it? ask the station admin to set a new one\n" },
	[M_ACCOUNT_LOCKED] = { "PIN 错误次数太多，已锁定：请 %s 分钟后再试，或找站点管理员重设 PIN\n",
			       "too many wrong PINs, locked: try again in %s minutes, or ask the station admin to set a new PIN\n" },
	[M_ACCOUNT_FULL] = { "账号已满（最多 %s 个）：先用 cunlian account remove 删掉不用的\n",
			     "no room for more accounts (at most %s): remove unused ones with cunlian account remove\n" },
	[M_ACCOUNT_FILE_BAD] = { "账号文件 %s 第 %s 行损坏：没有改动任何东西。删除该文件后用 cunlian account set 重新设置各人的 PIN\n",
				 "the account file %s is damaged at line %s: nothing was changed. Delete it and set everyone's PIN again with cunlian account set\n" },
	[M_ACCOUNT_IO] = { "无法读写账号文件 %s：%s\n", "cannot read or write the account file %s: %s\n" },
	[M_ACCOUNT_NOT_FOUND] = { "没有手机号“%s”的账号：用 cunlian account list 查看\n",
				  "no account for phone \"%s\": see cunlian account list\n" },
	[M_ACCOUNT_NEEDS_WHO] = { "请用 --volunteer 指定志愿者，或用 --phone 和 --name 指定工作人员（两者选一）\n",
				  "name a volunteer with --volunteer, or staff with --phone and --name (one of the two)\n" },
	[M_ACCOUNT_NEEDS_ROLE] = { "请用 --role admin 或 --role volunteer 指定角色\n",
				   "give the role: --role admin or --role volunteer\n" },
	[M_ACCOUNT_PIN_READ] = { "读不到 PIN：从标准输入输入一行（如 echo 1234 | cunlian account set ...），或用 --pin-file 文件\n",
				 "no PIN to read: give one line on standard input (echo 1234 | cunlian account set ...), or --pin-file FILE\n" },
	[M_ACCOUNT_SET_DONE] = { "已设置 %s（%s，%s）的 PIN，角色：%s。请打开本站网页，用手机号和 PIN 登录\n",
				 "PIN set for %s (%s, %s), role: %s. Open the station's web page and log in with the phone number and PIN\n" },
	[M_ACCOUNT_REMOVED] = { "已删除账号 %s\n", "account %s removed\n" },
	[M_ACCOUNT_NONE] = { "还没有网页账号：用 cunlian account set 设置\n", "no web accounts yet: add one with cunlian account set\n" },
	[M_ACCOUNT_PIN_PROMPT] = { "请输入 PIN（4–8 位数字），回车结束：\n", "type the PIN (4-8 digits), then Enter:\n" },
	[M_COL_ROLE] = { "角色", "role" },
	[M_COL_WRONG_PINS] = { "PIN错次", "wrong PINs" },
	[M_ACCOUNT_LOCKED_WORD] = { "已锁定", "locked" },
	[M_ACCOUNT_LEFT] = { "%s（%s）的志愿者状态是“%s”，不能登录网页：如已回来服务，请站点管理员先用 cunlian volunteer set 改回 active\n",
			     "%s (%s) is a volunteer with status \"%s\" and may not log in: if they serve again, the station admin first sets them back to active with cunlian volunteer set\n" },
	/* ---- end of web accounts ---- */
	/* the residents' web pages (issue 16, kiosk): the station's Wi-Fi */
	[M_NCR_WIFI] = { "Wi-Fi 设置无效：wifi_ssid 是 1 到 32 字节的网络名称，wifi_password 是 8 到 63 个英文字母、数字或符号",
		"not a Wi-Fi setting: wifi_ssid is a network name of 1 to 32 bytes, wifi_password 8 to 63 ASCII letters, digits or symbols" },
	/* ---- end of the residents' web pages ---- */
	/* backup, bundles, recover as app/ (issue 14): a read-only or full home */
	[M_BK_SNAP_FULL] = { "节点目录 %s 所在的磁盘已满，读取和复制数据库的地方都不够（内存 /dev/shm 也放不下），没有写出备份。删掉那块磁盘上不要的文件（旧日志、下载）后再备份\n",
			     "the disk holding the home %s is full: there is no room to read and copy the database (nor in memory, /dev/shm), so no backup was written. Delete files you do not need on that disk (old logs, downloads) and back up again\n" },
	[M_BK_HOME_RO] = { "节点目录 %s 所在的文件系统是只读的（存储卡出错后常会这样），数据库还有没并进去的日志，只读时读不出来，没有写出备份。重启板子后立即备份；如果存储卡已坏，把整个节点目录复制（cp -a）到 U 盘交给技术员，不要在这块卡上写任何东西\n",
			   "the file system holding the home %s is read-only (a storage card often goes read-only after errors) and the database has changes not yet folded in, which cannot be read while it is read-only, so no backup was written. Reboot the board and back up at once; if the card is failing, copy the whole home folder (cp -a) to a stick for the technician and write nothing more on that card\n" },
	[M_RS_DB_DAMAGED] = { "备份 %s 里的数据库已损坏（SQLite 的完整性检查没有通过），没有保留任何内容：换一份备份再试\n",
			      "the database in the backup %s is damaged (SQLite's integrity check fails); nothing was kept: try another backup\n" },
	[M_HOME_RO] = { "节点目录 %s 所在的文件系统是只读的（存储卡出错后常会这样），这个命令要写入，所以什么也没有写。查看、备份（cunlian backup 文件）和导出同步包（cunlian bundle export 文件）还能用：先把数据备份到 U 盘，再重启板子；重启后仍是只读的话，存储卡可能坏了，请技术员更换\n",
			"the file system holding the home %s is read-only (a storage card often goes read-only after errors); this command writes, so it wrote nothing. Viewing, backup (cunlian backup FILE) and bundle export (cunlian bundle export FILE) still work: back the data up to a stick first, then reboot the board; if it is still read-only after that, the card may be failing: have the technician replace it\n" },
	/* ---- end of backup (issue 14) ---- */
	/* a relayed piece too large for one chunk (issue 15, lone) */
	[M_BUNDLE_TOO_LARGE] = { "另有 %llu 条其他站点的变更没有写进 %s：它们的作者当初用超大的数据块发来，这里转交时一块装不下。请让那个站点直接与对方同步，或从持有更多该站签名检查点的节点导出\n",
		"%llu change(s) of other stations were left out of %s: their author sent them in very large chunks and they do not fit one chunk when passed on from here. Have that station sync with the other side directly, or export from a node that holds more of its signed checkpoints\n" },
	/* ---- end of issue 15, lone ---- */
	/* the residents' web pages (issue 16, kiosk): the station's Wi-Fi */
	/* ---- end of the residents' web pages ---- */
	/* ---- the gift shelf (issue 17) ---- */
	[M_HELP_GIFT_LIST] = { "gift list [--station 编号] [--all]\n"
			       "  爱心超市货架：礼品编号、名称、价格（积分）、库存。站点默认列出本站的，县级中心列出各站的；--all 连已下架的一起列出。\n",
			       "gift list [--station ID] [--all]\n"
			       "  The gift shelf: each item's id, name, price in points and stock. A station lists its own, the hub every station's; --all lists items off the shelf too.\n" },
	[M_HELP_GIFT_ADD] = { "gift add --name 名称 --price 积分 [--stock 数量] [--station 编号]\n"
			      "  上架一件礼品，输出新编号。同一站点货架上名称不能重复。--station 仅限县级中心（必须指明站点）。\n",
			      "gift add --name NAME --price POINTS [--stock N] [--station ID]\n"
			      "  Put an item on the shelf; prints its new id. Names are unique on one station's shelf. --station: hub only, and the hub must give it.\n" },
	[M_HELP_GIFT_SET] = { "gift set 礼品 [--name 名称] [--price 积分]\n"
			      "  修改礼品名称或价格（价格变动会记录下来）。礼品可写编号或名称。\n",
			      "gift set ITEM [--name NAME] [--price POINTS]\n"
			      "  Change an item's name or price (every price change is recorded). ITEM: an item's id or name.\n" },
	[M_HELP_GIFT_RESTOCK] = { "gift restock 礼品 --count 数量\n"
				  "  补货：库存加上这些件数（每次补货都会记录下来）。\n",
				  "gift restock ITEM --count N\n"
				  "  Restock: add N to the item's stock (every restock is recorded).\n" },
	[M_HELP_GIFT_RETIRE] = { "gift retire 礼品\n"
				 "  下架：不再兑换，gift list --all 仍可看到，记录都保留。\n",
				 "gift retire ITEM\n"
				 "  Take an item off the shelf: it can no longer be redeemed; gift list --all still shows it and its records stay.\n" },
	[M_NEED_GIFT] = { "缺少礼品：用法 cunlian %s 礼品（编号或名称；用 cunlian gift list 查找）\n",
			  "missing item: usage is cunlian %s ITEM (an id or name; see cunlian gift list)\n" },
	[M_GIFT_BAD_NAME] = { "礼品名称 %s 无效：不能为空，最多 128 字节，不能含控制字符；什么都没有改\n",
			      "the item name %s is not valid: not empty, at most 128 bytes, no control characters; nothing was changed\n" },
	[M_GIFT_BAD_PRICE] = { "价格 %s 无效：填 1 到 %s 之间的整数积分；什么都没有改\n",
			       "the price %s is not valid: give a whole number of points from 1 to %s; nothing was changed\n" },
	[M_GIFT_BAD_COUNT] = { "数量 %s 无效：填 1 到 %s 之间的整数；什么都没有改\n",
			       "the count %s is not valid: give a whole number from 1 to %s; nothing was changed\n" },
	[M_GIFT_NOT_FOUND] = { "找不到礼品 %s：用 cunlian gift list 查看货架上礼品的编号和名称\n",
			       "no item %s: cunlian gift list shows the items on the shelf, with their ids\n" },
	[M_GIFT_AMBIGUOUS] = { "“%s”对应 %s 件礼品：请改用礼品编号（cunlian gift list 可查）\n",
			       "\"%s\" names %s items: use the item's id instead (see cunlian gift list)\n" },
	[M_GIFT_NAME_TAKEN] = { "货架上已经有叫 %s 的礼品（%s）：换个名字，或修改、补货那一件；什么都没有改\n",
				"an item named %s is on the shelf already (%s): choose another name, or change or restock that one; nothing was changed\n" },
	[M_GIFT_STATION_NEEDED] = { "县级中心上架礼品要指明是哪个站点的货架：加上 --station 站点编号\n",
				    "the hub must say whose shelf the item goes on: add --station ID\n" },
	[M_GIFT_NOT_OURS] = { "%s（%s）在站点 %s 的货架上，本机是 %s：请到站点 %s 或县级中心修改；什么都没有改\n",
			      "%s (%s) is on the shelf of station %s and this node is %s: change it at station %s or the hub; nothing was changed\n" },
	[M_GIFT_RETIRED] = { "礼品 %s（%s）已经下架：不能再兑换；需要时重新上架一件（cunlian gift add）\n",
			     "the item %s (%s) is off the shelf: it cannot be redeemed; put it on the shelf again if needed (cunlian gift add)\n" },
	[M_GIFT_HUB_STOCK] = { "礼品 %s（%s）在站点 %s 的货架上：县级中心不能扣减站点的库存，兑换只能在该站点办理；没有兑换\n",
			       "the item %s (%s) is on the shelf of station %s: the hub takes no stock off a station's shelf, redeem it at that station; nothing was redeemed\n" },
	[M_GIFT_OTHER_STOCK] = { "礼品 %s（%s）在站点 %s 的货架上，本机是 %s：只有该站点能扣减它的库存，请到站点 %s 兑换；没有兑换\n",
				 "the item %s (%s) is on the shelf of station %s and this node is %s: only that station takes its stock, redeem it at station %s; nothing was redeemed\n" },
	[M_GIFT_NO_STOCK] = { "礼品 %s（%s）库存只有 %s 件，不够兑换 %s 件：没有兑换（到货后用 cunlian gift restock 补货）\n",
			      "the item %s (%s) has only %s in stock, not the %s asked for: nothing was redeemed (when goods arrive, cunlian gift restock)\n" },
	[M_GIFT_TOO_MUCH] = { "礼品 %s（%s）现有 %s 件，再补 %s 件就超过一个货架的上限 %s 件：没有补货\n",
			      "the item %s (%s) has %s in stock; %s more would pass the most one shelf holds, %s: nothing was restocked\n" },
	[M_GIFT_NO_POINTS] = { "%s（%s）的积分余额只有 %s，不够 %s 积分（%s 件 %s）：没有兑换\n",
			       "%s (%s) has a balance of only %s points, not the %s that %s of %s cost: nothing was redeemed\n" },
	[M_GIFT_REDEEM_MIXED] = { "按礼品兑换（--gift）时积分由价格算出：不要同时给 --points 或 --item；按件数用 --count\n",
				  "redeeming an item (--gift) takes its price: do not give --points or --item with it; use --count for several\n" },
	[M_GIFT_COUNT_ALONE] = { "--count 是礼品的件数，只和 --gift 一起用：cunlian points redeem 志愿者 --gift 礼品 --count 件数；什么都没有改\n",
				 "--count is a number of items and goes with --gift only: cunlian points redeem WHO --gift ITEM --count N; nothing was changed\n" },
	[M_GIFT_ADDED] = { "已上架：%s（%s），站点 %s，价格 %lld 积分，库存 %lld 件\n",
			   "on the shelf: %s (%s), station %s, price %lld points, stock %lld\n" },
	[M_GIFT_CHANGED] = { "已修改：%s（%s），价格 %lld 积分，库存 %lld 件\n",
			     "changed: %s (%s), price %lld points, stock %lld\n" },
	[M_GIFT_RESTOCKED] = { "已补货：%s（%s）补 %lld 件，现有 %lld 件\n",
			       "restocked: %s (%s) %lld more, %lld in stock\n" },
	[M_GIFT_RETIRED_DONE] = { "已下架：%s（%s）\n", "off the shelf: %s (%s)\n" },
	[M_GIFT_REDEEMED] = { "已兑换：%s（%s）用 %lld 积分兑换 %s × %lld，积分余额 %lld，库存还剩 %lld 件（积分记录 %s）\n",
			      "redeemed: %s (%s) spent %lld points on %s x %lld, balance %lld, %lld left in stock (record %s)\n" },
	[M_GIFT_LIST_EMPTY] = { "货架上没有礼品：用 cunlian gift add --name 名称 --price 积分 --stock 数量 上架\n",
				"no items on the shelf: put one there with cunlian gift add --name NAME --price POINTS --stock N\n" },
	[M_GIFT_ON_SHELF] = { "在架", "on shelf" },
	[M_GIFT_OFF_SHELF] = { "已下架", "off shelf" },
	[M_COL_PRICE] = { "价格", "price" },
	[M_COL_STOCK] = { "库存", "stock" },
	/* ---- teams, hours and recognition (issue 17) ---- */
	[M_TEAM_BAD_NAME] = { "队伍名 %s 无效：填 1 到 128 字节的文字，不能含控制字符，不能只有空格\n",
			      "team name %s is not valid: 1 to 128 bytes of text, no control characters, not only spaces\n" },
	[M_TEAM_NAME_TAKEN] = { "队伍名 %s 在站点 %s 已被使用（队伍 %s）：换一个名字，或用 cunlian team join 加入那支队伍\n",
				"the team name %s is taken at station %s (team %s): choose another name, or join that team with cunlian team join\n" },
	[M_TEAM_NOT_FOUND] = { "找不到队伍 %s：用 cunlian team list 查看队伍编号和名字\n",
			       "no team %s: see the teams' ids and names with cunlian team list\n" },
	[M_TEAM_AMBIGUOUS] = { "“%s”对应 %s 支队伍：请改用队伍编号（cunlian team list）\n",
			       "\"%s\" matches %s teams: name it by its id (cunlian team list)\n" },
	[M_TEAM_NOT_OURS] = { "站点 %s 的队伍只能由该站点或县级中心建立，本机是 %s：请到该站点办理\n",
			      "teams of station %s can only be added there or at the county hub, and this node is %s: do it at that station\n" },
	[M_TEAM_LEADER_ELSEWHERE] = { "队长 %s 属于站点 %s，不是队伍所在的站点 %s：请选本站的志愿者当队长\n",
				      "the leader %s belongs to station %s, not to the team's station %s: choose a volunteer of that station\n" },
	[M_TEAM_OTHER_STATION] = { "%s（%s）属于站点 %s，队伍 %s 属于站点 %s：志愿者只能加入所属站点的队伍，没有改动\n",
				   "%s (%s) belongs to station %s and the team %s to station %s: a volunteer joins teams of their own station only; nothing changed\n" },
	[M_TEAM_ALREADY] = { "%s（%s）已经在队伍 %s 里：没有改动\n", "%s (%s) is in the team %s already: nothing changed\n" },
	[M_TEAM_NONE] = { "%s（%s）没有加入任何队伍：没有改动\n", "%s (%s) is in no team: nothing changed\n" },
	[M_LEDGER_BAD_POINTS] = { "积分 %s 无效：--points 填 -1000000 到 1000000 之间、不为 0 的整数（加分写 N，扣分写 -N）\n",
				  "points %s is not valid: --points takes a whole number from -1000000 to 1000000, not 0 (N adds, -N takes away)\n" },
	[M_LEDGER_BAD_HOURS] = { "时长 %s 无效：--hours 填大于 0、最多 24 的小时数，例如 1.5\n",
				 "hours %s is not valid: --hours takes more than 0 and at most 24 hours, e.g. 1.5\n" },
	[M_LEDGER_BAD_REASON] = { "请用 --reason 写明原因（最多 1000 字节的文字）：什么也没有记录\n",
				  "say why with --reason (text, at most 1000 bytes): nothing was recorded\n" },
	[M_LEDGER_NO_RIGHT] = { "%s（%s）属于站点 %s，本机 %s 不能调整该志愿者的积分或记录时长：请到站点 %s 或县级中心办理\n",
				"%s (%s) belongs to station %s and this node (%s) may not adjust their points or record their hours: do it at station %s or at the hub\n" },
	[M_LEDGER_OVERDRAW] = { "%s（%s）的积分余额只有 %s，不够扣 %s 积分：没有扣分\n",
				"%s (%s) has a balance of %s, not enough to take away %s: nothing changed\n" },
	[M_TOP_BAD_PERIOD] = { "统计周期 %s 无效：--period 用 month 或 quarter\n",
			       "period %s is not valid: --period takes month or quarter\n" },
	[M_TOP_BAD_BY] = { "分组方式 %s 无效：与 --top 一起时 --by 用 county、station 或 town\n",
			   "grouping %s is not valid: with --top, --by takes county, station or town\n" },
	[M_TEAM_ADDED] = { "已建立队伍 %s：%s（站点 %s，队长 %s）\n", "team %s added: %s (station %s, leader %s)\n" },
	[M_TEAM_SHOW] = { "编号      %s\n队名      %s\n所属站点  %s\n队长      %s\n队员      %lld 人\n服务时长  %s 小时\n",
			  "id        %s\nname      %s\nstation   %s\nleader    %s\nmembers   %lld\nhours     %s\n" },
	[M_TEAM_JOINED] = { "%s（%s）已加入队伍 %s（%s）\n", "%s (%s) joined the team %s (%s)\n" },
	[M_TEAM_LEFT] = { "%s（%s）已退出队伍 %s\n", "%s (%s) left the team %s\n" },
	[M_NO_TEAMS] = { "还没有队伍：用 cunlian team add --name 队名 建立\n", "no teams yet: add one with cunlian team add --name NAME\n" },
	[M_TEAM_MEMBERS] = { "队员：\n", "members:\n" },
	[M_ADJUSTED] = { "已调整：%s（%s）积分 %+lld，原因：%s，余额 %lld（记录 %s）\n",
			 "adjusted: %s (%s) %+lld points, reason: %s, balance %lld (record %s)\n" },
	[M_HOURS_ADDED] = { "已记录：%s（%s）服务 %s 小时，计 %lld 积分，原因：%s，余额 %lld（记录 %s）\n",
			    "recorded: %s (%s) %s hours of service, %lld points, reason: %s, balance %lld (record %s)\n" },
	[M_NO_TOP] = { "还没有服务时长记录\n", "no hours of service recorded yet\n" },
	[M_STARS_LINE] = { "服务时长 %s 小时，星级 %s（%d 星）\n", "hours of service %s, stars %s (%d)\n" },
	[M_COL_LEADER] = { "队长", "leader" },
	[M_COL_MEMBERS] = { "队员", "members" },
	[M_COL_STARS] = { "星级", "stars" },
	[M_COL_PERIOD] = { "周期", "period" },
	[M_COL_RANK] = { "名次", "rank" },
	[M_REASON_HOURS] = { "服务时长", "hours" },
	[M_HELP_TEAM_ADD] = { "team add --name 队名 [--leader 志愿者] [--station 编号]\n"
			      "  建立队伍（队名在站点内不能重复）。队长可写编号、手机号或姓名，须是本站志愿者。县级中心可用 --station 为任一站点建立。\n",
			      "team add --name NAME [--leader WHO] [--station ID]\n"
			      "  Add a team (its name unique within the station). The leader: a volunteer of the station, by id, phone or name. The hub may add a team for any station with --station.\n" },
	[M_HELP_TEAM_LIST] = { "team list [--station 编号]\n  列出队伍：编号、队名、站点、队长、队员人数。\n",
			       "team list [--station ID]\n  List teams: id, name, station, leader, number of members.\n" },
	[M_HELP_TEAM_SHOW] = { "team show 队伍\n  队伍详情和队员（星级、服务时长）。队伍可写编号或队名。\n",
			       "team show TEAM\n  A team and its members (stars, hours). TEAM: its id or name.\n" },
	[M_HELP_TEAM_JOIN] = { "team join 队伍 志愿者\n  志愿者加入所属站点的一支队伍（同时退出原来的队伍）。\n",
			       "team join TEAM WHO\n  A volunteer joins a team of their own station (leaving the one they were in).\n" },
	[M_HELP_TEAM_LEAVE] = { "team leave 志愿者\n  志愿者退出所在的队伍。\n", "team leave WHO\n  A volunteer leaves their team.\n" },
	[M_HELP_POINTS_ADJUST] = { "points adjust 志愿者 --points ±N --reason 原因\n"
				   "  调整积分（加分或扣分，写明原因，记入账本，可在 cunlian log 中查到）：只能在志愿者所属站点或县级中心办理，扣分不能使余额为负。\n",
				   "points adjust WHO --points ±N --reason TEXT\n"
				   "  Add or take away points with a reason (a ledger row, seen in cunlian log): at the volunteer's home station or the hub only; a debit never takes the balance below zero.\n" },
	[M_HELP_HOURS_ADD] = { "hours add 志愿者 --hours 小时 --reason 原因\n"
			       "  记录订单以外的服务时长（活动、手工登记），按每小时积分折算积分，计入服务时长和星级：只能在志愿者所属站点或县级中心办理。\n",
			       "hours add WHO --hours H --reason TEXT\n"
			       "  Record hours of service outside orders (an activity, a manual entry), credited as points at the points per hour, counted in the volunteer's hours and stars: at the volunteer's home station or the hub only.\n" },
	/* ---- end of teams ---- */
	/* ---- snapshots (issue 15) ---- */
	/* scope, peer, bytes, records, feeds */
	[M_SNAP_TAKEN] = { "已取得“%s”的快照（来自 %s，%zu 字节，%zu 条记录，%zu 个数据源），不必重放全部历史\n",
			   "took the snapshot of %s from %s (%zu bytes, %zu records, %zu feeds) instead of the whole history\n" },
	/* scope, peer, reason, why (English detail) */
	[M_SNAP_REFUSED] = { "拒收“%s”的快照（来自 %s）：%s（%s）。本节点数据未改动；请确认对端是本县已登记的中心节点（hub），再同步一次\n",
			     "refused the snapshot of %s from %s: %s (%s). Nothing here changed; check that the peer is this county's"
			     " enrolled hub and sync again\n" },
	/* scope, peer, reason */
	[M_SNAP_FETCH_FAILED] = { "未能取得“%s”的快照（来自 %s：%s）；改为同步全部历史\n",
				  "could not fetch the snapshot of %s from %s (%s); syncing the whole history instead\n" },
	[M_SNAP_PRUNED_AGAIN] = { "对端已压缩了本节点缺少的历史：取它的快照后再同步一次\n",
				  "the peer compacted history this node lacks: taking its snapshot and syncing again\n" },
	/* peer, scope, outcome */
	[M_LOG_SNAP] = { "向 %s 提供“%s”的快照：%s\n", "snapshot for %s of %s: %s\n" },
	[M_SNAP_NOT_HUB] = { "只有县级中心（hub）能签发快照；在县级中心上运行 cunlian bundle export 文件 --snapshot 范围\n",
			     "only a hub signs snapshots: run cunlian bundle export FILE --snapshot SCOPE at the hub\n" },
	/* scope, reason */
	[M_SNAP_MAKE] = { "无法生成“%s”的快照：%s\n", "could not make the snapshot of %s: %s\n" },
	/* file, why (English), reason */
	[M_SNAP_FILE_REFUSED] = { "拒收快照文件 %s（%s）：%s。本节点数据未改动；请在县级中心重新导出后再导入\n",
				  "refused the snapshot file %s (%s): %s. Nothing here changed; export it again at the hub and import that\n" },
	/* file, bytes, scope, file */
	[M_SNAP_BUNDLE_EXPORTED] = { "已写出快照文件 %s（%zu 字节，范围“%s”）：带到新板子后运行 cunlian bundle import %s\n",
				     "wrote the snapshot file %s (%zu bytes, scope %s): at the new board run cunlian bundle import %s\n" },
	/* file, scope, records, feeds */
	[M_SNAP_BUNDLE_IMPORTED] = { "已导入快照文件 %s：范围“%s”，%zu 条记录，%zu 个数据源；之后同步只补比快照新的部分\n",
				     "imported the snapshot file %s: scope %s, %zu records, %zu feeds; syncs now bring only what is newer\n" },
	/* ---- end of snapshots ---- */
	/* ---- log compaction (issue 15, branch s5-compact) ---- */
	[M_HELP_COMPACT] = { "compact [--dry-run]\n"
			     "  压缩日志：把每个读者都已确认收到、带签名检查点、且早于保留期（node.conf 的 compact_keep_days，站点默认 30 天、县级中心 90 天，0 为关闭）的历史提交从日志中清除，只留签名检查点；数据本身不变。每 2000 条一个事务，断电不丢数据。--dry-run：只计算能清除多少，不改动。serve 每天自动运行一次。\n",
			     "compact [--dry-run]\n"
			     "  Compact the log: commits that every reader acknowledged, that lie under a signed checkpoint and that are older than the retention (compact_keep_days in node.conf: 30 days at a station, 90 at the hub, 0 turns it off) leave the log, down to signed checkpoints; the data itself does not change. 2,000 commits per transaction, so a power cut loses nothing. --dry-run: only count what would go. serve runs it once a day.\n" },
	[M_COMPACT_DONE] = { "日志已压缩：清除 %llu 条历史提交（%s），涉及 %llu 个订阅源，%llu 个事务；保留最近 %u 天\n",
			     "log compacted: %llu commits pruned (%s) from %llu feeds in %llu transactions; the last %u days kept\n" },
	[M_COMPACT_DRY] = { "试算（没有改动）：可清除 %llu 条历史提交（%s），涉及 %llu 个订阅源；保留最近 %u 天\n",
			    "dry run (nothing changed): %llu commits (%s) from %llu feeds could be pruned; the last %u days kept\n" },
	[M_COMPACT_SCOPE] = { "  %s：%llu 条，%s\n", "  %s: %llu commits, %s\n" },
	[M_COMPACT_KEPT] = { "保留未清除的订阅源：%llu 个有读者还没确认收到（或从未同步过），%llu 个没有签名检查点，%llu 个都在保留期内，%llu 个有尚未合并的转发提交\n",
			     "feeds kept whole: %llu not yet acknowledged by every reader (or a reader never synced), %llu with no signed checkpoint, %llu within the retention, %llu with commits only relayed, not merged\n" },
	[M_COMPACT_NOTHING] = { "没有可以清除的历史提交\n", "nothing to prune\n" },
	[M_COMPACT_OFF] = { "日志压缩已关闭（node.conf 中 compact_keep_days = 0）：没有改动；要开启，删去该行或设为保留天数\n",
			    "log compaction is off (compact_keep_days = 0 in node.conf): nothing changed; remove that line or set the days to keep to turn it on\n" },
	[M_COMPACT_SPACE] = { "数据库文件 %s，其中 %s 空闲，新写入会重复使用这些空间（文件不会变小）\n",
			      "replica.db is %s, %s of it free and reused by new writes (the file does not shrink)\n" },
	[M_LOG_COMPACT] = { "日志压缩：清除 %llu 条历史提交（%s），%llu 个订阅源\n",
			    "log compaction: %llu commits pruned (%s), %llu feeds\n" },
	[M_LOG_COMPACT_FAILED] = { "日志压缩失败：%s；已清除的保持清除，一天后再试\n",
				   "log compaction failed: %s; what was pruned stays pruned; tried again in a day\n" },
	[M_NET_PRUNED] = { "对端已压缩 %llu 个数据源的早期历史，本机缺少这部分，无法逐条同步：需要从签名快照开始（见现场手册“日志压缩”）\n",
			   "the peer compacted the early history of %llu feeds that this node lacks; they cannot come commit by commit: start them from a signed snapshot (field guide, \"Log compaction\")\n" },
	[M_LOG_COMPACTED] = { "%s 之前的历史已压缩：更早的修改只体现在记录的当前值中\n",
			      "history before %s compacted: earlier changes show only in the records' current values\n" },
	[M_COUNTY_SCOPE] = { "全县", "county-wide" },
	[M_RESCUE_COMPACTED] = { "本机日志在 %s 之前的历史已压缩，时钟救援要从日志重建数据库，会丢掉那部分数据：没有做任何改动。请联系县里：从县中心的签名快照开始（见现场手册 4a、5.2 节）\n",
				 "this node's log was compacted (history before %s): the clock rescue rebuilds the database from the log and would lose that part; nothing was changed. Call the county: start from the hub's signed snapshot (field guide 4a, 5.2)\n" },
	[M_BUNDLE_PRUNED] = { "%llu 个数据源的早期历史在本机已压缩，%s 缺少的那部分没有放进同步包：对方需要从签名快照开始（见现场手册 4a 节）\n",
			      "%llu feeds left out: their early history is compacted here and %s lacks it; it must start them from a signed snapshot (field guide, 4a)\n" },
	/* ---- end of log compaction ---- */
};

const char *node_msg(enum node_lang lang, enum node_msg_id id)
{
	if ((unsigned)id >= M_COUNT || !node_msgs[id].zh)
		return "?\n";
	return lang == NODE_LANG_EN ? node_msgs[id].en : node_msgs[id].zh;
}

/* Chinese names of the error codes a person meets in a message. */
static const char *const node_err_zh[] = {
	[ERR_BASE - ERR_CORRUPT] = "数据格式错误或不完整",
	[ERR_BASE - ERR_TOOBIG] = "超过大小上限",
	[ERR_BASE - ERR_BADSIG] = "签名不对",
	[ERR_BASE - ERR_UNAUTH] = "作者无权写这些数据",
	[ERR_BASE - ERR_SCHEMA] = "未知的表或列，或值的类型不对",
	[ERR_BASE - ERR_CLOCK] = "时钟超前太多",
	[ERR_BASE - ERR_STORAGE] = "数据库出错",
	[ERR_BASE - ERR_NOTFOUND] = "找不到",
	[ERR_BASE - ERR_CONFLICT] = "同一编号的内容不一致",
	[ERR_BASE - ERR_RULE] = "规则不允许",
	[ERR_BASE - ERR_CHAIN] = "哈希链接不上",
	[ERR_BASE - ERR_GAP] = "缺少更早的提交",
	[ERR_BASE - ERR_NODICT] = "没有压缩字典",
	[ERR_BASE - ERR_USAGE] = "参数无效",
	[ERR_BASE - ERR_EXISTS] = "已经存在",
	[ERR_BASE - ERR_REVOKED] = "作者的登记已被吊销",
};

static const struct {
	int no;
	const char *zh;
} node_errno_zh[] = {
	{ ENOENT, "文件或目录不存在" },     { EACCES, "没有权限" },
	{ EPERM, "不允许的操作" },          { ENOSPC, "磁盘空间不足" },
	{ EROFS, "文件系统只读" },          { EIO, "读写出错（存储卡可能损坏）" },
	{ ENOMEM, "内存不足" },             { EEXIST, "文件已存在" },
	{ EISDIR, "是目录，不是文件" },     { ENOTDIR, "路径中有一段不是目录" },
	{ EADDRINUSE, "地址已被占用" },     { EADDRNOTAVAIL, "本机没有这个地址" },
	{ ECONNREFUSED, "对方拒绝连接" },   { ETIMEDOUT, "超时，对方没有回应" },
	{ EHOSTUNREACH, "无法到达对方主机" }, { ENETUNREACH, "网络不通" },
	{ EINVAL, "参数无效" },             { EBUSY, "设备或资源正忙" },
	{ ENXIO, "设备不存在" },            { ENODEV, "设备不存在" },
};

const char *node_reason(enum node_lang lang, int rc)
{
	if (lang == NODE_LANG_EN || rc == 0)
		return err_str(rc);
	if (rc <= ERR_BASE && rc >= ERR_LAST)
		return node_err_zh[ERR_BASE - rc];
	for (size_t i = 0; i < sizeof(node_errno_zh) / sizeof(node_errno_zh[0]); i++)
		if (rc == -node_errno_zh[i].no)
			return node_errno_zh[i].zh;
	return err_str(rc); /* a rare system error: its English name beats none */
}

bool node_msgs_complete(void)
{
	for (unsigned i = 0; i < M_COUNT; i++)
		if (!node_msgs[i].zh || !node_msgs[i].en)
			return false;
	return true;
}
