# app/: what a station or the hub can do, as a library (app/app.h), in
# libcunlian.a with the layers below it. The command line (node/), the web
# pages (web/), the tests and every other front end call it.
APP_SRCS := app/core.c app/text.c app/files.c app/config.c app/identity.c app/trust.c \
	app/mark.c app/clock.c app/log.c app/report.c app/station.c
# Enrolment and trust, the clock rescue.
APP_SRCS += app/enroll.c app/rescue.c
# Orders and points, and finding the volunteer a person names.
APP_SRCS += app/order.c app/points.c app/volunteer_find.c
# The gift shelf (issue 17).
APP_SRCS += app/gift.c
# Backup files, bundles, peer files and recover.
APP_SRCS += app/backup.c app/peer.c app/bundle.c app/recover.c
# Volunteers: records, import from CSV, resident ID numbers.
APP_SRCS += app/volunteer.c app/volunteer_import.c app/idnum.c app/csv.c
# Teams, hours and recognition (issue 17).
APP_SRCS += app/team.c app/top.c
# Log compaction (issue 15).
APP_SRCS += app/compact.c
LIB_SRCS += $(APP_SRCS)

# C tests of the operations (issue 14).
TEST_SRCS += tests/test_app_core.c tests/test_app_enroll.c tests/test_app_order.c \
	tests/test_app_backup.c tests/test_app_bundle.c tests/test_app_volunteer.c
# The web pages' login accounts: PINs as Argon2id hashes, roles, lockout (issue 16).
LIB_SRCS += app/account.c
TEST_SRCS += tests/test_app_account.c
# The county report over a range of days (the hub's dashboard).
TEST_SRCS += tests/test_app_report.c
# The service categories offered when ordering (category.c; the kiosk).
LIB_SRCS += app/category.c
# The gift shelf (issue 17).
TEST_SRCS += tests/test_app_gift.c
TEST_SRCS += tests/test_app_team.c
# Reports administrators ask for: days and pages (issue 17).
LIB_SRCS += app/range.c
# Micro-wishes (微心愿, issue 17).
LIB_SRCS += app/wish.c
TEST_SRCS += tests/test_app_wish.c
# The service menu (category.c, above) and the hub sending orders to a
# station (send.c), issue 17.
LIB_SRCS += app/send.c
TEST_SRCS += tests/test_app_category.c
# Activities with check-in (issue 17).
LIB_SRCS += app/activity.c
TEST_SRCS += tests/test_app_activity.c
