# The cunlian program: command table (main.c), one file per command group.
BIN_SRCS += node/main.c node/ctx.c node/why.c node/i18n.c node/output.c node/cmd_node.c node/cmd_volunteer.c node/cmd_order.c node/cmd_points.c \
	node/cmd_report.c node/cmd_backup.c node/log.c node/cmd_bundle.c
BIN_SRCS += node/cmd_enroll.c
# The gift shelf (issue 17).
BIN_SRCS += node/cmd_gift.c

# Links (issue 5): the daemon, one-shot sync, the link simulator relay.
BIN_SRCS += node/netconf.c node/link.c node/cmd_serve.c node/cmd_sync.c node/cmd_linksim.c node/cmd_lora.c
# A lost replica is refused; recover fetches the own feeds back (issue 12).
BIN_SRCS += node/cmd_recover.c
# The clock's bounds, `cunlian clock` and its rescue (issue 12).
BIN_SRCS += node/cmd_clock.c node/cmd_rescue.c
# The web pages' login accounts (issue 16).
BIN_SRCS += node/cmd_account.c
# Teams, hours and recognition (issue 17).
BIN_SRCS += node/cmd_team.c
# Reports administrators ask for: --format csv, --from/--to, pages (issue 17).
BIN_SRCS += node/list.c
# Micro-wishes (微心愿, issue 17).
BIN_SRCS += node/cmd_wish.c
# The service menu (issue 17).
BIN_SRCS += node/cmd_category.c
# Activities with check-in (issue 17).
BIN_SRCS += node/cmd_activity.c
# Log compaction (issue 15).
BIN_SRCS += node/cmd_compact.c
# Relays pass on the hub's snapshots (issue 15, s7-relay).
BIN_SRCS += node/snapkeep.c
